/**
 * How far a fitted lane line reaches towards the camera. A lane line does not end in the near field:
 * where the model's mask (or the paint filter) stops a few metres short of the bottom of the image,
 * the line runs on through a dash gap, a faint or worn dash, or the bonnet's shadow. The near end is
 * taken down to the first ground the camera sees under the line when the gap is shorter than a dash
 * gap; farther gaps leave the line where its evidence starts.
 */
import { evalPoly, type FitSampleArrays } from "./polyfit.js";
import { rowX, yToCol, type BevLookup } from "./bev-grid.js";

/**
 * The nearest x (metres) the camera sees under the curve y(x), searching up to `untilX`; `untilX`
 * when none. From the first BEV row seen there, the bottom image row's x is extrapolated with the
 * flat ground's law (image row linear in 1/x) from that row and the next, so the line reaches the
 * image's last row rather than the last BEV row centre.
 */
export function nearestVisibleX(lookup: BevLookup, coefficients: ArrayLike<number>, untilX: number): number {
  const { spec, cols, pixelIndex, imageWidth, imageHeight } = lookup;
  const pixelRow = (r: number, x: number): number => {
    const c = yToCol(spec, evalPoly(coefficients, x));
    const p = c >= 0 && c < cols && r < lookup.rows ? pixelIndex[r * cols + c]! : -1;
    return p >= 0 ? Math.floor(p / imageWidth) : NaN;
  };
  for (let r = 0; r < lookup.rows; r++) {
    const x = rowX(spec, r);
    if (x - spec.dx / 2 > untilX + 1e-9) break;
    const v0 = pixelRow(r, x);
    if (!Number.isFinite(v0)) continue;
    const x1 = rowX(spec, r + 1);
    const v1 = pixelRow(r + 1, x1);
    const edge = Math.max(0, x - spec.dx / 2);
    if (!Number.isFinite(v1) || v1 >= v0 || x <= 0) return Math.min(edge, untilX);
    const inv = 1 / x + ((imageHeight - 0.5 - v0) * (1 / x1 - 1 / x)) / (v1 - v0);
    return Math.min(untilX, inv > 0 ? Math.max(Math.min(1 / inv, x), edge - spec.dx / 2, 0) : edge);
  }
  return untilX;
}

/** Options of `nearExtent`. */
export interface NearExtentOptions {
  /** Longest stretch (metres) between the first visible ground and the line's evidence that is bridged; default 10 (a dash gap). */
  maxNearGap?: number;
}

/**
 * The near end of a line whose evidence runs from `xMin` over `extent` metres: the first visible
 * ground under it when that is within `maxNearGap` and within the evidence's own length (a short
 * piece's direction does not carry far), else `xMin`.
 */
export function nearExtent(lookup: BevLookup, coefficients: ArrayLike<number>, xMin: number, extent: number, options: NearExtentOptions = {}): number {
  const near = nearestVisibleX(lookup, coefficients, xMin);
  return xMin - near <= Math.min(options.maxNearGap ?? 10, extent) ? Math.min(near, xMin) : xMin;
}

/**
 * Fit samples with the near stretch [`fromX`, `toX`) filled by the tangent of `coefficients` (the
 * fit to the evidence alone) at `toX`, at `step` spacing, each weighted like the mean sample: a
 * cubic bends where it has no samples, and in the near field a few centimetres are many pixels.
 * Returns a new sample set.
 */
export function withNearContinuation(samples: FitSampleArrays, coefficients: ArrayLike<number>, fromX: number, toX: number, step: number): FitSampleArrays {
  const extra = Math.max(0, Math.ceil((toX - fromX) / step));
  const n = samples.n;
  const out: FitSampleArrays = { x: new Float64Array(n + extra), y: new Float64Array(n + extra), w: new Float64Array(n + extra), n };
  out.x.set(samples.x.subarray(0, n));
  out.y.set(samples.y.subarray(0, n));
  out.w.set(samples.w.subarray(0, n));
  let sw = 0;
  for (let k = 0; k < n; k++) sw += samples.w[k]!;
  if (n === 0 || extra === 0) return out;
  const c = coefficients;
  const y0 = evalPoly(c, toX);
  const slope = (c[1] ?? 0) + 2 * (c[2] ?? 0) * toX + 3 * (c[3] ?? 0) * toX * toX;
  for (let k = 0; k < extra; k++) {
    const x = fromX + k * step;
    out.x[out.n] = x;
    out.y[out.n] = y0 + slope * (x - toX);
    out.w[out.n] = sw / n;
    out.n++;
  }
  return out;
}
