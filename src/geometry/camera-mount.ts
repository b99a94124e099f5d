import { multiplyQuat, quatFromEuler, quatFromMatrix } from "./quaternion.js";
import type { Quat, Transform } from "./types.js";

/**
 * The fixed rotation from a camera's optical frame (z forward, x right, y down) to its body frame
 * (x forward, y left, z up; REP-103): `bodyFromOptical`. A camera link `camera_front` and its
 * `camera_front_optical_frame` differ by exactly this rotation.
 */
const BODY_FROM_OPTICAL: Readonly<Quat> = Object.freeze(
  quatFromMatrix([0, 0, 1, -1, 0, 0, 0, -1, 0]),
);

/** Where a camera sits on the vehicle, for `cameraMountTransform`. */
export interface CameraMount {
  /** Metres forward of base_link's origin. */
  x: number;
  /** Metres to the left. */
  y?: number;
  /** Metres above the ground (base_link's z = 0). */
  z: number;
  /** Roll in radians about the forward axis (REP-103: positive lowers the right side). */
  roll?: number;
  /** Pitch in radians; positive looks down (rotation about +y, REP-103). */
  pitch?: number;
  /** Yaw in radians; positive looks left. */
  yaw?: number;
}

/** `baseFromOptical` for a camera mounted at the pose (body axes rotated by roll, pitch, yaw). */
export function cameraMountTransform(m: CameraMount): Transform {
  return {
    translation: { x: m.x, y: m.y ?? 0, z: m.z },
    rotation: multiplyQuat(quatFromEuler(m.roll ?? 0, m.pitch ?? 0, m.yaw ?? 0), BODY_FROM_OPTICAL),
  };
}
