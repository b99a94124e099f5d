import { describe, expect, it } from "vitest";
import type { Crosswalk, HdMap } from "../../../src/map/types.js";
import { crosswalkRegionsAhead } from "../../../src/perception/pedestrians/map-regions.js";

/** A map with two crosswalks (map frame, ENU): one 40 m east of the origin, one 40 m west. */
const crosswalks: Crosswalk[] = [
  {
    kind: "crosswalk",
    id: "east",
    polygon: [
      { x: 40, y: -5 },
      { x: 44, y: -5 },
      { x: 44, y: 5 },
      { x: 40, y: 5 },
    ],
  },
  {
    kind: "crosswalk",
    id: "west",
    polygon: [
      { x: -44, y: -5 },
      { x: -40, y: -5 },
      { x: -40, y: 5 },
      { x: -44, y: 5 },
    ],
  },
];
const map: Pick<HdMap, "near"> = {
  near: (p, radius) =>
    crosswalks.filter((c) => c.polygon.some((q) => Math.hypot(q.x - p.x, q.y - p.y) <= radius)),
};
/** Yaw about z as a quaternion. */
const yaw = (a: number) => ({ x: 0, y: 0, z: Math.sin(a / 2), w: Math.cos(a / 2) });

describe("crosswalkRegionsAhead", () => {
  it("gives the crosswalks ahead of the vehicle in base_link, within the radius", () => {
    // Vehicle at (10, 0) heading east: the east crossing is 30-34 m ahead, the west one behind.
    const regions = crosswalkRegionsAhead(
      map,
      { translation: { x: 10, y: 0, z: 0 }, rotation: yaw(0) },
      100,
    );
    expect(regions.map((r) => r.id)).toEqual(["east"]);
    expect(regions[0]!.polygon[0]!.x).toBeCloseTo(30, 9);
    expect(regions[0]!.polygon[0]!.y).toBeCloseTo(-5, 9);
  });

  it("turns with the vehicle: heading west, the west crossing is ahead", () => {
    const regions = crosswalkRegionsAhead(
      map,
      { translation: { x: 0, y: 0, z: 0 }, rotation: yaw(Math.PI) },
      100,
    );
    expect(regions.map((r) => r.id)).toEqual(["west"]);
    // Heading west, map north (+y) is to the right (-y in base_link): map (-40, 5) is 40 m ahead, 5 m right.
    const i = crosswalks[1]!.polygon.findIndex((q) => q.x === -40 && q.y === 5);
    expect(regions[0]!.polygon[i]!.x).toBeCloseTo(40, 9);
    expect(regions[0]!.polygon[i]!.y).toBeCloseTo(-5, 9);
  });

  it("leaves out crosswalks beyond the radius", () => {
    expect(
      crosswalkRegionsAhead(map, { translation: { x: 10, y: 0, z: 0 }, rotation: yaw(0) }, 20),
    ).toEqual([]);
  });
});
