import { distanceToPolygon } from "../geometry/polygon.js";
import { boundsOf, distanceToPolyline } from "../geometry/polyline.js";
import type { Point2 } from "../geometry/types.js";
import type { Box2, MapFeature } from "./types.js";

/** The points of a feature's geometry (polyline or open polygon ring). */
function featurePoints(f: MapFeature): readonly Point2[] {
  switch (f.kind) {
    case "lane_boundary":
    case "stop_line":
      return f.points;
    case "lane":
      return f.centerline;
    case "crosswalk":
      return f.polygon;
  }
}

/** A feature's axis-aligned bounding box. */
export function featureBounds(f: MapFeature): Box2 {
  return boundsOf(featurePoints(f));
}

/** True geometric distance from p to a feature: to the polyline, or to the polygon (0 inside). */
export function distanceToFeature(f: MapFeature, p: Point2): number {
  return f.kind === "crosswalk"
    ? distanceToPolygon(f.polygon, p)
    : distanceToPolyline(featurePoints(f), p);
}
