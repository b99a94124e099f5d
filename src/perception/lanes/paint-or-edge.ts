/**
 * Paint or road edge: a lane marking is a thin bright (or yellow) ridge on the road, darker road on
 * both sides of it; a kerb, wall, barrier base or the asphalt's end is a one-sided transition (dark
 * road on one side, concrete, grass or a shadow on the other) with no ridge. Lane-line models
 * trained on BDD100K mark both, so every instance is checked in the source image at full
 * resolution: per BEV row (a level camera sees one ground range on one image row), the grey and
 * yellowness profile across the line is read from the image row between the cells 0.7 m either side
 * of it, smoothed over the paint's width, and the peak near the line is compared with the road on
 * each side of the peak.
 */
import type { ImageView } from "../../image/image-view.js";
import { rgbReader } from "../bev/image-sampling.js";
import { rowX, yToCol, type BevLookup } from "../bev/bev-grid.js";
import type { LaneInstance } from "./lane-instances.js";

/** What the image says about an instance. */
export interface PaintEvidence {
  /** BEV rows where the image profile could be read. */
  measuredRows: number;
  /** Rows with a two-sided ridge (paint). */
  ridgeRows: number;
  /** Rows with a one-sided step and no ridge (an edge). */
  stepRows: number;
  /** Median ridge contrast of the measured rows (grey levels; the larger of grey and yellowness). */
  medianRidge: number;
  /** Median |left - right| road difference of the measured rows (grey levels). */
  medianStep: number;
  /** The verdict. */
  kind: "paint" | "edge" | "unknown";
}

/** Options of `paintOrEdge`. */
export interface PaintOrEdgeOptions {
  /** Lateral search for the paint's peak around the line's centroid (metres). */
  searchHalfWidth: number;
  /** Inner edge of the road flanks beside the peak (metres from it). */
  flankInner: number;
  /** Outer edge of the road flanks beside the peak (metres from it). */
  flankOuter: number;
  /** Width the profile is smoothed over (metres, half a paint line's). */
  paintWidth: number;
  /** A row is a ridge when the peak exceeds both flanks by this many grey levels (or yellowness). */
  minRidge: number;
  /** A row is a step when the flanks differ by this many grey levels and it is no ridge. */
  minStep: number;
  /** Rows beyond this range are not read (metres; a thin line is a few blurred pixels there). */
  maxRange: number;
  /** An instance is paint when this fraction of its measured rows are ridges. */
  minRidgeFraction: number;
  /** ... and they add up to at least this length (metres). */
  minRidgeLength: number;
  /** Otherwise it is an edge when this fraction of its measured rows are one-sided steps (else "unknown": the image shows neither). */
  minStepFraction: number;
  /** Fewer measured rows than this leave the verdict "unknown". */
  minMeasuredRows: number;
  /** Ground spacing of the pixels read across the line (metres; near rows are subsampled to it). */
  sampleSpacing: number;
}

