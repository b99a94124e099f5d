/**
 * The built-in crosswalk source: zebra stripes in BEV, confirmed by their periodic profile across
 * the road, with the near/far edges taken from TwinLiteNet's transverse lane lines when it saw them.
 *
 * Crossings at an angle (the car turning into or out of a street) run obliquely across the BEV: a
 * BEV row then leaves the crossing after two or three stripes. The grid is therefore also analysed
 * along oblique lines (`shearDegrees`: the BEV sheared so that the lines x = x0 + y tan(a) become
 * rows), and a band found there is a parallelogram in base_link.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import { bevLookup, colY, rowX, type BevGridSpec } from "../bev/bev-grid.js";
import type { BevComponent } from "../bev/bev-components.js";
import { sampleBevColour } from "../bev/image-sampling.js";
import { imagePointToTensor } from "../../image/tensor-mapping.js";
import type {
  CrosswalkCandidate,
  CrosswalkFrame,
  CrosswalkSource,
  CrosswalkSourceReport,
} from "./crosswalk-source.js";
import { boxOverlap } from "./source-fusion.js";
import { RowStripeAnalyser, type StripePeriodicityOptions } from "./stripe-periodicity.js";

/** The default stripe grid: 2-40 m ahead, +-10 m, 0.25 m x 0.1 m cells. */
const DEFAULT_STRIPE_GRID: Readonly<BevGridSpec> = Object.freeze({
  xMin: 2,
  xMax: 40,
  dx: 0.25,
  yMin: -10,
  yMax: 10,
  dy: 0.1,
});

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
  /**
   * Directions of the analysis lines in BEV besides the rows (degrees from the y axis, positive:
   * farther on the left); default [-37.5, -25, -12.5, 12.5, 25, 37.5]. Each costs one more pass of
   * the periodicity analysis.
   *
   * The spacing follows from the analysis window: a line off the crossing's direction by d leaves a
   * band of visible depth D after D / tan(d) metres across, and stays in it over one whole window
   * (6 m) when d <= atan(D / 6); for the shortest band kept (`minDepth`, 1.25 m: a crossing cut by
   * the bonnet or the image edge) that is 11.8 degrees, so lines 12.5 degrees apart leave no
   * direction farther than 6.25 degrees from one (a sufficient condition: on clean renders a partly
   * covered window often still scores). A full crossing is deeper (GB 5768.3-2009, China's
   * road-marking standard: crossing at least 3 m wide, stripes 40-45 cm with 60-80 cm gaps; the US
   * MUTCD allows 6 ft, 1.8 m), so it is found 17-26 degrees off a line. Up to +-37.5 at that
   * spacing, crossings turned by up to ~49 degrees are covered (a car turning into or out of a
   * junction). Against the former [-25, 25]: on generated frames (scripts/
   * crosswalk-generated-presence.ts, unseen seeds) 89 -> 92 of 115 crossings found on seed 1001 and
   * 81 -> 83 of 95 on seed 2002, no false alarm either way; on the labelled real frames 11 -> 12 of
   * 14 (a bonnet-cut crossing at ~35 degrees), none on the 23 frames without one; the stage costs
   * about twice as much (median 3.3 -> 6.0 ms per frame).
   */
  shearDegrees?: number[];
  /**
   * Oblique bands are kept only when their near edge is within this range (metres); default 20.
   * The car turns across the crossing of the junction it is in, so angled crossings are near; far
   * away an oblique BEV line sweeps across many image rows (a 25 degree line spans 29-39 m at 34 m)
   * and finds periodicity in unrelated things along it (a bumper, an arrow, a kerb).
   */
  shearMaxRange?: number;
  /**
   * The frame probability reported when no band is found: the chance that a crossing is in view
   * all the same (the source's miss rate among the frames where it finds nothing); default 0.15
   * (0.12 on the labelled real frames: 3 missed crossings among 26 frames without a band). Another
   * source's crossing is weighed against it in the fusion, so 0 would veto every crossing the
   * stripes miss.
   */
  emptyProbability?: number;
  /**
   * Least image height of a striped band (pixel rows); default 3. Near the horizon a BEV band metres
   * deep is two or three image rows: a bumper, a kerb or a strip of texture along one image row is
   * periodic by chance (a 2 m band at 37 m from a 1.5 m high camera with f = 1100 px is 2.4 rows), a
   * crossing 3-4 m deep still spans 4 rows at 33 m with f = 750 px. On the generated rain drive
   * (640x360) 2 rows let wet-road texture through (consistency 0.946 against 1.000 with 3).
   */
  minImageRows?: number;
  /**
   * With a drivable-area mask: least share of the band's outline on the drivable area; default 0.1
   * (TwinLiteNet often leaves the road under a wiper, near the bonnet or across a junction out of
   * its drivable area: a crossing there keeps a fifth or more on it, texture off the road none).
   * A crossing lies on the road; periodic texture on a verge, a fence base or a row of posts beside
   * the road does not.
   */
  minDrivableShare?: number;
}

