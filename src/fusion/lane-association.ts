import type { LaneMarking } from "../msgs/types.generated.js";
import type { BoundaryInView } from "./local-map-view.js";
import { lateralAtXOn, segmentsReachingX, type FlatPolyline } from "./polyline.js";

/** Tuning of marking-to-boundary association. */
export interface LaneAssociationOptions {
  /** Largest |offset - common shift| for a marking to match a boundary, metres. */
  gate: number;
  /** Largest lateral pose error the association searches for (the common shift), metres. */
  maxCommonShift: number;
  /** A marking within this of the common shift supports it, metres. */
  inlierTolerance: number;
  /** Longest distance ahead compared, metres (lane detections degrade with range). */
  maxCompareX: number;
  /** Least overlap in x between a marking and a boundary to compare them, metres. */
  minOverlap: number;
  /** Samples along the overlap. */
  samples: number;
}

/** How one marking compares with one boundary over their common x range. */
export interface MarkingComparison {
  boundary: BoundaryInView;
  /** Mean of y_detected - y_map over the overlap, metres (positive: the paint is left of the map). */
  meanOffset: number;
  /** Offsets at each compared sample. */
  offsets: number[];
  /** x of each compared sample, base_link metres. */
  xs: number[];
}

/** The association of one frame's markings with the map. */
export interface LaneAssociation {
  /** Per marking (same order as the input): its matched boundary comparison, or undefined. */
  matches: (MarkingComparison | undefined)[];
  /** Lateral shift common to the markings (the camera-minus-map lateral correction), metres; NaN when none matched. */
  commonShift: number;
  /** Standard deviation of commonShift, metres. */
  commonShiftStd: number;
  /** RMS of the matched offsets after removing commonShift, metres; NaN when none matched. */
  residual: number;
}

/** y(x) of a marking's cubic. */
export function markingLateralAt(m: LaneMarking, x: number): number {
  const c = m.poly_coefficients;
  return c[0]! + x * (c[1]! + x * (c[2]! + x * c[3]!));
}

/** A boundary's base_link vertices (flat, in the scratch of `flattenBoundaries`) and extent along x. */
interface FlatBoundary extends FlatPolyline {
  boundary: BoundaryInView;
  xMin: number;
  xMax: number;
}

/**
 * Scratch, reused by every association and grown on demand: the boundaries' base_link vertices
 * (valid until the next `flattenBoundaries`), the sample xs and offsets of one comparison, and the
 * boundary segments that can hold its samples.
 */
const scratch = {
  xs: new Float64Array(1024),
  ys: new Float64Array(1024),
  sampleXs: new Float64Array(16),
  sampleOffsets: new Float64Array(16),
  segments: new Int32Array(1024),
};

/**
 * The boundaries' base_link vertices written flat into the scratch, with each one's x extent.
 * Views from `buildLocalMapView` are transformed here point by point (no point objects); others
 * are read from `base`.
 */
function flattenBoundaries(boundaries: readonly BoundaryInView[]): FlatBoundary[] {
  let total = 0;
  for (const b of boundaries) total += b.toBase ? b.feature.points.length : b.base.length;
  if (scratch.xs.length < total) {
    scratch.xs = new Float64Array(total);
    scratch.ys = new Float64Array(total);
  }
  const { xs, ys } = scratch;
  const out: FlatBoundary[] = [];
  let offset = 0;
  for (const b of boundaries) {
    const toBase = b.toBase;
    const points = toBase ? b.feature.points : b.base;
    let xMin = Infinity,
      xMax = -Infinity;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const x = toBase ? toBase.x(p) : p.x;
      xs[offset + i] = x;
      ys[offset + i] = toBase ? toBase.y(p) : p.y;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
    }
    out.push({ boundary: b, xs, ys, offset, n: points.length, xMin, xMax });
    offset += points.length;
  }
  return out;
}

/** Compares a marking with a boundary over their overlap in x; undefined when they do not overlap enough. */
export function compareMarking(
  m: LaneMarking,
  b: BoundaryInView,
  o: LaneAssociationOptions,
): MarkingComparison | undefined {
  return compareFlat(m, flattenBoundaries([b])[0]!, o);
}

/**
 * `compareMarking` on a flattened boundary, and undefined as well when `maxAbsMean` is given and
 * |meanOffset| is not within it (then nothing is allocated). The boundary's y at each sample is
 * looked up only among the segments that reach the samples' x range (found in one pass), which
 * gives the same crossings as scanning the whole boundary per sample.
 */