/** Scratch for one image row's profile (grown on demand). */
/** Prefix sums of one image row's grey level and yellowness across the line (entry k = sum of pixels 0..k-1; grown on demand). */
let greySum = new Float64Array(257);
let yellowSum = new Float64Array(257);
const rgb = new Uint8Array(3);

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Per-row centroids of an instance (mean y of its parts' rows). */
function rowCentroids(instance: LaneInstance): Map<number, number> {
  const sums = new Map<number, { s: number; n: number }>();
  for (const p of instance.parts) {
    for (let k = 0; k < p.rows.length; k++) {
      const e = sums.get(p.rows[k]!) ?? { s: 0, n: 0 };
      e.s += p.rowY[k]! * p.rowCount[k]!;
      e.n += p.rowCount[k]!;
      sums.set(p.rows[k]!, e);
    }
  }
  const out = new Map<number, number>();
  for (const [r, e] of sums) out.set(r, e.s / e.n);
  return out;
}

/** Reads the image along one instance and decides paint vs edge. */
export function paintOrEdge(
  instance: LaneInstance,
  view: ImageView,
  lookup: BevLookup,
  options: PaintOrEdgeOptions,
): PaintEvidence {
  const { spec, cols, pixelIndex, imageWidth } = lookup;
  const search = options.searchHalfWidth;
  const f1 = options.flankInner;
  const f2 = options.flankOuter;
  const paintWidth = options.paintWidth;
  const minRidge = options.minRidge;
  const minStep = options.minStep;
  const maxRange = options.maxRange;
  const reach = Math.max(1, Math.round((search + f2) / spec.dy));
  const read = rgbReader(view);
  const ridges: number[] = [];
  const steps: number[] = [];
  let ridgeRows = 0;
  let stepRows = 0;
  for (const [r, y] of rowCentroids(instance)) {
    if (rowX(spec, r) > maxRange) continue;
    const c = yToCol(spec, y);
    const cl = c - reach;
    const cr = c + reach;
    if (cl < 0 || cr >= cols) continue;
    const pl = pixelIndex[r * cols + cl]!;
    const pr = pixelIndex[r * cols + cr]!;
    const pc = pixelIndex[r * cols + c]!;
    if (pl < 0 || pr < 0 || pc < 0) continue;
    const v = Math.floor(pc / imageWidth);
    // Column order in the image does not matter: the profile runs from the smaller u to the larger.
    const ua = pl - v * imageWidth;
    const ub = pr - v * imageWidth;
    if (Math.floor(pl / imageWidth) !== v || Math.floor(pr / imageWidth) !== v) continue;
    const u0 = Math.min(ua, ub);
    const u1 = Math.max(ua, ub);
    // Near rows span hundreds of pixels: read every `stride`-th, about a centimetre apart (a paint line is 10-15 cm).
    const stride = Math.max(
      1,
      Math.floor(options.sampleSpacing / ((2 * reach * spec.dy) / (u1 - u0))),
    );
    const n = Math.floor((u1 - u0) / stride) + 1;
    if (n < 8) continue;
    const mpp = (2 * reach * spec.dy) / ((n - 1) * stride);
    if (greySum.length < n + 1) {
      greySum = new Float64Array(2 * n + 1);
      yellowSum = new Float64Array(2 * n + 1);
    }
    for (let k = 0; k < n; k++) {
      read(v * imageWidth + u0 + k * stride, rgb, 0);
      greySum[k + 1] = greySum[k]! + 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
      yellowSum[k + 1] = yellowSum[k]! + Math.min(rgb[0]!, rgb[1]!) - rgb[2]!;
    }
    /** Mean of `sum`'s pixels a..b (inclusive). */
    const mean = (sum: Float64Array, a: number, b: number): number =>
      (sum[b + 1]! - sum[a]!) / (b - a + 1);
    const box = Math.max(0, Math.round(paintWidth / mpp / 2));
    // The line's pixel column within the profile (the centre cell), and the search window around it.
    const uc = Math.round((pc - v * imageWidth - u0) / stride);
    const w = Math.round(search / mpp);
    const i1 = Math.round(f1 / mpp);
    const i2 = Math.max(i1 + 1, Math.round(f2 / mpp));
    let best = -Infinity;
    let bestStep = 0;
    for (let k = Math.max(i2, uc - w); k <= Math.min(n - 1 - i2, uc + w); k++) {
      // The paint: the profile smoothed over the paint's width; the road: each flank's mean.
      const lo = Math.max(0, k - box);
      const hi = Math.min(n - 1, k + box);
      const paint = mean(greySum, lo, hi);
      const l = mean(greySum, k - i2, k - i1);
      const rr = mean(greySum, k + i1, k + i2);
      const greyRidge = paint - Math.max(l, rr);
      // Yellow paint can be as bright as light concrete: its yellowness (min(R, G) - B: not green, not
      // brown) ridge counts where it is not much darker than the road.
      const ridge =
        greyRidge > -minRidge * 2
          ? Math.max(
              greyRidge,
              mean(yellowSum, lo, hi) -
                Math.max(mean(yellowSum, k - i2, k - i1), mean(yellowSum, k + i1, k + i2)),
            )
          : greyRidge;
      if (ridge > best) {
        best = ridge;
        bestStep = Math.abs(l - rr);
      }
    }
    if (!Number.isFinite(best)) continue;
    ridges.push(best);
    steps.push(bestStep);
    if (best >= minRidge) ridgeRows++;
    else if (bestStep >= minStep) stepRows++;
  }
  const measured = ridges.length;
  const minFraction = options.minRidgeFraction;
  const minLength = options.minRidgeLength;
  let kind: PaintEvidence["kind"] = "unknown";
  if (measured >= options.minMeasuredRows) {
    if (ridgeRows >= minFraction * measured && ridgeRows * spec.dx >= minLength) kind = "paint";
    else if (stepRows >= options.minStepFraction * measured) kind = "edge";
  }
  return {
    measuredRows: measured,
    ridgeRows,
    stepRows,
    medianRidge: median(ridges),
    medianStep: median(steps),
    kind,
  };
}
