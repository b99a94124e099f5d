/** A small plumb_bob CameraInfo (320x180, f 249.6 px, no distortion) for tests; `over` replaces fields. */
import type { CameraInfo } from "../../src/msgs/types.generated.js";

export function cameraInfoFixture(over: Partial<CameraInfo> = {}): CameraInfo {
  return {
    header: { stamp: { sec: 1, nanosec: 2 }, frame_id: "camera_front_optical_frame" },
    height: 180,
    width: 320,
    distortion_model: "plumb_bob",
    d: new Float64Array(5),
    k: Float64Array.of(249.6, 0, 160, 0, 249.6, 90, 0, 0, 1),
    r: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
    p: Float64Array.of(249.6, 0, 160, 0, 0, 249.6, 90, 0, 0, 0, 1, 0),
    binning_x: 0,
    binning_y: 0,
    roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    ...over,
  };
}
