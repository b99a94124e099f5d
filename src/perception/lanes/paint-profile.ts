/**
 * Paint along a lane instance, measured in the source image rather than in the model's mask:
 * segmentation models trained on polyline lane labels (TwinLiteNet on BDD100K) paint the gaps of a
 * dashed line as well, so the mask alone cannot tell dashed from solid. Per BEV row from the
 * instance's first to its last row (rows the mask missed included, at the centroid interpolated
 * between their neighbours), the brightest pixel within `halfWidth` of the line is compared with
 * the road beside it; a row is painted when that contrast reaches a fraction of the line's own
 * typical contrast (so lighting, haze and exposure scale out).
 */
import type { ImageView } from "../../image/image-view.js";
import { rowX, yToCol, type BevLookup } from "../bev/bev-grid.js";
import { PixelSampler } from "../bev/image-sampling.js";
import { RowMarks } from "./row-marks.js";
import type { LaneInstance } from "./lane-instances.js";

/** Per-row paint evidence of an instance. */
export interface PaintProfile {
  /** Every row from the instance's first to its last (within `maxRange`), ascending. */
  rows: number[];
  /** Paint minus road grey level per row (NaN where the image does not see both). */
  contrast: number[];
  /** Whether the image shows paint on each row (the mask's verdict where the contrast is NaN). */
  painted: boolean[];
  /** The line's typical paint contrast (80th percentile of the measured rows, grey levels). */
  reference: number;
  /** True when the paint stands out enough (`reference >= minReference`) for the image to decide. */
  measurable: boolean;
}

/** Options of `paintProfile`. */
export interface PaintProfileOptions {
  /** Lateral half-width searched for paint around the line (metres). */
  halfWidth: number;
  /** Inner edge of the road reference band beside the line (metres from it). */
  roadNear: number;
  /** Outer edge of the road reference band beside the line (metres from it). */
  roadFar: number;
  /** Rows beyond this x are not measured (metres). */
  maxRange: number;
  /** A row is painted when its contrast reaches this fraction of the reference. */
  paintedFraction: number;
  /** Least contrast of a painted row (grey levels). */
  minContrast: number;
  /** Least reference contrast for the image to decide at all (grey levels). */
  minReference: number;
}

/** Per BEV row scratch of `paintProfile`: centroid sums and counts of the mask's rows, valid at the rows marked in the current pass (grown on demand). */
const scratch = { rowSum: new Float64Array(0), rowCount: new Int32Array(0) };
const maskRowMarks = new RowMarks();

/** Measures the paint contrast along `instance` in `view`. */
export function paintProfile(
  instance: LaneInstance,
  view: ImageView,
  lookup: BevLookup,
  options: PaintProfileOptions,
): PaintProfile {
  const spec = lookup.spec;
  const half = Math.max(1, Math.round(options.halfWidth / spec.dy));
  const near = Math.max(half + 1, Math.round(options.roadNear / spec.dy));
  const far = Math.max(near, Math.round(options.roadFar / spec.dy));
  const maxRange = options.maxRange;
  const sampler = new PixelSampler(view);
  // The mask's rows and their centroids.
  if (scratch.rowSum.length < lookup.rows) {
    scratch.rowSum = new Float64Array(lookup.rows);
    scratch.rowCount = new Int32Array(lookup.rows);
  }
  const { rowSum, rowCount } = scratch;
  maskRowMarks.begin(lookup.rows);
  let firstRow = Infinity;
  let lastRow = -Infinity;
  for (const p of instance.parts) {
    for (let k = 0; k < p.rows.length; k++) {
      const r = p.rows[k]!;
      if (maskRowMarks.mark(r)) {
        rowSum[r] = p.rowY[k]!;
        rowCount[r] = 1;
        if (r < firstRow) firstRow = r;
        if (r > lastRow) lastRow = r;
      } else {
        rowSum[r]! += p.rowY[k]!;
        rowCount[r]!++;
      }
    }
  }
  const rows: number[] = [];
  const contrast: number[] = [];
  const inMask: boolean[] = [];
  const geometry: ContrastGeometry = { lookup, sampler, half, near, far };
  // Mask rows ascending (within maxRange); each holds the rows up to the next mask row.
  let r0 = nextMaskRow(firstRow, lastRow, spec, maxRange);
  while (r0 >= 0) {
    const next = nextMaskRow(r0 + 1, lastRow, spec, maxRange);
    const r1 = next >= 0 ? next : r0 + 1;
    const y0 = rowSum[r0]! / rowCount[r0]!;
    const y1 = next >= 0 ? rowSum[r1]! / rowCount[r1]! : y0;
    for (let r = r0; r < r1; r++) {
      rows.push(r);
      inMask.push(r === r0);
      contrast.push(
        rowContrast(geometry, r, yToCol(spec, y0 + ((y1 - y0) * (r - r0)) / (r1 - r0))),
      );
    }
    r0 = next;
  }
  const reference = referenceContrast(contrast);
  const measurable = Number.isFinite(reference) && reference >= options.minReference;
  const threshold = Math.max(options.minContrast, options.paintedFraction * reference);
  const painted = contrast.map((c, i) =>
    measurable && Number.isFinite(c) ? c >= threshold : inMask[i]!,
  );
  return { rows, contrast, painted, reference, measurable };
}

