import type { Point2 } from "./types.js";

/** Polylines in a plane (map frame or base_link's ground plane), as arrays of points. */

/** Where a point projects onto a polyline. */
export interface PolylineProjection {
  /** The nearest point on the polyline. */
  point: Point2;
  /** Euclidean distance from the query point to `point` (>= 0). */
  distance: number;
  /** Distance along the polyline from its first point to `point`. */
  arcLength: number;
  /**
   * Signed lateral offset: + when the query point lies left of the polyline's direction, - when
   * right (REP-103: y left). Its magnitude equals `distance` except beyond the ends, where it is
   * the offset from the extended first/last segment.
   */
  lateralOffset: number;
  /** Index i of the segment [points[i], points[i+1]] holding `point`. */
  segmentIndex: number;
  /** Position along that segment, 0..1. */
  segmentT: number;
  /** Unit direction of that segment. */
  tangent: Point2;
}

/** Total length of a polyline. */
export function polylineLength(points: readonly Point2[]): number {
  let length = 0;
  for (let i = 1; i < points.length; i++)
    length += Math.hypot(points[i]!.x - points[i - 1]!.x, points[i]!.y - points[i - 1]!.y);
  return length;
}

/** Cumulative arc length at each vertex (first 0, last the total length). */
export function cumulativeLengths(points: readonly Point2[]): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 1; i < points.length; i++)
    out[i] =
      out[i - 1]! + Math.hypot(points[i]!.x - points[i - 1]!.x, points[i]!.y - points[i - 1]!.y);
  return out;
}

/**
 * The nearest point of a polyline as plain numbers, written into a caller's object by
 * `nearestOnPolyline`: hot callers (fusion projects onto map polylines several times per frame)
 * keep one such object and allocate nothing per call.
 */
export interface PolylineNearest {
  /** The nearest point. */
  x: number;
  y: number;
  /** Euclidean distance from the query point (>= 0). */
  distance: number;
  /** Distance along the polyline from its first point. */
  arcLength: number;
  /** Signed lateral offset (+ left), as `PolylineProjection.lateralOffset`. */
  lateralOffset: number;
  /** Index i of the segment [points[i], points[i+1]] holding the point. */
  segmentIndex: number;
  /** Position along that segment, 0..1. */
  segmentT: number;
  /** Unit direction of that segment. */
  tangentX: number;
  tangentY: number;
}

/** A blank `PolylineNearest` to pass to `nearestOnPolyline`. */
export function polylineNearest(): PolylineNearest {
  return {
    x: 0,
    y: 0,
    distance: 0,
    arcLength: 0,
    lateralOffset: 0,
    segmentIndex: 0,
    segmentT: 0,
    tangentX: 1,
    tangentY: 0,
  };
}

/** Fills `out` with the projection onto a single point `q`. */
function nearestToPoint(q: Point2, p: Point2, out: PolylineNearest): PolylineNearest {
  const d = Math.hypot(p.x - q.x, p.y - q.y);
  out.x = q.x;
  out.y = q.y;
  out.distance = d;
  out.arcLength = 0;
  out.lateralOffset = d;
  out.segmentIndex = 0;
  out.segmentT = 0;
  out.tangentX = 1;
  out.tangentY = 0;
  return out;
}

/**
 * `projectOntoPolyline` into `out` (returned): the nearest point of a polyline (>= 1 point) to `p`.
 * Zero-length segments are skipped; ties go to the earlier segment. The scan keeps the best
 * segment as numbers and derives the tangent and lateral offset once, from that segment.
 */
export function nearestOnPolyline(
  points: readonly Point2[],
  p: Point2,
  out: PolylineNearest,
): PolylineNearest {
  if (points.length === 0) throw new RangeError("cannot project onto an empty polyline");
  if (points.length === 1) return nearestToPoint(points[0]!, p, out);
  const px = p.x;
  const py = p.y;
  let bestD2 = Infinity;
  let bestI = -1;
  let bestT = 0;
  let bestArc = 0;
  let bestQx = 0;
  let bestQy = 0;
  let along = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    if (len2 === 0) continue;
    const len = Math.sqrt(len2);
    let t = ((px - a.x) * dx + (py - a.y) * dy) / len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const qx = a.x + t * dx;
    const qy = a.y + t * dy;
    const d2 = (px - qx) ** 2 + (py - qy) ** 2;
    if (d2 < bestD2) {
      bestD2 = d2;
      bestI = i;
      bestT = t;
      bestArc = along + t * len;
      bestQx = qx;
      bestQy = qy;
    }
    along += len;
  }
  // No usable segment (all points coincide, or a NaN query): the first point.
  if (bestI < 0) return nearestToPoint(points[0]!, p, out);
  const a = points[bestI]!;
  const b = points[bestI + 1]!;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.sqrt(dx * dx + dy * dy);
  const tx = dx / len;
  const ty = dy / len;
  out.x = bestQx;
  out.y = bestQy;
  out.distance = Math.sqrt(bestD2);
  out.arcLength = bestArc;
  out.lateralOffset = tx * (py - a.y) - ty * (px - a.x);
  out.segmentIndex = bestI;
  out.segmentT = bestT;
  out.tangentX = tx;
  out.tangentY = ty;
  return out;
}

/**
 * The nearest point of a polyline (>= 1 point) to `p`, with arc length and signed lateral offset.
 * Zero-length segments are skipped. Ties go to the earlier segment.
 */
export function projectOntoPolyline(points: readonly Point2[], p: Point2): PolylineProjection {
  const n = nearestOnPolyline(points, p, polylineNearest());
  return {
    point: { x: n.x, y: n.y },
    distance: n.distance,
    arcLength: n.arcLength,
    lateralOffset: n.lateralOffset,
    segmentIndex: n.segmentIndex,
    segmentT: n.segmentT,
    tangent: { x: n.tangentX, y: n.tangentY },
  };
}

/** Shortest distance from a point to a polyline. */
export function distanceToPolyline(points: readonly Point2[], p: Point2): number {
  let best = Infinity;
  for (let i = 0; i + 1 < points.length; i++)
    best = Math.min(best, distanceToSegment(points[i]!, points[i + 1]!, p));
  if (points.length === 1) best = Math.hypot(p.x - points[0]!.x, p.y - points[0]!.y);
  return best;
}

/** Shortest distance from p to the segment [a, b]. */
function distanceToSegment(a: Point2, b: Point2, p: Point2): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** The point at arc length `s` (clamped to the ends) and the unit tangent there. */
export function pointAtArcLength(
  points: readonly Point2[],
  s: number,
): { point: Point2; tangent: Point2 } {
  if (points.length === 0) throw new RangeError("empty polyline");
  let along = 0;
  let tx = 1;
  let ty = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len === 0) continue;
    tx = (b.x - a.x) / len;
    ty = (b.y - a.y) / len;
    if (s <= along + len || i + 2 === points.length) {
      const tc = Math.min(Math.max((s - along) / len, 0), 1);
      return {
        point: { x: a.x + tc * (b.x - a.x), y: a.y + tc * (b.y - a.y) },
        tangent: { x: tx, y: ty },
      };
    }
    along += len;
  }
  return { point: { ...points[points.length - 1]! }, tangent: { x: tx, y: ty } };
}

/** Axis-aligned bounds of points. */
export function boundsOf(points: readonly Point2[]): {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
} {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const p of points) {
    if (p.x < minX) minX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.x > maxX) maxX = p.x;
    if (p.y > maxY) maxY = p.y;
  }
  return { minX, minY, maxX, maxY };
}
