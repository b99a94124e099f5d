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

/** Reused slot table (entries are valid only at occupied cells of the current call). */
let slotScratch = new Int32Array(0);

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/** Labels the occupied cells of `occupancy` (rows x cols, 1 = occupied). Cost grows with occupied cells, not grid size. */
export function bevComponents(
  occupancy: Uint8Array,
  rows: number,
  cols: number,
  spec: BevGridSpec,
  options: BevComponentOptions = {},
): BevComponent[] {
  const minCells = options.minCells ?? 4;
  const rowGap = options.rowGap ?? 1;
  // Occupied cells in row-major order, and each occupied cell's slot among them (read only where occupied).
  const cellList: number[] = [];
  for (let i = 0; i < occupancy.length; i++) if (occupancy[i]) cellList.push(i);
  const count = cellList.length;
  const cellOf = Int32Array.from(cellList);
  if (slotScratch.length < occupancy.length) slotScratch = new Int32Array(occupancy.length);
  const slot = slotScratch;
  for (let k = 0; k < count; k++) slot[cellOf[k]] = k;
  const parent = new Int32Array(count);
  for (let k = 0; k < count; k++) parent[k] = k;
  const union = (a: number, b: number): void => {
    const ra = find(parent, a);
    const rb = find(parent, b);
    if (ra !== rb) parent[ra < rb ? rb : ra] = ra < rb ? ra : rb;
  };
  for (let k = 0; k < count; k++) {
    const i = cellOf[k];
    const r = (i / cols) | 0;
    const c = i - r * cols;
    if (c + 1 < cols && occupancy[i + 1]) union(k, slot[i + 1]);
    for (let dr = 1; dr <= rowGap + 1 && r + dr < rows; dr++) {
      const nb = (r + dr) * cols;
      for (let dc = -1; dc <= 1; dc++) {
        const cc = c + dc;
        if (cc >= 0 && cc < cols && occupancy[nb + cc]) union(k, slot[nb + cc]);
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let k = 0; k < count; k++) {
    const root = find(parent, k);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = []));
    g.push(cellOf[k]);
  }
  const out: BevComponent[] = [];
  for (const cells of groups.values()) {
    if (cells.length < minCells) continue;
    out.push(summarise(cells, cols, spec));
  }
  return out;
}

/** Statistics of a set of cells (row-major order expected, as `bevComponents` gives them). */
export function summarise(cells: number[], cols: number, spec: BevGridSpec): BevComponent {
  let rowMin = Infinity;
  let rowMax = -Infinity;
  let colMin = Infinity;
  let colMax = -Infinity;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  const rowsOut: number[] = [];
  const rowY: number[] = [];
  const rowCount: number[] = [];
  let curRow = -1;
  let curSum = 0;
  let curN = 0;
  const flush = (): void => {
    if (curN > 0) {
      rowsOut.push(curRow);
      rowY.push(curSum / curN);
      rowCount.push(curN);
    }
  };
  const sorted = cells.length > 1 && cells[0] > cells[cells.length - 1] ? [...cells].sort((a, b) => a - b) : cells;
  for (const i of sorted) {
    const r = (i / cols) | 0;
    const c = i - r * cols;
    if (r < rowMin) rowMin = r;
    if (r > rowMax) rowMax = r;
    if (c < colMin) colMin = c;
    if (c > colMax) colMax = c;
    const x = rowX(spec, r);
    const y = colY(spec, c);
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
    if (r !== curRow) {
      flush();
      curRow = r;
      curSum = 0;
      curN = 0;
    }
    curSum += y;
    curN++;
  }
  flush();
  const n = cells.length;
  const cx = sx / n;
  const cy = sy / n;
  const vxx = sxx / n - cx * cx;
  const vyy = syy / n - cy * cy;
  const vxy = sxy / n - cx * cy;
  const angle = 0.5 * Math.atan2(2 * vxy, vxx - vyy);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  // Extent along the principal axis from the bounding box corners (cheap, exact for lines and bars).
  let lo = Infinity;
  let hi = -Infinity;
  for (const [x, y] of [
    [rowX(spec, rowMin), colY(spec, colMin)],
    [rowX(spec, rowMin), colY(spec, colMax)],
    [rowX(spec, rowMax), colY(spec, colMin)],
    [rowX(spec, rowMax), colY(spec, colMax)],
  ]) {
    const along = (x - cx) * ca + (y - cy) * sa;
    lo = Math.min(lo, along);
    hi = Math.max(hi, along);
  }
  const across = Math.max(0, vxx * sa * sa + vyy * ca * ca - 2 * vxy * sa * ca);
  return {
    cells,
    rowMin,
    rowMax,
    colMin,
    colMax,
    rows: rowsOut,
    rowY,
    rowCount,
    angle,
    length: hi - lo + Math.max(spec.dx, spec.dy),
    width: 4 * Math.sqrt(across),
    cx,
    cy,
  };
}

/** Whether a component runs across the road (|angle| > 60 deg from x) and is at least `minLength` long. */
export function isTransverse(c: BevComponent, minLength = 2): boolean {
  return Math.abs(c.angle) > Math.PI / 3 && c.length >= minLength;
}