/** The first row in [from, to] that holds mask cells of this call and lies within maxRange; -1 when none. */
function nextMaskRow(from: number, to: number, spec: BevLookup["spec"], maxRange: number): number {
  for (let r = from; r <= to; r++) if (maskRowMarks.has(r) && rowX(spec, r) <= maxRange) return r;
  return -1;
}

/** `referenceContrast`'s copy of the finite contrasts (grown on demand). */
let measuredScratch = new Float64Array(256);

/** The line's typical contrast: the 80th percentile of the finite contrasts; NaN when there are none. */
function referenceContrast(contrast: readonly number[]): number {
  if (measuredScratch.length < contrast.length) measuredScratch = new Float64Array(contrast.length);
  let n = 0;
  for (const c of contrast) if (Number.isFinite(c)) measuredScratch[n++] = c;
  if (n === 0) return NaN;
  // A stable sort with the same comparator as on an array: equal values (0 and -0) keep their order.
  const measured = measuredScratch.subarray(0, n).sort((a, b) => a - b);
  return measured[Math.min(n - 1, Math.floor(0.8 * n))]!;
}

/** What `rowContrast` reads: the lookup, the image and the search widths in BEV columns. */
interface ContrastGeometry {
  lookup: BevLookup;
  sampler: PixelSampler;
  half: number;
  near: number;
  far: number;
}

/** Grey level of a BEV cell's pixel; NaN where the camera does not see the cell. */
function cellGrey(g: ContrastGeometry, cell: number): number {
  const p = g.lookup.pixelIndex[cell]!;
  return p < 0 ? NaN : g.sampler.grey(p);
}

/** Paint minus road on one BEV row around column `col`: the brightest cell within `half` minus the mean of the road band on both sides. */
function rowContrast(g: ContrastGeometry, r: number, col: number): number {
  const cols = g.lookup.cols;
  const base = r * cols;
  let paint = -Infinity;
  for (let c = col - g.half; c <= col + g.half; c++) {
    if (c < 0 || c >= cols) continue;
    const grey = cellGrey(g, base + c);
    if (grey > paint) paint = grey;
  }
  let road = 0;
  let n = 0;
  for (let d = g.near; d <= g.far; d++) {
    // Left, then right of the line (the order of the sum).
    for (let side = 0; side < 2; side++) {
      const c = side === 0 ? col - d : col + d;
      if (c < 0 || c >= cols) continue;
      const grey = cellGrey(g, base + c);
      if (Number.isFinite(grey)) {
        road += grey;
        n++;
      }
    }
  }
  return Number.isFinite(paint) && n > 0 ? paint - road / n : NaN;
}
