import { projectOntoPolyline } from "../geometry/polyline.js";
import { pointInPolygon } from "../geometry/polygon.js";
import type { Point2 } from "../geometry/types.js";

/**
 * Fusion's planar helpers on top of src/geometry/polyline.ts and polygon.ts: the projection with
 * arc length extrapolated beyond the ends (pedestrians behind or beyond a lane still get a signed
 * distance along it), y at x for base_link polylines, and the closest point of a polygon.
 */

export { cumulativeLengths } from "../geometry/polyline.js";
export { distanceToPolygon, pointInPolygon, polygonCentroid, polygonIoU } from "../geometry/polygon.js";

/** Where a point projects onto a polyline. */
export interface PolylineProjection {
  /** Arc length from the first vertex, metres; extrapolated (< 0 or > length) beyond the ends. */
  s: number;
  /** Signed offset, positive to the left of the polyline's direction, metres. */
  lateral: number;
  /** Distance to the closest point of the polyline itself, metres. */
  distance: number;
  /** Direction of the closest segment, radians. */
  heading: number;
}

/** Projects a point onto a polyline (>= 2 vertices); undefined for fewer. */
export function projectOnPolyline(points: readonly Point2[], p: Point2): PolylineProjection | undefined {
  if (points.length < 2) return undefined;
  const proj = projectOntoPolyline(points, p);
  let s = proj.arcLength;
  const along = (p.x - proj.point.x) * proj.tangent.x + (p.y - proj.point.y) * proj.tangent.y;
  const atStart = proj.segmentIndex === 0 && proj.segmentT <= 0;
  const atEnd = proj.segmentIndex >= points.length - 2 && proj.segmentT >= 1;
  if ((atStart && along < 0) || (atEnd && along > 0)) s += along;
  return { s, lateral: proj.lateralOffset, distance: proj.distance, heading: Math.atan2(proj.tangent.y, proj.tangent.x) };
}

/**
 * y of a polyline at a given x, for polylines expressed in base_link that run roughly forward:
 * the crossing of the line x = const closest to `nearY`; undefined when no segment spans x.
 */
export function lateralAtX(points: readonly Point2[], x: number, nearY = 0): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const lo = Math.min(a.x, b.x);
    const hi = Math.max(a.x, b.x);
    if (x < lo || x > hi || hi === lo) continue;
    const y = a.y + ((x - a.x) / (b.x - a.x)) * (b.y - a.y);
    if (found === undefined || Math.abs(y - nearY) < Math.abs(found - nearY)) found = y;
  }
  return found;
}

/** The closest point of a polygon's outline to p. */
export function closestPointOnPolygon(polygon: readonly Point2[], p: Point2): Point2 {
  let best = Infinity;
  let out: Point2 = polygon[0]!;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[j]!;
    const b = polygon[i]!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
    const q = { x: a.x + t * dx, y: a.y + t * dy };
    const d = Math.hypot(q.x - p.x, q.y - p.y);
    if (d < best) {
      best = d;
      out = q;
    }
  }
  return out;
}

