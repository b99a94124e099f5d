import { PerceptionError } from "../core/errors.js";
import type { CameraInfo, Header } from "../msgs/types.generated.js";
import {
  distortPoint,
  distortionToCameraInfo,
  monotonicRadius,
  parseDistortion,
  undistortPoint,
  type Distortion,
} from "./distortion.js";
import type { Pixel, Vec3 } from "./types.js";

/** Intrinsics for `CameraModel.fromIntrinsics`. */
export interface CameraIntrinsics {
  /** Image width in pixels (> 0). */
  width: number;
  /** Image height in pixels (> 0). */
  height: number;
  /** Focal length along x (columns) in pixels. */
  fx: number;
  /** Focal length along y (rows) in pixels. */
  fy: number;
  /** Principal point column in pixels (pixel centres at integers, as OpenCV). */
  cx: number;
  /** Principal point row in pixels. */
  cy: number;
  /** Skew (K[0][1]); 0 for nearly every camera. */
  skew?: number;
  /**
   * Distortion coefficients: plumb_bob `k1 k2 p1 p2 k3` (up to 5 values), or 8 values for
   * rational_polynomial unless `distortionModel` says otherwise. Empty or absent: no distortion.
   */
  distortion?: ArrayLike<number>;
  /** The distortion model the coefficients belong to; defaults to plumb_bob (rational_polynomial for 8 values). */
  distortionModel?: "plumb_bob" | "rational_polynomial" | "equidistant";
  /** The optical frame's id, e.g. "camera_front_optical_frame"; defaults to "camera_optical_frame". */
  frameId?: string;
}

/**
 * A calibrated monocular camera: pinhole intrinsics plus lens distortion (plumb_bob,
 * rational_polynomial, equidistant), in the optical frame (z forward, x right, y down).
 * `project` gives the pixel where the lens images a 3D point (distorted, i.e. in the raw image);
 * `unproject` gives the unit ray of a raw pixel.
 */
export class CameraModel {
  readonly width: number;
  readonly height: number;
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
  readonly skew: number;
  readonly frameId: string;
  readonly distortion: Readonly<Distortion>;
  /** Largest tan(angle off axis) the lens model maps monotonically; points beyond it do not project. */
  readonly maxNormalizedRadius: number;

  private constructor(
    o: Required<Omit<CameraIntrinsics, "distortion" | "distortionModel">> & {
      distortion: Distortion;
    },
  ) {
    this.width = o.width;
    this.height = o.height;
    this.fx = o.fx;
    this.fy = o.fy;
    this.cx = o.cx;
    this.cy = o.cy;
    this.skew = o.skew;
    this.frameId = o.frameId;
    this.distortion = Object.freeze(o.distortion);
    this.maxNormalizedRadius = monotonicRadius(o.distortion);
  }

