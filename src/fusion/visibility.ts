import type { Point2 } from "../geometry/types.js";
import type { CameraView } from "./contracts.js";
import { polygonCentroid } from "./polyline.js";

/** What counts as "the camera should see it". */
export interface VisibilityOptions {
  /** Nearest distance ahead of base_link that is checked, metres (the bonnet hides the ground below). */
  minAhead: number;
  /** Farthest range at which a crosswalk is expected to be detected, metres. */
  maxRange: number;
  /** Fraction of a polygon's sample points that must be in view. */
  minVisibleFraction: number;
  /** Half of the horizontal field of view assumed without camera geometry, radians. */
  fallbackHalfFov: number;
}

/** Whether a ground region is in view; `calibrated` false when it was judged without camera geometry. */
export interface Visibility {
  visible: boolean;
  calibrated: boolean;
}

/** Whether one ground point in base_link is in view. */
export function groundPointVisible(
  p: Point2,
  camera: CameraView | undefined,
  o: VisibilityOptions,
): boolean {
  if (!(p.x >= o.minAhead) || Math.hypot(p.x, p.y) > o.maxRange) return false;
  if (!camera) return Math.abs(Math.atan2(p.y, p.x)) <= o.fallbackHalfFov;
  const px = camera.groundToPixel({ x: p.x, y: p.y, z: 0 });
  return (
    px !== undefined &&
    px.u >= 0 &&
    px.v >= 0 &&
    px.u <= camera.model.width - 1 &&
    px.v <= camera.model.height - 1
  );
}

/**
 * Whether a ground polygon (base_link) is in the camera's visible ground region: in front, within
 * range and inside the image, judged on its vertices, edge midpoints and centroid.
 */
export function polygonVisibility(
  polygon: readonly Point2[],
  camera: CameraView | undefined,
  o: VisibilityOptions,
): Visibility {
  const samples: Point2[] = [polygonCentroid(polygon)];
  for (let i = 0; i < polygon.length; i++) {
    const a = polygon[i]!;
    const b = polygon[(i + 1) % polygon.length]!;
    samples.push(a, { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  }
  let seen = 0;
  for (const s of samples) if (groundPointVisible(s, camera, o)) seen++;
  return {
    visible: seen / samples.length >= o.minVisibleFraction,
    calibrated: camera !== undefined,
  };
}

/**
 * Whether a zebra crossing's stripes can be found by a detector that looks for their periodicity
 * across base_link rows (`StripeCrosswalkSource`): its stripes (along the polygon's short axis,
 * the traffic direction of the road it crosses) must run within `maxAngle` of the line of sight
 * (base_link x). A side road's crossing seen from the main road has stripes across the view and no
 * periodic profile along a row: the camera cannot check it, so not seeing it says nothing. Shapes
 * with no clear short axis (aspect < 1.2) count as detectable.
 */
export function crosswalkStripesDetectable(polygon: readonly Point2[], maxAngle: number): boolean {
  if (polygon.length < 3) return true;
  const c = polygonCentroid(polygon);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of polygon) {
    const dx = p.x - c.x;
    const dy = p.y - c.y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const mean = (sxx + syy) / 2;
  const diff = Math.hypot((sxx - syy) / 2, sxy);
  const major = mean + diff;
  const minor = mean - diff;
  if (minor <= 0 || major / minor < 1.2 * 1.2) return true;
  // Angle of the major axis from x; the stripes run along the minor axis, 90 degrees from it.
  const majorAngle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const stripeFromX = Math.abs(Math.abs(majorAngle) - Math.PI / 2);
  return stripeFromX <= maxAngle;
}
