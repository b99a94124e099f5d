/**
 * The HD map of a scenario: the world's lane boundaries, lanes, crosswalks and stop lines in the
 * map frame, with the scenario's map edits applied (only map_mismatch has any), written as GeoJSON
 * through the project's one writer (src/map/geojson-writer.ts). Ids are the world's, stable across
 * seeds.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PerceptionError } from "../../src/core/errors.js";
import type { Point2 } from "../../src/geometry/types.js";
import { hdMapToGeoJson } from "../../src/map/geojson-writer.js";
import type { MapFeature } from "../../src/map/types.js";
import type { BuiltScenario } from "./scenarios.js";
import { crosswalkFeature } from "./world/types.js";

/** The HD-map features of a scenario (edits applied), in a stable order. */
export function scenarioMapFeatures(s: Pick<BuiltScenario, "world" | "mapEdits">): MapFeature[] {
  const shifts = new Map<string, number>();
  const omitted = new Set<string>();
  const extra: MapFeature[] = [];
  for (const e of s.mapEdits) {
    if (e.kind === "shift_boundary") shifts.set(e.boundaryId, e.offset);
    else if (e.kind === "omit_crosswalk") omitted.add(e.crosswalkId);
    else
      extra.push({
        kind: "crosswalk",
        id: e.crosswalkId,
        polygon: e.polygon.map((p) => ({ ...p })),
      });
  }
  for (const id of shifts.keys()) {
    if (!s.world.laneBoundaries.some((b) => b.id === id))
      throw new PerceptionError("scenario", `map edit shifts unknown boundary ${id}`);
  }
  const features: MapFeature[] = [];
  for (const b of s.world.laneBoundaries) {
    const offset = shifts.get(b.id);
    features.push({
      ...b,
      points:
        offset === undefined ? b.points.map((p) => ({ ...p })) : shiftPolyline(b.points, offset),
    });
  }
  for (const l of s.world.lanes)
    features.push({
      ...l,
      centerline: l.centerline.map((p) => ({ ...p })),
      successorIds: [...l.successorIds],
      predecessorIds: [...l.predecessorIds],
    });
  for (const c of s.world.crosswalks) if (!omitted.has(c.id)) features.push(crosswalkFeature(c));
  features.push(...extra);
  for (const sl of s.world.stopLines)
    features.push({ ...sl, points: sl.points.map((p) => ({ ...p })), laneIds: [...sl.laneIds] });
  return features;
}

/** Moves a polyline `offset` metres to the left of its direction (vertex normals). */
function shiftPolyline(points: readonly Point2[], offset: number): Point2[] {
  return points.map((p, i) => {
    const a = points[Math.max(0, i - 1)]!;
    const b = points[Math.min(points.length - 1, i + 1)]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    return { x: p.x - ((b.y - a.y) / len) * offset, y: p.y + ((b.x - a.x) / len) * offset };
  });
}

/** Writes the scenario's HD map as GeoJSON; returns the features written. */
export function writeScenarioMap(
  path: string,
  name: string,
  s: Pick<BuiltScenario, "world" | "mapEdits">,
): MapFeature[] {
  const features = scenarioMapFeatures(s);
  const collection = hdMapToGeoJson({ name, origin: s.world.origin, features });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(collection) + "\n");
  return features;
}
