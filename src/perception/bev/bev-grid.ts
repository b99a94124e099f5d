/**
 * A bird's-eye-view (BEV) grid on the ground plane of base_link, and the lookup from each grid cell
 * to the image pixel that sees it. Every BEV stage (lane instances, the classical marking filter,
 * crosswalk stripes) samples through such a lookup, so the per-frame cost is one array read per cell.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";

/** Extent and resolution of a BEV grid in base_link (metres). Row r covers x in [xMin + r*dx, +dx). */
export interface BevGridSpec {
  /** Nearest ground distance covered (x, metres ahead of base_link). */
  xMin: number;
  /** Farthest ground distance covered (metres). */
  xMax: number;
  /** Row depth along x (metres). */
  dx: number;
  /** Rightmost lateral position covered (y, metres; negative = right). */
  yMin: number;
  /** Leftmost lateral position covered (metres). */
  yMax: number;
  /** Column width along y (metres). */
  dy: number;
}

/** A BEV grid bound to one camera geometry and image size. */
export interface BevLookup {
  readonly spec: BevGridSpec;
  /** Rows (along x). */
  readonly rows: number;
  /** Columns (along y, column 0 at yMin). */
  readonly cols: number;
  /** Image width the lookup was made for. */
  readonly imageWidth: number;
  /** Image height the lookup was made for. */
  readonly imageHeight: number;
  /** Per cell (row * cols + col): image pixel index v * width + u of the cell centre, or -1 when not seen. */
  readonly pixelIndex: Int32Array;
  /** Per row: image rows spanned by one BEV row at the grid's centre column (0 when unseen); weights far, oversampled rows down. */
  readonly imageRowsPerRow: Float32Array;
  /** Number of cells that the camera sees. */
  readonly visibleCells: number;
}

/** x of a row's centre. */
export function rowX(spec: BevGridSpec, row: number): number {
  return spec.xMin + (row + 0.5) * spec.dx;
}

/** y of a column's centre. */
export function colY(spec: BevGridSpec, col: number): number {
  return spec.yMin + (col + 0.5) * spec.dy;
}

/** The row of an x (may be outside the grid). */
export function xToRow(spec: BevGridSpec, x: number): number {
  return Math.floor((x - spec.xMin) / spec.dx);
}

/** The column of a y (may be outside the grid). */
export function yToCol(spec: BevGridSpec, y: number): number {
  return Math.floor((y - spec.yMin) / spec.dy);
}

/** Equal as cache keys: the same number, -0 and 0 alike, NaN equal to NaN (as their decimal strings would be). */
export function sameKeyNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Whether a lookup was built for this grid and image size (compared by the numbers, not by object identity). */
function lookupMatches(
  l: BevLookup,
  spec: BevGridSpec,
  imageWidth: number,
  imageHeight: number,
): boolean {
  const s = l.spec;
  return (
    sameKeyNumber(l.imageWidth, imageWidth) &&
    sameKeyNumber(l.imageHeight, imageHeight) &&
    sameKeyNumber(s.xMin, spec.xMin) &&
    sameKeyNumber(s.xMax, spec.xMax) &&
    sameKeyNumber(s.dx, spec.dx) &&
    sameKeyNumber(s.yMin, spec.yMin) &&
    sameKeyNumber(s.yMax, spec.yMax) &&
    sameKeyNumber(s.dy, spec.dy)
  );
}

/**
 * Lookups per geometry object (a new CameraGeometry, e.g. after a new CameraInfo, starts afresh;
 * the entries go with the geometry): at most 9 grids / image sizes each, all dropped when a 10th
 * comes. Each lookup keeps a copy of its grid spec, so a spec object changed afterwards misses.
 */
const cache = new WeakMap<CameraGeometry, BevLookup[]>();

/**
 * The lookup of a grid for a geometry and image size; cached per geometry object (building one costs
 * one `groundToPixel` per cell, about 50-100 ms for 100k cells; a frame then costs a few number
 * comparisons).
 */
export function bevLookup(
  geometry: CameraGeometry,
  spec: BevGridSpec,
  imageWidth: number,
  imageHeight: number,
): BevLookup {
  let perGeometry = cache.get(geometry);
  if (!perGeometry) cache.set(geometry, (perGeometry = []));
  for (const l of perGeometry) if (lookupMatches(l, spec, imageWidth, imageHeight)) return l;
  const built = buildLookup(geometry, { ...spec }, imageWidth, imageHeight);
  if (perGeometry.length > 8) perGeometry.length = 0;
  perGeometry.push(built);
  return built;
}

function buildLookup(
  geometry: CameraGeometry,
  spec: BevGridSpec,
  width: number,
  height: number,
): BevLookup {
  const rows = Math.max(1, Math.round((spec.xMax - spec.xMin) / spec.dx));
  const cols = Math.max(1, Math.round((spec.yMax - spec.yMin) / spec.dy));
  const pixelIndex = new Int32Array(rows * cols).fill(-1);
  const imageRowsPerRow = new Float32Array(rows);
  const horizon = geometry.horizonRow();
  let visibleCells = 0;
  const centreCol = Math.floor(cols / 2);
  const centreV = new Float64Array(rows).fill(NaN);
  // One query point for every cell (groundToPixel does not keep it).
  const ground = { x: 0, y: 0, z: 0 };
  for (let r = 0; r < rows; r++) {
    const x = rowX(spec, r);
    if (x <= 0) continue;
    ground.x = x;
    for (let c = 0; c < cols; c++) {
      ground.y = colY(spec, c);
      const px = geometry.groundToPixel(ground);
      if (!px) continue;
      const u = Math.round(px.u);
      const v = Math.round(px.v);
      if (u < 0 || v < 0 || u >= width || v >= height) continue;
      // Points must lie below the horizon; a bad calibration can put the ground "behind" the image.
      if (Number.isFinite(horizon) && px.v <= horizon) continue;
      pixelIndex[r * cols + c] = v * width + u;
      visibleCells++;
      if (c === centreCol) centreV[r] = px.v;
    }
  }
  for (let r = 0; r < rows; r++) {
    const a = centreV[r]!;
    const b = r + 1 < rows ? centreV[r + 1]! : NaN;
    const p = r > 0 ? centreV[r - 1]! : NaN;
    const d = Number.isFinite(b) ? Math.abs(a - b) : Math.abs(a - p);
    imageRowsPerRow[r] = Number.isFinite(d) ? d : 0;
  }
  return {
    spec,
    rows,
    cols,
    imageWidth: width,
    imageHeight: height,
    pixelIndex,
    imageRowsPerRow,
    visibleCells,
  };
}
