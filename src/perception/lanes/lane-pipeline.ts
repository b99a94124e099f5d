/**
 * The stage shared by the model path and the classical fallback: a BEV occupancy of lane paint ->
 * components -> longitudinal instances (transverse ones are handed to the crosswalk stage) ->
 * cubic fit, style, colour, ego position -> `LaneMarking` messages.
 */
import type { ImageView } from "../../image/image-view.js";
import { LaneMarking, type Point } from "../../msgs/types.generated.js";
import { rowX, type BevLookup } from "../bev/bev-grid.js";
import { bevComponents, isTransverse, type BevComponent } from "../bev/bev-components.js";
import { assignPositions, type EgoPositionOptions } from "./ego-position.js";
import { linkLaneInstances, type LaneInstance, type LinkOptions } from "./lane-instances.js";
import { classifyLineColour, type LineColourOptions } from "./line-colour.js";
import { classifyLineStyle, type LineStyleOptions } from "./line-style.js";
import {
  imageRoadNearLimit,
  nearExtent,
  occludedContinuation,
  type ImageRoad,
  withNearContinuation,
  type NearExtentOptions,
  type OccludedContinuationOptions,
} from "./lane-extent.js";
import { paintOrEdge, type PaintEvidence, type PaintOrEdgeOptions } from "./paint-or-edge.js";
import { paintProfile, type PaintProfileOptions } from "./paint-profile.js";
import { RowMarks } from "./row-marks.js";
import {
  evalPoly,
  fitSampleArrays,
  polyStdAt,
  type FitSampleArrays,
  type PolyFit,
} from "./polyfit.js";

/** Options of `lanesFromOccupancy`. */
export interface LanePipelineOptions {
  /** Lateral std of one image pixel per metre of range (1 / fx, times mask pixels per image pixel). */
  lateralStdPerMetre: number;
  /** Lateral std floor of one observation (metres, paint width / quantisation); default 0.05. */
  lateralStdFloor?: number;
  /** Spacing of the sampled points along each marking (metres); default 2. */
  pointSpacing?: number;
  /** Instances whose visible extent is shorter are dropped (metres); default 3. */
  minExtent?: number;
  /** Instances with fewer BEV cells are dropped; default 8. */
  minCells?: number;
  /** Markings below this confidence are dropped; default 0.2. */
  minConfidence?: number;
  /** Paint runs across a BEV row longer than this are transverse structures (metres); default 1.5. */
  transverseRun?: number;
  /** At most this many markings are kept, most confident first; default 8. */
  maxMarkings?: number;
  /** Instance linking. */
  link: LinkOptions;
  /** Ego ordering. */
  position: EgoPositionOptions;
  /** Paint vs road edge in the source image. */
  edges: PaintOrEdgeOptions;
  /** Paint contrast along a line in the source image (for its style). */
  profile: PaintProfileOptions;
  /** Solid vs dashed. */
  style: LineStyleOptions;
  /** White vs yellow. */
  colour: LineColourOptions;
  /** Instances whose evidence starts farther than this are not reported (metres): beyond it a line is a few mask pixels wide, lines converge, and a piece that links to nothing nearer is as likely a car's edge; default 30. */
  maxStart?: number;
  /** Extension of the near end to the first visible ground. */
  near: NearExtentOptions;
  /** Most drift (metres) a straight near continuation may build up on the line's bend (|y''| from its fit, when significant); default 0.1. */
  nearBendTolerance?: number;
  /** Continuation of lines behind vehicles (with a drivable grid). */
  occlusion: OccludedContinuationOptions;
  /** Whether lines are continued behind vehicles at all (a drivable grid that does not exclude vehicles cannot tell); default true (the classical fallback: false). */
  continueOccluded?: boolean;
  /** Instances starting farther than this (metres) are reported only when the image confirms their paint or edge (not "unknown"); default 20. */
  maxUnconfirmedStart?: number;
  /** Only instances the image shows as paint are reported (no edges, no "unknown"); default false (the classical fallback: true, its only evidence is the image). */
  requirePaint?: boolean;
  /** Lines whose direction anywhere on their extent is farther than this from the x axis are dropped (radians); default none (the classical fallback: 0.35). */
  maxHeading?: number;
  /** Lines whose curvature (|y''|) anywhere on their extent exceeds this are dropped (1/m); default none (the classical fallback: 0.02). */
  maxCurvature?: number;
}

