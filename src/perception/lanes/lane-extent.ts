/**
 * How far a fitted lane line reaches towards the camera. A lane line does not end in the near field:
 * where the model's mask (or the paint filter) stops a few metres short of the bottom of the image,
 * the line runs on through a dash gap, a faint or worn dash, or the bonnet's shadow. The near end is
 * taken down to the first ground the camera sees under the line when the gap is shorter than a dash
 * gap; farther gaps leave the line where its evidence starts.
 */
import type { Pixel } from "../../geometry/types.js";
import { evalPoly, type FitSampleArrays } from "./polyfit.js";
import { rowX, yToCol, type BevLookup } from "../bev/bev-grid.js";

/**
 * The nearest x (metres) where the camera sees road under the curve y(x), searching up to
 * `untilX`; `untilX` when none. Road is any cell the camera sees, or with `road` (a BEV grid: 1 =
 * drivable or lane paint) only cells within `roadHalfWidth` columns of one marked there, so the
 * line stops at the hood or a kerb rather than the image's last row. When the first road row is
 * the first row seen, the bottom image row's x is extrapolated with the flat ground's law (image
 * row linear in 1/x) from that row and the next, so the line reaches the image's last row rather
 * than the last BEV row centre.
 */
export function nearestVisibleX(
  lookup: BevLookup,
  coefficients: ArrayLike<number>,
  untilX: number,
  road: Uint8Array | undefined,
  roadHalfWidth: number,
): number {
  const { spec, cols, pixelIndex, imageWidth, imageHeight } = lookup;
  const colAt = (x: number): number => yToCol(spec, evalPoly(coefficients, x));
  const pixelRow = (r: number, x: number): number => {
    const c = colAt(x);
    const p = c >= 0 && c < cols && r < lookup.rows ? pixelIndex[r * cols + c]! : -1;
    return p >= 0 ? Math.floor(p / imageWidth) : NaN;
  };
  const isRoad = (r: number, x: number): boolean => {
    if (!road) return true;
    const c = colAt(x);
    for (let k = Math.max(0, c - roadHalfWidth); k <= Math.min(cols - 1, c + roadHalfWidth); k++)
      if (road[r * cols + k]) return true;
    return false;
  };
  let firstSeen = true;
  for (let r = 0; r < lookup.rows; r++) {
    const x = rowX(spec, r);
    if (x - spec.dx / 2 > untilX + 1e-9) break;
    const v0 = pixelRow(r, x);
    if (!Number.isFinite(v0)) continue;
    const edge = Math.max(0, x - spec.dx / 2);
    if (!isRoad(r, x)) {
      firstSeen = false;
      continue;
    }
    const x1 = rowX(spec, r + 1);
    const v1 = pixelRow(r + 1, x1);
    if (!firstSeen || !Number.isFinite(v1) || v1 >= v0 || x <= 0) return Math.min(edge, untilX);
    const inv = 1 / x + ((imageHeight - 0.5 - v0) * (1 / x1 - 1 / x)) / (v1 - v0);
    return Math.min(untilX, inv > 0 ? Math.max(Math.min(1 / inv, x), edge - spec.dx / 2, 0) : edge);
  }
  return untilX;
}

/** Options of `nearExtent`. */
export interface NearExtentOptions {
  /** Longest stretch (metres) between the first visible ground and the line's evidence that is bridged (a dash gap). */
  maxNearGap: number;
  /** With a road grid, the near end looks only at road cells within this many BEV columns of the line (`nearestVisibleX`). */
  roadHalfWidthCols: number;
  /** Lateral offset (metres) either side of the line at which `imageRoadNearLimit` also checks the image for road. */
  imageRoadHalfWidth: number;
  /** Image rows between the checks of `imageRoadNearLimit`. */
  imageRoadRowStep: number;
  /** Metres of the nearest evidence a near continuation is extrapolated from (`withNearContinuation`). */
  continuationWindow: number;
  /** Least span (metres) of the evidence a near continuation is extrapolated from (`withNearContinuation`). */
  continuationMinSpan: number;
}

