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

const cache = new WeakMap<CameraGeometry, Map<string, BevLookup>>();

/**
 * The lookup of a grid for a geometry and image size; cached per geometry object (building one costs
 * one `groundToPixel` per cell, about 50-100 ms for 100k cells; a frame then costs nothing).
 */
export function bevLookup(geometry: CameraGeometry, spec: BevGridSpec, imageWidth: number, imageHeight: number): BevLookup {
  const key = `${imageWidth}x${imageHeight}:${spec.xMin},${spec.xMax},${spec.dx},${spec.yMin},${spec.yMax},${spec.dy}`;
  let perGeometry = cache.get(geometry);
  if (!perGeometry) cache.set(geometry, (perGeometry = new Map()));
  const hit = perGeometry.get(key);
  if (hit) return hit;
  const built = buildLookup(geometry, spec, imageWidth, imageHeight);
  if (perGeometry.size > 8) perGeometry.clear();
  perGeometry.set(key, built);
  return built;
}

function buildLookup(geometry: CameraGeometry, spec: BevGridSpec, width: number, height: number): BevLookup {
  const rows = Math.max(1, Math.round((spec.xMax - spec.xMin) / spec.dx));
  const cols = Math.max(1, Math.round((spec.yMax - spec.yMin) / spec.dy));
  const pixelIndex = new Int32Array(rows * cols).fill(-1);
  const imageRowsPerRow = new Float32Array(rows);
  const horizon = geometry.horizonRow();
  let visibleCells = 0;
  const centreCol = Math.floor(cols / 2);
  const centreV = new Float64Array(rows).fill(NaN);
  for (let r = 0; r < rows; r++) {
    const x = rowX(spec, r);
    if (x <= 0) continue;
    for (let c = 0; c < cols; c++) {
      const px = geometry.groundToPixel({ x, y: colY(spec, c), z: 0 });
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
    const a = centreV[r];
    const b = r + 1 < rows ? centreV[r + 1] : NaN;
    const p = r > 0 ? centreV[r - 1] : NaN;
    const d = Number.isFinite(b) ? Math.abs(a - b) : Math.abs(a - p);
    imageRowsPerRow[r] = Number.isFinite(d) ? d : 0;
  }
  return { spec, rows, cols, imageWidth: width, imageHeight: height, pixelIndex, imageRowsPerRow, visibleCells };
}
