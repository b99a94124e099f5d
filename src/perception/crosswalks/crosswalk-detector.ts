/**
 * Crosswalk detection for one camera frame: candidates from the sources (by default the zebra
 * stripe source, confirmed by TwinLiteNet's transverse edges when the lane stage ran), fused with
 * calibrated confidence (`source-fusion.ts`), as `edge_perception_msgs/Crosswalk` with a polygon in
 * base_link and in image pixels. Bad input (a frame whose size is not the CameraInfo's, a camera that
 * sees no ground, a garbage mask) gives a status naming the cause and no invented crosswalk.
 */
import type { Time } from "../../core/time.js";
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { ImageView } from "../../image/image-view.js";
import type { TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import { Crosswalk, type CrosswalkArray, type Point32 } from "../../msgs/types.generated.js";
import { bevLookup } from "../bev/bev-grid.js";
import { bevComponents, isTransverse, type BevComponent } from "../bev/bev-components.js";
import { DEFAULT_LANE_GRID } from "../bev/lane-grid.js";
import { bevMaskIndex, maskToBev } from "../bev/mask-to-bev.js";
import { asReport, type CrosswalkCandidate, type CrosswalkSource } from "./crosswalk-source.js";
import { checkMask } from "./mask-check.js";
import {
  fuseCrosswalkSources,
  type NamedReport,
  type SourceFusionOptions,
} from "./source-fusion.js";
import { StripeCrosswalkSource, type StripeSourceOptions } from "./stripe-source.js";
import type { Untimed } from "../../msgs/detector-arrays.js";

/** What the lane stage can pass on (a `LaneDetectionResult` fits). */
export interface CrosswalkLaneEvidence {
  laneMask?: SegmentationMask;
  /** Drivable-area mask (same tensor mapping as `laneMask`). */
  drivableMask?: SegmentationMask;
  toImage?: TensorToImage;
  /** Transverse lane-mask components in BEV; computed from laneMask when absent. */
  transverse?: BevComponent[];
}

/** Options of `CrosswalkDetector`. */
export interface CrosswalkDetectorOptions {
  /** Candidate sources; default: one `StripeCrosswalkSource`. */
  sources?: CrosswalkSource[];
  /** Options of the default stripe source. */
  stripes?: StripeSourceOptions;
  /** Crosswalks below this confidence (after fusion) are dropped; default 0.5. */
  minConfidence?: number;
  /** How the sources are fused (weights per source name, bias). */
  fusion?: SourceFusionOptions;
}

/**
 * Why the frame cannot be judged with this geometry, or undefined: a frame whose size is not the
 * calibration's (the intrinsics would put every ray in the wrong place), or a camera that sees no
 * ground (not above the ground plane, or no ray of the lower image meets it).
 */
function inputProblem(view: ImageView, geometry: CameraGeometry): string | undefined {
  if (!(view.width > 0 && view.height > 0)) return `empty frame (${view.width}x${view.height})`;
  const { width, height } = geometry.model;
  if (view.width !== width || view.height !== height) {
    return `frame size ${view.width}x${view.height} differs from the CameraInfo's ${width}x${height}: the calibration does not fit this frame`;
  }
  const z = geometry.cameraPosition.z;
  if (!(z > 0))
    return `camera sees no ground: it is not above the ground plane (z = ${z.toFixed(2)} m)`;
  const horizon = geometry.horizonRow();
  if (Number.isFinite(horizon) && horizon >= view.height - 1) {
    return `camera sees no ground: horizon below image (row ${horizon.toFixed(0)} of ${view.height}), the calibration puts no ground in view`;
  }
  // The lower image must hold ground somewhere (a camera rolled or pitched up has none).
  for (const fv of [1, 0.9, 0.75]) {
    for (const fu of [0.5, 0.25, 0.75, 0.02, 0.98]) {
      if (geometry.pixelToGround({ u: fu * (view.width - 1), v: fv * (view.height - 1) }))
        return undefined;
    }
  }
  return "camera sees no ground: no ray of the lower image meets the ground plane";
}

/** Crosswalk detector. */
export class CrosswalkDetector {
  readonly sources: CrosswalkSource[];

  constructor(readonly options: CrosswalkDetectorOptions = {}) {
    this.sources = options.sources ?? [new StripeCrosswalkSource(options.stripes)];
  }

  /** Evidence strings of the last `detect` call, one per fused crosswalk (for logs and scripts). */
  lastEvidence: string[] = [];
  /** Why the last frame could not be judged (bad input: size mismatch, no ground), else undefined; nodes count these. */
  lastInputProblem: string | undefined;

  /** Detects crosswalks; never throws on bad input (empty array with `status`). */
  async detect(
    view: ImageView,
    geometry: CameraGeometry,
    stamp: Time,
    lanes?: CrosswalkLaneEvidence,
  ): Promise<Untimed<CrosswalkArray>> {
    const header = { stamp, frame_id: "base_link" };
    this.lastEvidence = [];
    const problem = inputProblem(view, geometry);
    this.lastInputProblem = problem;
    if (problem) return { header, crosswalks: [], status: problem };
    const notes: string[] = [];
    let { laneMask, toImage, transverse, drivableMask } = lanes ?? {};
    const maskProblem = laneMask ? checkMask(laneMask, toImage) : undefined;
    if (maskProblem) {
      notes.push(`lane mask ignored: ${maskProblem}`);
      laneMask = undefined;
      transverse = undefined;
    }
    // The drivable area covers much of the frame by nature: only speckle marks it as garbage.
    const drivableProblem = drivableMask
      ? checkMask(drivableMask, toImage, { maxCoverage: 1 })
      : undefined;
    if (drivableProblem) {
      notes.push(`drivable mask ignored: ${drivableProblem}`);
      drivableMask = undefined;
    }
    if (!laneMask && !drivableMask) toImage = undefined;
    if (!transverse && laneMask && toImage)
      transverse = transverseFromMask(laneMask, toImage, geometry, view);
    const minConfidence = this.options.minConfidence ?? 0.5;
    const reports: NamedReport[] = [];
    for (const source of this.sources) {
      // Under the max rule a crossing an earlier source located at min_confidence is reported
      // whatever a later source says (under log-odds a later source could still veto it).
      const located =
        this.options.fusion?.rule === "max"
          ? reports.flatMap((r) =>
              r.report.invalid === undefined
                ? r.report.candidates.filter((c) => c.confidence >= minConfidence)
                : [],
            )
          : [];
      const frame = { view, geometry, stamp, laneMask, toImage, transverse, drivableMask, located };
      const report = asReport(await source.candidates(frame));
      reports.push({ name: source.name, report });
      if (report.invalid !== undefined)
        notes.push(`source ${source.name} ignored: ${report.invalid}`);
    }
    const fused = fuseCrosswalkSources(reports, this.options.fusion);
    const kept = fused
      .filter((f) => f.confidence >= minConfidence)
      .sort((a, b) => a.candidate.xNear - b.candidate.xNear);
    this.lastEvidence = kept.map(
      (f) => `${f.confidence.toFixed(2)} from ${f.sources.join("+")}: ${f.candidate.evidence}`,
    );
    const crosswalks = kept.map((f, i) =>
      toMessage({ ...f.candidate, confidence: f.confidence }, i, geometry),
    );
    const valid = reports.filter((r) => r.report.invalid === undefined);
    let status = "";
    if (!crosswalks.length) {
      if (reports.length > 0 && valid.length === 0) status = "no valid crosswalk source";
      else
        status = fused.length
          ? "no crosswalk above the confidence threshold"
          : "no crosswalk in view";
    }
    return { header, crosswalks, status: [status, ...notes].filter((x) => x).join("; ") };
  }
}

/** Transverse components of a lane mask in the lane BEV grid. */
function transverseFromMask(
  mask: SegmentationMask,
  toImage: TensorToImage,
  geometry: CameraGeometry,
  view: ImageView,
): BevComponent[] {
  const lookup = bevLookup(geometry, DEFAULT_LANE_GRID, view.width, view.height);
  if (lookup.visibleCells === 0) return [];
  const occupancy = new Uint8Array(lookup.rows * lookup.cols);
  maskToBev(mask, bevMaskIndex(lookup, toImage, mask.width, mask.height), occupancy);
  return bevComponents(occupancy, lookup.rows, lookup.cols, lookup.spec, { minCells: 3 }).filter(
    (c) => isTransverse(c),
  );
}

/** A candidate as a Crosswalk message (polygon counter-clockwise in base_link, projected into the image unless the source gave its image outline). */
export function toMessage(c: CrosswalkCandidate, id: number, geometry: CameraGeometry): Crosswalk {
  const corners: Point32[] = c.groundPolygon
    ? c.groundPolygon.map((p) => ({ x: p.x, y: p.y, z: 0 }))
    : [
        { x: c.xNear, y: c.yRight, z: 0 },
        { x: c.xFar, y: c.yRight, z: 0 },
        { x: c.xFar, y: c.yLeft, z: 0 },
        { x: c.xNear, y: c.yLeft, z: 0 },
      ];
  let imagePoints: Point32[];
  if (c.imagePolygon) imagePoints = c.imagePolygon.map((p) => ({ x: p.x, y: p.y, z: 0 }));
  else {
    imagePoints = [];
    for (let k = 0; k < corners.length; k++) {
      // Several points per edge so that lens distortion bends the outline as it should.
      const a = corners[k]!;
      const b = corners[(k + 1) % corners.length]!;
      for (let s = 0; s < 4; s++) {
        const t = s / 4;
        const px = geometry.groundToPixel({
          x: a.x + t * (b.x - a.x),
          y: a.y + t * (b.y - a.y),
          z: 0,
        });
        if (px) imagePoints.push({ x: px.u, y: px.v, z: 0 });
      }
    }
  }
  return {
    id,
    polygon: { points: corners },
    image_polygon: { points: imagePoints },
    distance_ahead: c.xNear,
    distance_ahead_std: c.distanceStd,
    confidence: c.confidence,
    map_status: Crosswalk.MAP_STATUS_NOT_CHECKED,
    map_id: "",
    occupancy: Crosswalk.OCCUPANCY_UNKNOWN,
    pedestrian_ids: new Uint32Array(0),
  };
}
