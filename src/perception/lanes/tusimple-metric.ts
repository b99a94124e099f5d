/**
 * The TuSimple lane benchmark, as its official `lane.py` (LaneEval.bench) computes it: lanes are
 * x positions at fixed rows (h_samples, -2 where absent); a predicted point is right when within
 * 20 px / cos(lane angle) of the ground truth; a ground-truth lane is matched when a prediction gets
 * >= 85% of its rows right; accuracy = sum over gt lanes of the best prediction's row accuracy /
 * min(4, #gt); FP = unmatched predictions / #pred; FN = unmatched gt lanes / min(4, #gt).
 * Like the official code, rows absent from both gt and prediction count as right.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { LaneMarking } from "../../msgs/types.generated.js";
import { evalPoly } from "./polyfit.js";

/** TuSimple's rows for 720p frames: 160, 170, ..., 710. */
export const TUSIMPLE_H_SAMPLES: readonly number[] = Array.from(
  { length: 56 },
  (_, i) => 160 + 10 * i,
);

/** Per-frame scores. */
export interface TuSimpleFrameScore {
  accuracy: number;
  fp: number;
  fn: number;
  /** Number of ground-truth and predicted lanes. */
  gtLanes: number;
  predLanes: number;
}

/**
 * Ground-truth lanes from an instance mask (one grey level per lane, 0 = background; channel 0 of
 * the PNG): per lane, the mean column of its pixels on each h_sample row, -2 where it has none.
 */
export function lanesFromInstanceMask(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  hSamples: readonly number[] = TUSIMPLE_H_SAMPLES,
): number[][] {
  const levels = new Set<number>();
  for (let i = 0; i < width * height; i++) {
    const v = data[i * channels];
    if (v) levels.add(v);
  }
  const lanes: number[][] = [];
  for (const level of [...levels].sort((a, b) => a - b)) {
    const xs = hSamples.map((row) => {
      if (row < 0 || row >= height) return -2;
      let sum = 0;
      let n = 0;
      for (let u = 0; u < width; u++) {
        if (data[(row * width + u) * channels] === level) {
          sum += u;
          n++;
        }
      }
      return n ? sum / n : -2;
    });
    if (xs.filter((x) => x >= 0).length >= 2) lanes.push(xs);
  }
  return lanes;
}

/**
 * A marking's x at each h_sample row: its polynomial over [x_min, x_max] projected into the image,
 * -2 outside. With `continueTo` beyond x_max (`LaneDetectionResult.continuation`: the line runs on
 * behind a vehicle, as TuSimple's annotators draw it), the line goes on along its tangent at x_max.
 */
export function markingToTuSimpleLane(
  marking: LaneMarking,
  geometry: CameraGeometry,
  imageWidth: number,
  hSamples: readonly number[] = TUSIMPLE_H_SAMPLES,
  stepM = 0.1,
  continueTo = marking.x_max,
): number[] {
  const pts: { u: number; v: number }[] = [];
  const c = marking.poly_coefficients;
  const x1 = marking.x_max;
  const y1 = evalPoly(c, x1);
  const slope = c[1]! + 2 * c[2]! * x1 + 3 * c[3]! * x1 * x1;
  const end = Math.max(x1, continueTo);
  for (let x = marking.x_min; x <= end + 1e-9; x += stepM) {
    const y = x <= x1 ? evalPoly(c, x) : y1 + slope * (x - x1);
    const px = geometry.groundToPixel({ x, y, z: 0 });
    if (px) pts.push(px);
  }
  return hSamples.map((row) => {
    for (let k = 1; k < pts.length; k++) {
      const a = pts[k - 1]!;
      const b = pts[k]!;
      if ((a.v - row) * (b.v - row) <= 0 && a.v !== b.v) {
        const u = a.u + ((row - a.v) / (b.v - a.v)) * (b.u - a.u);
        return u >= 0 && u < imageWidth ? u : -2;
      }
    }
    return -2;
  });
}

function laneAngle(xs: readonly number[], hSamples: readonly number[]): number {
  const pts = xs.map((x, i) => [hSamples[i]!, x] as const).filter(([, x]) => x >= 0);
  if (pts.length < 2) return 0;
  const my = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const mx = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxy = 0;
  let syy = 0;
  for (const [y, x] of pts) {
    sxy += (y - my) * (x - mx);
    syy += (y - my) ** 2;
  }
  return Math.atan(syy > 0 ? sxy / syy : 0);
}

function lineAccuracy(pred: readonly number[], gt: readonly number[], thresh: number): number {
  let ok = 0;
  for (let i = 0; i < gt.length; i++) {
    const p = pred[i]! >= 0 ? pred[i]! : -100;
    const g = gt[i]! >= 0 ? gt[i]! : -100;
    if (Math.abs(p - g) < thresh) ok++;
  }
  return ok / gt.length;
}

/** Scores one frame like LaneEval.bench (pixel threshold 20, point threshold 0.85). */
export function tusimpleFrameScore(
  pred: readonly (readonly number[])[],
  gt: readonly (readonly number[])[],
  hSamples: readonly number[] = TUSIMPLE_H_SAMPLES,
  pixelThresh = 20,
  ptThresh = 0.85,
): TuSimpleFrameScore {
  if (gt.length + 2 < pred.length)
    return { accuracy: 0, fp: 0, fn: 1, gtLanes: gt.length, predLanes: pred.length };
  const lineAccs: number[] = [];
  let fn = 0;
  let matched = 0;
  for (const g of gt) {
    const thresh = pixelThresh / Math.cos(laneAngle(g, hSamples));
    const best = pred.length ? Math.max(...pred.map((p) => lineAccuracy(p, g, thresh))) : 0;
    if (best < ptThresh) fn++;
    else matched++;
    lineAccs.push(best);
  }
  const fp = pred.length - matched;
  if (gt.length > 4 && fn > 0) fn--;
  let s = lineAccs.reduce((a, b) => a + b, 0);
  if (gt.length > 4) s -= Math.min(...lineAccs);
  const denom = Math.max(Math.min(4, gt.length), 1);
  return {
    accuracy: s / denom,
    fp: pred.length ? fp / pred.length : 0,
    fn: fn / denom,
    gtLanes: gt.length,
    predLanes: pred.length,
  };
}
