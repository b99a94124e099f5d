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

  it("runs a line to the image border where it leaves the image between two samples, at any resolution", () => {
    // At 1920x1080 a 0.25 m sample near the camera is ~50 rows: a near end just below the last row
    // left the line starting 50 rows up. Its border crossing is the line's first point now.
    const fhd = CameraGeometry.approximate({
      width: 1920,
      height: 1080,
      mountHeight: 1.5,
      horizonRow: 450,
      horizontalFovDeg: 60,
    });
    // The ground distance whose row is 1079.4, just below the last row (1079), by bisection.
    let lo = 1;
    let hi = 20;
    for (let k = 0; k < 60; k++) {
      const mid = (lo + hi) / 2;
      if (fhd.groundToPixel({ x: mid, y: -1.8, z: 0 })!.v > 1079.4) lo = mid;
      else hi = mid;
    }
    const xBottom = (lo + hi) / 2;
    const [lane] = benchmarkImageLanes(
      [marking(-1.8, xBottom, 20, LaneMarking.TYPE_SOLID, 0)],
      [20],
      fhd,
    );
    expect(lane![0]![1]).toBeCloseTo(1079, 1);
    const expectedU = fhd.groundToPixel({ x: xBottom, y: -1.8, z: 0 })!.u;
    expect(Math.abs(lane![0]![0] - expectedU)).toBeLessThan(1);
    // The next point is the first sample inside, tens of rows up.
    expect(lane![1]![1]).toBeLessThan(1079 - 20);
    // A line that leaves at the side ends on the side border.
    const [side] = benchmarkImageLanes(
      [marking(3, 5, 20, LaneMarking.TYPE_SOLID, -0.8)],
      [20],
      fhd,
    );
    const last = side![side!.length - 1]!;
    expect(last[0]).toBeCloseTo(1919, 1);
  });
});