function compareFlat(
  m: LaneMarking,
  b: FlatBoundary,
  o: LaneAssociationOptions,
  maxAbsMean?: number,
): MarkingComparison | undefined {
  const lo = Math.max(m.x_min, b.xMin, 0);
  const hi = Math.min(m.x_max, b.xMax, o.maxCompareX);
  if (!(hi - lo >= o.minOverlap)) return undefined;
  if (scratch.sampleXs.length < o.samples) {
    scratch.sampleXs = new Float64Array(o.samples);
    scratch.sampleOffsets = new Float64Array(o.samples);
  }
  const { sampleXs, sampleOffsets } = scratch;
  let xLo = Infinity,
    xHi = -Infinity;
  for (let i = 0; i < o.samples; i++) {
    const x = lo + ((hi - lo) * (i + 0.5)) / o.samples;
    sampleXs[i] = x;
    xLo = Math.min(xLo, x);
    xHi = Math.max(xHi, x);
  }
  if (scratch.segments.length < b.n) scratch.segments = new Int32Array(b.n);
  const segments = scratch.segments;
  const count = segmentsReachingX(b, xLo, xHi, segments);
  // Compacted in place: the first n entries of sampleXs / sampleOffsets are the compared samples.
  let n = 0;
  for (let i = 0; i < o.samples; i++) {
    const x = sampleXs[i]!;
    const yd = markingLateralAt(m, x);
    const ym = lateralAtXOn(b, segments, count, x, yd);
    if (ym === undefined) continue;
    sampleOffsets[n] = yd - ym;
    sampleXs[n++] = x;
  }
  if (n < 3) return undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sampleOffsets[i]!;
  const meanOffset = sum / n;
  if (maxAbsMean !== undefined && !(Math.abs(meanOffset) <= maxAbsMean)) return undefined;
  return {
    boundary: b.boundary,
    meanOffset,
    offsets: firstValues(sampleOffsets, n),
    xs: firstValues(sampleXs, n),
  };
}

/** The first n values of a typed array as a plain array. */
function firstValues(values: Float64Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(values[i]!);
  return out;
}

/**
 * Associates markings with map boundaries. First the lateral shift common to the markings is
 * found (a small consensus over the candidate offsets, ties to the smallest shift: the pose is
 * trusted unless the camera outvotes it), then each marking takes the unused boundary nearest to
 * that shift, inside the gate.
 */
export function associateMarkings(
  markings: readonly LaneMarking[],
  boundaries: readonly BoundaryInView[],
  o: LaneAssociationOptions,
): LaneAssociation {
  const flat = markings.length > 0 ? flattenBoundaries(boundaries) : [];
  const candidates: MarkingComparison[][] = markings.map((m) => {
    const out: MarkingComparison[] = [];
    for (const b of flat) {
      const c = compareFlat(m, b, o, o.maxCommonShift + o.gate);
      if (c) out.push(c);
    }
    return out;
  });
  // Consensus on the common shift.
  let bestShift = 0;
  let bestScore = -Infinity;
  const hypotheses = [0];
  for (const list of candidates)
    for (const c of list)
      if (Math.abs(c.meanOffset) <= o.maxCommonShift) hypotheses.push(c.meanOffset);
  for (const h of hypotheses) {
    let score = 0;
    for (const list of candidates) {
      let best = Infinity;
      for (const c of list) best = Math.min(best, Math.abs(c.meanOffset - h));
      if (best <= o.inlierTolerance) score += 1 - best / o.inlierTolerance;
    }
    score -= 0.05 * Math.abs(h);
    if (score > bestScore) {
      bestScore = score;
      bestShift = h;
    }
  }
  // Greedy unique assignment around the shift.
  const pairs: { m: number; c: MarkingComparison; cost: number }[] = [];
  candidates.forEach((list, mi) =>
    list.forEach((c) => {
      const cost = Math.abs(c.meanOffset - bestShift);
      if (cost <= o.gate) pairs.push({ m: mi, c, cost });
    }),
  );
  pairs.sort((a, b) => a.cost - b.cost);
  const matches: (MarkingComparison | undefined)[] = markings.map(() => undefined);
  const used = new Set<string>();
  for (const p of pairs) {
    if (matches[p.m] || used.has(p.c.boundary.feature.id)) continue;
    matches[p.m] = p.c;
    used.add(p.c.boundary.feature.id);
  }
  return { matches, ...refineShift(markings, matches, bestShift, o.inlierTolerance) };
}

/** Inverse-variance mean of the inliers' offsets around the consensus, and the RMS residual. */
function refineShift(
  markings: readonly LaneMarking[],
  matches: readonly (MarkingComparison | undefined)[],
  consensus: number,
  tolerance: number,
): Pick<LaneAssociation, "commonShift" | "commonShiftStd" | "residual"> {
  let wSum = 0,
    wxSum = 0,
    count = 0;
  matches.forEach((c, i) => {
    if (!c || Math.abs(c.meanOffset - consensus) > tolerance) return;
    const std = Math.max(
      0.03,
      Number.isFinite(markings[i]!.lateral_offset_std) ? markings[i]!.lateral_offset_std : 0.2,
    );
    const w = 1 / (std * std);
    wSum += w;
    wxSum += w * c.meanOffset;
    count++;
  });
  if (count === 0) return { commonShift: NaN, commonShiftStd: NaN, residual: NaN };
  const shift = wxSum / wSum;
  let sq = 0,
    n = 0;
  for (const c of matches) {
    if (!c) continue;
    for (const off of c.offsets) {
      sq += (off - shift) ** 2;
      n++;
    }
  }
  return { commonShift: shift, commonShiftStd: Math.sqrt(1 / wSum), residual: Math.sqrt(sq / n) };
}
