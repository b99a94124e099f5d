/**
 * The horizon row of an uncalibrated still from the lane lines' vanishing point: straight lines
 * fitted to the lane mask's blobs in image space, left-leaning and right-leaning ones intersected
 * (and same-leaning ones at clearly different angles, meeting beyond both),
 * the weighted median of the intersections' rows taken. Assumes a flat, fairly straight road.
 */
import { tensorPixelToImage, type TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";

/** A horizon estimate. */
export interface HorizonEstimate {
  /** Image row of the horizon (pixels, centres at integers). */
  row: number;
  /** Image column of the vanishing point. */
  column: number;
  /** Number of line pairs that voted. */
  pairs: number;
}

interface ImageLine {
  a: number; // u at v = 0
  b: number; // du/dv
  weight: number;
  /** Topmost image row of the blob. */
  top: number;
}

/** Options of `estimateHorizonFromLanes`. */
export interface HorizonEstimateOptions {
  /** Mask class of lane lines; default 1. */
  positiveClass?: number;
  /** Blobs with fewer pixels are ignored; default 40. */
  minPixels?: number;
  /**
   * Two lines leaning the same way (both left of the vanishing point: the lines right of the car
   * faint or hidden, as at night) vote when their directions differ by at least this (radians) and
   * they meet above both; default 0.35 (20 degrees).
   */
  minSameSideAngle?: number;
}

/** Estimates the horizon row from a lane mask; undefined without at least one left and one right line. */
export function estimateHorizonFromLanes(
  mask: SegmentationMask,
  toImage: TensorToImage,
  options: HorizonEstimateOptions = {},
): HorizonEstimate | undefined {
  const cls = options.positiveClass ?? 1;
  const minPixels = options.minPixels ?? 40;
  const minSameSideAngle = options.minSameSideAngle ?? 0.35;
  const { width: w, height: h } = mask;
  // Long horizontal runs are transverse paint (stop lines, crosswalk edges): dropped, so that they
  // do not join the lane lines into one blob.
  const classes = new Uint8Array(mask.classes);
  const maxRun = Math.max(4, Math.round(0.08 * w));
  for (let v = 0; v < h; v++) {
    let u = 0;
    while (u < w) {
      if (classes[v * w + u] !== cls) {
        u++;
        continue;
      }
      let end = u;
      while (end < w && classes[v * w + end] === cls) end++;
      if (end - u > maxRun) classes.fill(0, v * w + u, v * w + end);
      u = end;
    }
  }
  // Lines converge towards the vanishing point and merge there: only the lower 80% of the lane
  // pixels (by row) are used, where the lines are apart.
  const perRow = new Int32Array(h);
  let lanePixels = 0;
  for (let v = 0; v < h; v++)
    for (let u = 0; u < w; u++) if (classes[v * w + u] === cls) perRow[v]!++;
  for (let v = 0; v < h; v++) lanePixels += perRow[v]!;
  let above = 0;
  for (let v = 0; v < h && above < 0.2 * lanePixels; v++) {
    above += perRow[v]!;
    classes.fill(0, v * w, (v + 1) * w);
  }
  const seen = new Uint8Array(w * h);
  const lines: ImageLine[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || classes[start] !== cls) continue;
    seen[start] = 1;
    stack.push(start);
    let n = 0;
    let su = 0;
    let sv = 0;
    let suv = 0;
    let svv = 0;
    let vMin = Infinity;
    let vMax = -Infinity;
    while (stack.length) {
      const i = stack.pop()!;
      const mv = Math.floor(i / w);
      const mu = i - mv * w;
      const p = tensorPixelToImage(toImage, { u: mu, v: mv });
      n++;
      su += p.u;
      sv += p.v;
      suv += p.u * p.v;
      svv += p.v * p.v;
      vMin = Math.min(vMin, p.v);
      vMax = Math.max(vMax, p.v);
      for (let dv = -1; dv <= 1; dv++) {
        const v2 = mv + dv;
        if (v2 < 0 || v2 >= h) continue;
        for (let du = -1; du <= 1; du++) {
          const u2 = mu + du;
          if (u2 < 0 || u2 >= w) continue;
          const j = v2 * w + u2;
          if (!seen[j] && classes[j] === cls) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    if (n < minPixels || vMax - vMin < 0.06 * toImage.imageHeight) continue;
    const mv = sv / n;
    const varV = svv / n - mv * mv;
    if (varV <= 1e-6) continue;
    const b = (suv / n - (su / n) * mv) / varV;
    if (Math.abs(b) < 0.15 || Math.abs(b) > 8) continue; // near-vertical blobs (poles) or transverse lines
    lines.push({ a: su / n - b * mv, b, weight: Math.sqrt(n) * (vMax - vMin), top: vMin });
  }
  const votes: { v: number; u: number; w: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const l1 = lines[i]!;
      const l2 = lines[j]!;
      const sameSide = Math.sign(l1.b) === Math.sign(l2.b);
      if (sameSide && Math.abs(Math.atan(l1.b) - Math.atan(l2.b)) < minSameSideAngle) continue;
      const v = (l2.a - l1.a) / (l1.b - l2.b);
      if (!Number.isFinite(v) || v < -0.3 * toImage.imageHeight || v > 0.9 * toImage.imageHeight)
        continue;
      // Two pieces of one bending line meet on the line itself, not beyond both.
      if (sameSide && v > Math.min(l1.top, l2.top)) continue;
      votes.push({ v, u: l1.a + l1.b * v, w: l1.weight * l2.weight });
    }
  }
  if (votes.length === 0) return undefined;
  votes.sort((a, b) => a.v - b.v);
  const total = votes.reduce((s, e) => s + e.w, 0);
  let acc = 0;
  for (const e of votes) {
    acc += e.w;
    if (acc >= total / 2) return { row: e.v, column: e.u, pairs: votes.length };
  }
  return undefined;
}
