import type { Quat, Vec3 } from "./types.js";

/**
 * Unit quaternion helpers (x, y, z, w; Hamilton convention, as ROS / tf2). Euler angles are the
 * ROS fixed-axis roll (about x), pitch (about y), yaw (about z): R = Rz(yaw) * Ry(pitch) * Rx(roll).
 */

export function identityQuat(): Quat {
  return { x: 0, y: 0, z: 0, w: 1 };
}

/** a * b (apply b first, then a). */
export function multiplyQuat(a: Quat, b: Quat): Quat {
  return {
    w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
    x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
    y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
    z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
  };
}

/** The inverse of a unit quaternion. */
export function conjugateQuat(q: Quat): Quat {
  return { x: -q.x, y: -q.y, z: -q.z, w: q.w };
}

export function normQuat(q: Quat): number {
  return Math.hypot(q.x, q.y, q.z, q.w);
}

/** The unit quaternion along q. Throws a RangeError for a zero or non-finite quaternion. */
export function normalizeQuat(q: Quat): Quat {
  const n = normQuat(q);
  if (!(n > 0) || !Number.isFinite(n))
    throw new RangeError(`cannot normalise quaternion (${q.x}, ${q.y}, ${q.z}, ${q.w})`);
  return { x: q.x / n, y: q.y / n, z: q.z / n, w: q.w / n };
}

export function isFiniteQuat(q: Quat): boolean {
  return (
    Number.isFinite(q.x) && Number.isFinite(q.y) && Number.isFinite(q.z) && Number.isFinite(q.w)
  );
}

/** Rotates v by the unit quaternion q (q * v * q^-1). */
export function rotateVec3(q: Quat, v: Vec3): Vec3 {
  // t = 2 * cross(q.xyz, v); v' = v + w * t + cross(q.xyz, t)
  const tx = 2 * (q.y * v.z - q.z * v.y);
  const ty = 2 * (q.z * v.x - q.x * v.z);
  const tz = 2 * (q.x * v.y - q.y * v.x);
  return {
    x: v.x + q.w * tx + (q.y * tz - q.z * ty),
    y: v.y + q.w * ty + (q.z * tx - q.x * tz),
    z: v.z + q.w * tz + (q.x * ty - q.y * tx),
  };
}

/** The quaternion of fixed-axis roll, pitch, yaw in radians (tf2's setRPY). */
export function quatFromEuler(roll: number, pitch: number, yaw: number): Quat {
  const cr = Math.cos(roll / 2),
    sr = Math.sin(roll / 2);
  const cp = Math.cos(pitch / 2),
    sp = Math.sin(pitch / 2);
  const cy = Math.cos(yaw / 2),
    sy = Math.sin(yaw / 2);
  return {
    x: sr * cp * cy - cr * sp * sy,
    y: cr * sp * cy + sr * cp * sy,
    z: cr * cp * sy - sr * sp * cy,
    w: cr * cp * cy + sr * sp * sy,
  };
}

/** Roll, pitch, yaw in radians of a unit quaternion (pitch in [-pi/2, pi/2]). */
export function eulerFromQuat(q: Quat): { roll: number; pitch: number; yaw: number } {
  const sinp = 2 * (q.w * q.y - q.z * q.x);
  return {
    roll: Math.atan2(2 * (q.w * q.x + q.y * q.z), 1 - 2 * (q.x * q.x + q.y * q.y)),
    pitch: Math.abs(sinp) >= 1 ? Math.sign(sinp) * (Math.PI / 2) : Math.asin(sinp),
    yaw: Math.atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z)),
  };
}

/** Heading in radians (rotation about z, counter-clockwise from x) of a unit quaternion, in (-pi, pi]. */
export function yawOf(q: Quat): number {
  return Math.atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z));
}

/** The angle in radians of the rotation between two unit quaternions, in [0, pi]. */
export function angleBetweenQuats(a: Quat, b: Quat): number {
  const d = Math.abs(a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w);
  return 2 * Math.acos(Math.min(1, d));
}

/** Spherical linear interpolation along the shorter arc; t = 0 gives a, t = 1 gives b. */
export function slerpQuat(a: Quat, b: Quat, t: number): Quat {
  let cos = a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
  let bx = b.x,
    by = b.y,
    bz = b.z,
    bw = b.w;
  if (cos < 0) {
    cos = -cos;
    bx = -bx;
    by = -by;
    bz = -bz;
    bw = -bw;
  }
  let wa: number, wb: number;
  if (cos > 0.9995) {
    // Nearly parallel: normalised lerp is exact to rounding.
    wa = 1 - t;
    wb = t;
  } else {
    const theta = Math.acos(cos);
    const sin = Math.sin(theta);
    wa = Math.sin((1 - t) * theta) / sin;
    wb = Math.sin(t * theta) / sin;
  }
  return normalizeQuat({
    x: wa * a.x + wb * bx,
    y: wa * a.y + wb * by,
    z: wa * a.z + wb * bz,
    w: wa * a.w + wb * bw,
  });
}

/** Row-major 3x3 rotation matrix of a unit quaternion. */
export function matrixFromQuat(q: Quat): number[] {
  const { x, y, z, w } = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

/** The unit quaternion of a row-major 3x3 rotation matrix (Shepperd's method). */
export function quatFromMatrix(m: ArrayLike<number>): Quat {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = [
    m[0]!,
    m[1]!,
    m[2]!,
    m[3]!,
    m[4]!,
    m[5]!,
    m[6]!,
    m[7]!,
    m[8]!,
  ];
  const trace = m00 + m11 + m22;
  let q: Quat;
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    q = { w: 0.25 * s, x: (m21 - m12) / s, y: (m02 - m20) / s, z: (m10 - m01) / s };
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = { w: (m21 - m12) / s, x: 0.25 * s, y: (m01 + m10) / s, z: (m02 + m20) / s };
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = { w: (m02 - m20) / s, x: (m01 + m10) / s, y: 0.25 * s, z: (m12 + m21) / s };
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = { w: (m10 - m01) / s, x: (m02 + m20) / s, y: (m12 + m21) / s, z: 0.25 * s };
  }
  return normalizeQuat(q);
}
