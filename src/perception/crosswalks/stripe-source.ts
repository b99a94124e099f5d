/**
 * The built-in crosswalk source: zebra stripes in BEV, confirmed by their periodic profile across
 * the road, with the near/far edges taken from TwinLiteNet's transverse lane lines when it saw them.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import { bevLookup, colY, rowX, type BevGridSpec } from "../lanes/bev-grid.js";
import type { BevComponent } from "../lanes/bev-components.js";
import { sampleBevColour } from "../lanes/image-sampling.js";
import type { CrosswalkCandidate, CrosswalkFrame, CrosswalkSource } from "./crosswalk-source.js";
import { rowStripeScores, type StripePeriodicityOptions } from "./stripe-periodicity.js";

/** The default stripe grid: 2-40 m ahead, +-10 m, 0.25 m x 0.1 m cells. */
export const DEFAULT_STRIPE_GRID: Readonly<BevGridSpec> = Object.freeze({ xMin: 2, xMax: 40, dx: 0.25, yMin: -10, yMax: 10, dy: 0.1 });

/** Options of `StripeCrosswalkSource`. */
export interface StripeSourceOptions {
  /** The BEV grid searched. */
  grid?: BevGridSpec;
  /** Periodicity analysis. */
  periodicity?: StripePeriodicityOptions;
  /** Rows with a stripe score above this count as striped; default 0.3. */
  minRowScore?: number;
  /** Striped rows need this much contrast (grey levels, RMS of the detrended profile); default 15 (paint on asphalt gives 20-40, even at night). */
  minContrast?: number;
  /**
   * Low-visibility path (rain, haze, wet roads: the stripes keep their period but drop to 8-15 grey
   * levels RMS): a row whose periodicity is unmistakable also counts when its contrast stands out of
   * the frame's noise floor (the lower quartile of the contrast of the rows without stripes: sensor
   * noise, rain streaks, asphalt texture). Least row score for this path; default 0.6.
   */
  lowContrastMinScore?: number;
  /** Low-visibility path: least contrast as a multiple of the frame's noise floor; default 2 (Infinity closes the path). */
  minContrastOverNoise?: number;
  /** Low-visibility path: least contrast in grey levels whatever the noise floor; default 8. */
  minContrastFloor?: number;
  /** Shortest striped depth along x (metres) for a crosswalk; default 1.25. */
  minDepth?: number;
  /** Gap in x bridged inside one crosswalk (metres); default 0.75. */
  maxGap?: number;
  /** Transverse lane-mask lines within this distance of a striped band's ends confirm it (metres); default 5 (glare and wear often hide the stripes next to an edge). */
  edgeTolerance?: number;
}

/** Zebra-stripe crosswalk source. */
export class StripeCrosswalkSource implements CrosswalkSource {
  readonly name = "stripes";
  private grey = new Float32Array(0);

  constructor(readonly options: StripeSourceOptions = {}) {}