/** Lane markings and the transverse structures found on the way. */
export interface LanePipelineResult {
  markings: LaneMarking[];
  /** Components that run across the road (stop lines, crosswalk edges), for the crosswalk stage. */
  transverse: BevComponent[];
  /** Instances behind the markings (same order), for debugging and the crosswalk stage. */
  instances: LaneInstance[];
  /** What the image said about each marking's paint (same order). */
  evidence: PaintEvidence[];
  /**
   * Per marking (same order), the x up to which it runs on behind a vehicle standing on it
   * (`occludedContinuation`); its x_max when its end is not occluded or no drivable grid was given.
   */
  continuation: number[];
}

/**
 * Moves runs of occupied cells longer than `minRun` along a BEV row (paint across the road: stop
 * lines, crosswalk edges) out of `occupancy` into the returned grid, so that a lane line touching a
 * crosswalk edge does not merge with it. The grid is `into` (cleared first) when it has the size.
 */
function splitTransverseRuns(
  occupancy: Uint8Array,
  rows: number,
  cols: number,
  minRun: number,
  into?: Uint8Array,
): Uint8Array {
  const across =
    into && into.length === occupancy.length ? into.fill(0) : new Uint8Array(occupancy.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let c = 0;
    while (c < cols) {
      if (!occupancy[base + c]) {
        c++;
        continue;
      }
      let end = c;
      while (end < cols && occupancy[base + end]) end++;
      if (end - c >= minRun) {
        for (let k = c; k < end; k++) {
          across[base + k] = 1;
          occupancy[base + k] = 0;
        }
      }
      c = end;
    }
  }
  return across;
}

/**
 * Scratch of `lanesFromOccupancy`, reused across frames (grown when a grid is larger): the
 * transverse grid, and per BEV row the sums of `fitSamples` (valid at the rows marked in the
 * current pass), the rows in first-seen order, and the fit samples.
 */
const scratch = {
  across: new Uint8Array(0),
  road: new Uint8Array(0),
  rowSum: new Float64Array(0),
  rowCount: new Float64Array(0),
  rowOrder: new Int32Array(0),
  samples: {
    x: new Float64Array(256),
    y: new Float64Array(256),
    w: new Float64Array(256),
    n: 0,
  } as FitSampleArrays,
};
const rowMarks = new RowMarks();

/** Per-row sums sized for `rows` rows; starts a pass of `rowMarks`. */
function beginRows(rows: number): void {
  if (scratch.rowSum.length < rows) {
    scratch.rowSum = new Float64Array(rows);
    scratch.rowCount = new Float64Array(rows);
    scratch.rowOrder = new Int32Array(rows);
  }
  rowMarks.begin(rows);
}

/**
 * Per-row centroid samples of an instance, weighted by range and by how many image rows a BEV row
 * spans; rows in the order the instance's parts first reach them. The result is scratch, valid
 * until the next call.
 */
