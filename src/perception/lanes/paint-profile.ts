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
import { rowX, yToCol, type BevLookup } from "./bev-grid.js";
import { rgbReader } from "./image-sampling.js";
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
  /** Lateral half-width searched for paint around the line (metres); default 0.2. */
  halfWidth?: number;
  /** Road reference band beside the line (metres from it); default 0.45-0.75. */
  roadNear?: number;
  roadFar?: number;
  /** Rows beyond this x are not measured; default 45. */
  maxRange?: number;
  /** A row is painted when its contrast reaches this fraction of the reference; default 0.35. */
  paintedFraction?: number;
  /** Least contrast of a painted row (grey levels); default 10. */
  minContrast?: number;
  /** Least reference contrast for the image to decide at all (grey levels); default 20. */
  minReference?: number;
}

/** Measures the paint contrast along `instance` in `view`. */
export function paintProfile(instance: LaneInstance, view: ImageView, lookup: BevLookup, options: PaintProfileOptions = {}): PaintProfile {
  const spec = lookup.spec;
  const half = Math.max(1, Math.round((options.halfWidth ?? 0.2) / spec.dy));
  const near = Math.max(half + 1, Math.round((options.roadNear ?? 0.45) / spec.dy));
  const far = Math.max(near, Math.round((options.roadFar ?? 0.75) / spec.dy));
  const maxRange = options.maxRange ?? 45;
  const read = rgbReader(view);
  const rgb = new Uint8Array(3);
  const grey = (cell: number): number => {
    const p = lookup.pixelIndex[cell];
    if (p < 0) return NaN;
    read(p, rgb, 0);
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  };
  // The mask's rows and their centroids.
  const perRow = new Map<number, { sum: number; n: number }>();
  for (const p of instance.parts) {
    for (let k = 0; k < p.rows.length; k++) {
      const acc = perRow.get(p.rows[k]);
      if (acc) {
        acc.sum += p.rowY[k];
        acc.n++;
      } else perRow.set(p.rows[k], { sum: p.rowY[k], n: 1 });
    }
  }
  const maskRows = [...perRow.keys()].filter((r) => rowX(spec, r) <= maxRange).sort((a, b) => a - b);
  const rows: number[] = [];
  const contrast: number[] = [];
  const inMask: boolean[] = [];
  const yOf = (r: number) => perRow.get(r)!.sum / perRow.get(r)!.n;
  for (let k = 0; k < maskRows.length; k++) {
    const r0 = maskRows[k];
    const r1 = k + 1 < maskRows.length ? maskRows[k + 1] : r0 + 1;
    const y0 = yOf(r0);
    const y1 = k + 1 < maskRows.length ? yOf(r1) : y0;
    for (let r = r0; r < r1; r++) {
      rows.push(r);
      inMask.push(r === r0);
      contrast.push(rowContrast(r, yToCol(spec, y0 + ((y1 - y0) * (r - r0)) / (r1 - r0))));
    }
  }
  function rowContrast(r: number, col: number): number {
    const base = r * lookup.cols;
    let paint = -Infinity;
    for (let c = col - half; c <= col + half; c++) {
      if (c < 0 || c >= lookup.cols) continue;
      const g = grey(base + c);
      if (g > paint) paint = g;
    }
    let road = 0;
    let n = 0;
    for (let d = near; d <= far; d++) {
      for (const c of [col - d, col + d]) {
        if (c < 0 || c >= lookup.cols) continue;
        const g = grey(base + c);
        if (Number.isFinite(g)) {
          road += g;
          n++;
        }
      }
    }
    return Number.isFinite(paint) && n > 0 ? paint - road / n : NaN;
  }
  const measured = contrast.filter((c) => Number.isFinite(c)).sort((a, b) => a - b);
  const reference = measured.length ? measured[Math.min(measured.length - 1, Math.floor(0.8 * measured.length))] : NaN;
  const measurable = measured.length > 0 && reference >= (options.minReference ?? 20);
  const threshold = Math.max(options.minContrast ?? 10, (options.paintedFraction ?? 0.35) * reference);
  const painted = contrast.map((c, i) => (measurable && Number.isFinite(c) ? c >= threshold : inMask[i]));
  return { rows, contrast, painted, reference, measurable };
}
