/** The ego's pose as transforms: map <- base_link and map <- camera optical frame. */
import { composeTransforms, invertTransform, quatFromEuler } from "../../src/geometry/transform.js";
import type { Transform } from "../../src/geometry/types.js";
import type { GroundPose } from "./world/types.js";

/** map <- base_link for a ground pose (z = 0, yaw only: the road is flat). */
export function mapFromBase(pose: GroundPose): Transform {
  return {
    translation: { x: pose.x, y: pose.y, z: 0 },
    rotation: quatFromEuler(0, 0, pose.heading),
  };
}

/** map <- optical frame. */
export function mapFromOptical(pose: GroundPose, baseFromOptical: Transform): Transform {
  return composeTransforms(mapFromBase(pose), baseFromOptical);
}

/** base_link <- map. */
export function baseFromMap(pose: GroundPose): Transform {
  return invertTransform(mapFromBase(pose));
}