/**
 * The near end of a line whose evidence runs from `xMin` over `extent` metres: the first visible
 * road under it (`nearestVisibleX`) when that is within `maxNearGap` and within the evidence's own
 * length (a short piece's direction does not carry far), else `xMin`.
 */
export function nearExtent(
  lookup: BevLookup,
  coefficients: ArrayLike<number>,
  xMin: number,
  extent: number,
  options: NearExtentOptions,
  road?: Uint8Array,
): number {
  const near = nearestVisibleX(lookup, coefficients, xMin, road, options.roadHalfWidthCols);
  return xMin - near <= Math.min(options.maxNearGap, extent) ? Math.min(near, xMin) : xMin;
}

/** Road in the image at the masks' own resolution: the BEV's near rows are half a metre deep, tens of image rows. */
export interface ImageRoad {
  /** The image pixel (centres at integers) that sees a ground point of base_link; undefined when none does. */
  project(x: number, y: number): Pixel | undefined;
  /** Whether the masks mark road (drivable area or lane paint) at an image pixel. */
  isRoad(u: number, v: number): boolean;
  /** Image size. */
  width: number;
  height: number;
}

/**
 * How far towards the camera (down to `toX`) the image shows road under the line y(x) without a
 * break, walking down from `fromX`: the near end stops at the first image row where neither the
 * line's pixel nor those `halfWidth` metres either side are road (a dashcam's bonnet, which
 * the BEV's half-metre near rows straddle), or where the line leaves the image; checked every
 * `rowStep` image rows, at the line and `halfWidth` either side. Returns `fromX`
 * when the road ends right there, `toX` when it runs on to it.
 */
export function imageRoadNearLimit(
  road: ImageRoad,
  coefficients: ArrayLike<number>,
  fromX: number,
  toX: number,
  halfWidth: number,
  rowStep: number,
): number {
  if (toX >= fromX) return fromX;
  const lateral = [0, -halfWidth, halfWidth];
  let last = fromX;
  let x = fromX;
  for (;;) {
    const y = evalPoly(coefficients, x);
    const centre = road.project(x, y);
    if (!centre || centre.v > road.height - 0.5 || centre.u < -0.5 || centre.u > road.width - 0.5)
      return last;
    let seen = false;
    for (const dy of lateral) {
      const px = dy === 0 ? centre : road.project(x, y + dy);
      if (!px) continue;
      const u = Math.round(px.u);
      const v = Math.round(px.v);
      if (u < 0 || v < 0 || u >= road.width || v >= road.height) continue;
      if (road.isRoad(u, v)) {
        seen = true;
        break;
      }
    }
    if (!seen) return last;
    last = x;
    if (x <= toX) return toX;
    // About `rowStep` image rows further: the ground's image row changes by |dv/dx| per metre.
    const below = road.project(x - 0.01, y);
    const rate = below ? Math.abs(below.v - centre.v) / 0.01 : 0;
    x = Math.max(toX, x - (rate > 0 ? Math.min(0.25, rowStep / rate) : 0.25));
  }
}

/**
 * Fit samples with the near stretch [`fromX`, `toX`) filled by the straight continuation of the
 * evidence's near end, at `step` spacing, each weighted like the mean sample: a cubic bends where
 * it has no samples, and in the near field a few centimetres are many pixels. The straight line is
 * a weighted least-squares fit to the samples within `window` metres of `toX`, the window grown by
 * half its length until they span at least `minSpan` metres (a lone short dash gives no direction).
 * Returns a new sample set.
 */
