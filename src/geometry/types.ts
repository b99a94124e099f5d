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

/** A 2D point in pixels: u = column, v = row (origin at the top-left pixel's top-left corner + 0.5 convention of OpenCV: pixel centres at integers). */
export interface Pixel {
  u: number;
  v: number;
}

/** A 2D point in metres on a ground plane or map. */
export interface Point2 {
  x: number;
  y: number;
}
