import { PerceptionError } from "../core/errors.js";
import type { Point2 } from "./types.js";

/**
 * Lens distortion models of sensor_msgs/CameraInfo, on normalised image coordinates
 * (x = X/Z, y = Y/Z): `distort` maps an ideal pinhole point to where the lens puts it,
 * `undistort` inverts that by Newton iteration.
 */

/** The `distortion_model` names this project understands. */
export type DistortionModelName = "plumb_bob" | "rational_polynomial" | "equidistant";

/** A distortion model with its coefficients, as a discriminated union. */
export type Distortion =
  /** No distortion (an empty D or all zeros). */
  | { model: "none" }
  /** Brown-Conrady: k1 k2 p1 p2 k3 (OpenCV's 5 coefficients). */
  | { model: "plumb_bob"; k1: number; k2: number; p1: number; p2: number; k3: number }
  /** OpenCV's rational model: k1 k2 p1 p2 k3 k4 k5 k6. */
  | {
      model: "rational_polynomial";
      k1: number;
      k2: number;
      p1: number;
      p2: number;
      k3: number;
      k4: number;
      k5: number;
      k6: number;
    }
  /** OpenCV fisheye (Kannala-Brandt) on theta: k1 k2 k3 k4. */
  | { model: "equidistant"; k1: number; k2: number; k3: number; k4: number };

/**
 * The Distortion of a CameraInfo's `distortion_model` and `d`. Missing trailing coefficients are
 * zero; non-zero coefficients beyond the model's count, unknown models and non-finite values are
 * `calibration` errors.
 */
export function parseDistortion(modelName: string, d: ArrayLike<number>): Distortion {
  const coeffs = Array.from(d);
  const bad = coeffs.findIndex((c) => !Number.isFinite(c));
  if (bad >= 0)
    throw new PerceptionError("calibration", `distortion coefficient d[${bad}] is ${coeffs[bad]}`, {
      distortion_model: modelName,
    });
  const take = (n: number): number[] => {
    if (coeffs.slice(n).some((c) => c !== 0)) {
      throw new PerceptionError(
        "calibration",
        `distortion model ${modelName} has ${n} coefficients but d has ${coeffs.length} with non-zero values beyond the ${n}th`,
        { distortion_model: modelName },
      );
    }
    return Array.from({ length: n }, (_, i) => coeffs[i] ?? 0);
  };
  if (coeffs.every((c) => c === 0) && modelName !== "equidistant") {
    if (modelName === "plumb_bob" || modelName === "rational_polynomial" || modelName === "")
      return { model: "none" };
  }
  switch (modelName) {
    case "plumb_bob": {
      const [k1, k2, p1, p2, k3] = take(5) as [number, number, number, number, number];
      return { model: "plumb_bob", k1, k2, p1, p2, k3 };
    }
    case "rational_polynomial": {
      const [k1, k2, p1, p2, k3, k4, k5, k6] = take(8) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      return { model: "rational_polynomial", k1, k2, p1, p2, k3, k4, k5, k6 };
    }
    case "equidistant": {
      const [k1, k2, k3, k4] = take(4) as [number, number, number, number];
      return { model: "equidistant", k1, k2, k3, k4 };
    }
    default:
      throw new PerceptionError(
        "calibration",
        `unknown distortion model "${modelName}": expected plumb_bob, rational_polynomial or equidistant`,
        { distortion_model: modelName },
      );
  }
}

/** The CameraInfo `distortion_model` and `d` of a Distortion (none -> plumb_bob with 5 zeros). */
export function distortionToCameraInfo(dist: Distortion): {
  distortion_model: DistortionModelName;
  d: Float64Array;
} {
  switch (dist.model) {
    case "none":
      return { distortion_model: "plumb_bob", d: new Float64Array(5) };
    case "plumb_bob":
      return {
        distortion_model: "plumb_bob",
        d: Float64Array.of(dist.k1, dist.k2, dist.p1, dist.p2, dist.k3),
      };
    case "rational_polynomial":
      return {
        distortion_model: "rational_polynomial",
        d: Float64Array.of(dist.k1, dist.k2, dist.p1, dist.p2, dist.k3, dist.k4, dist.k5, dist.k6),
      };
    case "equidistant":
      return {
        distortion_model: "equidistant",
        d: Float64Array.of(dist.k1, dist.k2, dist.k3, dist.k4),
      };
  }
}

type Brown = {
  k1: number;
  k2: number;
  p1: number;
  p2: number;
  k3: number;
  k4: number;
  k5: number;
  k6: number;
};

function asBrown(dist: Distortion): Brown | undefined {
  if (dist.model === "plumb_bob") return { ...dist, k4: 0, k5: 0, k6: 0 };
  if (dist.model === "rational_polynomial") return dist;
  return undefined;
}

/** Radial factor and its derivative with respect to r^2. */
function radial(b: Brown, r2: number): { f: number; df: number } {
  const a = 1 + r2 * (b.k1 + r2 * (b.k2 + r2 * b.k3));
  const c = 1 + r2 * (b.k4 + r2 * (b.k5 + r2 * b.k6));
  const da = b.k1 + r2 * (2 * b.k2 + 3 * r2 * b.k3);
  const dc = b.k4 + r2 * (2 * b.k5 + 3 * r2 * b.k6);
  return { f: a / c, df: (da * c - a * dc) / (c * c) };
}

