/**
 * Local stripe evidence for a crosswalk proposal of the learned source. The network says where a
 * crossing may be (a blob of its mask); this check says whether zebra stripes are there: the blob is
 * taken to the ground plane (base_link), the stripe direction is estimated from the blob itself
 * (structure tensor of the grey level on the ground inside it), and the stripe periodicity analysis
 * of the stripe source (`RowStripeAnalyser`) runs along lines across that direction, restricted to
 * the blob. Geometry comes with it: how much of the blob lies on the ground below the horizon, its
 * size in metres, and its share on the drivable area.
 *
 * A crossing at any angle to the camera gives stripes along one direction on the ground: lines
 * across them carry the square wave of period 0.8-2 m the row analysis looks for. Clutter near the
 * horizon (cars, lamps), a car's hood or a tunnel's far end projects to a smear on the ground with
 * no such period, or to no ground at all.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import { clipPolygonConvex, normalizeRing } from "../../geometry/polygon.js";
import type { ImageView } from "../../image/image-view.js";
import { imagePointToTensor, type TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import { PixelSampler } from "../bev/image-sampling.js";
import { RowStripeAnalyser, type StripePeriodicityOptions } from "./stripe-periodicity.js";

/** Options of `ProposalChecker`. */
export interface ProposalCheckOptions {
  /** Ground cell size of the local analysis (metres). */
  cell: number;
  /** Spacing of the analysis lines along the stripes (metres). */
  lineSpacing: number;
  /** Proposals are analysed out to this range (metres); cells beyond it are left out. */
  maxRange: number;
  /** Lateral half-width analysed (metres). */
  maxLateral: number;
  /** Extra directions tried around the structure-tensor estimate (degrees, added to it); 0 is the estimate itself. */
  angleOffsets: number[];
  /** Periodicity settings of the local analysis. */
  periodicity: StripePeriodicityOptions;
  /** A line is striped when its stripe score reaches this. */
  minLineScore: number;
  /** ... and its contrast (grey levels RMS) this. */
  minLineContrast: number;
  /** Least image rows a proposal must span on the ground (a horizon strip spans one or two). */
  minImageRows: number;
}

/** What the check found for one proposal. */
export interface ProposalEvidence {
  /** Mask cells of the proposal. */
  cells: number;
  /** Share of its cells whose centre meets the ground within `maxRange` (below the horizon). */
  groundShare: number;
  /** Its extent on the ground: 5th-95th percentile of its cells in base_link (metres). */
  xNear: number;
  xFar: number;
  yRight: number;
  yLeft: number;
  /** Image rows between its near and far ground edge at its centre. */
  imageRows: number;
  /** Share of its ground cells on the drivable area (NaN without a drivable mask). */
  drivableShare: number;
  /** Direction of the analysis lines (across the stripes), degrees from the base_link y axis, positive: farther on the left. */
  angleDeg: number;
  /** Structure-tensor coherence of the grey level inside it (0: no direction, 1: one direction). */
  coherence: number;
  /** Analysis lines that could be scored (enough of the line inside the proposal). */
  lines: number;
  /** Of those, striped (score and contrast). */
  stripedLines: number;
  /** Striped depth along the stripes (metres): striped lines x line spacing. */
  stripedDepth: number;
  /** Mean stripe score of the striped lines (0 when none). */
  meanScore: number;
  /** Median contrast of the striped lines (grey levels; 0 when none). */
  contrast: number;
  /**
   * Where the stripes are, at the resolution of the analysis (not the mask's): the rectangle on the
   * ground spanned by the striped lines along the stripes (5th-95th percentile of their positions)
   * and across them (5th-95th percentile of their first and last samples inside the proposal),
   * counter-clockwise in base_link; absent with fewer than `MIN_STRIPED_FOR_OUTLINE` striped lines.
   */
  stripedOutline?: { x: number; y: number }[];
}

/** A proposal: mask cell indices of one connected blob. */
export interface Proposal {
  cells: Int32Array;
}

/** What the check needs of the frame. */
export interface ProposalFrame {
  view: ImageView;
  geometry: CameraGeometry;
  /** The learned source's mask and its mapping to the image. */
  mask: SegmentationMask;
  toImage: TensorToImage;
  /** TwinLiteNet's drivable area, when the lane stage ran (its own mapping). */
  drivableMask?: SegmentationMask;
  drivableToImage?: TensorToImage;
}