/** Zebra-stripe crosswalk source. */
export class StripeCrosswalkSource implements CrosswalkSource {
  readonly name = "stripes";
  /**
   * Per-frame working memory, owned by this source and reused from frame to frame (`candidates`
   * runs synchronously and keeps nothing of it in its output): the BEV grey image, the row scores
   * (inside `periodicity`), the striped-row flags and the row/column scratch of the band steps.
   */
  #grey = new Float32Array(0);
  /** The BEV resampled along oblique lines, and the row shift per column. */
  #sheared = new Float32Array(0);
  #rowShift = new Int32Array(0);
  readonly #periodicity = new RowStripeAnalyser();
  readonly #scratch = new BandScratch();

  constructor(readonly options: StripeSourceOptions = {}) {}

  candidates(frame: CrosswalkFrame): CrosswalkSourceReport {
    const spec = this.options.grid ?? DEFAULT_STRIPE_GRID;
    const lookup = bevLookup(frame.geometry, spec, frame.view.width, frame.view.height);
    const empty = this.options.emptyProbability ?? 0.15;
    if (lookup.visibleCells === 0) return { probability: empty, candidates: [] };
    const n = lookup.rows * lookup.cols;
    if (this.#grey.length !== n) {
      this.#grey = new Float32Array(n);
      this.#sheared = new Float32Array(n);
      this.#rowShift = new Int32Array(lookup.cols);
    }
    sampleBevColour(frame.view, lookup.pixelIndex, this.#grey);
    const found = this.#bands(frame, this.#grey, lookup.rows, lookup.cols, spec, 0);
    for (const degrees of this.options.shearDegrees ?? [-37.5, -25, -12.5, 12.5, 25, 37.5]) {
      if (degrees === 0) continue;
      // Row r of the sheared grid at column c is BEV row r + shift[c]: the line x = x(r) + y tan(a).
      const tan = Math.tan((degrees * Math.PI) / 180);
      for (let c = 0; c < lookup.cols; c++)
        this.#rowShift[c] = Math.round((colY(spec, c) * tan) / spec.dx);
      shearRows(this.#grey, this.#rowShift, lookup.rows, lookup.cols, this.#sheared);
      const maxRange = this.options.shearMaxRange ?? 20;
      found.push(
        ...this.#bands(frame, this.#sheared, lookup.rows, lookup.cols, spec, tan).filter(
          (b) => b.candidate.xNear <= maxRange,
        ),
      );
    }
    // One crossing is seen along several directions: the direction that runs along the crossing
    // gives the cleanest period (a straight crossing cut obliquely smears into a larger, weaker
    // parallelogram), so the best mean score wins and its outline is kept; rows win ties.
    found.sort((a, b) => b.score - a.score || Number(a.oblique) - Number(b.oblique));
    const out: CrosswalkCandidate[] = [];
    for (const b of found)
      if (!out.some((c) => boxOverlap(c, b.candidate) >= 0.3)) out.push(b.candidate);
    return { probability: Math.max(empty, ...out.map((c) => c.confidence)), candidates: out };
  }

  /**
   * Striped bands of one analysis direction: `grey` holds the BEV sampled along the lines
   * x = rowX(r) + y * tan (tan = 0: the rows themselves).
   */
  #bands(
    frame: CrosswalkFrame,
    grey: Float32Array,
    rows: number,
    cols: number,
    spec: BevGridSpec,
    tan: number,
  ): Band[] {
    const o = this.options;
    const rs = this.#periodicity.analyse(grey, rows, cols, spec.dy, o.periodicity);
    const scratch = this.#scratch.fit(rows, cols);
    const minScore = o.minRowScore ?? 0.3;
    const minContrast = o.minContrast ?? 15;
    const noise = noiseFloor(rs.score, rs.contrast, minScore, scratch.rowValues);
    const lowMinScore = Math.max(minScore, o.lowContrastMinScore ?? 0.6);
    const lowMinContrast = Math.max(o.minContrastFloor ?? 8, (o.minContrastOverNoise ?? 2) * noise);
    // The low-contrast path (judged against the frame's noise floor) is for rows only: along oblique
    // lines the absolute contrast bar holds (each extra direction is another chance for rain streaks
    // and wet-road texture to pass for faint stripes).
    const striped = scratch.striped;
    let lowContrastRows = 0;
    for (let r = 0; r < rows; r++) {
      const s = rs.score[r]!;
      const c = rs.contrast[r]!;
      striped[r] = 0;
      if (s >= minScore && c >= minContrast) striped[r] = 1;
      else if (tan === 0 && s >= lowMinScore && c >= lowMinContrast) {
        striped[r] = 1;
        lowContrastRows++;
      }
    }
    // Bands of striped rows, small gaps bridged.
    const maxGapRows = Math.round((o.maxGap ?? 0.75) / spec.dx);
    const minDepth = o.minDepth ?? 1.25;
    const edges = frame.transverse ?? [];
    const tol = o.edgeTolerance ?? 5;
    const minRows = o.minImageRows ?? 3;
    const out: Band[] = [];
    for (
      let r0 = nextStriped(striped, 0, rows), r1 = 0;
      r0 >= 0;
      r0 = nextStriped(striped, r1 + 1, rows)
    ) {
      r1 = bandEnd(striped, r0, rows, maxGapRows);
      let stripedRows = 0;
      let scoreSum = 0;
      for (let r = r0; r <= r1; r++) {
        if (!striped[r]) continue;
        stripedRows++;
        scoreSum += rs.score[r]!;
      }
      if (stripedRows * spec.dx < minDepth && stripedRows < 4) continue;
      const meanScore = scoreSum / stripedRows;
      const centre = medianCentreCol(rs.centreCol, striped, r0, r1, scratch.rowCols);
      const lateral = lateralExtent(rs.detrended, cols, r0, r1, spec, centre, scratch);
      if (!lateral || lateral.yLeft - lateral.yRight < 2) continue;
      // Near and far edges along the band's centre line (x of the analysis line there).
      const yMid = (lateral.yLeft + lateral.yRight) / 2;
      if (
        imageRows(
          frame,
          rowX(spec, r0) - spec.dx / 2 + yMid * tan,
          rowX(spec, r1) + spec.dx / 2 + yMid * tan,
          yMid,
        ) < minRows
      )
        continue;
      let xNear = rowX(spec, r0) - spec.dx / 2 + yMid * tan;
      let xFar = rowX(spec, r1) + spec.dx / 2 + yMid * tan;
      // Transverse lane-mask lines at the band's ends: TwinLiteNet's near and far crosswalk edges.
      const near = nearestEdge(edges, xNear, tol);
      const far = nearestEdge(edges, xFar, tol, near, near?.cx ?? -Infinity);
      let evidence = `stripes score ${meanScore.toFixed(2)} over ${(stripedRows * spec.dx).toFixed(1)} m`;
      if (tan !== 0)
        evidence += ` along lines at ${((Math.atan(tan) * 180) / Math.PI).toFixed(0)} deg`;
      if (lowContrastRows > 0)
        evidence += ` (low contrast: noise floor ${noise.toFixed(1)} grey levels)`;
      if (near) {
        xNear = Math.min(xNear, near.cx);
        evidence += ", near edge in lane mask";
      }
      if (far) {
        xFar = Math.max(xFar, far.cx);
        evidence += ", far edge in lane mask";
      }
      // A band that starts at the nearest ground the camera sees is cut by the image edge (bonnet,
      // bottom row): its visible depth says nothing about the crossing's, so it is not held against it.
      const cut = r0 - firstSeenRow(grey, rows, cols, centre) <= 1;
      if (cut) evidence += ", cut by the image edge";
      const depthFactor = cut ? 1 : Math.min(1, (stripedRows * spec.dx) / 3);
      const base = Math.min(1, Math.max(0, (meanScore - 0.2) / 0.4));
      const confidence = Math.min(
        0.99,
        0.15 + 0.65 * base * (0.5 + 0.5 * depthFactor) + (near ? 0.1 : 0) + (far ? 0.1 : 0),
      );
      // The outline: a parallelogram between the near and far analysis lines (a rectangle when tan = 0).
      const dNear = xNear - yMid * tan;
      const dFar = xFar - yMid * tan;
      const groundPolygon =
        tan === 0
          ? undefined
          : [
              { x: dNear + lateral.yRight * tan, y: lateral.yRight },
              { x: dFar + lateral.yRight * tan, y: lateral.yRight },
              { x: dFar + lateral.yLeft * tan, y: lateral.yLeft },
              { x: dNear + lateral.yLeft * tan, y: lateral.yLeft },
            ];
      const xs = groundPolygon?.map((p) => p.x) ?? [xNear, xFar];
      const onRoad = drivableShare(
        frame,
        groundPolygon ?? [
          { x: xNear, y: lateral.yRight },
          { x: xFar, y: lateral.yRight },
          { x: xFar, y: lateral.yLeft },
          { x: xNear, y: lateral.yLeft },
        ],
      );
      if (onRoad < (o.minDrivableShare ?? 0.1)) continue;
      if (Number.isFinite(onRoad))
        evidence += `, ${(100 * onRoad).toFixed(0)} % on the drivable area`;
      out.push({
        score: meanScore,
        oblique: tan !== 0,
        candidate: {
          xNear: Math.min(...xs),
          xFar: Math.max(...xs),
          yRight: lateral.yRight,
          yLeft: lateral.yLeft,
          confidence,
          distanceStd: distanceStd(frame.geometry, Math.min(...xs), spec.dx),
          evidence,
          groundPolygon,
        },
      });
    }
    return out;
  }
}

