/**
 * Connected components of a BEV occupancy grid, tolerant of one missing row (far rows of a thin
 * line flicker in and out of the mask), each summarised by its per-row centroids and its
 * principal direction so that longitudinal (lane lines) and transverse (stop lines, crosswalk
 * edges) structures can be told apart.
 */
import { colY, rowX, type BevGridSpec } from "./bev-grid.js";

/** One connected blob of occupied BEV cells. */
export interface BevComponent {
  /** Cell indices (row * cols + col). */
  cells: number[];
  /** First and last row (along x). */
  rowMin: number;
  rowMax: number;
  /** First and last column (along y). */
  colMin: number;
  colMax: number;
  /** Rows that hold cells, ascending, with the mean y (metres) and cell count of each. */
  rows: number[];
  rowY: number[];
  rowCount: number[];
  /** Principal direction's angle from the x axis (radians, -pi/2..pi/2): ~0 along the road, ~pi/2 across it. */
  angle: number;
  /** Extent along the principal direction (metres). */
  length: number;
  /** Extent across the principal direction (metres, RMS * 4). */
  width: number;
  /** Centroid (metres). */
  cx: number;
  cy: number;
}

/** Options of `bevComponents`. */
export interface BevComponentOptions {
  /** Components with fewer cells are dropped; default 4. */
  minCells?: number;
  /** Rows a connection may skip (0 = plain 8-connectivity); default 1. */
  rowGap?: number;
}

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/** Labels the occupied cells of `occupancy` (rows x cols, 1 = occupied). */
export function bevComponents(
  occupancy: Uint8Array,
  rows: number,
  cols: number,
  spec: BevGridSpec,
  options: BevComponentOptions = {},
): BevComponent[] {
  const minCells = options.minCells ?? 4;
  const rowGap = options.rowGap ?? 1;
  const parent = new Int32Array(occupancy.length);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const union = (a: number, b: number): void => {
    const ra = find(parent, a);
    const rb = find(parent, b);
    if (ra !== rb) parent[ra < rb ? rb : ra] = ra < rb ? ra : rb;
  };
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const i = base + c;
      if (!occupancy[i]) continue;
      if (c + 1 < cols && occupancy[i + 1]) union(i, i + 1);
      for (let dr = 1; dr <= rowGap + 1 && r + dr < rows; dr++) {
        const nb = (r + dr) * cols;
        for (let dc = -1; dc <= 1; dc++) {
          const cc = c + dc;
          if (cc >= 0 && cc < cols && occupancy[nb + cc]) union(i, nb + cc);
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < occupancy.length; i++) {
    if (!occupancy[i]) continue;
    const root = find(parent, i);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = []));
    g.push(i);
  }
  const out: BevComponent[] = [];
  for (const cells of groups.values()) {
    if (cells.length < minCells) continue;
    out.push(summarise(cells, cols, spec));
  }
  return out;
}

/** Statistics of a set of cells. */
export function summarise(cells: number[], cols: number, spec: BevGridSpec): BevComponent {
  let rowMin = Infinity;
  let rowMax = -Infinity;
  let colMin = Infinity;
  let colMax = -Infinity;
  let sx = 0;
  let sy = 0;
  const perRow = new Map<number, { sum: number; n: number }>();
  for (const i of cells) {
    const r = Math.floor(i / cols);
    const c = i - r * cols;
    rowMin = Math.min(rowMin, r);
    rowMax = Math.max(rowMax, r);
    colMin = Math.min(colMin, c);
    colMax = Math.max(colMax, c);
    const x = rowX(spec, r);
    const y = colY(spec, c);
    sx += x;
    sy += y;
    const acc = perRow.get(r);
    if (acc) {
      acc.sum += y;
      acc.n++;
    } else perRow.set(r, { sum: y, n: 1 });
  }
  const n = cells.length;
  const cx = sx / n;
  const cy = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const i of cells) {
    const r = Math.floor(i / cols);
    const dxv = rowX(spec, r) - cx;
    const dyv = colY(spec, i - r * cols) - cy;
    sxx += dxv * dxv;
    syy += dyv * dyv;
    sxy += dxv * dyv;
  }
  sxx /= n;
  syy /= n;
  sxy /= n;
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  let lo = Infinity;
  let hi = -Infinity;
  let across = 0;
  for (const i of cells) {
    const r = Math.floor(i / cols);
    const dxv = rowX(spec, r) - cx;
    const dyv = colY(spec, i - r * cols) - cy;
    const along = dxv * ca + dyv * sa;
    lo = Math.min(lo, along);
    hi = Math.max(hi, along);
    const a = -dxv * sa + dyv * ca;
    across += a * a;
  }
  const rowsSorted = [...perRow.keys()].sort((a, b) => a - b);
  return {
    cells,
    rowMin,
    rowMax,
    colMin,
    colMax,
    rows: rowsSorted,
    rowY: rowsSorted.map((r) => perRow.get(r)!.sum / perRow.get(r)!.n),
    rowCount: rowsSorted.map((r) => perRow.get(r)!.n),
    angle,
    length: hi - lo + Math.max(spec.dx, spec.dy),
    width: 4 * Math.sqrt(across / n),
    cx,
    cy,
  };
}

/** Whether a component runs across the road (|angle| > 60 deg from x) and is at least `minLength` long. */
export function isTransverse(c: BevComponent, minLength = 2): boolean {
  return Math.abs(c.angle) > Math.PI / 3 && c.length >= minLength;
}