/** Distorted normalised point and its 2x2 Jacobian (row-major) for the Brown models. */
function brownWithJacobian(
  b: Brown,
  x: number,
  y: number,
): { xd: number; yd: number; j: [number, number, number, number] } {
  const r2 = x * x + y * y;
  const { f, df } = radial(b, r2);
  const xd = x * f + 2 * b.p1 * x * y + b.p2 * (r2 + 2 * x * x);
  const yd = y * f + b.p1 * (r2 + 2 * y * y) + 2 * b.p2 * x * y;
  const jxx = f + 2 * x * x * df + 2 * b.p1 * y + 6 * b.p2 * x;
  const jxy = 2 * x * y * df + 2 * b.p1 * x + 2 * b.p2 * y;
  const jyx = 2 * x * y * df + 2 * b.p1 * x + 2 * b.p2 * y;
  const jyy = f + 2 * y * y * df + 6 * b.p1 * y + 2 * b.p2 * x;
  return { xd, yd, j: [jxx, jxy, jyx, jyy] };
}

function fisheyeTheta(
  dist: { k1: number; k2: number; k3: number; k4: number },
  theta: number,
): { td: number; dtd: number } {
  const t2 = theta * theta;
  const poly = 1 + t2 * (dist.k1 + t2 * (dist.k2 + t2 * (dist.k3 + t2 * dist.k4)));
  const dpoly = 1 + t2 * (3 * dist.k1 + t2 * (5 * dist.k2 + t2 * (7 * dist.k3 + t2 * 9 * dist.k4)));
  return { td: theta * poly, dtd: dpoly };
}

/** Where the lens puts the ideal normalised point (x, y) = (X/Z, Y/Z). */
export function distortPoint(dist: Distortion, p: Point2): Point2 {
  if (dist.model === "none") return { x: p.x, y: p.y };
  if (dist.model === "equidistant") {
    const r = Math.hypot(p.x, p.y);
    if (r < 1e-12) return { x: p.x, y: p.y };
    const { td } = fisheyeTheta(dist, Math.atan(r));
    return { x: (p.x * td) / r, y: (p.y * td) / r };
  }
  const { xd, yd } = brownWithJacobian(asBrown(dist)!, p.x, p.y);
  return { x: xd, y: yd };
}

/** Result of inverting the distortion. */
export interface UndistortResult {
  /** The ideal normalised point. */
  point: Point2;
  /** False when the iteration did not reach the tolerance (the point is then the best estimate). */
  converged: boolean;
}

/**
 * Inverts `distortPoint` by Newton's method from the distorted point itself; `tolerance` is on the
 * re-distorted residual in normalised units (1e-10 ~ 1e-7 px for focal lengths below 1000 px).
 */
export function undistortPoint(
  dist: Distortion,
  pd: Point2,
  tolerance = 1e-10,
  maxIterations = 50,
): UndistortResult {
  if (dist.model === "none") return { point: { x: pd.x, y: pd.y }, converged: true };
  if (dist.model === "equidistant") {
    const rd = Math.hypot(pd.x, pd.y);
    if (rd < 1e-15) return { point: { x: pd.x, y: pd.y }, converged: true };
    let theta = Math.min(rd, Math.PI / 2 - 1e-6);
    let converged = false;
    for (let i = 0; i < maxIterations; i++) {
      const { td, dtd } = fisheyeTheta(dist, theta);
      const err = td - rd;
      if (Math.abs(err) < tolerance) {
        converged = true;
        break;
      }
      theta = Math.min(Math.max(theta - err / dtd, 0), Math.PI / 2 - 1e-9);
    }
    const r = Math.tan(theta);
    return { point: { x: (pd.x * r) / rd, y: (pd.y * r) / rd }, converged };
  }
  const b = asBrown(dist)!;
  let x = pd.x;
  let y = pd.y;
  for (let i = 0; i < maxIterations; i++) {
    const { xd, yd, j } = brownWithJacobian(b, x, y);
    const ex = xd - pd.x;
    const ey = yd - pd.y;
    if (Math.hypot(ex, ey) < tolerance) return { point: { x, y }, converged: true };
    const det = j[0] * j[3] - j[1] * j[2];
    if (!Number.isFinite(det) || Math.abs(det) < 1e-12) break;
    let dx = (j[3] * ex - j[1] * ey) / det;
    let dy = (-j[2] * ex + j[0] * ey) / det;
    // Damp steps that would jump far (keeps the iteration in the lens's monotonic region).
    const step = Math.hypot(dx, dy);
    const limit = 0.5 * (1 + Math.hypot(x, y));
    if (step > limit) {
      dx *= limit / step;
      dy *= limit / step;
    }
    x -= dx;
    y -= dy;
  }
  const { xd, yd } = brownWithJacobian(b, x, y);
  return { point: { x, y }, converged: Math.hypot(xd - pd.x, yd - pd.y) < tolerance };
}

/**
 * The largest normalised radius (tan of the angle off the optical axis) up to which the radial
 * mapping keeps increasing; beyond it a lens model folds points back into the image, so projection
 * refuses them. Infinity when the mapping is monotonic up to `searchLimit`.
 */
export function monotonicRadius(dist: Distortion, searchLimit = 20): number {
  if (dist.model === "none") return Infinity;
  const steps = 4000;
  let previous = 0;
  for (let i = 1; i <= steps; i++) {
    const r = (searchLimit * i) / steps;
    let rd: number;
    if (dist.model === "equidistant") rd = fisheyeTheta(dist, Math.atan(r)).td;
    else rd = r * radial(asBrown(dist)!, r * r).f;
    if (!(rd > previous)) return (searchLimit * (i - 1)) / steps;
    previous = rd;
  }
  return Infinity;
}