/**
 * `sheared` = `grey` with column c moved up by `rowShift[c]` rows (row r of the result is row
 * r + rowShift[c] of `grey`), NaN where that row is outside the grid. A function of its own, on typed
 * arrays only: its loop is the hot part of `candidates`, and inside that method V8 optimised the
 * whole method on the loop (on-stack replacement) and threw the code away again at the first line
 * after it that had not run yet (6 deoptimisations per replay of the sample drive).
 */
function shearRows(
  grey: Float32Array,
  rowShift: Int32Array,
  rows: number,
  cols: number,
  sheared: Float32Array,
): void {
  sheared.fill(NaN);
  for (let c = 0; c < cols; c++) {
    const k = rowShift[c]!;
    const end = Math.min(rows, rows - k);
    for (let r = Math.max(0, -k); r < end; r++) sheared[r * cols + c] = grey[(r + k) * cols + c]!;
  }
}

/** A striped band of one analysis direction, with its mean row score (how well the direction fits). */
interface Band {
  candidate: CrosswalkCandidate;
  score: number;
  oblique: boolean;
}

/**
 * Row and column scratch of the band steps, owned by one `StripeCrosswalkSource` and reused from
 * frame to frame; resized only when the grid changes. Contents are valid within one `candidates` call.
 */
class BandScratch {
  /** Per row: 1 when striped. */
  striped = new Uint8Array(0);
  /** Per row: values to rank (noise floor). */
  rowValues = new Float32Array(0);
  /** Per row: columns to rank (a band's median window centre). */
  rowCols = new Int32Array(0);
  /** Per column: a band's stripe energy, and the same smoothed over 2 m. */
  energy = new Float64Array(0);
  smooth = new Float64Array(0);