function fitSamples(
  instance: LaneInstance,
  lookup: BevLookup,
  stdPerM: number,
  stdFloor: number,
): FitSampleArrays {
  beginRows(lookup.rows);
  const { rowSum, rowCount, rowOrder } = scratch;
  let nRows = 0;
  for (const p of instance.parts) {
    for (let k = 0; k < p.rows.length; k++) {
      const r = p.rows[k]!;
      if (rowMarks.mark(r)) {
        rowSum[r] = p.rowY[k]! * p.rowCount[k]!;
        rowCount[r] = p.rowCount[k]!;
        rowOrder[nRows++] = r;
      } else {
        rowSum[r]! += p.rowY[k]! * p.rowCount[k]!;
        rowCount[r]! += p.rowCount[k]!;
      }
    }
  }
  if (scratch.samples.x.length < nRows)
    scratch.samples = {
      x: new Float64Array(nRows),
      y: new Float64Array(nRows),
      w: new Float64Array(nRows),
      n: 0,
    };
  const samples = scratch.samples;
  for (let i = 0; i < nRows; i++) {
    const r = rowOrder[i]!;
    const x = rowX(lookup.spec, r);
    const sigma = Math.hypot(stdFloor, stdPerM * x);
    const density = Math.min(1, Math.max(0.02, lookup.imageRowsPerRow[r]!));
    samples.x[i] = x;
    samples.y[i] = rowSum[r]! / rowCount[r]!;
    samples.w[i] = density / (sigma * sigma);
  }
  samples.n = nRows;
  return samples;
}

/** How many distinct BEV rows an instance's parts cover. */
function paintedRowCount(instance: LaneInstance, rows: number): number {
  rowMarks.begin(rows);
  let n = 0;
  for (const p of instance.parts) for (const r of p.rows) if (rowMarks.mark(r)) n++;
  return n;
}

/** A road edge's position: the ego boundary of its side when no ranked line lies between it and the vehicle, else "other". */
function edgePosition(edge: LaneMarking, lines: readonly LaneMarking[], maxStart: number): number {
  if (edge.x_min > maxStart) return LaneMarking.POSITION_UNKNOWN;
  const left = edge.lateral_offset >= 0;
  const side = left ? 1 : -1;
  const inside = lines.some(
    (m) =>
      m.position !== LaneMarking.POSITION_UNKNOWN &&
      m.lateral_offset * side > 0 &&
      m.lateral_offset * side < edge.lateral_offset * side,
  );
  if (inside) return left ? LaneMarking.POSITION_OTHER_LEFT : LaneMarking.POSITION_OTHER_RIGHT;
  return left ? LaneMarking.POSITION_EGO_LEFT : LaneMarking.POSITION_EGO_RIGHT;
}

/** y''(x) of a fit when its quadratic term stands out of its noise (|c2| > 2 std), else 0 (a straight continuation). */
function significantCurvature(fit: PolyFit, x: number): number {
  const c = fit.coefficients;
  return Math.abs(c[2]!) > 2 * fit.coefficientStd[2]! ? 2 * c[2]! + 6 * c[3]! * x : 0;
}

/** Whether y(x) keeps |y'| <= tan(maxHeading) and |y''| <= maxCurvature over [x0, x1] (checked every metre and at the ends). */
function withinShape(
  c: ArrayLike<number>,
  x0: number,
  x1: number,
  maxHeading: number | undefined,
  maxCurvature: number | undefined,
): boolean {
  if (maxHeading === undefined && maxCurvature === undefined) return true;
  const maxSlope = maxHeading === undefined ? Infinity : Math.tan(maxHeading);
  const curv = maxCurvature ?? Infinity;
  for (let x = x0; ; x = Math.min(x1, x + 1)) {
    const slope = c[1]! + 2 * c[2]! * x + 3 * c[3]! * x * x;
    const second = 2 * c[2]! + 6 * c[3]! * x;
    if (Math.abs(slope) > maxSlope || Math.abs(second) > curv) return false;
    if (x >= x1) return true;
  }
}

/**
 * `out[i] = a[i] | b[i] | c[i]` over the grid. A function of its own: as a loop inside
 * `lanesFromOccupancy` it made V8 optimise the whole function on the loop (on-stack replacement) and
 * throw that code away at the first line after it that had not run yet.
 */
function unionInto(out: Uint8Array, a: Uint8Array, b: Uint8Array, c: Uint8Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! | b[i]! | c[i]!;
}

/**
 * Runs instances, fit and classification on one BEV occupancy. `drivable` (a BEV grid) and
 * `imageRoad` (the same masks in the image) say where the road is, for the near ends and the
 * continuation behind vehicles; without them a near end runs down to the first ground in view.
 */