  candidates(frame: CrosswalkFrame): CrosswalkCandidate[] {
    const o = this.options;
    const spec = o.grid ?? DEFAULT_STRIPE_GRID;
    const lookup = bevLookup(frame.geometry, spec, frame.view.width, frame.view.height);
    if (lookup.visibleCells === 0) return [];
    const n = lookup.rows * lookup.cols;
    if (this.grey.length !== n) this.grey = new Float32Array(n);
    sampleBevColour(frame.view, lookup.pixelIndex, this.grey);
    const rs = rowStripeScores(this.grey, lookup.rows, lookup.cols, spec.dy, o.periodicity);
    const minScore = o.minRowScore ?? 0.3;
    const minContrast = o.minContrast ?? 15;
    const noise = noiseFloor(rs.score, rs.contrast, minScore);
    const lowMinScore = Math.max(minScore, o.lowContrastMinScore ?? 0.6);
    const lowMinContrast = Math.max(o.minContrastFloor ?? 8, (o.minContrastOverNoise ?? 2) * noise);
    const striped = new Uint8Array(lookup.rows);
    let lowContrastRows = 0;
    for (let r = 0; r < lookup.rows; r++) {
      const s = rs.score[r];
      const c = rs.contrast[r];
      if (s >= minScore && c >= minContrast) striped[r] = 1;
      else if (s >= lowMinScore && c >= lowMinContrast) {
        striped[r] = 1;
        lowContrastRows++;
      }
    }
    // Bands of striped rows, small gaps bridged.
    const maxGapRows = Math.round((o.maxGap ?? 0.75) / spec.dx);
    const bands: { r0: number; r1: number }[] = [];
    for (let r = 0; r < lookup.rows; r++) {
      if (!striped[r]) continue;
      const last = bands[bands.length - 1];
      if (last && r - last.r1 - 1 <= maxGapRows) last.r1 = r;
      else bands.push({ r0: r, r1: r });
    }
    const minDepth = o.minDepth ?? 1.25;
    const edges = (frame.transverse ?? []).filter((c) => c.length >= 2);
    const tol = o.edgeTolerance ?? 5;
    const out: CrosswalkCandidate[] = [];
    for (const band of bands) {
      let xNear = rowX(spec, band.r0) - spec.dx / 2;
      let xFar = rowX(spec, band.r1) + spec.dx / 2;
      let stripedRows = 0;
      let scoreSum = 0;
      for (let r = band.r0; r <= band.r1; r++) {
        if (!striped[r]) continue;
        stripedRows++;
        scoreSum += rs.score[r];
      }
      if (stripedRows * spec.dx < minDepth && stripedRows < 4) continue;
      const meanScore = scoreSum / stripedRows;
      const centres: number[] = [];
      for (let r = band.r0; r <= band.r1; r++) if (striped[r]) centres.push(rs.centreCol[r]);
      centres.sort((a, b) => a - b);
      const lateral = lateralExtent(rs.detrended, lookup.cols, band.r0, band.r1, spec, centres[centres.length >> 1]);
      if (!lateral || lateral.yLeft - lateral.yRight < 2) continue;
      // Transverse lane-mask lines at the band's ends: TwinLiteNet's near and far crosswalk edges.
      const near = edges.filter((e) => Math.abs(e.cx - xNear) <= tol).sort((a, b) => Math.abs(a.cx - xNear) - Math.abs(b.cx - xNear))[0];
      const far = edges.filter((e) => e !== near && Math.abs(e.cx - xFar) <= tol && e.cx > (near?.cx ?? -Infinity)).sort((a, b) => Math.abs(a.cx - xFar) - Math.abs(b.cx - xFar))[0];
      let evidence = `stripes score ${meanScore.toFixed(2)} over ${(stripedRows * spec.dx).toFixed(1)} m`;
      if (lowContrastRows > 0) evidence += ` (low contrast: noise floor ${noise.toFixed(1)} grey levels)`;
      if (near) {
        xNear = Math.min(xNear, near.cx);
        evidence += ", near edge in lane mask";
      }
      if (far) {
        xFar = Math.max(xFar, far.cx);
        evidence += ", far edge in lane mask";
      }
      const depthFactor = Math.min(1, (stripedRows * spec.dx) / 3);
      const base = Math.min(1, Math.max(0, (meanScore - 0.2) / 0.4));
      const confidence = Math.min(0.99, 0.15 + 0.65 * base * (0.5 + 0.5 * depthFactor) + (near ? 0.1 : 0) + (far ? 0.1 : 0));
      out.push({
        xNear,
        xFar,
        yRight: lateral.yRight,
        yLeft: lateral.yLeft,
        confidence,
        distanceStd: distanceStd(frame.geometry, xNear, spec.dx),
        evidence,
      });
    }
    return out;
  }
}

/**
 * The frame's noise floor in grey levels: the lower quartile of the contrast of the visible rows
 * that carry no stripes (sensor noise, rain streaks, asphalt texture; the quartile keeps rows with
 * kerbs, cars or a stop line from raising it); Infinity with fewer than 10 such rows (nothing to
 * compare with: the low-contrast path stays closed).
 */
export function noiseFloor(score: Float32Array, contrast: Float32Array, minScore: number): number {
  const values: number[] = [];
  for (let r = 0; r < score.length; r++) if (Number.isFinite(score[r]) && score[r] < minScore && contrast[r] > 0) values.push(contrast[r]);
  if (values.length < 10) return Infinity;
  values.sort((a, b) => a - b);
  return values[values.length >> 2];
}

/** The lateral span around `startCol` where the band's rows carry stripe energy (>= 30% of the band's peak, 2 m smoothing). */
function lateralExtent(
  detrended: Float32Array,
  cols: number,
  r0: number,
  r1: number,
  spec: BevGridSpec,
  startCol: number,
): { yRight: number; yLeft: number } | undefined {
  const energy = new Float64Array(cols);
  for (let r = r0; r <= r1; r++) for (let c = 0; c < cols; c++) energy[c] += detrended[r * cols + c] ** 2;
  const half = Math.round(1 / spec.dy);
  const smooth = new Float64Array(cols);
  let peak = 0;
  let peakCol = 0;
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let k = Math.max(0, c - half); k <= Math.min(cols - 1, c + half); k++) s += energy[k];
    smooth[c] = s;
    if (s > peak) {
      peak = s;
      peakCol = c;
    }
  }
  if (peak <= 0) return undefined;
  const seed = startCol >= 0 && smooth[startCol] >= 0.3 * peak ? startCol : peakCol;
  let lo = seed;
  let hi = seed;
  while (lo > 0 && smooth[lo - 1] >= 0.3 * peak) lo--;
  while (hi < cols - 1 && smooth[hi + 1] >= 0.3 * peak) hi++;
  return { yRight: colY(spec, lo) - spec.dy / 2, yLeft: colY(spec, hi) + spec.dy / 2 };
}

/** One std of a ground distance: half a BEV row or the ground length of one image row there, plus 3% for the ground-plane assumption. */
function distanceStd(geometry: CameraGeometry, x: number, dx: number): number {
  const a = geometry.groundToPixel({ x, y: 0, z: 0 });
  const b = geometry.groundToPixel({ x: x + 0.5, y: 0, z: 0 });
  const perRow = a && b && Math.abs(a.v - b.v) > 1e-6 ? 0.5 / Math.abs(a.v - b.v) : dx;
  return Math.hypot(Math.max(dx / 2, perRow), 0.03 * x);
}

export type { BevComponent };
