import type { Point2, Transform } from "../geometry/types.js";
import { isFiniteTransform, yawOf } from "../geometry/transform.js";

/**
 * The vehicle's pose on the ground plane: base_link's origin and heading in the `map` frame (ENU).
 * Fusion works in 2D: the map and every detection lie on the ground, so roll, pitch and height of
 * the pose do not matter here.
 */
export interface PlanarPose {
  /** base_link origin, map frame, metres. */
  x: number;
  y: number;
  /** Heading of base_link's x axis, radians counter-clockwise from east. */
  yaw: number;
}

/** The planar pose of a `map <- base_link` transform; undefined when it is not finite. */
export function planarPoseOf(mapFromBase: Transform): PlanarPose | undefined {
  if (!isFiniteTransform(mapFromBase)) return undefined;
  const q = mapFromBase.rotation;
  const norm = Math.hypot(q.x, q.y, q.z, q.w);
  if (!(norm > 1e-6)) return undefined;
  const unit = { x: q.x / norm, y: q.y / norm, z: q.z / norm, w: q.w / norm };
  return { x: mapFromBase.translation.x, y: mapFromBase.translation.y, yaw: yawOf(unit) };
}

/** A point in base_link -> map. */
export function baseToMap(pose: PlanarPose, p: Point2): Point2 {
  const c = Math.cos(pose.yaw);
  const s = Math.sin(pose.yaw);
  return { x: pose.x + c * p.x - s * p.y, y: pose.y + s * p.x + c * p.y };
}

/** A point in map -> base_link. */
export function mapToBase(pose: PlanarPose, p: Point2): Point2 {
  const c = Math.cos(pose.yaw);
  const s = Math.sin(pose.yaw);
  const dx = p.x - pose.x;
  const dy = p.y - pose.y;
  return { x: c * dx + s * dy, y: -s * dx + c * dy };
}

/**
 * map -> base_link at one pose with the yaw's cosine and sine taken once: the same numbers as
 * `mapToBase`, one coordinate at a time when a reader needs no point objects.
 */
export class MapToBaseTransform {
  readonly #x: number;
  readonly #y: number;
  readonly #c: number;
  readonly #s: number;

  constructor(pose: PlanarPose) {
    this.#x = pose.x;
    this.#y = pose.y;
    this.#c = Math.cos(pose.yaw);
    this.#s = Math.sin(pose.yaw);
  }

  /** base_link x of a map point. */
  x(p: Point2): number {
    return this.#c * (p.x - this.#x) + this.#s * (p.y - this.#y);
  }

  /** base_link y of a map point. */
  y(p: Point2): number {
    return -this.#s * (p.x - this.#x) + this.#c * (p.y - this.#y);
  }

  /** A map point in base_link. */
  point(p: Point2): Point2 {
    return { x: this.x(p), y: this.y(p) };
  }

  /** Map points in base_link. */
  points(points: readonly Point2[]): Point2[] {
    const out: Point2[] = [];
    for (let i = 0; i < points.length; i++) out.push(this.point(points[i]!));
    return out;
  }
}

/** A direction (velocity, ...) rotated by `angle` radians. */
export function rotateVector(v: Point2, angle: number): Point2 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return { x: c * v.x - s * v.y, y: s * v.x + c * v.y };
}

/** A row-major 2x2 covariance rotated by `angle` radians: R C R^T. */
export function rotateCovariance(
  cov: ArrayLike<number>,
  angle: number,
): [number, number, number, number] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const a = cov[0]!,
    b = cov[1]!,
    d = cov[3]!;
  const xx = c * c * a - 2 * c * s * b + s * s * d;
  const xy = c * s * a + (c * c - s * s) * b - c * s * d;
  const yy = s * s * a + 2 * c * s * b + c * c * d;
  return [xx, xy, xy, yy];
}

/** An angle wrapped into (-pi, pi]. */
export function wrapAngle(a: number): number {
  let r = a % (2 * Math.PI);
  if (r <= -Math.PI) r += 2 * Math.PI;
  else if (r > Math.PI) r -= 2 * Math.PI;
  return r;
}