export function lanesFromOccupancy(
  occupancy: Uint8Array,
  lookup: BevLookup,
  view: ImageView,
  options: LanePipelineOptions,
  drivable?: Uint8Array,
  imageRoad?: ImageRoad,
): LanePipelineResult {
  const spec = lookup.spec;
  const stdFloor = options.lateralStdFloor ?? 0.05;
  const spacing = options.pointSpacing ?? 2;
  const minExtent = options.minExtent ?? 3;
  const minCells = options.minCells ?? 8;
  const minConfidence = options.minConfidence ?? 0.2;
  if (scratch.across.length !== occupancy.length) scratch.across = new Uint8Array(occupancy.length);
  const across = splitTransverseRuns(
    occupancy,
    lookup.rows,
    lookup.cols,
    Math.round((options.transverseRun ?? 1.5) / spec.dy),
    scratch.across,
  );
  const transverse = bevComponents(across, lookup.rows, lookup.cols, spec, {
    minCells: 3,
    rowGap: 0,
  }).filter((c) => isTransverse(c));
  const longitudinal: BevComponent[] = [];
  for (const c of bevComponents(occupancy, lookup.rows, lookup.cols, spec, { minCells: 3 }))
    (isTransverse(c) ? transverse : longitudinal).push(c);
  const maxStart = options.maxStart ?? 30;
  // Road for the near ends: drivable cells or paint (the hood and kerbs are neither).
  let road: Uint8Array | undefined;
  if (drivable) {
    if (scratch.road.length !== occupancy.length) scratch.road = new Uint8Array(occupancy.length);
    road = scratch.road;
    unionInto(road, drivable, occupancy, across);
  }
  const instances = linkLaneInstances(longitudinal, spec, options.link).filter((inst) => {
    const cells = inst.parts.reduce((n, p) => n + p.cells.length, 0);
    return (
      cells >= minCells && inst.xMax - inst.xMin + spec.dx >= minExtent && inst.xMin <= maxStart
    );
  });
  const drafts: {
    marking: LaneMarking;
    instance: LaneInstance;
    evidence: PaintEvidence;
    continuation: number;
  }[] = [];
  for (const instance of instances) {
    const fitted = fitSamples(instance, lookup, options.lateralStdPerMetre, stdFloor);
    const extent = instance.xMax - instance.xMin;
    const degree = extent < 6 ? 1 : extent < 15 ? 2 : 3;
    const firstFit = fitSampleArrays(fitted, degree);
    if (!firstFit) continue;
    // The evidence's outer edges (its first and last rows are cells dx deep), and the near end down to the first visible ground.
    const evidenceMin = Math.max(0, instance.xMin - spec.dx / 2);
    // On a bend a straight continuation drifts by k d^2 / 2: it goes no farther than keeps that within `nearBendTolerance`.
    const bend = Math.abs(significantCurvature(firstFit, evidenceMin));
    const reach = bend > 0 ? Math.sqrt((2 * (options.nearBendTolerance ?? 0.1)) / bend) : Infinity;
    let xMin = Math.max(
      evidenceMin - reach,
      nearExtent(lookup, firstFit.coefficients, evidenceMin, extent + spec.dx, options.near, road),
    );
    // The nearest half-metre BEV row can straddle the bonnet's edge: from the evidence's first row centre down, the image rows decide.
    if (imageRoad)
      xMin = imageRoadNearLimit(
        imageRoad,
        firstFit.coefficients,
        Math.max(xMin, instance.xMin),
        xMin,
        options.near.imageRoadHalfWidth,
        options.near.imageRoadRowStep,
      );
    const fit =
      xMin < evidenceMin
        ? fitSampleArrays(
            withNearContinuation(
              fitted,
              xMin,
              evidenceMin,
              spec.dx,
              options.near.continuationWindow,
              options.near.continuationMinSpan,
            ),
            degree,
          )
        : firstFit;
    if (!fit) continue;
    if (
      !withinShape(fit.coefficients, xMin, instance.xMax, options.maxHeading, options.maxCurvature)
    )
      continue;
    const evidence = paintOrEdge(instance, view, lookup, options.edges);
    if (options.requirePaint && evidence.kind !== "paint") continue;
    // A piece that starts far off where the image cannot confirm paint (too few rows within the paint check's range) is as likely glare near the vanishing point, a kerb or a car's edge.
    if (evidence.kind === "unknown" && instance.xMin > (options.maxUnconfirmedStart ?? 20))
      continue;
    const edge = evidence.kind === "edge";
    const style = edge
      ? {
          type: LaneMarking.TYPE_ROAD_EDGE,
          confidence: Math.min(0.9, 0.5 + evidence.measuredRows / 50),
        }
      : classifyLineStyle(
          instance,
          spec,
          options.style,
          paintProfile(instance, view, lookup, options.profile),
        );
    const colour = edge
      ? { color: LaneMarking.COLOR_UNKNOWN, confidence: 0 }
      : classifyLineColour(instance, view, lookup, occupancy, options.colour);
    const paintedLength = paintedRowCount(instance, lookup.rows) * spec.dx;
    const support = 1 - Math.exp(-(0.6 * paintedLength + 0.4 * extent) / 8);
    const confidence = support * Math.exp(-Math.max(0, fit.rms - 0.08) / 0.3);
    if (confidence < minConfidence) continue;
    const xMax = instance.xMax + spec.dx / 2;
    const n = Math.max(2, Math.min(64, Math.floor((xMax - xMin) / spacing) + 1));
    const points: Point[] = [];
    const pointsStd = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const x = n === 1 ? xMin : xMin + ((xMax - xMin) * k) / (n - 1);
      points.push({ x, y: evalPoly(fit.coefficients, x), z: 0 });
      pointsStd[k] = polyStdAt(fit, x);
    }
    const c = fit.coefficients;
    drafts.push({
      instance,
      evidence,
      continuation:
        drivable && !edge && (options.continueOccluded ?? true)
          ? occludedContinuation(lookup, drivable, c, xMax, options.occlusion)
          : xMax,
      marking: {
        id: 0,
        position: 0,
        type: style.type,
        type_confidence: style.confidence,
        color: colour.color,
        color_confidence: colour.confidence,
        confidence,
        poly_coefficients: c,
        poly_coefficients_std: fit.coefficientStd,
        x_min: xMin,
        x_max: xMax,
        lateral_offset: c[0]!,
        lateral_offset_std: fit.coefficientStd[0]!,
        heading: Math.atan(c[1]!),
        points,
        points_std: pointsStd,
        map_id: "",
        map_match_distance: NaN,
      },
    });
  }
  drafts.sort((a, b) => b.marking.confidence - a.marking.confidence);
  drafts.splice(options.maxMarkings ?? 8);
  // Lines are ranked among lines; a road edge is the ego lane's boundary only with no line nearer on its side.
  const lines = drafts
    .filter((d) => d.marking.type !== LaneMarking.TYPE_ROAD_EDGE)
    .map((d) => d.marking);
  const positions = assignPositions(
    lines.map((m) => m.lateral_offset),
    options.position,
    lines.map((m) => m.x_min),
  );
  lines.forEach((m, i) => {
    m.position = positions[i]!;
  });
  for (const d of drafts) {
    if (d.marking.type !== LaneMarking.TYPE_ROAD_EDGE) continue;
    d.marking.position = edgePosition(d.marking, lines, options.position.maxStart);
  }
  // Left to right, ids in that order.
  drafts.sort((a, b) => b.marking.lateral_offset - a.marking.lateral_offset);
  drafts.forEach((d, i) => {
    d.marking.id = i;
  });
  return {
    markings: drafts.map((d) => d.marking),
    transverse,
    instances: drafts.map((d) => d.instance),
    evidence: drafts.map((d) => d.evidence),
    continuation: drafts.map((d) => d.continuation),
  };
}
