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

/**
 * Scratch of `bevComponents`, reused by every call and grown to the largest grid seen: `slot` maps
 * an occupied cell to its rank among the occupied cells (valid only at occupied cells of the
 * current call); `cellOf`, `parent` and `size` are indexed by that rank, `filled` (cells placed so
 * far) by output component.
 */
const scratch = {
  slot: new Int32Array(0),
  cellOf: new Int32Array(0),
  parent: new Int32Array(0),
  size: new Int32Array(0),
  filled: new Int32Array(0),
};

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]!]!;
    i = parent[i]!;
  }
  return i;
}

/** Merges the sets of a and b; the root is always the set's smallest rank. */
function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra !== rb) parent[ra < rb ? rb : ra] = ra < rb ? ra : rb;
}

/**
 * Lists the occupied cells in row-major order (`cellOf[rank] = cell`, `slot[cell] = rank`, each rank
 * its own set in `parent`); returns their count. Grids are sparse: four empty cells are skipped
 * with one 32-bit read where the bytes are aligned.
 */
function rankOccupied(
  occupancy: Uint8Array,
  cellOf: Int32Array,
  slot: Int32Array,
  parent: Int32Array,
): number {
  let count = 0;
  let i = 0;
  const words =
    occupancy.byteOffset % 4 === 0
      ? new Uint32Array(occupancy.buffer, occupancy.byteOffset, occupancy.length >> 2)
      : undefined;
  const end = occupancy.length;
  while (i < end) {
    if (words && (i & 3) === 0 && i + 4 <= end && words[i >> 2] === 0) {
      i += 4;
      continue;
    }
    if (occupancy[i]) {
      cellOf[count] = i;
      slot[i] = count;
      parent[count] = count;
      count++;
    }
    i++;
  }
  return count;
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
  if (scratch.slot.length < occupancy.length) {
    const n = occupancy.length;
    Object.assign(scratch, {
      slot: new Int32Array(n),
      cellOf: new Int32Array(n),
      parent: new Int32Array(n),
      size: new Int32Array(n),
      filled: new Int32Array(n),
    });
  }
  const { slot, cellOf, parent, size, filled } = scratch;
  const count = rankOccupied(occupancy, cellOf, slot, parent);
  for (let k = 0; k < count; k++) {
    const i = cellOf[k]!;
    const r = (i / cols) | 0;
    const c = i - r * cols;
    if (c + 1 < cols && occupancy[i + 1]) union(parent, k, slot[i + 1]!);
    for (let dr = 1; dr <= rowGap + 1 && r + dr < rows; dr++) {
      const nb = (r + dr) * cols;
      for (let dc = -1; dc <= 1; dc++) {
        const cc = c + dc;
        if (cc >= 0 && cc < cols && occupancy[nb + cc]) union(parent, k, slot[nb + cc]!);
      }
    }
  }
  // A set's root is its first cell in row-major order, so components come out in the order of
  // their first cells, each with its cells in row-major order. Sizes first: small sets get no array.
  size.fill(0, 0, count);
  for (let k = 0; k < count; k++) {
    const root = find(parent, k);
    parent[k] = root;
    size[root]!++;
  }
  const groups: number[][] = [];
  // slot is reused now that the ranks are final: by a root's rank, its group.
  const groupOf = slot;
  for (let k = 0; k < count; k++) {
    const root = parent[k]!;
    if (size[root]! < minCells) continue;
    if (root === k) {
      groupOf[k] = groups.length;
      filled[groups.length] = 0;
      groups.push(new Array<number>(size[k]!));
    }
    const g = groupOf[root]!;
    groups[g]![filled[g]!++] = cellOf[k]!;
  }
  return groups.map((cells) => summarise(cells, cols, spec));
}

/** `summarise`'s per-row scratch: row, mean y and cell count of each row of the current component (grown on demand). */
let rowScratch = {
  rows: new Int32Array(256),
  y: new Float64Array(256),
  count: new Int32Array(256),
};

/** Writes row summary number k into the scratch; returns k + 1. */
function addRow(k: number, row: number, y: number, count: number): number {
  rowScratch.rows[k] = row;
  rowScratch.y[k] = y;
  rowScratch.count[k] = count;
  return k + 1;
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
  // Per-row summaries go to the scratch first (at most one row per cell), then into exact-size arrays.
  if (rowScratch.rows.length < cells.length)
    rowScratch = {
      rows: new Int32Array(cells.length),
      y: new Float64Array(cells.length),
      count: new Int32Array(cells.length),
    };
  const { rows: rowsBuf, y: rowYBuf, count: rowCountBuf } = rowScratch;
  let nRows = 0;
  let curRow = -1;
  let curSum = 0;
  let curN = 0;
  const sorted =
    cells.length > 1 && cells[0]! > cells[cells.length - 1]!
      ? [...cells].sort((a, b) => a - b)
      : cells;
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
      if (curN > 0) nRows = addRow(nRows, curRow, curSum / curN, curN);
      curRow = r;
      curSum = 0;
      curN = 0;
    }
    curSum += y;
    curN++;
  }
  if (curN > 0) nRows = addRow(nRows, curRow, curSum / curN, curN);
  const rowsOut = new Array<number>(nRows);
  const rowY = new Array<number>(nRows);
  const rowCount = new Array<number>(nRows);
  for (let k = 0; k < nRows; k++) {
    rowsOut[k] = rowsBuf[k]!;
    rowY[k] = rowYBuf[k]!;
    rowCount[k] = rowCountBuf[k]!;
  }
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
  const x0 = rowX(spec, rowMin);
  const x1 = rowX(spec, rowMax);
  const y0 = colY(spec, colMin);
  const y1 = colY(spec, colMax);
  const a00 = (x0 - cx) * ca + (y0 - cy) * sa;
  const a01 = (x0 - cx) * ca + (y1 - cy) * sa;
  const a10 = (x1 - cx) * ca + (y0 - cy) * sa;
  const a11 = (x1 - cx) * ca + (y1 - cy) * sa;
  const lo = Math.min(a00, a01, a10, a11);
  const hi = Math.max(a00, a01, a10, a11);
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