  fit(rows: number, cols: number): this {
    if (this.striped.length !== rows) {
      this.striped = new Uint8Array(rows);
      this.rowValues = new Float32Array(rows);
      this.rowCols = new Int32Array(rows);
    }
    if (this.energy.length !== cols) {
      this.energy = new Float64Array(cols);
      this.smooth = new Float64Array(cols);
    }
    return this;
  }
}

/**
 * The frame's noise floor in grey levels: the lower quartile of the contrast of the visible rows
 * that carry no stripes (sensor noise, rain streaks, asphalt texture; the quartile keeps rows with
 * kerbs, cars or a stop line from raising it); Infinity with fewer than 10 such rows (nothing to
 * compare with: the low-contrast path stays closed). `scratch` (at least one slot per row) avoids
 * an allocation per call.
 */
function noiseFloor(
  score: Float32Array,
  contrast: Float32Array,
  minScore: number,
  scratch?: Float32Array,
): number {
  const values =
    scratch && scratch.length >= score.length ? scratch : new Float32Array(score.length);
  let n = 0;
  for (let r = 0; r < score.length; r++)
    if (Number.isFinite(score[r]) && score[r]! < minScore && contrast[r]! > 0)
      values[n++] = contrast[r]!;
  if (n < 10) return Infinity;
  // Unused slots sort last, so the first n are the values in ascending order.
  values.fill(Infinity, n);
  values.sort();
  return values[n >> 2]!;
}

