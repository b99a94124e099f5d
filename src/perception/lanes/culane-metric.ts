/**
 * CULane-style lane scoring: every lane (ground truth and prediction) is an image polyline drawn as
 * a band `width` pixels wide (30 in CULane's evaluation); a prediction matches a ground-truth lane
 * when their bands' IoU exceeds `iouThreshold` (0.5), one to one, the pairing that maximises the
 * number of matches (then the summed IoU) being taken, as CULane's Hungarian matching does. Counts
 * add up over frames into precision, recall and F1.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { LaneMarking } from "../../msgs/types.generated.js";
import { evalPoly } from "./polyfit.js";

/** An image polyline, [u, v] pixels. */
export type ImageLane = readonly (readonly [number, number])[];

/** Matches of one frame. */
export interface CulaneCounts {
  tp: number;
  fp: number;
  fn: number;
}

/** Options of `culaneFrameCounts`. */
export interface CulaneOptions {
  /** Band width (pixels); default 30. */
  width?: number;
  /** IoU above which a pair matches; default 0.5. */
  iouThreshold?: number;
}

/** Pixel indices (v * width + u) within `half` of the polyline, inside a width x height image. */
export function laneBand(
  lane: ImageLane,
  imageWidth: number,
  imageHeight: number,
  half: number,
): Set<number> {
  const out = new Set<number>();
  const h2 = half * half;
  for (let k = 0; k + 1 < lane.length || (k === 0 && lane.length === 1); k++) {
    const [u0, v0] = lane[k]!;
    const [u1, v1] = lane[Math.min(k + 1, lane.length - 1)]!;
    const du = u1 - u0;
    const dv = v1 - v0;
    const len2 = du * du + dv * dv;
    const umin = Math.max(0, Math.floor(Math.min(u0, u1) - half));
    const umax = Math.min(imageWidth - 1, Math.ceil(Math.max(u0, u1) + half));
    const vmin = Math.max(0, Math.floor(Math.min(v0, v1) - half));
    const vmax = Math.min(imageHeight - 1, Math.ceil(Math.max(v0, v1) + half));
    for (let v = vmin; v <= vmax; v++) {
      for (let u = umin; u <= umax; u++) {
        const t = len2 > 0 ? Math.max(0, Math.min(1, ((u - u0) * du + (v - v0) * dv) / len2)) : 0;
        const eu = u - (u0 + t * du);
        const ev = v - (v0 + t * dv);
        if (eu * eu + ev * ev <= h2) out.add(v * imageWidth + u);
      }
    }
  }
  return out;
}

function iou(a: Set<number>, b: Set<number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const p of small) if (large.has(p)) inter++;
  return inter / (a.size + b.size - inter);
}

/** The one-to-one pairing of predictions to ground truth with the most pairs above `threshold`, ties broken by summed IoU (exhaustive; lanes per frame are few). */
function bestMatching(m: number[][], threshold: number): number {
  const nPred = m.length;
  const nGt = nPred ? m[0]!.length : 0;
  const used = new Array<boolean>(nGt).fill(false);
  let best = { count: 0, sum: 0 };
  const walk = (i: number, count: number, sum: number): void => {
    if (i === nPred) {
      if (count > best.count || (count === best.count && sum > best.sum)) best = { count, sum };
      return;
    }
    if (count + (nPred - i) < best.count) return;
    walk(i + 1, count, sum);
    for (let j = 0; j < nGt; j++) {
      if (used[j] || !(m[i]![j]! > threshold)) continue;
      used[j] = true;
      walk(i + 1, count + 1, sum + m[i]![j]!);
      used[j] = false;
    }
  };
  walk(0, 0, 0);
  return best.count;
}

/** TP, FP and FN of one frame. */
export function culaneFrameCounts(
  pred: readonly ImageLane[],
  gt: readonly ImageLane[],
  imageWidth: number,
  imageHeight: number,
  options: CulaneOptions = {},
): CulaneCounts {
  const half = (options.width ?? 30) / 2;
  const threshold = options.iouThreshold ?? 0.5;
  const pb = pred.map((l) => laneBand(l, imageWidth, imageHeight, half));
  const gb = gt.map((l) => laneBand(l, imageWidth, imageHeight, half));
  const m = pb.map((p) => gb.map((g) => iou(p, g)));
  const tp = bestMatching(m, threshold);
  return { tp, fp: pred.length - tp, fn: gt.length - tp };
}

/** Precision, recall and F1 of summed counts (1 where nothing was to be found or nothing was claimed). */
export function culaneScores(
  counts: readonly CulaneCounts[],
): CulaneCounts & { precision: number; recall: number; f1: number } {
  const tp = counts.reduce((s, c) => s + c.tp, 0);
  const fp = counts.reduce((s, c) => s + c.fp, 0);
  const fn = counts.reduce((s, c) => s + c.fn, 0);
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/** A marking as an image polyline: its polynomial over [x_min, max(x_max, continueTo)] projected (straight along its tangent beyond x_max), points every `stepM` metres that the camera sees. */
export function markingToImageLane(
  marking: LaneMarking,
  geometry: CameraGeometry,
  stepM = 0.5,
  continueTo = marking.x_max,
): ImageLane {
  const c = marking.poly_coefficients;
  const x1 = marking.x_max;
  const y1 = evalPoly(c, x1);
  const slope = c[1]! + 2 * c[2]! * x1 + 3 * c[3]! * x1 * x1;
  const end = Math.max(x1, continueTo);
  const out: [number, number][] = [];
  for (let x = marking.x_min; x <= end + 1e-9; x += stepM) {
    const px = geometry.groundToPixel({
      x,
      y: x <= x1 ? evalPoly(c, x) : y1 + slope * (x - x1),
      z: 0,
    });
    if (
      px &&
      px.u >= -50 &&
      px.u <= geometry.model.width + 50 &&
      px.v >= 0 &&
      px.v <= geometry.model.height
    )
      out.push([px.u, px.v]);
  }
  return out;
}
