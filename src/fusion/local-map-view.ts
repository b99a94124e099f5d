import type { Point2 } from "../geometry/types.js";
import type { Box2, Crosswalk as MapCrosswalk, HdMap, Lane, LaneBoundary } from "../map/types.js";
import { baseToMap, mapToBase, type PlanarPose } from "./planar-pose.js";
import { polygonCentroid } from "./polyline.js";

/** The region around the vehicle fusion looks at, in base_link metres. */
export interface ViewRegion {
  /** Metres behind base_link still considered (negative x). */
  behind: number;
  /** Metres ahead of base_link considered. */
  ahead: number;
  /** Metres to each side considered. */
  side: number;
}

/** A map lane boundary near the vehicle with its geometry in base_link. */
export interface BoundaryInView {
  feature: LaneBoundary;
  /** The polyline in base_link. */
  base: Point2[];
}

/** A mapped crosswalk near the vehicle, in both frames. */
export interface CrosswalkInView {
  feature: MapCrosswalk;
  /** Polygon in base_link (counter-clockwise as in the map: a rotation keeps orientation). */
  base: Point2[];
  /** Centroid in the map frame. */
  centroidMap: Point2;
}

/** The map features around the vehicle for one frame. */
export interface LocalMapView {
  boundaries: BoundaryInView[];
  crosswalks: CrosswalkInView[];
  lanes: Lane[];
}

/** The map-frame bounding box of the view region at a pose. */
export function viewBox(pose: PlanarPose, region: ViewRegion): Box2 {
  const corners = [
    { x: -region.behind, y: -region.side },
    { x: -region.behind, y: region.side },
    { x: region.ahead, y: -region.side },
    { x: region.ahead, y: region.side },
  ].map((c) => baseToMap(pose, c));
  return {
    minX: Math.min(...corners.map((c) => c.x)),
    minY: Math.min(...corners.map((c) => c.y)),
    maxX: Math.max(...corners.map((c) => c.x)),
    maxY: Math.max(...corners.map((c) => c.y)),
  };
}

/** Queries the map once (spatial index) and brings the nearby features into base_link. */
export function buildLocalMapView(map: HdMap, pose: PlanarPose, region: ViewRegion): LocalMapView {
  const view: LocalMapView = { boundaries: [], crosswalks: [], lanes: [] };
  for (const f of map.query(viewBox(pose, region), ["lane_boundary", "crosswalk", "lane"])) {
    switch (f.kind) {
      case "lane_boundary":
        view.boundaries.push({ feature: f, base: f.points.map((p) => mapToBase(pose, p)) });
        break;
      case "crosswalk":
        view.crosswalks.push({ feature: f, base: f.polygon.map((p) => mapToBase(pose, p)), centroidMap: polygonCentroid(f.polygon) });
        break;
      case "lane":
        view.lanes.push(f);
        break;
      default:
        break;
    }
  }
  return view;
}