/**
 * Checks proposals of one source; owns its working memory (the analyser, the sample grid), reused
 * from call to call. Results are plain values, kept by the caller.
 */
export class ProposalChecker {
  readonly #analyser = new RowStripeAnalyser();
  /** Membership of the mask cells in the proposal being checked, reused. */
  #inside = new Uint8Array(0);
  /** Samples of the analysis lines, reused. */
  #lines = new Float32Array(0);
  /** Pixels of strong gradient (u, v packed), reused. */
  #strong = new Float32Array(0);
  /** Gradient votes (doubled angle, weight), reused. */
  #twice = new Float64Array(0);
  #weight = new Float64Array(0);

  constructor(readonly options: ProposalCheckOptions) {}

  check(frame: ProposalFrame, proposal: Proposal): ProposalEvidence {
    const o = this.options;
    const { mask, toImage, geometry } = frame;
    const sx = toImage.tensorWidth / mask.width;
    const sy = toImage.tensorHeight / mask.height;
    const cellCentre = (i: number) => ({
      u: (((i % mask.width) + 0.5) * sx - toImage.offsetX) / toImage.scaleX - 0.5,
      v: ((Math.floor(i / mask.width) + 0.5) * sy - toImage.offsetY) / toImage.scaleY - 0.5,
    });
    const xs: number[] = [];
    const ys: number[] = [];
    for (const i of proposal.cells) {
      const g = geometry.pixelToGround(cellCentre(i));
      if (g && g.x > 0 && g.x <= o.maxRange && Math.abs(g.y) <= o.maxLateral) {
        xs.push(g.x);
        ys.push(g.y);
      }
    }
    const none: ProposalEvidence = {
      cells: proposal.cells.length,
      groundShare: xs.length / Math.max(1, proposal.cells.length),
      xNear: NaN,
      xFar: NaN,
      yRight: NaN,
      yLeft: NaN,
      imageRows: 0,
      drivableShare: NaN,
      angleDeg: 0,
      coherence: 0,
      lines: 0,
      stripedLines: 0,
      stripedDepth: 0,
      meanScore: 0,
      contrast: 0,
    };
    if (xs.length < 3) return none;
    const xsSorted = [...xs].sort((a, b) => a - b);
    const ysSorted = [...ys].sort((a, b) => a - b);
    const q = (a: number[], f: number) => a[Math.min(a.length - 1, Math.floor(f * a.length))]!;
    const box = {
      xNear: q(xsSorted, 0.05),
      xFar: q(xsSorted, 0.95),
      yRight: q(ysSorted, 0.05),
      yLeft: q(ysSorted, 0.95),
    };
    const yMid = (box.yRight + box.yLeft) / 2;
    const a = geometry.groundToPixel({ x: box.xNear, y: yMid, z: 0 });
    const b = geometry.groundToPixel({ x: box.xFar, y: yMid, z: 0 });
    const imageRows = a && b ? Math.abs(a.v - b.v) : 0;
    const evidence: ProposalEvidence = {
      ...none,
      ...box,
      imageRows,
      drivableShare: drivableShare(frame, proposal.cells, cellCentre),
    };
    if (imageRows < o.minImageRows) return evidence;

    // The proposal's membership on the ground: a ground point is inside when its pixel falls on a
    // cell of the blob, dilated by one cell (the network's outline is a cell or two loose).
    if (this.#inside.length < mask.width * mask.height)
      this.#inside = new Uint8Array(mask.width * mask.height);
    const inside = this.#inside;
    inside.fill(0);
    for (const i of proposal.cells) {
      const r = Math.floor(i / mask.width);
      const c = i % mask.width;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr >= 0 && cc >= 0 && rr < mask.height && cc < mask.width)
            inside[rr * mask.width + cc] = 1;
        }
      }
    }
    // The blob's whole ground extent (not the percentiles), with a cell's slack: samples outside
    // it are rejected before the projection (most samples of a line at a slant to the blob).
    const reach = {
      x0: xsSorted[0]! - 1,
      x1: xsSorted[xsSorted.length - 1]! + 1,
      y0: ysSorted[0]! - 1,
      y1: ysSorted[ysSorted.length - 1]! + 1,
    };
    const sampler = new PixelSampler(frame.view);
    const { width, height } = frame.view;
    /** Grey level at a ground point inside the proposal, else NaN. */
    const sample = (x: number, y: number): number => {
      if (
        !(x > 0 && x <= o.maxRange) ||
        x < reach.x0 ||
        x > reach.x1 ||
        y < reach.y0 ||
        y > reach.y1
      )
        return NaN;
      const px = geometry.groundToPixel({ x, y, z: 0 });
      if (!px) return NaN;
      const u = Math.round(px.u);
      const v = Math.round(px.v);
      if (u < 0 || v < 0 || u >= width || v >= height) return NaN;
      const t = imagePointToTensor(toImage, u + 0.5, v + 0.5);
      const c = Math.floor(t.x / sx);
      const r = Math.floor(t.y / sy);
      if (c < 0 || r < 0 || c >= mask.width || r >= mask.height || !inside[r * mask.width + c])
        return NaN;
      return sampler.grey(v * width + u);
    };

    // Direction: the image gradients inside the blob, each edge direction taken to the ground through
    // the camera (the local homography), voting for the direction across the stripes on the ground.
    // In the image, not in a ground grid: far away a ground grid repeats image rows and its
    // gradients lean towards the rows.
    const margin = 1;
    const votes = this.#groundGradientVotes(
      frame,
      proposal.cells,
      sampler,
      cellCentre,
      sx / toImage.scaleX,
      sy / toImage.scaleY,
    );
    const directions = dominantDirections(votes.twice, votes.weight, votes.count);
    if (directions.angles.length === 0) return evidence;
    evidence.coherence = directions.coherence;

    // Periodicity along lines across the stripes, at the estimate and around it. At most
    // `MAX_LINES` lines (spaced wider on a large blob: the striped share is a ratio) and
    // `MAX_SAMPLES` samples per line.
    const cxm = (box.xNear + box.xFar) / 2;
    const half = Math.hypot(box.xFar - box.xNear, box.yLeft - box.yRight) / 2 + margin;
    const samplesPerLine = Math.min(MAX_SAMPLES, Math.ceil((2 * half) / o.cell));
    const lineCount = Math.min(MAX_LINES, Math.ceil((2 * half) / o.lineSpacing));
    const spacing = Math.max(o.lineSpacing, (2 * half) / lineCount);
    if (this.#lines.length < lineCount * samplesPerLine)
      this.#lines = new Float32Array(lineCount * samplesPerLine);
    const lines = this.#lines;
    let best = evidence;
    for (const angle of directions.angles.flatMap((a) =>
      o.angleOffsets.map((d) => a + (d * Math.PI) / 180),
    )) {
      const ux = Math.sin(angle);
      const uy = Math.cos(angle);
      // Along the stripes: v = (cos a, -sin a).
      for (let k = 0; k < lineCount; k++) {
        const t = -half + (k + 0.5) * spacing;
        const bx = cxm + t * Math.cos(angle);
        const by = yMid - t * Math.sin(angle);
        for (let s = 0; s < samplesPerLine; s++) {
          const d = (s + 0.5 - samplesPerLine / 2) * o.cell;
          lines[k * samplesPerLine + s] = sample(bx + d * ux, by + d * uy);
        }
      }
      const scores = this.#analyser.analyse(
        lines,
        lineCount,
        samplesPerLine,
        o.cell,
        o.periodicity,
      );
      let scored = 0;
      let striped = 0;
      let scoreSum = 0;
      const contrasts: number[] = [];
      const stripedAt: number[] = [];
      for (let k = 0; k < lineCount; k++) {
        const s = scores.score[k]!;
        if (Number.isNaN(s)) continue;
        scored++;
        if (s >= o.minLineScore && scores.contrast[k]! >= o.minLineContrast) {
          striped++;
          scoreSum += s;
          contrasts.push(scores.contrast[k]!);
          stripedAt.push(k);
        }
      }
      const depth = striped * spacing;
      // The direction whose lines are most often striped wins (lines at a slant to the stripes are
      // striped too, and more of them cross a blob: the striped depth alone would favour them).
      const share = scored >= MIN_SCORED_LINES ? striped / scored : 0;
      const bestShare = best.lines >= MIN_SCORED_LINES ? best.stripedLines / best.lines : 0;
      if (share > bestShare || (share === bestShare && depth > best.stripedDepth)) {
        contrasts.sort((p, r) => p - r);
        best = {
          ...evidence,
          angleDeg: (angle * 180) / Math.PI,
          lines: scored,
          stripedLines: striped,
          stripedDepth: depth,
          meanScore: striped ? scoreSum / striped : 0,
          contrast: contrasts.length ? contrasts[contrasts.length >> 1]! : 0,
          stripedOutline: stripedOutline(lines, samplesPerLine, stripedAt, scores.centreCol, {
            cx: cxm,
            cy: yMid,
            angle,
            half,
            spacing,
            cell: o.cell,
            window: o.periodicity.window ?? DEFAULT_WINDOW,
          }),
        };
      }
    }
    return best;
  }
  /**
   * Votes for the across-stripe direction on the ground: every pixel (every `step`-th at a larger scale) of the blob's cells whose
   * grey-level gradient (central differences over 2 pixels) reaches `GRADIENT_FLOOR` gives an image
   * candidate; at most `MAX_VOTES` of them, evenly picked, get the edge direction of the local
   * structure tensor (5 x 5 pixels), mapped to the ground by projecting the pixel and a point 3
   * pixels along the edge. The vote is the normal of that ground
   * direction, as a doubled angle from the y axis, weighted by the squared gradient capped at
   * `GRADIENT_CAP` (a structure tensor's weighting; the cap keeps one strong edge, a bonnet or a
   * kerb, from outvoting the many edges of the stripes).
   */
  #groundGradientVotes(
    frame: ProposalFrame,
    cells: Int32Array,
    sampler: PixelSampler,
    cellCentre: (i: number) => { u: number; v: number },
    cellWidth: number,
    cellHeight: number,
  ): { twice: Float64Array; weight: Float64Array; count: number } {
    const { width, height } = frame.view;
    const grey = (u: number, v: number) => sampler.grey(v * width + u);
    // Strong gradients: their pixels, packed; about `CANDIDATES_PER_CELL_SIDE` squared
    // candidate pixels per cell (every pixel at the network's own scale, every other one at twice it).
    const step = Math.max(
      1,
      Math.round(Math.min(cellWidth, cellHeight) / CANDIDATES_PER_CELL_SIDE),
    );
    const most =
      2 * cells.length * (Math.ceil(cellWidth / step) + 1) * (Math.ceil(cellHeight / step) + 1);
    if (this.#strong.length < most) this.#strong = new Float32Array(most);
    const strong = this.#strong;
    let found = 0;
    for (const i of cells) {
      const c = cellCentre(i);
      const u0 = Math.max(1, Math.ceil(c.u - cellWidth / 2));
      const u1 = Math.min(width - 2, Math.floor(c.u + cellWidth / 2));
      const v0 = Math.max(1, Math.ceil(c.v - cellHeight / 2));
      const v1 = Math.min(height - 2, Math.floor(c.v + cellHeight / 2));
      for (let v = v0; v <= v1; v += step) {
        for (let u = u0; u <= u1; u += step) {
          const gu = (grey(u + 1, v) - grey(u - 1, v)) / 2;
          const gv = (grey(u, v + 1) - grey(u, v - 1)) / 2;
          if (gu * gu + gv * gv < GRADIENT_FLOOR * GRADIENT_FLOOR) continue;
          strong[found++] = u;
          strong[found++] = v;
        }
      }
    }
    const n = found / 2;
    const stride = Math.max(1, Math.ceil(n / MAX_VOTES));
    const slots = Math.ceil(n / stride);
    if (this.#twice.length < slots) {
      this.#twice = new Float64Array(slots);
      this.#weight = new Float64Array(slots);
    }
    let count = 0;
    for (let k = 0; k < n; k += stride) {
      const u = strong[2 * k]!;
      const v = strong[2 * k + 1]!;
      // The local structure tensor over a 5x5 window: the orientation of a stair-stepped or noisy
      // edge, which one pixel's gradient gets wrong by tens of degrees on the ground.
      let jxx = 0;
      let jxy = 0;
      let jyy = 0;
      for (let dv = -TENSOR_RADIUS; dv <= TENSOR_RADIUS; dv++) {
        const vv = Math.min(height - 2, Math.max(1, v + dv));
        for (let du = -TENSOR_RADIUS; du <= TENSOR_RADIUS; du++) {
          const uu = Math.min(width - 2, Math.max(1, u + du));
          const gu = (grey(uu + 1, vv) - grey(uu - 1, vv)) / 2;
          const gv = (grey(uu, vv + 1) - grey(uu, vv - 1)) / 2;
          jxx += gu * gu;
          jxy += gu * gv;
          jyy += gv * gv;
        }
      }
      const theta = 0.5 * Math.atan2(2 * jxy, jxx - jyy);
      const m = Math.sqrt((jxx + jyy) / (2 * TENSOR_RADIUS + 1) ** 2);
      // Image edge direction: across the gradient (cos theta, sin theta).
      const p = frame.geometry.pixelToGround({ u, v });
      const q = frame.geometry.pixelToGround({
        u: u - 3 * Math.sin(theta),
        v: v + 3 * Math.cos(theta),
      });
      if (!p || !q) continue;
      // Edge direction on the ground (dx, dy); the across-stripe direction is its normal (-dy, dx) = (sin a, cos a).
      const dx = q.x - p.x;
      const dy = q.y - p.y;
      if (!(Math.hypot(dx, dy) > 1e-9)) continue;
      this.#twice[count] = (2 * Math.atan2(-dy, dx) + 4 * Math.PI) % (2 * Math.PI);
      this.#weight[count] = Math.min(m, GRADIENT_CAP) ** 2;
      count++;
    }
    return { twice: this.#twice, weight: this.#weight, count };
  }
}

/**
 * The dominant direction among votes (doubled angles in [0, 2 pi), weights): the highest peak of
 * a histogram in 10 degree bins of the angle, smoothed (a second peak is the stripes' ends, or a
 * kerb: lines along it would cross the crossing's band at a slant). Angles are from the y axis, in
 * (-90, 90] degrees (as radians).
 * `coherence`: length of the weighted mean doubled-angle vector (structure-tensor coherence, robust
 * form: 1 when every vote agrees).
 */
export function dominantDirections(
  twice: Float64Array,
  weight: Float64Array,
  count: number,
): { angles: number[]; coherence: number } {
  const BINS = 18;
  const hist = new Float64Array(BINS);
  let sc = 0;
  let ss = 0;
  let sw = 0;
  for (let i = 0; i < count; i++) {
    const w = weight[i]!;
    hist[Math.min(BINS - 1, Math.floor((twice[i]! / (2 * Math.PI)) * BINS))]! += w;
    sc += w * Math.cos(twice[i]!);
    ss += w * Math.sin(twice[i]!);
    sw += w;
  }
  if (!(sw > 0)) return { angles: [], coherence: 0 };
  const smooth = Array.from(
    hist,
    (_, k) => hist[(k + BINS - 1) % BINS]! + 2 * hist[k]! + hist[(k + 1) % BINS]!,
  );
  const order = smooth.map((v, k) => ({ v, k })).sort((a, b) => b.v - a.v);
  // Bin k covers doubled angles [k, k + 1) * 20 degrees: a = (k + 0.5) * 10 degrees, folded into (-90, 90].
  const angleOf = (k: number) => {
    const deg = (k + 0.5) * (180 / BINS);
    return ((deg > 90 ? deg - 180 : deg) * Math.PI) / 180;
  };
  return { angles: [angleOf(order[0]!.k)], coherence: Math.hypot(sc, ss) / sw };
}

/** Gradients under this (grey levels per pixel) are noise and do not vote. */
const GRADIENT_FLOOR = 8;
/** A direction with fewer scored lines than this has no striped share to compare. */
const MIN_SCORED_LINES = 4;
/** Half-size of the window of the local structure tensor (pixels). */
const TENSOR_RADIUS = 2;
/** About this many gradient votes per proposal. */
const MAX_VOTES = 2000;
/** Candidate pixels of the gradient votes per cell side. */
const CANDIDATES_PER_CELL_SIDE = 5;
/** At most this many analysis lines per direction (wider spacing on a large blob). */
const MAX_LINES = 48;
/** At most this many samples per analysis line (centred on the blob). */
const MAX_SAMPLES = 400;
/** Least striped lines for a striped outline. */
const MIN_STRIPED_FOR_OUTLINE = 4;
/** Default lateral window of the periodicity analysis (metres; `StripePeriodicityOptions.window`). */
const DEFAULT_WINDOW = 6;
/** Far enough (metres) to stand for an unbounded side of a clipping polygon. */
const BIG = 1e4;

/** The lines' layout: centre, direction across the stripes (radians from the y axis), extents. */
interface LineLayout {
  cx: number;
  cy: number;
  angle: number;
  half: number;
  spacing: number;
  cell: number;
  /** Lateral analysis window of the periodicity analysis (metres). */
  window: number;
}

/**
 * Where the stripes are (see `ProposalEvidence.stripedOutline`): the rectangle spanned by the
 * striped lines, along the stripes the 5th-95th percentile of their positions (plus half a spacing
 * each side), across them the 5th percentile of their first samples inside the proposal to the 95th
 * of their last; then cut along x to the 5th-95th percentile of the ground points where each striped
 * line's best window is centred (plus half a window's reach along x): lines at a slant to the
 * stripes are striped where they cross the band, and a direction estimated a few degrees off
 * would otherwise tilt the rectangle's corners metres nearer and farther than the paint.
 * Counter-clockwise corners in base_link.
 */
function stripedOutline(
  lines: Float32Array,
  samplesPerLine: number,
  stripedAt: number[],
  centreCol: Int32Array,
  at: LineLayout,
): { x: number; y: number }[] | undefined {
  if (stripedAt.length < MIN_STRIPED_FOR_OUTLINE) return undefined;
  const c = Math.cos(at.angle);
  const sn = Math.sin(at.angle);
  // Along the stripes (cos a, -sin a), across them (sin a, cos a).
  const point = (t: number, d: number) => ({
    x: at.cx + t * c + d * sn,
    y: at.cy - t * sn + d * c,
  });
  const ts: number[] = [];
  const firsts: number[] = [];
  const lasts: number[] = [];
  const centresX: number[] = [];
  for (const k of stripedAt) {
    let first = -1;
    let last = -1;
    for (let s = 0; s < samplesPerLine; s++) {
      if (Number.isNaN(lines[k * samplesPerLine + s])) continue;
      if (first < 0) first = s;
      last = s;
    }
    if (first < 0 || centreCol[k]! < 0) continue;
    const t = -at.half + (k + 0.5) * at.spacing;
    ts.push(t);
    firsts.push((first - samplesPerLine / 2) * at.cell);
    lasts.push((last + 1 - samplesPerLine / 2) * at.cell);
    centresX.push(point(t, (centreCol[k]! + 0.5 - samplesPerLine / 2) * at.cell).x);
  }
  if (ts.length < MIN_STRIPED_FOR_OUTLINE) return undefined;
  const q = (a: number[], f: number) =>
    [...a].sort((p, r) => p - r)[Math.min(a.length - 1, Math.floor(f * a.length))]!;
  const t0 = q(ts, 0.05) - at.spacing / 2;
  const t1 = q(ts, 0.95) + at.spacing / 2;
  const d0 = q(firsts, 0.05);
  const d1 = q(lasts, 0.95);
  const rectangle = normalizeRing([point(t0, d0), point(t1, d0), point(t1, d1), point(t0, d1)]);
  const reach = at.spacing / 2 + (at.window / 2) * Math.abs(sn);
  const x0 = q(centresX, 0.05) - reach;
  const x1 = q(centresX, 0.95) + reach;
  const band = [
    { x: x0, y: -BIG },
    { x: x1, y: -BIG },
    { x: x1, y: BIG },
    { x: x0, y: BIG },
  ];
  const cut = clipPolygonConvex(rectangle, band);
  return cut.length >= 3 ? normalizeRing(cut) : undefined;
}
/** Votes are capped at this gradient (grey levels per pixel). */
const GRADIENT_CAP = 40;

/** Share of the proposal's cells that TwinLiteNet's drivable mask marks as road; NaN without one. */
function drivableShare(
  frame: ProposalFrame,
  cells: Int32Array,
  centre: (i: number) => { u: number; v: number },
): number {
  const m = frame.drivableMask;
  const map = frame.drivableToImage;
  if (!m || !map) return NaN;
  let n = 0;
  let road = 0;
  for (const i of cells) {
    const p = centre(i);
    const t = imagePointToTensor(map, p.u + 0.5, p.v + 0.5);
    const c = Math.floor((t.x * m.width) / map.tensorWidth);
    const r = Math.floor((t.y * m.height) / map.tensorHeight);
    if (c < 0 || r < 0 || c >= m.width || r >= m.height) continue;
    n++;
    if (m.classes[r * m.width + c] !== 0) road++;
  }
  return n ? road / n : NaN;
}
