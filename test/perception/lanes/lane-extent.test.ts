/**
 * How far lines reach: near ends down to the first road the camera sees (the image's last row, or
 * where the hood ends), straight near continuations, and the continuation of a line whose far end
 * runs into a vehicle.
 */
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { bevLookup, rowX, xToRow, yToCol } from "../../../src/perception/bev/bev-grid.js";
import {
  imageRoadNearLimit,
  nearExtent,
  nearestVisibleX,
  occludedContinuation,
  withNearContinuation,
  type ImageRoad,
} from "../../../src/perception/lanes/lane-extent.js";
import { DEFAULT_LANE_GRID } from "../../../src/perception/bev/lane-grid.js";
import type { FitSampleArrays } from "../../../src/perception/lanes/polyfit.js";
import { laneTuning } from "./support/lane-tuning.js";

const geometry = CameraGeometry.approximate({
  width: 1280,
  height: 720,
  mountHeight: 1.5,
  horizonRow: 240,
  horizontalFovDeg: 60,
});
const lookup = bevLookup(geometry, DEFAULT_LANE_GRID, 1280, 720);
const line = Float64Array.from([-1.7, 0, 0, 0]);
/** Near-end and occlusion tuning from config/lane_detector.param.yaml. */
const { near, occlusion } = laneTuning().pipeline;

describe("near ends", () => {
  it("reach the image's last row, not the last BEV row centre", () => {
    const px = geometry.groundToPixel({
      x: nearestVisibleX(lookup, line, 20, undefined, near.roadHalfWidthCols),
      y: -1.7,
      z: 0,
    })!;
    expect(px.v).toBeGreaterThan(718);
    expect(px.v).toBeLessThan(720.5);
  });

  it("stop where the road starts when the bottom rows are the hood (no drivable cells there)", () => {
    const road = new Uint8Array(lookup.rows * lookup.cols);
    for (let r = xToRow(lookup.spec, 6); r < lookup.rows; r++)
      road.fill(1, r * lookup.cols, (r + 1) * lookup.cols);
    expect(nearestVisibleX(lookup, line, 20, road, near.roadHalfWidthCols)).toBeCloseTo(
      rowX(lookup.spec, xToRow(lookup.spec, 6)) - lookup.spec.dx / 2,
      9,
    );
  });

  it("stop at the bonnet's edge in the image, which a half-metre BEV row straddles", () => {
    // Road above image row 650 (a bonnet below it, curving up towards the sides: row 650 - 2e-5 (u - 640)^2).
    const hoodTop = (u: number) => 650 - 2e-5 * (u - 640) ** 2;
    const road: ImageRoad = {
      width: 1280,
      height: 720,
      project: (x, y) => geometry.groundToPixel({ x, y, z: 0 }),
      isRoad: (u, v) => v < hoodTop(u),
    };
    const bottom = nearestVisibleX(lookup, line, 20, undefined, near.roadHalfWidthCols);
    const x = imageRoadNearLimit(
      road,
      line,
      12,
      bottom,
      near.imageRoadHalfWidth,
      near.imageRoadRowStep,
    );
    const px = geometry.groundToPixel({ x, y: -1.7, z: 0 })!;
    // The near end lands within a few image rows of the bonnet's edge under the line (road within 0.25 m of the line counts), not on the image's last row.
    expect(bottom).toBeLessThan(x - 0.3);
    expect(px.v).toBeLessThan(hoodTop(px.u) + 2);
    expect(px.v).toBeGreaterThan(hoodTop(px.u) - 3);
    // All road down to the last row: the limit is the bottom; no road at the evidence itself: no extension.
    expect(
      imageRoadNearLimit(
        { ...road, isRoad: () => true },
        line,
        12,
        bottom,
        near.imageRoadHalfWidth,
        near.imageRoadRowStep,
      ),
    ).toBe(bottom);
    expect(
      imageRoadNearLimit(
        { ...road, isRoad: () => false },
        line,
        12,
        bottom,
        near.imageRoadHalfWidth,
        near.imageRoadRowStep,
      ),
    ).toBe(12);
  });

  it("bridge at most a dash gap and no more than the evidence's own length", () => {
    const bottom = nearestVisibleX(lookup, line, 30, undefined, near.roadHalfWidthCols);
    expect(nearExtent(lookup, line, 12, 20, near)).toBeCloseTo(bottom, 9);
    expect(nearExtent(lookup, line, 20, 20, near)).toBe(20); // 16 m gap > 10 m
    expect(nearExtent(lookup, line, 9, 4, near)).toBe(9); // a 4 m piece does not carry 5.5 m
  });

  it("continue the near evidence straight, even when the fit would bend", () => {
    // Evidence on a gentle curve from 8 to 30 m; the continuation to 3.5 m follows the near evidence's line.
    const n = 45;
    const samples: FitSampleArrays = {
      x: new Float64Array(n),
      y: new Float64Array(n),
      w: new Float64Array(n).fill(1),
      n,
    };
    for (let k = 0; k < n; k++) {
      samples.x[k] = 8 + k * 0.5;
      samples.y[k] = 1.7 + 0.02 * samples.x[k]! + 1e-3 * samples.x[k]! ** 2;
    }
    const out = withNearContinuation(
      samples,
      3.5,
      8,
      0.5,
      near.continuationWindow,
      near.continuationMinSpan,
    );
    expect(out.n).toBe(n + 9);
    for (let k = n; k < out.n; k++) {
      const x = out.x[k]!;
      expect(x).toBeGreaterThanOrEqual(3.5);
      expect(x).toBeLessThan(8);
      // The least-squares line of the first 8 m of evidence (8-16 m, mean x 12, mean x^2 150): slope 0.02 + 2e-3 * 12.
      expect(Math.abs(out.y[k]! - (1.7 + 0.02 * 12 + 1e-3 * 150 + 0.044 * (x - 12)))).toBeLessThan(
        1e-6,
      );
      expect(out.w[k]).toBe(1);
    }
  });
});

describe("continuation behind a vehicle", () => {
  const cols = lookup.cols;
  const drivableAll = () => {
    const d = new Uint8Array(lookup.rows * cols);
    for (let i = 0; i < d.length; i++) if (lookup.pixelIndex[i]! >= 0) d[i] = 1;
    return d;
  };

  it("ends where the paint ends on open road", () => {
    expect(occludedContinuation(lookup, drivableAll(), line, 25, occlusion)).toBe(25);
  });

  it("runs on to the grid's far end when the line runs into something standing on the road", () => {
    const d = drivableAll();
    // A car from 25 to 30 m ahead, 2 m either side of the line.
    for (let r = xToRow(lookup.spec, 25); r <= xToRow(lookup.spec, 30); r++) {
      for (let c = yToCol(lookup.spec, -3.7); c <= yToCol(lookup.spec, 0.3); c++)
        d[r * cols + c] = 0;
    }
    expect(occludedContinuation(lookup, d, line, 25, occlusion)).toBe(lookup.spec.xMax);
    expect(occludedContinuation(lookup, d, line, 25, { ...occlusion, continueTo: 50 })).toBe(50);
  });
});
