/**
 * The generator's front camera: intrinsics (pinhole + optional plumb_bob), its mount on base_link
 * and the per-pixel rays the renderer casts, all through the project's one camera model
 * (src/geometry/camera-model.ts), so the rendered pixels and every projection of map features agree.
 */
import { PerceptionError } from "../../src/core/errors.js";
import { CameraGeometry } from "../../src/geometry/camera-geometry.js";
import { CameraModel } from "../../src/geometry/camera-model.js";
import { cameraMountTransform } from "../../src/geometry/camera-mount.js";
import type { Transform } from "../../src/geometry/types.js";

/** The optical frame's id, as on the real camera_drive bag. */
export const CAMERA_FRAME_ID = "camera_front_optical_frame";

export interface CameraRigOptions {
  /** Image width, pixels (default 1280). */
  width?: number;
  /** Image height, pixels (default 720). */
  height?: number;
  /** Horizontal field of view, degrees (default 65, fx = fy follows from it). */
  horizontalFovDeg?: number;
  /** plumb_bob k1 k2 p1 p2 k3 (default none). */
  distortion?: readonly number[];
  /** Metres ahead of base_link (default 1.7). */
  mountX?: number;
  /** Metres above the ground (default 1.5). */
  mountHeight?: number;
  /** Downward pitch, degrees (default 3; positive looks down). */
  pitchDeg?: number;
}

/** A camera ready to render: model, mount, geometry and the precomputed rays. */
export interface CameraRig {
  model: CameraModel;
  /** base_link <- camera_front_optical_frame (the /tf_static transform). */
  baseFromOptical: Transform;
  geometry: CameraGeometry;
  /** Unit ray through each pixel centre in the optical frame, xyz interleaved, row-major. */
  rays: Float32Array;
}

export function makeCameraRig(o: CameraRigOptions = {}): CameraRig {
  const width = o.width ?? 1280;
  const height = o.height ?? 720;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 16 ||
    height < 16 ||
    width > 8192 ||
    height > 8192
  ) {
    throw new PerceptionError(
      "scenario",
      `image size must be integers within 16..8192 pixels, got ${width}x${height}`,
      { width, height },
    );
  }
  const fov = o.horizontalFovDeg ?? 65;
  if (!(fov > 10 && fov < 150))
    throw new PerceptionError(
      "scenario",
      `horizontal field of view must be within (10, 150) degrees, got ${fov}`,
    );
  const mountHeight = o.mountHeight ?? 1.5;
  if (!(mountHeight > 0.2 && mountHeight < 5))
    throw new PerceptionError(
      "scenario",
      `camera height must be within (0.2, 5) m above the ground, got ${mountHeight}`,
    );
  const pitchDeg = o.pitchDeg ?? 3;
  const f = width / 2 / Math.tan((fov * Math.PI) / 360);
  const model = CameraModel.fromIntrinsics({
    width,
    height,
    fx: f,
    fy: f,
    cx: (width - 1) / 2,
    cy: (height - 1) / 2,
    distortion: o.distortion ?? [],
    frameId: CAMERA_FRAME_ID,
  });
  const baseFromOptical = cameraMountTransform({
    x: o.mountX ?? 1.7,
    z: mountHeight,
    pitch: (pitchDeg * Math.PI) / 180,
  });
  const geometry = new CameraGeometry(model, baseFromOptical);
  // The camera must see the road: the bottom-centre pixel has to meet the ground within 60 m.
  const ground = geometry.pixelToGround({ u: model.cx, v: height - 1 });
  if (!ground || Math.hypot(ground.x, ground.y) > 60) {
    throw new PerceptionError(
      "scenario",
      `the camera does not see the road (pitch ${pitchDeg} degrees looks too far up): the bottom of the image must meet the ground within 60 m`,
      { pitchDeg },
    );
  }
  const rays = new Float32Array(width * height * 3);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const r = model.unproject({ u, v });
      const k = (v * width + u) * 3;
      rays[k] = r.x;
      rays[k + 1] = r.y;
      rays[k + 2] = r.z;
    }
  }
  return { model, baseFromOptical, geometry, rays };
}
