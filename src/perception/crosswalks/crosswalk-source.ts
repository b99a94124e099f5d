/**
 * Where crosswalk candidates come from. The built-in source finds zebra stripes in BEV (no model
 * needed); a dedicated crosswalk segmentation model plugs in as another source through the same
 * model contracts (`MaskCrosswalkSource`). `CrosswalkDetector` merges the sources' candidates.
 */
import type { Time } from "../../core/time.js";
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { ImageView } from "../../image/image-view.js";
import type { TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import type { BevComponent } from "../lanes/bev-components.js";

/** What a source sees of one frame. */
export interface CrosswalkFrame {
  view: ImageView;
  geometry: CameraGeometry;
  stamp: Time;
  /** TwinLiteNet's lane-line mask (crosswalk near/far edges show up as transverse lines). */
  laneMask?: SegmentationMask;
  /** Mapping of `laneMask` to the image. */
  toImage?: TensorToImage;
  /** Transverse components already found by the lane stage (lane BEV), when it ran. */
  transverse?: BevComponent[];
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
}

/** A source of crosswalk candidates. */
export interface CrosswalkSource {
  /** Short name for logs ("stripes", "model:<contract>"). */
  readonly name: string;
  candidates(frame: CrosswalkFrame): Promise<CrosswalkCandidate[]> | CrosswalkCandidate[];
}