export function withNearContinuation(
  samples: FitSampleArrays,
  fromX: number,
  toX: number,
  step: number,
  window: number,
  minSpan: number,
): FitSampleArrays {
  const extra = Math.max(0, Math.ceil((toX - fromX) / step));
  const n = samples.n;
  const out: FitSampleArrays = {
    x: new Float64Array(n + extra),
    y: new Float64Array(n + extra),
    w: new Float64Array(n + extra),
    n,
  };
  out.x.set(samples.x.subarray(0, n));
  out.y.set(samples.y.subarray(0, n));
  out.w.set(samples.w.subarray(0, n));
  if (n < 2 || extra === 0) return out;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    lo = Math.min(lo, samples.x[k]!);
    hi = Math.max(hi, samples.x[k]!);
  }
  let reach = window;
  const fit = { a: 0, b: 0, w: 0 };
  for (;;) {
    const limit = toX + reach;
    let sw = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    let m = 0;
    let spanHi = -Infinity;
    for (let k = 0; k < n; k++) {
      const x = samples.x[k]!;
      if (x > limit) continue;
      const w = samples.w[k]!;
      const y = samples.y[k]!;
      sw += w;
      sx += w * x;
      sy += w * y;
      sxx += w * x * x;
      sxy += w * x * y;
      m++;
      spanHi = Math.max(spanHi, x);
    }
    const det = sw * sxx - sx * sx;
    if (m >= 2 && det > 0 && (spanHi - lo >= minSpan || limit >= hi)) {
      fit.b = (sw * sxy - sx * sy) / det;
      fit.a = (sy - fit.b * sx) / sw;
      fit.w = sw / m;
      break;
    }
    if (limit >= hi) return out;
    reach *= 1.5;
  }
  for (let k = 0; k < extra; k++) {
    const x = fromX + k * step;
    out.x[out.n] = x;
    out.y[out.n] = fit.a + fit.b * x;
    out.w[out.n] = fit.w;
    out.n++;
  }
  return out;
}

/** Options of `occludedContinuation`. */
export interface OccludedContinuationOptions {
  /** Stretch beyond the line's far end that is checked for an occluder (metres). */
  probe: number;
  /** Half-width of the band around the line that is checked (metres). */
  halfWidth: number;
  /** The far end is occluded when at most this fraction of the probed cells that the camera sees is drivable. */
  maxDrivableFraction: number;
  /** How far an occluded line is taken to run on (metres); default the BEV grid's far end. */
  continueTo?: number;
}

/**
 * How far a line whose evidence ends at `xEnd` runs on behind something standing on the road.
 * Paint that fades on open road ends there; paint that ends where a vehicle stands (the drivable
 * mask excludes vehicles) goes on behind it. When the cells along the line's straight continuation
 * over the next `probe` metres are seen but not drivable, the line is taken to run on to
 * `continueTo` (the far end of the grid: the road goes on behind a vehicle as far as the camera
 * looks, which is how lane annotations such as TuSimple's draw it), else it ends at `xEnd`. Not
 * evidence: the message's x_max stays where pixels support the line.
 */
export function occludedContinuation(
  lookup: BevLookup,
  drivable: Uint8Array,
  coefficients: ArrayLike<number>,
  xEnd: number,
  options: OccludedContinuationOptions,
): number {
  const { spec, cols, rows, pixelIndex } = lookup;
  const probe = options.probe;
  const continueTo = options.continueTo ?? spec.xMax;
  if (continueTo <= xEnd + probe) return xEnd;
  const half = Math.max(1, Math.round(options.halfWidth / spec.dy));
  const c = coefficients;
  const yEnd = evalPoly(c, xEnd);
  const slope = (c[1] ?? 0) + 2 * (c[2] ?? 0) * xEnd + 3 * (c[3] ?? 0) * xEnd * xEnd;
  let seen = 0;
  let road = 0;
  for (
    let r = Math.floor((xEnd - spec.xMin) / spec.dx) + 1;
    r < rows && rowX(spec, r) <= xEnd + probe;
    r++
  ) {
    const col = yToCol(spec, yEnd + slope * (rowX(spec, r) - xEnd));
    for (let k = col - half; k <= col + half; k++) {
      if (k < 0 || k >= cols || pixelIndex[r * cols + k]! < 0) continue;
      seen++;
      if (drivable[r * cols + k]) road++;
    }
  }
  return seen > 0 && road <= options.maxDrivableFraction * seen ? continueTo : xEnd;
}