/** The first striped row at or after `from`, or -1. */
function nextStriped(striped: Uint8Array, from: number, rows: number): number {
  for (let r = from; r < rows; r++) if (striped[r]) return r;
  return -1;
}

/** The last row of the band starting at `r0`: striped rows follow each other with gaps of at most `maxGapRows`. */
function bandEnd(striped: Uint8Array, r0: number, rows: number, maxGapRows: number): number {
  let r1 = r0;
  for (let r = r0 + 1; r < rows && r - r1 - 1 <= maxGapRows; r++) if (striped[r]) r1 = r;
  return r1;
}

/** The median (upper for an even count) of the window centres of the band's striped rows; `scratch` holds one slot per row. */
function medianCentreCol(
  centreCol: Int32Array,
  striped: Uint8Array,
  r0: number,
  r1: number,
  scratch: Int32Array,
): number {
  let n = 0;
  for (let r = r0; r <= r1; r++) {
    if (!striped[r]) continue;
    // Insertion into the ascending run scratch[0..n).
    const v = centreCol[r]!;
    let k = n++;
    while (k > 0 && scratch[k - 1]! > v) {
      scratch[k] = scratch[k - 1]!;
      k--;
    }
    scratch[k] = v;
  }
  return scratch[n >> 1]!;
}

/**
 * The transverse lane-mask line nearest to `x` within `tol` (at least 2 m long; when `beyond` is
 * given, not `exclude` and with its centroid beyond it); the first one listed on a tie.
 */
function nearestEdge(
  edges: BevComponent[],
  x: number,
  tol: number,
  exclude?: BevComponent,
  beyond?: number,
): BevComponent | undefined {
  let best: BevComponent | undefined;
  let bestDistance = Infinity;
  for (const e of edges) {
    // Negated comparisons so that NaN fails every test.
    if (!(e.length >= 2)) continue;
    const distance = Math.abs(e.cx - x);
    if (!(distance <= tol)) continue;
    if (beyond !== undefined && (e === exclude || !(e.cx > beyond))) continue;
    if (!best || distance < bestDistance) {
      best = e;
      bestDistance = distance;
    }
  }
  return best;
}

