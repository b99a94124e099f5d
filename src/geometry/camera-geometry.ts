import { PerceptionError } from "../core/errors.js";
import { CameraModel } from "./camera-model.js";
import { cameraMountTransform } from "./camera-mount.js";
import { invertTransform, transformDirection, transformPoint } from "./transform.js";
import type { Pixel, Transform, Vec3 } from "./types.js";

/** Options of `CameraGeometry`. */
export interface CameraGeometryOptions {
  /**
   * Rays that point down by less than this angle (radians) count as at/above the horizon and do
   * not meet the ground; default 0.002 (about 0.1 degrees, i.e. 500 m at a 1 m mount).
   */
  horizonMarginRad?: number;
  /** Ground points farther than this (metres, horizontal from the camera) are refused; default Infinity. */
  maxRangeM?: number;
}

/** Inputs of `CameraGeometry.approximate` for still images without calibration. */
export interface ApproximateCameraOptions {
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** Focal length in pixels (fx = fy); wins over horizontalFovDeg. */
  focalPx?: number;
  /** Horizontal field of view in degrees when focalPx is not given; default 60. */
  horizontalFovDeg?: number;
  /** Camera height above the ground in metres (> 0). */
  mountHeight: number;
  /** Pitch in radians, positive looks down; default 0 unless horizonRow is given. */
  pitchRad?: number;
  /** The image row of the horizon; sets the pitch when pitchRad is absent. */
  horizonRow?: number;
  /** Optical frame id; default "camera_optical_frame". */
  frameId?: string;
}

/**
 * A camera on a vehicle over a flat ground: maps pixels to ground points in base_link and back.
 * `baseFromOptical` maps optical-frame points into base_link (p_base = T * p_optical).
 */
export class CameraGeometry {
  readonly model: CameraModel;
  readonly baseFromOptical: Transform;
  readonly opticalFromBase: Transform;
  readonly horizonMarginRad: number;
  readonly maxRangeM: number;

  constructor(model: CameraModel, baseFromOptical: Transform, options: CameraGeometryOptions = {}) {
    this.model = model;
    this.baseFromOptical = baseFromOptical;
    this.opticalFromBase = invertTransform(baseFromOptical);
    this.horizonMarginRad = options.horizonMarginRad ?? 0.002;
    this.maxRangeM = options.maxRangeM ?? Infinity;
  }

  /**
   * A plausible geometry for an uncalibrated still image (e.g. TuSimple 1280x720): square pixels,
   * principal point at the image centre, no distortion, camera at base_link's origin at
   * `mountHeight`, looking forward, pitched by `pitchRad` or so that the horizon is at `horizonRow`.
   */
  static approximate(
    o: ApproximateCameraOptions,
    options: CameraGeometryOptions = {},
  ): CameraGeometry {
    if (!(o.mountHeight > 0))
      throw new PerceptionError(
        "calibration",
        `mountHeight must be positive metres, got ${o.mountHeight}`,
      );
    const fovDeg = o.horizontalFovDeg ?? 60;
    if (o.focalPx === undefined && !(fovDeg > 0 && fovDeg < 180))
      throw new PerceptionError(
        "calibration",
        `horizontalFovDeg must be in (0, 180), got ${fovDeg}`,
      );
    const f = o.focalPx ?? o.width / 2 / Math.tan((fovDeg * Math.PI) / 360);
    const cx = (o.width - 1) / 2;
    const cy = (o.height - 1) / 2;
    const model = CameraModel.fromIntrinsics({
      width: o.width,
      height: o.height,
      fx: f,
      fy: f,
      cx,
      cy,
      frameId: o.frameId,
    });
    const pitch =
      o.pitchRad ?? (o.horizonRow !== undefined ? Math.atan((cy - o.horizonRow) / f) : 0);
    return new CameraGeometry(
      model,
      cameraMountTransform({ x: 0, z: o.mountHeight, pitch }),
      options,
    );
  }

  /** The camera centre in base_link. */
  get cameraPosition(): Vec3 {
    return { ...this.baseFromOptical.translation };
  }

  /** The ray of a pixel in base_link (unit direction; origin at `cameraPosition`). */
  rayInBase(px: Pixel): Vec3 {
    return transformDirection(this.baseFromOptical, this.model.unproject(px));
  }

  /**
   * Where a pixel's ray meets the ground plane z = groundZ (base_link); undefined when the ray is
   * at or above the horizon (within `horizonMarginRad`), the camera is not above the plane, the
   * point is beyond `maxRangeM`, or the pixel lies where the lens model cannot be inverted.
   */
  pixelToGround(px: Pixel, groundZ = 0): Vec3 | undefined {
    const origin = this.baseFromOptical.translation;
    const height = origin.z - groundZ;
    if (!(height > 0)) return undefined;
    const n = this.model.undistortNormalized(px);
    if (!n.converged) return undefined; // outside what the lens model can image
    const norm = Math.hypot(n.x, n.y, 1);
    const dir = transformDirection(this.baseFromOptical, {
      x: n.x / norm,
      y: n.y / norm,
      z: 1 / norm,
    });
    if (!(dir.z < -Math.sin(this.horizonMarginRad))) return undefined;
    const s = height / -dir.z;
    const x = origin.x + s * dir.x;
    const y = origin.y + s * dir.y;
    if (Math.hypot(x - origin.x, y - origin.y) > this.maxRangeM) return undefined;
    return { x, y, z: groundZ };
  }

  /** The pixel of a base_link point; undefined behind the camera or outside the lens's field. */
  groundToPixel(pBase: Vec3): Pixel | undefined {
    return this.model.project(transformPoint(this.opticalFromBase, pBase));
  }

  /** A base_link point in the optical frame. */
  toOptical(pBase: Vec3): Vec3 {
    return transformPoint(this.opticalFromBase, pBase);
  }

  /**
   * The image row of the horizon (the vanishing line of the ground plane) at column `u` (default:
   * the principal point's column), distortion included. May lie outside the image; NaN when the
   * horizon does not cross the column (camera rolled by 90 degrees).
   */
  horizonRow(u: number = this.model.cx): number {
    // Ground-plane normal (base z) in the optical frame: the horizon is where rays are perpendicular to it.
    const n = transformDirection(this.opticalFromBase, { x: 0, y: 0, z: 1 });
    const elevation = (v: number): number => {
      const r = this.model.unproject({ u, v });
      return n.x * r.x + n.y * r.y + n.z * r.z;
    };
    if (Math.abs(n.y) < 1e-9) return NaN;
    // Pinhole estimate, then secant refinement on the distorted image.
    const x = (u - this.model.cx) / this.model.fx;
    let v0 = this.model.fy * (-(n.z + n.x * x) / n.y) + this.model.cy;
    if (this.model.distortion.model === "none") return v0;
    let v1 = v0 + 1;
    let f0 = elevation(v0);
    let f1 = elevation(v1);
    for (let i = 0; i < 30 && Math.abs(f1) > 1e-12 && f1 !== f0; i++) {
      const v2 = v1 - (f1 * (v1 - v0)) / (f1 - f0);
      v0 = v1;
      f0 = f1;
      v1 = v2;
      f1 = elevation(v1);
    }
    return v1;
  }
}
