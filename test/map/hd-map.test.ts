import { describe, expect, it } from "vitest";
import { distanceToFeature, featureBounds } from "../../src/map/feature-geometry.js";
import { createHdMap } from "../../src/map/hd-map.js";
import { MapValidationError } from "../../src/map/map-validation-error.js";
import { syntheticGridMap } from "../../src/map/synthetic-grid-map.js";
import type { MapFeature } from "../../src/map/types.js";
import { origin, smallRoad } from "./fixtures.js";

const grid = syntheticGridMap({ blocks: 6 });
const gridMap = createHdMap({ name: "grid", origin, features: grid });

/** The brute-force answer the index must reproduce. */
function bruteNear(
  features: readonly MapFeature[],
  p: { x: number; y: number },
  radius: number,
): string[] {
  return features
    .filter((f) => distanceToFeature(f, p) <= radius)
    .map((f) => f.id)
    .sort();
}

describe("HdMap queries", () => {
  it("finds features by box, by kind, by id", () => {
    const box = { minX: 95, minY: -5, maxX: 105, maxY: 5 };
    const expected = grid
      .filter((f) => {
        const b = featureBounds(f);
        return b.minX <= box.maxX && b.maxX >= box.minX && b.minY <= box.maxY && b.maxY >= box.minY;
      })
      .map((f) => f.id);
    expect(gridMap.query(box).map((f) => f.id)).toEqual(expected);
    expect(gridMap.query(box, ["crosswalk"])).toEqual([]); // the intersection's crosswalks start 6 m from its centre
    expect(
      gridMap
        .query({ minX: 90, minY: -10, maxX: 110, maxY: 10 }, ["crosswalk"])
        .map((f) => f.id)
        .sort(),
    ).toEqual(["x1_0_e", "x1_0_n", "x1_0_s", "x1_0_w"]);
    expect(gridMap.feature("h0_0_fwd")?.kind).toBe("lane");
    expect(gridMap.feature("nope")).toBeUndefined();
  });

  it("near() uses the true geometry distance, not bounding boxes, nearest first", () => {
    // A diagonal boundary: its bounding box covers (10, 0), the line itself is 7 m away.
    const diagonal: MapFeature = {
      kind: "lane_boundary",
      id: "diag",
      boundaryType: "solid",
      color: "white",
      points: [
        { x: 0, y: 0 },
        { x: 20, y: 20 },
      ],
    };
    const map = createHdMap({ name: "d", origin, features: [diagonal] });
    expect(map.query({ minX: 10, minY: 0, maxX: 10, maxY: 0 })).toHaveLength(1);
    expect(map.near({ x: 10, y: 0 }, 7)).toEqual([]);
    expect(map.near({ x: 10, y: 0 }, 7.1)).toEqual([diagonal]);
    expect(map.nearWithDistance({ x: 10, y: 0 }, 8)[0]!.distance).toBeCloseTo(10 / Math.SQRT2, 12);
    for (const [p, r] of [
      [{ x: 103, y: 2 }, 4],
      [{ x: 250, y: 330 }, 30],
      [{ x: 47, y: 51 }, 50],
    ] as const) {
      const hits = gridMap.nearWithDistance(p, r);
      expect(hits.map((h) => h.feature.id).sort()).toEqual(bruteNear(grid, p, r));
      expect(hits.map((h) => h.distance)).toEqual(
        [...hits.map((h) => h.distance)].sort((a, b) => a - b),
      );
    }
  });

  it("distance to a crosswalk is zero inside it", () => {
    const hit = gridMap.nearest({ x: 107, y: 0 }, ["crosswalk"])!;
    expect(hit.feature.id).toBe("x1_0_e");
    expect(hit.distance).toBe(0);
    const outside = gridMap.nearest({ x: 112, y: 0 }, ["crosswalk"])!;
    expect(outside.distance).toBeCloseTo(3, 12);
    expect(gridMap.nearest({ x: 5000, y: 5000 }, ["crosswalk"])).toBeUndefined();
  });

  it("says which lane holds a point, from its boundaries", () => {
    expect(gridMap.lanesAt({ x: 150, y: -1 }).map((l) => l.id)).toEqual(["h0_1_fwd"]); // eastbound, south side
    expect(gridMap.lanesAt({ x: 150, y: 1 }).map((l) => l.id)).toEqual(["h0_1_bwd"]);
    expect(gridMap.lanesAt({ x: 201, y: 150 }).map((l) => l.id)).toEqual(["v2_1_fwd"]); // northbound, east side
    expect(gridMap.lanesAt({ x: 150, y: 4 })).toEqual([]); // beyond the road edge
    expect(gridMap.lanesAt({ x: 100, y: 1 })).toEqual([]); // inside the intersection, where no lane is mapped
  });

  it("rejects duplicate ids and dangling references when built in memory", () => {
    const features = smallRoad();
    features.push({ ...features[0]! });
    expect(() => createHdMap({ name: "dup", origin, features })).toThrow(MapValidationError);
    expect(() => createHdMap({ name: "dup", origin, features })).toThrow(
      /duplicate feature id "b_right"/,
    );
  });

  it("handles an empty map", () => {
    const empty = createHdMap({ name: "empty", origin, features: [] });
    expect(empty.query({ minX: -1e9, minY: -1e9, maxX: 1e9, maxY: 1e9 })).toEqual([]);
    expect(empty.nearest({ x: 0, y: 0 })).toBeUndefined();
    expect(empty.lanesAt({ x: 0, y: 0 })).toEqual([]);
  });
});