/** The lateral span around `startCol` where the band's rows carry stripe energy (>= 30% of the band's peak, 2 m smoothing). */
function lateralExtent(
  detrended: Float32Array,
  cols: number,
  r0: number,
  r1: number,
  spec: BevGridSpec,
  startCol: number,
  scratch: BandScratch,
): { yRight: number; yLeft: number } | undefined {
  const { energy, smooth } = scratch;
  energy.fill(0);
  for (let r = r0; r <= r1; r++)
    for (let c = 0; c < cols; c++) energy[c]! += detrended[r * cols + c]! ** 2;
  const half = Math.round(1 / spec.dy);
  let peak = 0;
  let peakCol = 0;
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let k = Math.max(0, c - half); k <= Math.min(cols - 1, c + half); k++) s += energy[k]!;
    smooth[c] = s;
    if (s > peak) {
      peak = s;
      peakCol = c;
    }
  }
  if (peak <= 0) return undefined;
  const seed = startCol >= 0 && smooth[startCol]! >= 0.3 * peak ? startCol : peakCol;
  let lo = seed;
  let hi = seed;
  while (lo > 0 && smooth[lo - 1]! >= 0.3 * peak) lo--;
  while (hi < cols - 1 && smooth[hi + 1]! >= 0.3 * peak) hi++;
  return { yRight: colY(spec, lo) - spec.dy / 2, yLeft: colY(spec, hi) + spec.dy / 2 };
}

/**
 * Share of a ground quadrilateral (corners in order) whose pixels the drivable-area mask marks as
 * road, over a 5 x 5 grid of points inside it; NaN without a mask (nothing to judge by).
 */
function drivableShare(frame: CrosswalkFrame, q: { x: number; y: number }[]): number {
  const mask = frame.drivableMask;
  const map = frame.toImage;
  if (!mask || !map) return NaN;
  let inView = 0;
  let road = 0;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const s = (i + 0.5) / 5;
      const t = (j + 0.5) / 5;
      // Bilinear point of the quadrilateral (corners 0-1 near side, 3-2 far side ordering kept).
      const x = (1 - s) * ((1 - t) * q[0]!.x + t * q[3]!.x) + s * ((1 - t) * q[1]!.x + t * q[2]!.x);
      const y = (1 - s) * ((1 - t) * q[0]!.y + t * q[3]!.y) + s * ((1 - t) * q[1]!.y + t * q[2]!.y);
      const px = frame.geometry.groundToPixel({ x, y, z: 0 });
      if (!px || px.u < 0 || px.v < 0 || px.u >= frame.view.width || px.v >= frame.view.height)
        continue;
      const tp = imagePointToTensor(map, px.u, px.v);
      const c = Math.floor(tp.x);
      const r = Math.floor(tp.y);
      if (c < 0 || r < 0 || c >= mask.width || r >= mask.height) continue;
      inView++;
      if (mask.classes[r * mask.width + c] !== 0) road++;
    }
  }
  return inView ? road / inView : NaN;
}

/** The first row (nearest) of column `col` that the camera sees, or `rows` when none. */
function firstSeenRow(grey: Float32Array, rows: number, cols: number, col: number): number {
  if (col < 0) return rows;
  for (let r = 0; r < rows; r++) if (!Number.isNaN(grey[r * cols + col])) return r;
  return rows;
}

/** Image rows between the ground points (xNear, y) and (xFar, y); 0 when either is not in view. */
function imageRows(frame: CrosswalkFrame, xNear: number, xFar: number, y: number): number {
  const a = frame.geometry.groundToPixel({ x: xNear, y, z: 0 });
  const b = frame.geometry.groundToPixel({ x: xFar, y, z: 0 });
  return a && b ? Math.abs(a.v - b.v) : 0;
}

/** One std of a ground distance: half a BEV row or the ground length of one image row there, plus 3% for the ground-plane assumption. */
function distanceStd(geometry: CameraGeometry, x: number, dx: number): number {
  const a = geometry.groundToPixel({ x, y: 0, z: 0 });
  const b = geometry.groundToPixel({ x: x + 0.5, y: 0, z: 0 });
  const perRow = a && b && Math.abs(a.v - b.v) > 1e-6 ? 0.5 / Math.abs(a.v - b.v) : dx;
  return Math.hypot(Math.max(dx / 2, perRow), 0.03 * x);
}
