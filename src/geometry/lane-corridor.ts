import { distanceToPolyline, polylineLength, projectOntoPolyline } from "./polyline.js";
import type { Point2 } from "./types.js";

/** Where a point lies relative to a lane given by its centerline and boundaries. */
export interface LaneCorridorPosition {
  /** Distance along the centerline from its start. */
  arcLength: number;
  /** Signed offset from the centerline, + left. */
  lateralOffset: number;
  /** Distance from the centerline to the left boundary at that station. */
  leftWidth: number;
  /** Distance from the centerline to the right boundary at that station. */
  rightWidth: number;
  /** True when the point is between the boundaries and between the centerline's ends. */
  inside: boolean;
}

/**
 * Locates p in the corridor of a lane: projected onto the centerline (driving direction), with the
 * lane's half widths measured from that station to each boundary polyline.
 */
export function locateInLane(
  centerline: readonly Point2[],
  left: readonly Point2[],
  right: readonly Point2[],
  p: Point2,
): LaneCorridorPosition {
  const proj = projectOntoPolyline(centerline, p);
  const length = polylineLength(centerline);
  const leftWidth = distanceToPolyline(left, proj.point);
  const rightWidth = distanceToPolyline(right, proj.point);
  // Beyond an end the projection clamps; the along-track component then leaves the corridor.
  const along = (p.x - proj.point.x) * proj.tangent.x + (p.y - proj.point.y) * proj.tangent.y;
  const beyondStart = proj.arcLength <= 0 && along < -1e-9;
  const beyondEnd = proj.arcLength >= length && along > 1e-9;
  const inside =
    !beyondStart &&
    !beyondEnd &&
    proj.lateralOffset <= leftWidth + 1e-9 &&
    proj.lateralOffset >= -rightWidth - 1e-9;
  return {
    arcLength: proj.arcLength,
    lateralOffset: proj.lateralOffset,
    leftWidth,
    rightWidth,
    inside,
  };
}
