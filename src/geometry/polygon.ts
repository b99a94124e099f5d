import { segmentsIntersect } from "./segment-intersection.js";
import type { Point2 } from "./types.js";

/**
 * Simple polygons as open rings (first point not repeated). Orientation: positive signed area is
 * counter-clockwise (in a frame with y left of x, as map and base_link).
 */

/** Signed area (> 0 counter-clockwise). */
export function signedPolygonArea(ring: readonly Point2[]): number {
  let s = 0;
  const n = ring.length;
  if (n < 3) return 0;
  const o = ring[0]!;
  for (let i = 1; i + 1 < n; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    s += (a.x - o.x) * (b.y - o.y) - (b.x - o.x) * (a.y - o.y);
  }
  return s / 2;
}

/** Area of a simple polygon. */
export function polygonArea(ring: readonly Point2[]): number {
  return Math.abs(signedPolygonArea(ring));
}

/** The ring without a repeated closing point, counter-clockwise. */
export function normalizeRing(ring: readonly Point2[]): Point2[] {
  let out = ring.map((p) => ({ x: p.x, y: p.y }));
  if (
    out.length > 1 &&
    out[0]!.x === out[out.length - 1]!.x &&
    out[0]!.y === out[out.length - 1]!.y
  )
    out = out.slice(0, -1);
  if (signedPolygonArea(out) < 0) out.reverse();
  return out;
}

/** Centroid (area-weighted) of a simple polygon; the vertex mean for degenerate ones. */
export function polygonCentroid(ring: readonly Point2[]): Point2 {
  const area = signedPolygonArea(ring);
  if (Math.abs(area) < 1e-12) {
    const n = ring.length || 1;
    return { x: ring.reduce((s, p) => s + p.x, 0) / n, y: ring.reduce((s, p) => s + p.y, 0) / n };
  }
  const o = ring[0]!;
  let cx = 0,
    cy = 0;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    const ax = a.x - o.x,
      ay = a.y - o.y,
      bx = b.x - o.x,
      by = b.y - o.y;
    const cross = ax * by - bx * ay;
    cx += (ax + bx) * cross;
    cy += (ay + by) * cross;
  }
  return { x: o.x + cx / (6 * area), y: o.y + cy / (6 * area) };
}

/** True when p is inside the polygon or on its boundary (even-odd rule, so orientation does not matter). */
export function pointInPolygon(ring: readonly Point2[], p: Point2): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    // On-edge check (collinear and within the segment).
    const cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
    if (
      Math.abs(cross) <= 1e-12 * (Math.abs(b.x - a.x) + Math.abs(b.y - a.y) + 1) &&
      Math.min(a.x, b.x) <= p.x &&
      p.x <= Math.max(a.x, b.x) &&
      Math.min(a.y, b.y) <= p.y &&
      p.y <= Math.max(a.y, b.y)
    )
      return true;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x)
      inside = !inside;
  }
  return inside;
}

/**
 * The first pair of non-adjacent edges that cross or touch, as edge indices (edge i runs from
 * ring[i] to ring[i+1]); undefined for a simple polygon. O(n^2), fine for map polygons.
 */
export function findSelfIntersection(ring: readonly Point2[]): [number, number] | undefined {
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsIntersect(ring[i]!, ring[(i + 1) % n]!, ring[j]!, ring[(j + 1) % n]!))
        return [i, j];
    }
  }
  return undefined;
}

/** True when every turn has the same sign (collinear vertices allowed). */
export function isConvex(ring: readonly Point2[]): boolean {
  let sign = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i]!,
      b = ring[(i + 1) % n]!,
      c = ring[(i + 2) % n]!;
    const cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
    if (cross !== 0) {
      if (sign === 0) sign = Math.sign(cross);
      else if (Math.sign(cross) !== sign) return false;
    }
  }
  return true;
}

/**
 * Sutherland-Hodgman: the part of `subject` (any simple polygon) inside the convex polygon
 * `clip` (either orientation). The result may have collinear or repeated points.
 */
export function clipPolygonConvex(subject: readonly Point2[], clip: readonly Point2[]): Point2[] {
  const orientation = signedPolygonArea(clip) >= 0 ? 1 : -1;
  let output: Point2[] = subject.slice();
  for (let i = 0; i < clip.length && output.length > 0; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const side = (p: Point2): number =>
      orientation * ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x));
    const input = output;
    output = [];
    for (let j = 0; j < input.length; j++) {
      const cur = input[j]!;
      const prev = input[(j + input.length - 1) % input.length]!;
      const sc = side(cur);
      const sp = side(prev);
      if (sc >= 0) {
        if (sp < 0) output.push(intersect(prev, cur, sp, sc));
        output.push(cur);
      } else if (sp >= 0) {
        output.push(intersect(prev, cur, sp, sc));
      }
    }
  }
  return output;
}

function intersect(p: Point2, q: Point2, sp: number, sq: number): Point2 {
  const t = sp / (sp - sq);
  return { x: p.x + t * (q.x - p.x), y: p.y + t * (q.y - p.y) };
}

/**
 * Area of the intersection of two simple polygons (convex or not, either orientation). Convex
 * pairs are clipped directly; otherwise both polygons are written as signed fans of triangles
 * around a common point and the pairwise triangle intersections summed (exact for simple
 * polygons; O(n*m) triangle clips).
 */
export function polygonIntersectionArea(a: readonly Point2[], b: readonly Point2[]): number {
  if (a.length < 3 || b.length < 3) return 0;
  if (isConvex(a) && isConvex(b)) return polygonArea(clipPolygonConvex(a, b));
  const o = a[0]!;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const ta = [o, a[i]!, a[(i + 1) % a.length]!];
    const sa = Math.sign(signedPolygonArea(ta));
    if (sa === 0) continue;
    for (let j = 0; j < b.length; j++) {
      const tb = [o, b[j]!, b[(j + 1) % b.length]!];
      const sb = Math.sign(signedPolygonArea(tb));
      if (sb === 0) continue;
      total += sa * sb * polygonArea(clipPolygonConvex(ta, tb));
    }
  }
  // Orientation of each polygon flips the sign of its fan sum.
  return Math.abs(total);
}

/** Intersection over union of two simple polygons, in [0, 1]; 0 when both are degenerate. */
export function polygonIoU(a: readonly Point2[], b: readonly Point2[]): number {
  const inter = polygonIntersectionArea(a, b);
  const union = polygonArea(a) + polygonArea(b) - inter;
  return union > 0 ? Math.min(1, Math.max(0, inter / union)) : 0;
}

/** Distance from p to a polygon: 0 inside or on the boundary, else the distance to the nearest edge. */
export function distanceToPolygon(ring: readonly Point2[], p: Point2): number {
  if (pointInPolygon(ring, p)) return 0;
  let best = Infinity;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    const dx = b.x - a.x,
      dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    let t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    best = Math.min(best, Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy));
  }
  return best;
}
