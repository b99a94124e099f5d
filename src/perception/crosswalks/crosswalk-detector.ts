/**
 * Crosswalk detection for one camera frame: candidates from the sources (by default the zebra
 * stripe source, confirmed by TwinLiteNet's transverse edges when the lane stage ran), merged, as
 * `edge_perception_msgs/Crosswalk` with a polygon in base_link and in image pixels.
 */
import type { Time } from "../../core/time.js";
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { ImageView } from "../../image/image-view.js";
import type { TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import { Crosswalk, type CrosswalkArray, type Point32 } from "../../msgs/types.generated.js";
import { bevLookup } from "../lanes/bev-grid.js";
import { bevComponents, isTransverse, type BevComponent } from "../lanes/bev-components.js";
import { DEFAULT_LANE_GRID } from "../lanes/lane-grid.js";
import { bevMaskIndex, maskToBev } from "../lanes/mask-to-bev.js";
import type { CrosswalkCandidate, CrosswalkSource } from "./crosswalk-source.js";
import { StripeCrosswalkSource, type StripeSourceOptions } from "./stripe-source.js";

/** What the lane stage can pass on (a `LaneDetectionResult` fits). */
export interface CrosswalkLaneEvidence {
  laneMask?: SegmentationMask;
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
  /** Crosswalks below this confidence are dropped; default 0.5. */
  minConfidence?: number;
}

function overlapX(a: CrosswalkCandidate, b: CrosswalkCandidate): number {
  const inter = Math.min(a.xFar, b.xFar) - Math.max(a.xNear, b.xNear);
  const union = Math.max(a.xFar, b.xFar) - Math.min(a.xNear, b.xNear);
  return union > 0 ? Math.max(0, inter) / union : 0;
}

/** Crosswalk detector. */
export class CrosswalkDetector {
  readonly sources: CrosswalkSource[];

  constructor(readonly options: CrosswalkDetectorOptions = {}) {
    this.sources = options.sources ?? [new StripeCrosswalkSource(options.stripes)];
  }

  /** Detects crosswalks; never throws on bad input (empty array with `status`). */
  async detect(view: ImageView, geometry: CameraGeometry, stamp: Time, lanes?: CrosswalkLaneEvidence): Promise<CrosswalkArray> {
    const header = { stamp, frame_id: "base_link" };
    const horizon = geometry.horizonRow();
    if (Number.isFinite(horizon) && horizon >= view.height - 1) {
      return { header, crosswalks: [], status: "horizon below image: the calibration puts no ground in view" };
    }
    let transverse = lanes?.transverse;
    if (!transverse && lanes?.laneMask && lanes.toImage) transverse = transverseFromMask(lanes.laneMask, lanes.toImage, geometry, view);
    const frame = { view, geometry, stamp, laneMask: lanes?.laneMask, toImage: lanes?.toImage, transverse };
    const all: CrosswalkCandidate[] = [];
    for (const source of this.sources) all.push(...(await source.candidates(frame)));
    const minConfidence = this.options.minConfidence ?? 0.5;
    const kept: CrosswalkCandidate[] = [];
    for (const c of all.filter((c) => c.confidence >= minConfidence).sort((a, b) => b.confidence - a.confidence)) {
      if (kept.some((k) => overlapX(k, c) > 0.3)) continue;
      kept.push(c);
    }
    kept.sort((a, b) => a.xNear - b.xNear);
    const crosswalks = kept.map((c, i) => toMessage(c, i, geometry));
    const status = crosswalks.length ? "" : all.length ? "no crosswalk above the confidence threshold" : "no crosswalk in view";
    return { header, crosswalks, status };
  }
}

/** Transverse components of a lane mask in the lane BEV grid. */
export function transverseFromMask(mask: SegmentationMask, toImage: TensorToImage, geometry: CameraGeometry, view: ImageView): BevComponent[] {
  const lookup = bevLookup(geometry, DEFAULT_LANE_GRID, view.width, view.height);
  if (lookup.visibleCells === 0) return [];
  const occupancy = new Uint8Array(lookup.rows * lookup.cols);
  maskToBev(mask, bevMaskIndex(lookup, toImage, mask.width, mask.height), occupancy);
  return bevComponents(occupancy, lookup.rows, lookup.cols, lookup.spec, { minCells: 3 }).filter((c) => isTransverse(c));
}

/** A candidate as a Crosswalk message (polygon counter-clockwise in base_link, projected into the image). */
export function toMessage(c: CrosswalkCandidate, id: number, geometry: CameraGeometry): Crosswalk {
  const corners: Point32[] = [
    { x: c.xNear, y: c.yRight, z: 0 },
    { x: c.xFar, y: c.yRight, z: 0 },
    { x: c.xFar, y: c.yLeft, z: 0 },
    { x: c.xNear, y: c.yLeft, z: 0 },
  ];
  const imagePoints: Point32[] = [];
  for (let k = 0; k < 4; k++) {
    // Several points per edge so that lens distortion bends the outline as it should.
    const a = corners[k];
    const b = corners[(k + 1) % 4];
    for (let s = 0; s < 4; s++) {
      const t = s / 4;
      const px = geometry.groundToPixel({ x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y), z: 0 });
      if (px) imagePoints.push({ x: px.u, y: px.v, z: 0 });
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
