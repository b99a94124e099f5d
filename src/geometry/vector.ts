import type { Point2, Vec3 } from "./types.js";

/** Small 3D and 2D vector helpers on plain `{x, y, z}` / `{x, y}` objects (never mutate their inputs). */

export function vec3(x: number, y: number, z: number): Vec3 {
  return { x, y, z };
}

export function addVec3(a: Vec3, b: Vec3): Vec3 {
  return { x: a.x + b.x, y: a.y + b.y, z: a.z + b.z };
}

export function subVec3(a: Vec3, b: Vec3): Vec3 {
  return { x: a.x - b.x, y: a.y - b.y, z: a.z - b.z };
}

export function scaleVec3(a: Vec3, s: number): Vec3 {
  return { x: a.x * s, y: a.y * s, z: a.z * s };
}

export function dotVec3(a: Vec3, b: Vec3): number {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}

export function crossVec3(a: Vec3, b: Vec3): Vec3 {
  return { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x };
}

export function normVec3(a: Vec3): number {
  return Math.hypot(a.x, a.y, a.z);
}

/** The unit vector along `a`; a zero vector stays zero. */
export function normalizeVec3(a: Vec3): Vec3 {
  const n = normVec3(a);
  return n > 0 ? scaleVec3(a, 1 / n) : { x: 0, y: 0, z: 0 };
}

/** a + (b - a) * t. */
export function lerpVec3(a: Vec3, b: Vec3, t: number): Vec3 {
  return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, z: a.z + (b.z - a.z) * t };
}

export function distanceVec3(a: Vec3, b: Vec3): number {
  return Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);
}

export function isFiniteVec3(a: Vec3): boolean {
  return Number.isFinite(a.x) && Number.isFinite(a.y) && Number.isFinite(a.z);
}

export function subPoint2(a: Point2, b: Point2): Point2 {
  return { x: a.x - b.x, y: a.y - b.y };
}

export function dotPoint2(a: Point2, b: Point2): number {
  return a.x * b.x + a.y * b.y;
}

/** The z component of the 3D cross product (positive when b is counter-clockwise from a). */
export function crossPoint2(a: Point2, b: Point2): number {
  return a.x * b.y - a.y * b.x;
}

export function distancePoint2(a: Point2, b: Point2): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
