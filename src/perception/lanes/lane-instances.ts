/**
 * Lane-line instances in BEV: longitudinal components are linked into lines along x, so the
 * pieces of a dashed line (or a solid line broken by a car) become one instance. A piece joins the
 * line whose recent course, extrapolated across the gap, passes closest to the piece's start.
 */
import { rowX, type BevGridSpec } from "../bev/bev-grid.js";
import type { BevComponent } from "../bev/bev-components.js";

/** One lane-line instance: its components, ordered by x. */
export interface LaneInstance {
  parts: BevComponent[];
  /** Nearest and farthest x with cells (metres). */
  xMin: number;
  xMax: number;
}

/** Options of `linkLaneInstances`. */
export interface LinkOptions {
  /** Longest gap along x bridged between two pieces (metres; dash gaps are 6-12 m). */
  maxGap: number;
  /** Lateral tolerance at the join (metres) at zero gap. */
  lateralTolerance: number;
  /** Extra lateral tolerance per metre of gap (metres per metre). */
  lateralTolerancePerMetre: number;
  /** Metres of a line's far end used to extrapolate it. */
  extrapolationWindow: number;
}

interface Line {
  x0: number;
  a: number; // y at x0
  b: number; // slope
}

/** The line `recentLine` writes (one per module: `linkLaneInstances` uses each line before asking for the next). */
const recent: Line = { x0: 0, a: 0, b: 0 };

/** A weighted straight line through per-row centroids of the parts whose rows lie beyond `fromX`, written into `out`. */
function recentLine(parts: BevComponent[], spec: BevGridSpec, fromX: number, out: Line): Line {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const p of parts) {
    for (let k = 0; k < p.rows.length; k++) {
      const x = rowX(spec, p.rows[k]!);
      if (x < fromX) continue;
      const y = p.rowY[k]!;
      sw += 1;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
  }
  if (sw === 0) {
    out.x0 = 0;
    out.a = parts[parts.length - 1]!.cy;
    out.b = 0;
    return out;
  }
  const mx = sx / sw;
  const my = sy / sw;
  const vxx = sxx / sw - mx * mx;
  out.x0 = mx;
  out.a = my;
  out.b = vxx > 0.25 ? Math.max(-1, Math.min(1, (sxy / sw - mx * my) / vxx)) : 0;
  return out;
}

function yAt(line: Line, x: number): number {
  return line.a + line.b * (x - line.x0);
}

/** Links longitudinal components into lane-line instances. */
export function linkLaneInstances(
  components: BevComponent[],
  spec: BevGridSpec,
  options: LinkOptions,
): LaneInstance[] {
  const maxGap = options.maxGap;
  const tol0 = options.lateralTolerance;
  const tolPerM = options.lateralTolerancePerMetre;
  const window = options.extrapolationWindow;
  const sorted = [...components].sort((a, b) => a.rowMin - b.rowMin || a.cy - b.cy);
  const lines: LaneInstance[] = [];
  for (const comp of sorted) {
    const start = rowX(spec, comp.rowMin);
    const end = rowX(spec, comp.rowMax);
    // The piece's own start: mean y of its first rows.
    const headRows = Math.min(comp.rows.length, 4);
    let headY = 0;
    for (let k = 0; k < headRows; k++) headY += comp.rowY[k]!;
    headY /= headRows;
    const headX = rowX(spec, comp.rows[Math.floor((headRows - 1) / 2)]!);
    let best: LaneInstance | undefined;
    let bestCost = Infinity;
    for (const line of lines) {
      const gap = Math.max(0, start - line.xMax);
      if (gap > maxGap) continue;
      if (start < line.xMin) continue;
      const fit = recentLine(line.parts, spec, line.xMax - window, recent);
      const dy = Math.abs(yAt(fit, headX) - headY);
      const tol = tol0 + tolPerM * gap;
      if (dy > tol) continue;
      const cost = dy / tol + gap / maxGap;
      if (cost < bestCost) {
        bestCost = cost;
        best = line;
      }
    }
    if (best) {
      best.parts.push(comp);
      best.xMax = Math.max(best.xMax, end);
    } else lines.push({ parts: [comp], xMin: start, xMax: end });
  }
  return lines;
}
