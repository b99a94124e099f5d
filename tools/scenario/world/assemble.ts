/** Puts roads and actors together into a World. */
import type { GeoPoint } from "../../../src/map/local-projection.js";
import type { RoadParts } from "./road-builder.js";
import { emptyWorldFeatures, type PedestrianSpec, type VehicleSpec, type World } from "./types.js";

export function assembleWorld(
  origin: GeoPoint,
  roads: Array<{ id: string; parts: RoadParts }>,
  pedestrians: PedestrianSpec[],
  vehicles: VehicleSpec[],
): World {
  const world: World = {
    origin,
    ...emptyWorldFeatures(),
    pedestrians,
    vehicles,
    roads: new Map(),
    bounds: { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity },
  };
  for (const { id, parts } of roads) {
    world.roads.set(id, parts.line);
    world.surfaces.push(...parts.surfaces);
    world.paint.push(...parts.paint);
    world.laneBoundaries.push(...parts.laneBoundaries);
    world.lanes.push(...parts.lanes);
    world.crosswalks.push(...parts.crosswalks);
    world.stopLines.push(...parts.stopLines);
  }
  // Asphalt surfaces last so a crossing road's asphalt covers the other road's kerbs and sidewalks.
  const order = { sidewalk: 0, kerb: 1, asphalt: 2 } as const;
  world.surfaces.sort((a, b) => order[a.material] - order[b.material]);
  for (const s of world.surfaces) {
    for (const p of s.polygon) {
      world.bounds.minX = Math.min(world.bounds.minX, p.x - 5);
      world.bounds.minY = Math.min(world.bounds.minY, p.y - 5);
      world.bounds.maxX = Math.max(world.bounds.maxX, p.x + 5);
      world.bounds.maxY = Math.max(world.bounds.maxY, p.y + 5);
    }
  }
  return world;
}

/** Removes a crosswalk (and its paint) from the world, as if it had been scrubbed off the road. */
export function removeCrosswalkFromWorld(world: World, id: string): void {
  world.crosswalks = world.crosswalks.filter((c) => c.id !== id);
  world.paint = world.paint.filter((p) => p.kind !== "polygon" || p.featureId !== id);
}