  /**
   * The model of a CameraInfo. Binning and a region of interest are applied (the model describes
   * the image as published). `calibration` PerceptionError on zero/NaN intrinsics, a zero size or
   * an unknown distortion model. With `rectified: true` the model is the one of the rectified
   * image (`image_rect`): the intrinsics of P and no distortion. R (stereo rectification) is not
   * used otherwise: for a monocular camera it is the identity.
   */
  static fromCameraInfo(info: CameraInfo, options: { rectified?: boolean } = {}): CameraModel {
    const frame = info.header?.frame_id ?? "";
    if (options.rectified) {
      const p = info.p;
      if (!p || p.length !== 12)
        throw new PerceptionError(
          "calibration",
          `CameraInfo P must have 12 values, got ${p?.length ?? 0}`,
          { frame_id: frame },
        );
      return CameraModel.fromCameraInfo({
        ...info,
        k: Float64Array.of(p[0]!, p[1]!, p[2]!, p[4]!, p[5]!, p[6]!, p[8]!, p[9]!, p[10]!),
        d: new Float64Array(0),
        distortion_model: "plumb_bob",
      });
    }
    const k = info.k;
    if (!k || k.length !== 9)
      throw new PerceptionError(
        "calibration",
        `CameraInfo K must have 9 values, got ${k?.length ?? 0}`,
        { frame_id: frame },
      );
    const bx = info.binning_x > 1 ? info.binning_x : 1;
    const by = info.binning_y > 1 ? info.binning_y : 1;
    const roi = info.roi;
    const hasRoi =
      roi &&
      roi.width > 0 &&
      roi.height > 0 &&
      (roi.x_offset !== 0 ||
        roi.y_offset !== 0 ||
        roi.width !== info.width ||
        roi.height !== info.height);
    const width = Math.floor((hasRoi ? roi.width : info.width) / bx);
    const height = Math.floor((hasRoi ? roi.height : info.height) / by);
    const xOff = hasRoi ? roi.x_offset : 0;
    const yOff = hasRoi ? roi.y_offset : 0;
    return CameraModel.#validated(
      {
        width,
        height,
        fx: k[0]! / bx,
        fy: k[4]! / by,
        cx: (k[2]! - xOff) / bx,
        cy: (k[5]! - yOff) / by,
        skew: k[1]! / bx,
        frameId: frame,
      },
      parseDistortionWithFrame(info.distortion_model, info.d ?? [], frame),
      { k, frame },
    );
  }

  /** A model from explicit intrinsics (still images, synthetic cameras). Validated like fromCameraInfo. */
  static fromIntrinsics(o: CameraIntrinsics): CameraModel {
    const coeffs = Array.from(o.distortion ?? []);
    const modelName =
      o.distortionModel ?? (coeffs.length > 5 ? "rational_polynomial" : "plumb_bob");
    const frameId = o.frameId ?? "camera_optical_frame";
    return CameraModel.#validated(
      {
        width: o.width,
        height: o.height,
        fx: o.fx,
        fy: o.fy,
        cx: o.cx,
        cy: o.cy,
        skew: o.skew ?? 0,
        frameId,
      },
      parseDistortionWithFrame(modelName, coeffs, frameId),
      { frame: frameId },
    );
  }

  static #validated(
    o: Required<Omit<CameraIntrinsics, "distortion" | "distortionModel">>,
    distortion: Distortion,
    ctx: { k?: ArrayLike<number>; frame: string },
  ): CameraModel {
    const problems: string[] = [];
    if (
      !(Number.isInteger(o.width) && o.width > 0) ||
      !(Number.isInteger(o.height) && o.height > 0)
    ) {
      problems.push(`image size must be positive integers, got ${o.width}x${o.height}`);
    }
    for (const [name, value] of [
      ["fx", o.fx],
      ["fy", o.fy],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0)
        problems.push(`${name} must be a positive finite focal length, got ${value}`);
    }
    for (const [name, value] of [
      ["cx", o.cx],
      ["cy", o.cy],
      ["skew", o.skew],
    ] as const) {
      if (!Number.isFinite(value)) problems.push(`${name} must be finite, got ${value}`);
    }
    if (ctx.k) {
      const k = ctx.k;
      if (k[3] !== 0 || k[6] !== 0 || k[7] !== 0 || k[8] !== 1)
        problems.push(
          `K's last row and K[1][0] must be [0 0 1] and 0, got K = [${Array.from(k).join(", ")}]`,
        );
    }
    if (problems.length > 0) {
      throw new PerceptionError(
        "calibration",
        `invalid camera intrinsics: ${problems.join("; ")}`,
        { frame_id: ctx.frame },
      );
    }
    return new CameraModel({ ...o, distortion });
  }

  /** The 3x3 camera matrix K, row-major. */
  get k(): Float64Array {
    return Float64Array.of(this.fx, this.skew, this.cx, 0, this.fy, this.cy, 0, 0, 1);
  }

  /** Horizontal field of view in radians (pinhole, from the principal point to both edges). */
  get horizontalFov(): number {
    return Math.atan((this.cx + 0.5) / this.fx) + Math.atan((this.width - 0.5 - this.cx) / this.fx);
  }

  /** True when the pixel lies inside the image (pixel centres at integers, edges at -0.5 and size - 0.5). */
  contains(px: Pixel): boolean {
    return px.u >= -0.5 && px.v >= -0.5 && px.u < this.width - 0.5 && px.v < this.height - 0.5;
  }

  /**
   * The (distorted) pixel where a point in the optical frame is imaged; undefined when z <= 0 or
   * the point lies beyond the lens model's valid field (where it would fold back). The pixel may
   * lie outside the image: check with `contains`.
   */
  project(pOptical: Vec3): Pixel | undefined {
    if (!(pOptical.z > 0)) return undefined;
    const x = pOptical.x / pOptical.z;
    const y = pOptical.y / pOptical.z;
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.hypot(x, y) > this.maxNormalizedRadius)
      return undefined;
    const d = distortPoint(this.distortion, { x, y });
    return { u: this.fx * d.x + this.skew * d.y + this.cx, v: this.fy * d.y + this.cy };
  }

  /** The pixel of an ideal (undistorted) normalised point x = X/Z, y = Y/Z. */
  projectNormalized(x: number, y: number): Pixel {
    const d = distortPoint(this.distortion, { x, y });
    return { u: this.fx * d.x + this.skew * d.y + this.cx, v: this.fy * d.y + this.cy };
  }

  /**
   * The undistorted normalised point (X/Z, Y/Z) of a raw pixel; `converged` is false when the
   * iteration failed or the pixel lies where the lens model cannot image (the point is then only
   * a best estimate).
   */
  undistortNormalized(px: Pixel): { x: number; y: number; converged: boolean } {
    const yd = (px.v - this.cy) / this.fy;
    const xd = (px.u - this.cx - this.skew * yd) / this.fx;
    // 1e-6 px tolerance in normalised units, at least as tight as 1e-10.
    const tolerance = Math.min(1e-10, 1e-7 / Math.max(this.fx, this.fy));
    const r = undistortPoint(this.distortion, { x: xd, y: yd }, tolerance);
    // A solution beyond the monotonic field is a fold of the polynomial, not what the lens saw.
    const inField = Math.hypot(r.point.x, r.point.y) <= this.maxNormalizedRadius;
    return { x: r.point.x, y: r.point.y, converged: r.converged && inField };
  }

  /**
   * The unit ray (optical frame) through a raw pixel, distortion removed (to < 1e-6 px). For pixels
   * the lens model cannot image (corners of an over-fitted polynomial) it is only a best estimate:
   * check `undistortNormalized(px).converged` where that matters (`pixelToGround` does).
   */
  unproject(px: Pixel): Vec3 {
    const { x, y } = this.undistortNormalized(px);
    const n = Math.hypot(x, y, 1);
    return { x: x / n, y: y / n, z: 1 / n };
  }

  /** The raw pixel where an ideal pinhole camera with the same K would see `px` (rectification of one pixel). */
  undistortPixel(px: Pixel): Pixel {
    const { x, y } = this.undistortNormalized(px);
    return { u: this.fx * x + this.skew * y + this.cx, v: this.fy * y + this.cy };
  }

  /** The same camera with the image scaled by `factor` (e.g. 0.25 for a 1280x720 model on 320x180 frames). */
  scaled(factor: number): CameraModel {
    if (!(factor > 0))
      throw new PerceptionError("calibration", `scale factor must be positive, got ${factor}`);
    const coeffs = distortionToCameraInfo(this.distortion as Distortion);
    return CameraModel.fromIntrinsics({
      width: Math.round(this.width * factor),
      height: Math.round(this.height * factor),
      fx: this.fx * factor,
      fy: this.fy * factor,
      // Pixel centres at integers: the image edge -0.5 stays at -0.5.
      cx: (this.cx + 0.5) * factor - 0.5,
      cy: (this.cy + 0.5) * factor - 0.5,
      skew: this.skew * factor,
      distortion: Array.from(coeffs.d),
      distortionModel: coeffs.distortion_model,
      frameId: this.frameId,
    });
  }

  /** A CameraInfo for this model (R = identity, P = [K | 0], no binning or ROI). */
  toCameraInfo(header: Header): CameraInfo {
    const { distortion_model, d } = distortionToCameraInfo(this.distortion as Distortion);
    return {
      header: { stamp: { ...header.stamp }, frame_id: header.frame_id || this.frameId },
      height: this.height,
      width: this.width,
      distortion_model,
      d,
      k: this.k,
      r: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
      p: Float64Array.of(this.fx, this.skew, this.cx, 0, 0, this.fy, this.cy, 0, 0, 0, 1, 0),
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    };
  }
}

