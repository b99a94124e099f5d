import { describe, expect, it } from "vitest";
import { signedPolygonArea } from "../../src/geometry/polygon.js";
import { hdMapToGeoJson } from "../../src/map/geojson-writer.js";
import { loadHdMap } from "../../src/map/loader.js";
import type { MapFeature } from "../../src/map/types.js";
import { origin, smallRoad } from "./fixtures.js";

function maxDeviation(a: readonly MapFeature[], b: readonly MapFeature[]): number {
  let worst = 0;
  const pts = (f: MapFeature) =>
    f.kind === "lane" ? f.centerline : f.kind === "crosswalk" ? f.polygon : f.points;
  a.forEach((f, i) =>
    pts(f).forEach(
      (p, k) =>
        (worst = Math.max(worst, Math.hypot(p.x - pts(b[i]!)[k]!.x, p.y - pts(b[i]!)[k]!.y))),
    ),
  );
  return worst;
}

describe("hdMapToGeoJson", () => {
  it("writes the hdmap member and RFC 7946 features", () => {
    const fc = hdMapToGeoJson({ name: "stanford", origin, features: smallRoad() });
    expect(fc.type).toBe("FeatureCollection");
    expect(fc.hdmap).toEqual({ format_version: 1, name: "stanford", origin });
    const lane = fc.features.find((f) => f.id === "lane_east")!;
    expect(lane.properties).toEqual({
      type: "lane",
      left_boundary_id: "b_centre",
      right_boundary_id: "b_right",
      successor_ids: [],
      predecessor_ids: [],
      speed_limit_mps: 13.9,
    });
    // [lon, lat, alt]: the first centerline point is 1.75 m south of the origin.
    const [lon, lat, alt] = lane.geometry.coordinates[0] as number[];
    expect(lon).toBeCloseTo(origin.longitude, 9);
    expect(lat).toBeLessThan(origin.latitude);
    expect((origin.latitude - lat!) * 111_000).toBeCloseTo(1.75, 1);
    expect(alt).toBeCloseTo(30, 3);
    const ring = (
      fc.features.find((f) => f.id === "cw_1")!.geometry.coordinates as number[][][]
    )[0]!;
    expect(ring.length).toBe(5);
    expect(ring[4]).toEqual(ring[0]);
  });

  it("writes crosswalks counter-clockwise even when given clockwise", () => {
    const features = smallRoad().map((f) =>
      f.kind === "crosswalk" ? { ...f, polygon: [...f.polygon].reverse() } : f,
    );
    const map = loadHdMap(hdMapToGeoJson({ name: "cw", origin, features }));
    expect(signedPolygonArea(map.crosswalks.get("cw_1")!.polygon)).toBeGreaterThan(0);
    expect(map.warnings).toEqual([]);
  });

  it("round-trips through the loader to well under a millimetre, also 20 km from the origin", () => {
    const far = smallRoad().map((f) => {
      const shift = (p: { x: number; y: number }) => ({ x: p.x + 20_000, y: p.y - 15_000 });
      if (f.kind === "lane") return { ...f, centerline: f.centerline.map(shift) };
      if (f.kind === "crosswalk") return { ...f, polygon: f.polygon.map(shift) };
      return { ...f, points: f.points.map(shift) };
    }) as MapFeature[];
    for (const features of [smallRoad(), far]) {
      for (const withAltitude of [true, false]) {
        const map = loadHdMap(
          JSON.parse(
            JSON.stringify(hdMapToGeoJson({ name: "rt", origin, features, withAltitude })),
          ),
        );
        expect(map.features.map((f) => f.id)).toEqual(features.map((f) => f.id));
        expect(maxDeviation(features, map.features)).toBeLessThan(1e-4);
      }
    }
  });
});
