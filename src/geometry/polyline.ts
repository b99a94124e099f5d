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
  for (let i = 1; i < points.length; i++) length += Math.hypot(points[i]!.x - points[i - 1]!.x, points[i]!.y - points[i - 1]!.y);
  return length;
}

/** Cumulative arc length at each vertex (first 0, last the total length). */
export function cumulativeLengths(points: readonly Point2[]): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 1; i < points.length; i++) out[i] = out[i - 1]! + Math.hypot(points[i]!.x - points[i - 1]!.x, points[i]!.y - points[i - 1]!.y);
  return out;
}

/**
 * The nearest point of a polyline (>= 1 point) to `p`, with arc length and signed lateral offset.
 * Zero-length segments are skipped. Ties go to the earlier segment.
 */
export function projectOntoPolyline(points: readonly Point2[], p: Point2): PolylineProjection {
  if (points.length === 0) throw new RangeError("cannot project onto an empty polyline");
  if (points.length === 1) {
    const q = points[0]!;
    const d = Math.hypot(p.x - q.x, p.y - q.y);
    return { point: { x: q.x, y: q.y }, distance: d, arcLength: 0, lateralOffset: d, segmentIndex: 0, segmentT: 0, tangent: { x: 1, y: 0 } };
  }
  let best: PolylineProjection | undefined;
  let bestD2 = Infinity;
  let along = 0;
  let lastSegment = -1;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    if (len2 === 0) continue;
    lastSegment = i;
    const len = Math.sqrt(len2);
    let t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const qx = a.x + t * dx;
    const qy = a.y + t * dy;
    const d2 = (p.x - qx) ** 2 + (p.y - qy) ** 2;
    if (d2 < bestD2) {
      bestD2 = d2;
      const tangent = { x: dx / len, y: dy / len };
      best = {
        point: { x: qx, y: qy },
        distance: Math.sqrt(d2),
        arcLength: along + t * len,
        lateralOffset: tangent.x * (p.y - a.y) - tangent.y * (p.x - a.x),
        segmentIndex: i,
        segmentT: t,
        tangent,
      };
    }
    along += len;
  }
  if (!best || lastSegment < 0) {
    // Every segment has zero length: all points coincide.
    return projectOntoPolyline([points[0]!], p);
  }
  return best;
}

/** Shortest distance from a point to a polyline. */
export function distanceToPolyline(points: readonly Point2[], p: Point2): number {
  let best = Infinity;
  for (let i = 0; i + 1 < points.length; i++) best = Math.min(best, distanceToSegment(points[i]!, points[i + 1]!, p));
  if (points.length === 1) best = Math.hypot(p.x - points[0]!.x, p.y - points[0]!.y);
  return best;
}

/** Shortest distance from p to the segment [a, b]. */
export function distanceToSegment(a: Point2, b: Point2, p: Point2): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** The point at arc length `s` (clamped to the ends) and the unit tangent there. */
export function pointAtArcLength(points: readonly Point2[], s: number): { point: Point2; tangent: Point2 } {
  if (points.length === 0) throw new RangeError("empty polyline");
  let along = 0;
  let lastTangent = { x: 1, y: 0 };
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len === 0) continue;
    lastTangent = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
    if (s <= along + len || i + 2 === points.length) {
      const tc = Math.min(Math.max((s - along) / len, 0), 1);
      return { point: { x: a.x + tc * (b.x - a.x), y: a.y + tc * (b.y - a.y) }, tangent: lastTangent };
    }
    along += len;
  }
  return { point: { ...points[points.length - 1]! }, tangent: lastTangent };
}

/** Axis-aligned bounds of points. */
export function boundsOf(points: readonly Point2[]): { minX: number; minY: number; maxX: number; maxY: number } {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const p of points) {
    if (p.x < minX) minX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.x > maxX) maxX = p.x;
    if (p.y > maxY) maxY = p.y;
  }
  return { minX, minY, maxX, maxY };
}
