/** The small camera the node tests feed: its CameraInfo and its mount on /tf. */
import type { Time } from "../../src/core/time.js";
import { quatFromEuler } from "../../src/geometry/quaternion.js";
import type { CameraInfo, TFMessage } from "../../src/msgs/types.generated.js";

/** The camera's optical frame id. */
export const CAMERA_FRAME = "camera_front_optical_frame";

/** A plumb_bob camera of `width` x `height` px, focal length `focalPx`, principal point at the centre, no distortion, at `stamp`. */
export function pinholeCameraInfo(
  stamp: Time,
  width: number,
  height: number,
  focalPx: number,
): CameraInfo {
  const [f, cx, cy] = [focalPx, width / 2, height / 2];
  return {
    header: { stamp, frame_id: CAMERA_FRAME },
    height,
    width,
    distortion_model: "plumb_bob",
    d: new Float64Array(5),
    k: Float64Array.from([f, 0, cx, 0, f, cy, 0, 0, 1]),
    r: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
    p: Float64Array.from([f, 0, cx, 0, 0, f, cy, 0, 0, 0, 1, 0]),
    binning_x: 0,
    binning_y: 0,
    roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
  };
}

/** A 64x48 plumb_bob camera (f 50 px, no distortion) at `stamp`. */
export function smallCameraInfo(stamp: Time): CameraInfo {
  return pinholeCameraInfo(stamp, 64, 48, 50);
}

/** base_link -> the camera, 1.5 m ahead and 1.4 m up, looking forward pitched down by `downRad` (negative: up). */
export function cameraMount(stamp: Time, downRad: number): TFMessage {
  return {
    transforms: [
      {
        header: { stamp, frame_id: "base_link" },
        child_frame_id: CAMERA_FRAME,
        transform: {
          translation: { x: 1.5, y: 0, z: 1.4 },
          rotation: quatFromEuler(-Math.PI / 2 - downRad, 0, -Math.PI / 2),
        },
      },
    ],
  };
}