/**
 * The fields of a CameraInfo that `CameraModel.fromCameraInfo` builds its model from (K, D, the
 * distortion model, the image size, binning, the region of interest and the optical frame id),
 * copied. CameraInfos whose fields are the same give the same model, so a node that receives the
 * same calibration at the camera rate can keep its model (and whatever it derived from it) and
 * rebuild only when `sameAs` says a field changed. Stamps, R and P are not compared: the model
 * does not use them (P only for `rectified: true`, which this does not cover).
 */
export class CameraInfoCalibration {
  readonly frameId: string;
  readonly width: number;
  readonly height: number;
  readonly distortionModel: string;
  readonly binningX: number;
  readonly binningY: number;
  /** x_offset, y_offset, width, height of the ROI (zeros when the message has none). */
  readonly roi: readonly [number, number, number, number];
  readonly k: Float64Array;
  readonly d: Float64Array;

  private constructor(info: CameraInfo) {
    this.frameId = info.header?.frame_id ?? "";
    this.width = info.width;
    this.height = info.height;
    this.distortionModel = info.distortion_model;
    this.binningX = info.binning_x;
    this.binningY = info.binning_y;
    const roi = info.roi;
    this.roi = [roi?.x_offset ?? 0, roi?.y_offset ?? 0, roi?.width ?? 0, roi?.height ?? 0];
    this.k = Float64Array.from(info.k ?? []);
    this.d = Float64Array.from(info.d ?? []);
  }

