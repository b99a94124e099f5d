/**
 * Geometry value types shared across the project. Frames follow REP-103/105:
 * `map` (ENU, metres), `base_link` (x forward, y left, z up), camera optical frames
 * (`*_optical_frame`: z forward, x right, y down).
 */

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** Unit quaternion (x, y, z, w), as geometry_msgs/Quaternion. */
export interface Quat {
  x: number;
  y: number;
  z: number;
  w: number;
}

/** A rigid transform: p_parent = R * p_child + t (the geometry_msgs/Transform convention). */
export interface Transform {
  translation: Vec3;
  rotation: Quat;
}

/**
 * A 2D point in pixels: u = column (rightwards), v = row (downwards). Pixel centres are at integer
 * coordinates (OpenCV): the top-left pixel's centre is (0, 0) and the image spans
 * [-0.5, width - 0.5] x [-0.5, height - 0.5].
 */
export interface Pixel {
  u: number;
  v: number;
}

/** A 2D point in metres on a ground plane or map. */
export interface Point2 {
  x: number;
  y: number;
}
