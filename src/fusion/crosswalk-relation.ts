import type { Point2 } from "../geometry/types.js";
import { Crosswalk, Pedestrian } from "../msgs/types.generated.js";
import { closestPointOnPolygon, pointInPolygon } from "./polyline.js";

/** Tuning of "on" / "heading to" a crosswalk. */
export interface CrosswalkRelationOptions {
  /** Farthest distance from a crosswalk at which a pedestrian counts as heading to it, metres. */
  approachDistance: number;
  /** Longest time to reach a crosswalk that counts as heading to it, seconds. */
  approachHorizonSec: number;
  /** Least speed towards the crosswalk that counts as heading to it, m/s. */
  minApproachSpeed: number;
}

/** The relation of one pedestrian to the crosswalks (index into the list given). */
export interface CrosswalkRelation {
  index: number;
  relation:
    | typeof Pedestrian.CROSSWALK_RELATION_ON
    | typeof Pedestrian.CROSSWALK_RELATION_APPROACHING;
}

/**
 * Which crosswalk a pedestrian is on or heading to (polygons, position and velocity all in the
 * same frame). "On" wins over "heading to"; among those heading to, the nearest. With
 * `velocityOverGround` false (no pose: velocity is relative to the moving vehicle) only "on" is
 * decided.
 */
export function relateToCrosswalks(
  p: Point2,
  v: Point2,
  polygons: readonly (readonly Point2[])[],
  velocityOverGround: boolean,
  o: CrosswalkRelationOptions,
): CrosswalkRelation | undefined {
  let approach: { index: number; distance: number } | undefined;
  for (let i = 0; i < polygons.length; i++) {
    const poly = polygons[i]!;
    if (poly.length < 3) continue;
    if (!nearBox(poly, p, o.approachDistance)) continue;
    if (pointInPolygon(poly, p)) return { index: i, relation: Pedestrian.CROSSWALK_RELATION_ON };
    if (!velocityOverGround) continue;
    const q = closestPointOnPolygon(poly, p);
    const d = Math.hypot(q.x - p.x, q.y - p.y);
    if (d > o.approachDistance || d === 0) continue;
    const closing = (v.x * (q.x - p.x) + v.y * (q.y - p.y)) / d;
    if (closing < o.minApproachSpeed || d / closing > o.approachHorizonSec) continue;
    if (!approach || d < approach.distance) approach = { index: i, distance: d };
  }
  return approach
    ? { index: approach.index, relation: Pedestrian.CROSSWALK_RELATION_APPROACHING }
    : undefined;
}

/** True when p lies within `margin` of the polygon's bounding box. */
function nearBox(poly: readonly Point2[], p: Point2, margin: number): boolean {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const q of poly) {
    if (q.x < minX) minX = q.x;
    if (q.x > maxX) maxX = q.x;
    if (q.y < minY) minY = q.y;
    if (q.y > maxY) maxY = q.y;
  }
  return (
    p.x >= minX - margin && p.x <= maxX + margin && p.y >= minY - margin && p.y <= maxY + margin
  );
}

/** The occupancy of one crosswalk from the relations of the pedestrians to it. */
export function crosswalkOccupancy(
  visible: boolean,
  onCount: number,
  approachingCount: number,
): number {
  if (!visible) return Crosswalk.OCCUPANCY_UNKNOWN;
  if (onCount > 0) return Crosswalk.OCCUPANCY_OCCUPIED;
  if (approachingCount > 0) return Crosswalk.OCCUPANCY_APPROACHED;
  return Crosswalk.OCCUPANCY_FREE;
}