  /** A copy of the calibration fields of `info` (later changes to the message do not affect it). */
  static of(info: CameraInfo): CameraInfoCalibration {
    return new CameraInfoCalibration(info);
  }

  /** True when `info` has the same calibration fields (NaN equals NaN, 0 equals -0, as their text does). */
  sameAs(info: CameraInfo): boolean {
    const roi = info.roi;
    return (
      sameNumber(this.width, info.width) &&
      sameNumber(this.height, info.height) &&
      sameNumbers(this.k, info.k ?? []) &&
      sameNumbers(this.d, info.d ?? []) &&
      this.frameId === (info.header?.frame_id ?? "") &&
      this.distortionModel === info.distortion_model &&
      sameNumber(this.binningX, info.binning_x) &&
      sameNumber(this.binningY, info.binning_y) &&
      sameNumber(this.roi[0], roi?.x_offset ?? 0) &&
      sameNumber(this.roi[1], roi?.y_offset ?? 0) &&
      sameNumber(this.roi[2], roi?.width ?? 0) &&
      sameNumber(this.roi[3], roi?.height ?? 0)
    );
  }
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameNumber(a[i]!, b[i]!)) return false;
  return true;
}

function parseDistortionWithFrame(model: string, d: ArrayLike<number>, frame: string): Distortion {
  try {
    return parseDistortion(model, d);
  } catch (err) {
    if (err instanceof PerceptionError)
      throw new PerceptionError("calibration", err.message, { frame_id: frame }, { cause: err });
    throw err;
  }
}
