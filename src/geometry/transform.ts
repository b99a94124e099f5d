import {
  conjugateQuat,
  identityQuat,
  isFiniteQuat,
  multiplyQuat,
  normalizeQuat,
  rotateVec3,
  slerpQuat,
} from "./quaternion.js";
import type { Transform, Vec3 } from "./types.js";
import { addVec3, isFiniteVec3, lerpVec3 } from "./vector.js";

/**
 * Rigid transforms in the geometry_msgs/Transform convention: `p_parent = R * p_child + t`.
 * A transform named `aFromB` maps points in frame b to frame a; `composeTransforms(aFromB, bFromC)`
 * is `aFromC`.
 */

export { quatFromEuler, yawOf, eulerFromQuat, slerpQuat } from "./quaternion.js";

export function identityTransform(): Transform {
  return { translation: { x: 0, y: 0, z: 0 }, rotation: identityQuat() };
}

/** a * b: applies b first, then a (aFromB * bFromC = aFromC). */
export function composeTransforms(a: Transform, b: Transform): Transform {
  return {
    translation: addVec3(rotateVec3(a.rotation, b.translation), a.translation),
    rotation: multiplyQuat(a.rotation, b.rotation),
  };
}

/** The inverse: invertTransform(aFromB) = bFromA. */
export function invertTransform(t: Transform): Transform {
  const inv = conjugateQuat(t.rotation);
  const p = rotateVec3(inv, t.translation);
  return { translation: { x: -p.x, y: -p.y, z: -p.z }, rotation: inv };
}

/** R * p + t: a point from the transform's child frame into its parent frame. */
export function transformPoint(t: Transform, p: Vec3): Vec3 {
  return addVec3(rotateVec3(t.rotation, p), t.translation);
}

/** R * v: a direction (no translation). */
export function transformDirection(t: Transform, v: Vec3): Vec3 {
  return rotateVec3(t.rotation, v);
}

/** Interpolates between two transforms: translation linearly, rotation by slerp; t in [0, 1]. */
export function interpolateTransforms(a: Transform, b: Transform, t: number): Transform {
  return {
    translation: lerpVec3(a.translation, b.translation, t),
    rotation: slerpQuat(a.rotation, b.rotation, t),
  };
}

/** True when every translation and rotation component is finite. */
export function isFiniteTransform(t: Transform): boolean {
  return isFiniteVec3(t.translation) && isFiniteQuat(t.rotation);
}

/** The same transform with its rotation normalised (ROS messages often carry slightly non-unit quaternions). */
export function normalizeTransform(t: Transform): Transform {
  return { translation: { ...t.translation }, rotation: normalizeQuat(t.rotation) };
}
