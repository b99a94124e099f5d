/**
 * How far apart the lane markings of two replays are as geometry (for compare-replay.ts --int8).
 *
 * A marking's sample points are discrete: where the lane mask supports the line decides whether an
 * end sample is in, so two runs whose masks differ in a few pixels (INT8 on two CPUs) give the same
 * line with one sample more or less, and a short, weak marking may change its style. Comparing
 * point lists then says "different" for lines a planner would take as the same. Instead, per frame
 * the markings are paired by lateral distance over their common extent, and the figures are the
 * largest lateral distance of a pair (metres), the largest shift of a pair's near or far end
 * (metres), pairs whose id, type, colour or position changed, and markings without a partner.
 */

/** The fields of a LaneMarking this comparison reads. */
export interface MarkingGeometry {
  id: number;
  type: number;
  color: number;
  position: number;
  confidence: number;
  points: readonly { x: number; y: number }[];
}

export interface LaneGeometryDifference {
  /** Markings compared (those of the first side). */
  markings: number;
  /** Largest lateral distance between paired markings over their common extent, metres. */
  maxLateralM: number;
  /** Largest shift of a paired marking's near or far end along x, metres. */
  maxEndShiftM: number;
  /** Pairs whose id, type, colour or position differ. */
  attributeChanges: number;
  /** Markings of either side without a partner (no common extent within `pairWithinM`). */
  unmatched: number;
  /** One line per change or unmatched marking, for the log. */
  notes: string[];
}

/** Lateral offset of the polyline at x (linear between samples; undefined outside its extent). */
function lateralAt(points: readonly { x: number; y: number }[], x: number): number | undefined {
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (x >= Math.min(a.x, b.x) && x <= Math.max(a.x, b.x)) {
      return b.x === a.x ? a.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
    }
  }
  return points.length === 1 && points[0]!.x === x ? points[0]!.y : undefined;
}

/** Largest lateral distance of two markings over their common x extent (undefined: none). */
function lateralDistance(a: MarkingGeometry, b: MarkingGeometry): number | undefined {
  const lo = Math.max(Math.min(...a.points.map((p) => p.x)), Math.min(...b.points.map((p) => p.x)));
  const hi = Math.min(Math.max(...a.points.map((p) => p.x)), Math.max(...b.points.map((p) => p.x)));
  if (!(hi >= lo)) return undefined;
  let worst = 0;
  const steps = 20;
  for (let k = 0; k <= steps; k++) {
    const x = lo + ((hi - lo) * k) / steps;
    const ya = lateralAt(a.points, x);
    const yb = lateralAt(b.points, x);
    if (ya !== undefined && yb !== undefined) worst = Math.max(worst, Math.abs(ya - yb));
  }
  return worst;
}

const extent = (m: MarkingGeometry): [number, number] => [
  Math.min(...m.points.map((p) => p.x)),
  Math.max(...m.points.map((p) => p.x)),
];

/**
 * Compares two sequences of marking lists frame by frame (the same frames on both sides). Markings
 * are paired greedily, closest first, when their lateral distance is within `pairWithinM`.
 */
export function laneGeometryDifference(
  first: readonly (readonly MarkingGeometry[])[],
  second: readonly (readonly MarkingGeometry[])[],
  pairWithinM = 1.0,
): LaneGeometryDifference {
  const d: LaneGeometryDifference = {
    markings: 0,
    maxLateralM: 0,
    maxEndShiftM: 0,
    attributeChanges: 0,
    unmatched: 0,
    notes: [],
  };
  const frames = Math.max(first.length, second.length);
  for (let f = 0; f < frames; f++) {
    const a = first[f] ?? [];
    const b = second[f] ?? [];
    d.markings += a.length;
    const candidates: { i: number; j: number; lateral: number }[] = [];
    a.forEach((ma, i) =>
      b.forEach((mb, j) => {
        if (ma.points.length === 0 || mb.points.length === 0) return;
        const lateral = lateralDistance(ma, mb);
        if (lateral !== undefined && lateral <= pairWithinM) candidates.push({ i, j, lateral });
      }),
    );
    candidates.sort((x, y) => x.lateral - y.lateral);
    const pairedA = new Set<number>();
    const pairedB = new Set<number>();
    for (const c of candidates) {
      if (pairedA.has(c.i) || pairedB.has(c.j)) continue;
      pairedA.add(c.i);
      pairedB.add(c.j);
      const ma = a[c.i]!;
      const mb = b[c.j]!;
      const [a0, a1] = extent(ma);
      const [b0, b1] = extent(mb);
      d.maxLateralM = Math.max(d.maxLateralM, c.lateral);
      d.maxEndShiftM = Math.max(d.maxEndShiftM, Math.abs(a0 - b0), Math.abs(a1 - b1));
      if (
        ma.id !== mb.id ||
        ma.type !== mb.type ||
        ma.color !== mb.color ||
        ma.position !== mb.position
      ) {
        d.attributeChanges++;
        d.notes.push(
          `frame ${f}: marking ${ma.id} (confidence ${ma.confidence.toFixed(2)}) id/type/colour/position ${ma.id}/${ma.type}/${ma.color}/${ma.position} vs ${mb.id}/${mb.type}/${mb.color}/${mb.position}`,
        );
      }
    }
    a.forEach((m, i) => {
      if (pairedA.has(i)) return;
      d.unmatched++;
      d.notes.push(
        `frame ${f}: marking ${m.id} (confidence ${m.confidence.toFixed(2)}) only on the first side`,
      );
    });
    b.forEach((m, j) => {
      if (pairedB.has(j)) return;
      d.unmatched++;
      d.notes.push(
        `frame ${f}: marking ${m.id} (confidence ${m.confidence.toFixed(2)}) only on the second side`,
      );
    });
  }
  return d;
}

/** True when every figure of `d` is at most that of `bound`. */
export function withinDifference(
  d: LaneGeometryDifference,
  bound: LaneGeometryDifference,
): boolean {
  return (
    d.maxLateralM <= bound.maxLateralM &&
    d.maxEndShiftM <= bound.maxEndShiftM &&
    d.attributeChanges <= bound.attributeChanges &&
    d.unmatched <= bound.unmatched
  );
}

export const describeDifference = (d: LaneGeometryDifference): string =>
  `${d.markings} markings: lateral ≤ ${d.maxLateralM.toFixed(3)} m, ends shifted ≤ ${d.maxEndShiftM.toFixed(2)} m, ${d.attributeChanges} attribute changes, ${d.unmatched} unmatched`;
