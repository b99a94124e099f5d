/**
 * Where crosswalk candidates come from. The built-in source finds zebra stripes in BEV (no model
 * needed); a dedicated crosswalk segmentation model plugs in as another source through the same
 * model contracts (`MaskCrosswalkSource`), or as any object implementing `CrosswalkSource`.
 * `CrosswalkDetector` fuses the sources (`source-fusion.ts`).
 *
 * Contract for a source (the whole interface between a source and the fusion):
 * - `candidates(frame)` returns either a plain `CrosswalkCandidate[]` or a `CrosswalkSourceReport`.
 * - Every confidence and probability is a calibrated probability (0..1): of the frames where the
 *   source says p, about p hold a crossing. The fusion adds the sources' log-odds, so an
 *   uncalibrated score (a raw softmax mean, a blob size) over- or under-weights the source.
 * - A candidate gives its extent in base_link (`xNear`..`xFar`, `yRight`..`yLeft`: the bounding box
 *   used to match candidates across sources) and, when it knows its outline, `groundPolygon`
 *   (base_link, counter-clockwise) and `imagePolygon` (pixels of the frame it was given).
 * - A source that cannot judge the frame (its mask is garbage, its input has the wrong size) sets
 *   `invalid` with the cause; the fusion then leaves it out and names the cause in the status.
 */
import type { Time } from "../../core/time.js";
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { ImageView } from "../../image/image-view.js";
import type { TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import type { BevComponent } from "../bev/bev-components.js";

/** What a source sees of one frame. */
export interface CrosswalkFrame {
  view: ImageView;
  geometry: CameraGeometry;
  stamp: Time;
  /** TwinLiteNet's lane-line mask (crosswalk near/far edges show up as transverse lines). */
  laneMask?: SegmentationMask;
  /** Mapping of `laneMask` (and `drivableMask`) to the image. */
  toImage?: TensorToImage;
  /** TwinLiteNet's drivable-area mask (a crossing lies on the road), when the lane stage ran. */
  drivableMask?: SegmentationMask;
  /** Transverse components already found by the lane stage (lane BEV), when it ran. */
  transverse?: BevComponent[];
  /**
   * Crossings the sources listed before this one already located at or above the detector's
   * `minConfidence` (reported whatever this source says): a source may skip its work there.
   */
  located?: CrosswalkCandidate[];
}

/** A crosswalk found by a source, in base_link. */
export interface CrosswalkCandidate {
  /** Near and far edges along x (metres). */
  xNear: number;
  xFar: number;
  /** Right and left extents along y (metres). */
  yRight: number;
  yLeft: number;
  /** 0..1. */
  confidence: number;
  /** One std of the near edge's x (metres). */
  distanceStd: number;
  /** Which source found it and what confirmed it (for debugging). */
  evidence: string;
  /** Outline in base_link (metres, counter-clockwise), when the source knows it; else the x/y box is used. */
  groundPolygon?: { x: number; y: number }[];
  /** Outline in the image (pixels), when the source knows it; else `groundPolygon` (or the box) is projected. */
  imagePolygon?: { x: number; y: number }[];
}

/** What a source says about one frame. */
export interface CrosswalkSourceReport {
  /** Calibrated probability (0..1) that a crosswalk lies in view, by this source alone. */
  probability: number;
  /** The crosswalks it located (each with its own calibrated confidence). */
  candidates: CrosswalkCandidate[];
  /** Set when the source could not judge the frame: the cause (its probability is then ignored). */
  invalid?: string;
}

/** A source of crosswalk candidates. */
export interface CrosswalkSource {
  /** Short name for logs ("stripes", "model:<contract>"). */
  readonly name: string;
  /** Candidates of one frame; a plain array means probability = the highest candidate confidence (0 when none). */
  candidates(
    frame: CrosswalkFrame,
  ):
    | Promise<CrosswalkCandidate[] | CrosswalkSourceReport>
    | CrosswalkCandidate[]
    | CrosswalkSourceReport;
}

/** A source's answer as a report. */
export function asReport(
  answer: CrosswalkCandidate[] | CrosswalkSourceReport,
): CrosswalkSourceReport {
  if (Array.isArray(answer))
    return { probability: Math.max(0, ...answer.map((c) => c.confidence)), candidates: answer };
  return answer;
}
