import { nearestOnPolyline, polylineNearest, type PolylineNearest } from "../geometry/polyline.js";
import type { Point2 } from "../geometry/types.js";

/**
 * Fusion's planar helpers on top of src/geometry/polyline.ts and polygon.ts: the projection with
 * arc length extrapolated beyond the ends (pedestrians behind or beyond a lane still get a signed
 * distance along it), y at x for base_link polylines, and the closest point of a polygon.
 */

export { cumulativeLengths } from "../geometry/polyline.js";
export {
  distanceToPolygon,
  pointInPolygon,
  polygonCentroid,
  polygonIoU,
} from "../geometry/polygon.js";

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

/** Scratch of `projectOnPolyline` and `distanceToPolylineOf` (synchronous, so one per module). */
const nearest: PolylineNearest = polylineNearest();

/** Projects a point onto a polyline (>= 2 vertices); undefined for fewer. */
export function projectOnPolyline(
  points: readonly Point2[],
  p: Point2,
): PolylineProjection | undefined {
  if (points.length < 2) return undefined;
  const proj = nearestOnPolyline(points, p, nearest);
  let s = proj.arcLength;
  const along = (p.x - proj.x) * proj.tangentX + (p.y - proj.y) * proj.tangentY;
  const atStart = proj.segmentIndex === 0 && proj.segmentT <= 0;
  const atEnd = proj.segmentIndex >= points.length - 2 && proj.segmentT >= 1;
  if ((atStart && along < 0) || (atEnd && along > 0)) s += along;
  return {
    s,
    lateral: proj.lateralOffset,
    distance: proj.distance,
    heading: Math.atan2(proj.tangentY, proj.tangentX),
  };
}

/** `projectOnPolyline(points, p).distance` without building the projection (polylines of >= 2 vertices). */
export function distanceToPolylineOf(points: readonly Point2[], p: Point2): number {
  return nearestOnPolyline(points, p, nearest).distance;
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
    found = closerCrossing(a.x, a.y, b.x, b.y, x, nearY, found);
  }
  return found;
}

/** A polyline stored flat: vertex i (i < n) at (xs[offset + i], ys[offset + i]). */
export interface FlatPolyline {
  xs: Float64Array;
  ys: Float64Array;
  offset: number;
  n: number;
}

/**
 * `lateralAtX` on a flat polyline over the segments listed in `segments[0..count)` (ascending
 * indices) only: the same answer when every segment left out cannot span x (`segmentsReachingX`).
 */
export function lateralAtXOn(
  line: FlatPolyline,
  segments: Int32Array,
  count: number,
  x: number,
  nearY = 0,
): number | undefined {
  const { xs, ys, offset } = line;
  let found: number | undefined;
  for (let k = 0; k < count; k++) {
    const i = offset + segments[k]!;
    found = closerCrossing(xs[i]!, ys[i]!, xs[i + 1]!, ys[i + 1]!, x, nearY, found);
  }
  return found;
}

/** One step of `lateralAtX`: segment a-b's crossing of x when it spans x and lies closer to `nearY` than `found`. */
function closerCrossing(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  x: number,
  nearY: number,
  found: number | undefined,
): number | undefined {
  const lo = Math.min(ax, bx);
  const hi = Math.max(ax, bx);
  if (x < lo || x > hi || hi === lo) return found;
  const y = ay + ((x - ax) / (bx - ax)) * (by - ay);
  return found === undefined || Math.abs(y - nearY) < Math.abs(found - nearY) ? y : found;
}

/**
 * Writes into `out` (at least n - 1 long) the ascending indices of the segments of a flat polyline
 * that may span some x in [xLo, xHi] for `lateralAtX`, and returns their count: every other
 * segment is skipped by `lateralAtX` for all such x. A NaN bound keeps every segment.
 */
export function segmentsReachingX(
  line: FlatPolyline,
  xLo: number,
  xHi: number,
  out: Int32Array,
): number {
  const { xs, offset, n } = line;
  let count = 0;
  const all = !(xLo <= xHi);
  for (let i = 0; i < n - 1; i++) {
    const ax = xs[offset + i]!;
    const bx = xs[offset + i + 1]!;
    const lo = Math.min(ax, bx);
    const hi = Math.max(ax, bx);
    if (!all && (xHi < lo || xLo > hi || hi === lo)) continue;
    out[count++] = i;
  }
  return count;
}

/** The closest point of a polygon's outline to p. */
export function closestPointOnPolygon(polygon: readonly Point2[], p: Point2): Point2 {
  let best = Infinity;
  let bestX = NaN;
  let bestY = NaN;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[j]!;
    const b = polygon[i]!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
    const qx = a.x + t * dx;
    const qy = a.y + t * dy;
    const d = Math.hypot(qx - p.x, qy - p.y);
    if (d < best) {
      best = d;
      bestX = qx;
      bestY = qy;
    }
  }
  // No finite distance (NaN input): the first vertex, as found.
  return best < Infinity ? { x: bestX, y: bestY } : polygon[0]!;
}
