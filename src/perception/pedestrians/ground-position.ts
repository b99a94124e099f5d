/**
 * From a person's image box to a Pedestrian message: the feet (box bottom centre) projected on the
 * ground through the camera geometry, with a position covariance propagated from the pixel noise
 * of the foot point (so it grows about with range squared along the line of sight).
 */
import type { Pixel, Vec3 } from "../../geometry/types.js";
import type { Detection } from "../../models/detection.js";
import {
  Pedestrian as PedestrianConstants,
  type Pedestrian,
  type RegionOfInterest,
} from "../../msgs/types.generated.js";

/** The part of CameraGeometry this module needs (pixel -> base_link point on the ground). */
export interface GroundProjector {
  pixelToGround(px: Pixel, groundZ?: number): Vec3 | undefined;
}

export interface FootPointNoise {
  /** Standard deviation of the foot point's column, pixels. Default 3. */
  columnStdPx?: number;
  /** Standard deviation of the foot point's row, pixels. Default 2. */
  rowStdPx?: number;
  /** Extra standard deviation of the box width as a fraction (person's lateral extent). Default 0.15. */
  widthFraction?: number;
  /** A floor added to both axes, metres (the person's own size). Default 0.2. */
  minStdM?: number;
  /** Boxes whose bottom is within this many pixels of the last row count as foot-truncated. Default 1. */
  bottomMarginPx?: number;
}

/** The foot pixel (centres at integers) of a box in corner convention. */
export function footPixel(d: Pick<Detection, "x1" | "x2" | "y2">): Pixel {
  return { u: (d.x1 + d.x2) / 2 - 0.5, v: d.y2 - 0.5 };
}

/** The RegionOfInterest covering a box (outward to whole pixels, inside the image). */
export function regionOfBox(
  d: Pick<Detection, "x1" | "y1" | "x2" | "y2">,
  width: number,
  height: number,
): RegionOfInterest {
  const x0 = Math.max(0, Math.floor(d.x1));
  const y0 = Math.max(0, Math.floor(d.y1));
  const x1 = Math.min(width, Math.ceil(d.x2));
  const y1 = Math.min(height, Math.ceil(d.y2));
  return {
    x_offset: x0,
    y_offset: y0,
    width: Math.max(0, x1 - x0),
    height: Math.max(0, y1 - y0),
    do_rectify: false,
  };
}

/**
 * 2x2 (x, y) covariance in base_link of the ground point of pixel `px`, from independent pixel
 * noise (stdU, stdV) pushed through the projection's Jacobian (central differences). Undefined when
 * a neighbour pixel does not meet the ground (at the horizon).
 */
function groundCovariance(
  projector: GroundProjector,
  px: Pixel,
  stdU: number,
  stdV: number,
): Float64Array | undefined {
  const h = 0.5;
  const pu0 = projector.pixelToGround({ u: px.u - h, v: px.v });
  const pu1 = projector.pixelToGround({ u: px.u + h, v: px.v });
  const pv0 = projector.pixelToGround({ u: px.u, v: px.v - h });
  const pv1 = projector.pixelToGround({ u: px.u, v: px.v + h });
  if (!pu0 || !pu1 || !pv0 || !pv1) return undefined;
  // J = [dx/du dx/dv; dy/du dy/dv]; C = J diag(su^2, sv^2) J^T
  const a = (pu1.x - pu0.x) / (2 * h);
  const b = (pv1.x - pv0.x) / (2 * h);
  const c = (pu1.y - pu0.y) / (2 * h);
  const d = (pv1.y - pv0.y) / (2 * h);
  const su2 = stdU * stdU;
  const sv2 = stdV * stdV;
  const xx = a * a * su2 + b * b * sv2;
  const xy = a * c * su2 + b * d * sv2;
  const yy = c * c * su2 + d * d * sv2;
  return Float64Array.from([xx, xy, xy, yy]);
}

/**
 * The Pedestrian for one person box, or undefined when its feet do not meet the ground (above the
 * horizon). Untracked: track_id 0, zero velocity; map-related fields empty.
 */
export function pedestrianFromDetection(
  detection: Detection,
  imageWidth: number,
  imageHeight: number,
  projector: GroundProjector,
  noise: FootPointNoise = {},
): Pedestrian | undefined {
  const foot = footPixel(detection);
  const ground = projector.pixelToGround(foot);
  if (!ground) return undefined;
  const boxWidth = detection.x2 - detection.x1;
  const stdU = Math.hypot(noise.columnStdPx ?? 3, (noise.widthFraction ?? 0.15) * boxWidth);
  const stdV = noise.rowStdPx ?? 2;
  const floor = (noise.minStdM ?? 0.2) ** 2;
  const range = Math.hypot(ground.x, ground.y);
  const cov =
    groundCovariance(projector, foot, stdU, stdV) ??
    // At the horizon's edge: as uncertain as the range itself.
    Float64Array.from([range * range, 0, 0, range * range]);
  cov[0]! += floor;
  cov[3]! += floor;
  return {
    track_id: 0,
    confidence: detection.score,
    image_box: regionOfBox(detection, imageWidth, imageHeight),
    position: { x: ground.x, y: ground.y, z: 0 },
    position_covariance: cov,
    velocity: { x: 0, y: 0, z: 0 },
    velocity_covariance: new Float64Array(4),
    range,
    foot_truncated: detection.y2 >= imageHeight - (noise.bottomMarginPx ?? 1),
    crosswalk_id: "",
    crosswalk_relation: PedestrianConstants.CROSSWALK_RELATION_NONE,
    in_ego_corridor: false,
    distance_along_path: 0,
    time_to_enter_path: -1,
  };
}
