import type { LaneMarking } from "../msgs/types.generated.js";
import type { BoundaryInView } from "./local-map-view.js";
import { lateralAtX } from "./polyline.js";

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

export const DEFAULT_LANE_ASSOCIATION_OPTIONS: Readonly<LaneAssociationOptions> = Object.freeze({
  gate: 1.0,
  maxCommonShift: 1.5,
  inlierTolerance: 0.4,
  maxCompareX: 30,
  minOverlap: 3,
  samples: 8,
});

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

/** Compares a marking with a boundary over their overlap in x; undefined when they do not overlap enough. */
export function compareMarking(m: LaneMarking, b: BoundaryInView, o: LaneAssociationOptions): MarkingComparison | undefined {
  let bMin = Infinity, bMax = -Infinity;
  for (const p of b.base) {
    if (p.x < bMin) bMin = p.x;
    if (p.x > bMax) bMax = p.x;
  }
  const lo = Math.max(m.x_min, bMin, 0);
  const hi = Math.min(m.x_max, bMax, o.maxCompareX);
  if (!(hi - lo >= o.minOverlap)) return undefined;
  const offsets: number[] = [];
  const xs: number[] = [];
  for (let i = 0; i < o.samples; i++) {
    const x = lo + ((hi - lo) * (i + 0.5)) / o.samples;
    const yd = markingLateralAt(m, x);
    const ym = lateralAtX(b.base, x, yd);
    if (ym === undefined) continue;
    offsets.push(yd - ym);
    xs.push(x);
  }
  if (offsets.length < 3) return undefined;
  return { boundary: b, meanOffset: offsets.reduce((a, v) => a + v, 0) / offsets.length, offsets, xs };
}

/**
 * Associates markings with map boundaries. First the lateral shift common to the markings is
 * found (a small consensus over the candidate offsets, ties to the smallest shift: the pose is
 * trusted unless the camera outvotes it), then each marking takes the unused boundary nearest to
 * that shift, inside the gate.
 */
export function associateMarkings(markings: readonly LaneMarking[], boundaries: readonly BoundaryInView[], options: Partial<LaneAssociationOptions> = {}): LaneAssociation {
  const o = { ...DEFAULT_LANE_ASSOCIATION_OPTIONS, ...options };
  const candidates: MarkingComparison[][] = markings.map((m) => {
    const out: MarkingComparison[] = [];
    for (const b of boundaries) {
      const c = compareMarking(m, b, o);
      if (c && Math.abs(c.meanOffset) <= o.maxCommonShift + o.gate) out.push(c);
    }
    return out;
  });
  // Consensus on the common shift.
  let bestShift = 0;
  let bestScore = -Infinity;
  const hypotheses = [0];
  for (const list of candidates) for (const c of list) if (Math.abs(c.meanOffset) <= o.maxCommonShift) hypotheses.push(c.meanOffset);
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
  candidates.forEach((list, mi) => list.forEach((c) => {
    const cost = Math.abs(c.meanOffset - bestShift);
    if (cost <= o.gate) pairs.push({ m: mi, c, cost });
  }));
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
function refineShift(markings: readonly LaneMarking[], matches: readonly (MarkingComparison | undefined)[], consensus: number, tolerance: number): Pick<LaneAssociation, "commonShift" | "commonShiftStd" | "residual"> {
  let wSum = 0, wxSum = 0, count = 0;
  matches.forEach((c, i) => {
    if (!c || Math.abs(c.meanOffset - consensus) > tolerance) return;
    const std = Math.max(0.03, Number.isFinite(markings[i]!.lateral_offset_std) ? markings[i]!.lateral_offset_std : 0.2);
    const w = 1 / (std * std);
    wSum += w;
    wxSum += w * c.meanOffset;
    count++;
  });
  if (count === 0) return { commonShift: NaN, commonShiftStd: NaN, residual: NaN };
  const shift = wxSum / wSum;
  let sq = 0, n = 0;
  for (const c of matches) {
    if (!c) continue;
    for (const off of c.offsets) {
      sq += (off - shift) ** 2;
      n++;
    }
  }
  return { commonShift: shift, commonShiftStd: Math.sqrt(1 / wSum), residual: Math.sqrt(sq / n) };
}
