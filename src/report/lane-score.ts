/**
 * Lane markings: detected vs labelled in base_link (marking matches and the lateral error by range
 * band of x) and in the image with the TuSimple benchmark's rules (the project's implementation of
 * LaneEval.bench, `src/perception/lanes/tusimple-metric.ts`), the rows and pixel threshold scaled
 * from TuSimple's 1280x720 to the image size.
 */
import { TUSIMPLE_H_SAMPLES, tusimpleFrameScore } from "../perception/lanes/tusimple-metric.js";
import { bandOf, type EvalConfig } from "./eval-config.js";
import { addError, zeroErrors, type LanePartial } from "./partial.js";

/** A lane line as y(x) in base_link over [xMin, xMax]. */
export interface GroundLane {
  xMin: number;
  xMax: number;
  y(x: number): number | undefined;
}

export function emptyLanes(): LanePartial {
  return {
    tusimpleFrames: 0,
    tusimpleAccuracy: 0,
    tusimpleFp: 0,
    tusimpleFn: 0,
    counts: { tp: 0, fp: 0, fn: 0 },
    lateral: {},
  };
}

/** y(x) along a polyline of [x, y] points by linear interpolation (the first segment spanning x). */
export function polylineLane(
  points: readonly (readonly [number, number])[],
): GroundLane | undefined {
  if (points.length < 2) return undefined;
  const xs = points.map((p) => p[0]);
  return {
    xMin: Math.min(...xs),
    xMax: Math.max(...xs),
    y(x: number): number | undefined {
      for (let i = 1; i < points.length; i++) {
        const a = points[i - 1]!;
        const b = points[i]!;
        if ((a[0] - x) * (b[0] - x) <= 0 && a[0] !== b[0])
          return a[1] + ((x - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
      }
      return undefined;
    },
  };
}

/** Scores one frame's markings in base_link and adds into `into`. */
export function scoreGroundLanes(
  preds: readonly GroundLane[],
  truths: readonly GroundLane[],
  config: EvalConfig,
  into: LanePartial,
): void {
  const c = config.lanes;
  const candidates: { p: number; t: number; mean: number; samples: [number, number][] }[] = [];
  preds.forEach((p, pi) => {
    truths.forEach((t, ti) => {
      const lo = Math.max(p.xMin, t.xMin, 0);
      const hi = Math.min(p.xMax, t.xMax, c.max_range_m);
      if (hi - lo < c.match_min_overlap_m) return;
      const samples: [number, number][] = [];
      for (
        let x = Math.ceil(lo / c.sample_step_m) * c.sample_step_m;
        x <= hi + 1e-9;
        x += c.sample_step_m
      ) {
        const yp = p.y(x);
        const yt = t.y(x);
        if (yp !== undefined && yt !== undefined) samples.push([x, yp - yt]);
      }
      if (samples.length < 2) return;
      const mean = samples.reduce((s, [, d]) => s + Math.abs(d), 0) / samples.length;
      if (mean <= c.match_mean_lateral_m) candidates.push({ p: pi, t: ti, mean, samples });
    });
  });
  candidates.sort((a, b) => a.mean - b.mean || a.p - b.p || a.t - b.t);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  for (const m of candidates) {
    if (usedP.has(m.p) || usedT.has(m.t)) continue;
    usedP.add(m.p);
    usedT.add(m.t);
    into.counts.tp++;
    for (const [x, d] of m.samples)
      addError((into.lateral[bandOf(config.range_bands_m, x)] ??= zeroErrors()), d);
  }
  into.counts.fp += preds.length - usedP.size;
  into.counts.fn += truths.length - usedT.size;
}

/** TuSimple's h_samples scaled to an image height. */
export function tusimpleRows(height: number): number[] {
  return TUSIMPLE_H_SAMPLES.map((r) => (r * height) / 720);
}

/** x of a pixel polyline at each row (linear between points), -2 where it does not reach or leaves the image. */
export function polylineAtRows(
  points: readonly (readonly [number, number])[],
  rows: readonly number[],
  width: number,
): number[] {
  return rows.map((row) => {
    for (let k = 1; k < points.length; k++) {
      const a = points[k - 1]!;
      const b = points[k]!;
      if ((a[1] - row) * (b[1] - row) <= 0 && a[1] !== b[1]) {
        const u = a[0] + ((row - a[1]) / (b[1] - a[1])) * (b[0] - a[0]);
        return u >= 0 && u < width ? u : -2;
      }
    }
    return -2;
  });
}

/** Scores one frame with the TuSimple rules (lanes as x per row, -2 = absent) and adds into `into`. */
export function scoreTuSimpleFrame(
  pred: readonly number[][],
  gt: readonly number[][],
  rows: readonly number[],
  width: number,
  config: EvalConfig,
  into: LanePartial,
): void {
  const s = tusimpleFrameScore(
    pred,
    gt,
    rows,
    (config.lanes.tusimple_pixel_threshold * width) / 1280,
    config.lanes.tusimple_point_threshold,
  );
  into.tusimpleFrames++;
  into.tusimpleAccuracy += s.accuracy;
  into.tusimpleFp += s.fp;
  into.tusimpleFn += s.fn;
}
