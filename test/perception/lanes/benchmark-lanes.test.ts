/**
 * Lane lines as the benchmarks draw them: road edges left out, lines run on behind the vehicles that
 * hide them (the detector's continuation), points inside the image only.
 */
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { LaneMarking } from "../../../src/msgs/types.generated.js";
import { benchmarkImageLanes } from "../../../src/perception/lanes/benchmark-lanes.js";

const geometry = CameraGeometry.approximate({
  width: 1280,
  height: 720,
  mountHeight: 1.5,
  horizonRow: 300,
  horizontalFovDeg: 60,
});

function marking(
  y: number,
  xMin: number,
  xMax: number,
  type: number = LaneMarking.TYPE_SOLID,
  slope = 0.02,
): LaneMarking {
  return {
    id: 0,
    position: 0,
    type,
    type_confidence: 1,
    color: LaneMarking.COLOR_WHITE,
    color_confidence: 1,
    confidence: 1,
    poly_coefficients: Float64Array.from([y, slope, 0, 0]),
    poly_coefficients_std: new Float64Array(4),
    x_min: xMin,
    x_max: xMax,
    lateral_offset: y,
    lateral_offset_std: 0,
    heading: 0,
    points: [],
    points_std: new Float32Array(0),
    map_id: "",
    map_match_distance: NaN,
  };
}

describe("benchmarkImageLanes", () => {
  const lines = [
    marking(1.8, 5, 20),
    marking(-1.8, 5, 20),
    marking(-5, 5, 20, LaneMarking.TYPE_ROAD_EDGE),
  ];

  it("leaves road edges out and runs each line on to its continuation along its tangent", () => {
    const lanes = benchmarkImageLanes(lines, [60, 20, 60], geometry);
    expect(lanes).toHaveLength(2);
    const farV = (pts: [number, number][]) => Math.min(...pts.map((p) => p[1]));
    const at = (x: number, y: number) => geometry.groundToPixel({ x, y, z: 0 })!;
    // The first line reaches 60 m (straight on along y = 1.8 + 0.02 x), the second stops at its x_max.
    expect(farV(lanes[0]!)).toBeCloseTo(at(60, 1.8 + 0.02 * 60).v, 0);
    expect(farV(lanes[1]!)).toBeCloseTo(at(20, -1.8 + 0.02 * 20).v, 0);
    // Near end first, every point inside the image.
    for (const l of lanes) {
      expect(l[0]![1]).toBeGreaterThan(l[l.length - 1]![1]);
      for (const [u, v] of l) {
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThanOrEqual(1279);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(719);
      }
    }
  });

  it("draws the visible extent only when asked", () => {
    const lanes = benchmarkImageLanes(lines, [60, 60, 60], geometry, { visibleOnly: true });
    const top = Math.min(...lanes[0]!.map((p) => p[1]));
    expect(top).toBeCloseTo(geometry.groundToPixel({ x: 20, y: 1.8 + 0.4, z: 0 })!.v, 0);
  });

  it("stops a continuation where it would cross another line or that line's straight extension", () => {
    // A line heading across the road (y = 1.8 - 0.1 x) continued to 60 m meets the line at y = -1.8 + 0.02 x (seen to 20 m) at x = 30 m.
    const lanes = benchmarkImageLanes(
      [marking(1.8, 5, 15, LaneMarking.TYPE_SOLID, -0.1), marking(-1.8, 5, 20)],
      [60, 20],
      geometry,
    );
    const top = Math.min(...lanes[0]!.map((p) => p[1]));
    const meet = geometry.groundToPixel({ x: 30, y: -1.2, z: 0 })!.v;
    expect(Math.abs(top - meet)).toBeLessThan(3);
    // Its visible part is kept whole.
    expect(top).toBeLessThan(geometry.groundToPixel({ x: 15, y: 0.3, z: 0 })!.v);
  });
});
