/**
 * The horizon row of an uncalibrated still from the drivable-area mask, for frames whose lane lines
 * give no vanishing point (a crossing fills the near road, the lines are worn, the car is turning):
 * the top edge of the drivable area is the far end of the road the model sees, which lies below the
 * horizon by the image height of ground at that distance (f * mountHeight / distance rows for a
 * level camera). Assumes a flat road that stays in view to about `farDistance`.
 */
import type { TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";

/**
 * Share of the drivable pixels allowed above the row taken as the drivable area's top: a few specks
 * the model marks above the road (a bridge, a bright sky patch) do not move it.
 */
export const DRIVABLE_TOP_SPECK_SHARE = 0.005;

/**
 * Least share of the mask that must be drivable for its top edge to be trusted: the lane detector's
 * own "no road in view" bar (`LaneDetectorOptions.minDrivableFraction`, 0.01), so that wherever the
 * lane stage sees road, its far end places the horizon.
 */
export const DRIVABLE_MIN_SHARE = 0.01;

/** What the estimate assumes about the camera and the road. */
export interface DrivableHorizonOptions {
  /** Vertical focal length of the assumed camera (pixels of the full image). */
  focalPx: number;
  /** Assumed camera height above the road (metres). */
  mountHeight: number;
  /** Ground distance at which the drivable area's top edge is taken (metres). */
  farDistance: number;
}

/** A horizon estimate from the drivable area. */
export interface DrivableHorizonEstimate {
  /** Image row of the horizon. */
  row: number;
  /** Image row of the drivable area's top edge. */
  drivableTop: number;
}

/**
 * Estimates the horizon row from a drivable-area mask (class 0 = not drivable); undefined when less
 * than `DRIVABLE_MIN_SHARE` of the mask is drivable (no road to judge by).
 */
export function estimateHorizonFromDrivable(
  mask: SegmentationMask,
  toImage: TensorToImage,
  options: DrivableHorizonOptions,
): DrivableHorizonEstimate | undefined {
  if (!(options.focalPx > 0 && options.mountHeight > 0 && options.farDistance > 0))
    throw new RangeError(
      `drivable horizon: focalPx, mountHeight and farDistance must be positive (got ${options.focalPx}, ${options.mountHeight}, ${options.farDistance})`,
    );
  const { width, height, classes } = mask;
  const perRow = new Int32Array(height);
  let total = 0;
  for (let v = 0; v < height; v++) {
    let n = 0;
    for (let u = 0; u < width; u++) if (classes[v * width + u] !== 0) n++;
    perRow[v] = n;
    total += n;
  }
  if (total < DRIVABLE_MIN_SHARE * width * height) return undefined;
  let above = 0;
  let top = 0;
  for (; top < height; top++) {
    above += perRow[top]!;
    if (above > DRIVABLE_TOP_SPECK_SHARE * total) break;
  }
  // The mask row's top edge in image rows (mask rows map to tensor rows one to one).
  const scale = toImage.tensorHeight / height;
  const drivableTop = (top * scale - toImage.offsetY) / toImage.scaleY;
  return {
    row: drivableTop - (options.focalPx * options.mountHeight) / options.farDistance,
    drivableTop,
  };
}
