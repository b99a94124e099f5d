import type { Point2 } from "../geometry/types.js";
import type { Box2, Crosswalk as MapCrosswalk, HdMap, Lane, LaneBoundary } from "../map/types.js";
import { baseToMap, MapToBaseTransform, type PlanarPose } from "./planar-pose.js";
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
  readonly base: Point2[];
  /**
   * Set by `buildLocalMapView`: `base` is `feature.points` through this transform, so a reader can
   * transform the coordinates it needs itself (the same numbers) without `base` being built.
   */
  readonly toBase?: MapToBaseTransform;
}

/**
 * The boundaries of `buildLocalMapView`: `base` is built on first access only (lane association
 * reads the points through `toBase`; a frame then makes no point objects for the boundaries).
 */
class BoundaryNearVehicle implements BoundaryInView {
  #base: Point2[] | undefined;

  constructor(
    readonly feature: LaneBoundary,
    readonly toBase: MapToBaseTransform,
  ) {}

  get base(): Point2[] {
    return (this.#base ??= this.toBase.points(this.feature.points));
  }
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
function viewBox(pose: PlanarPose, region: ViewRegion): Box2 {
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
  const toBase = new MapToBaseTransform(pose);
  for (const f of map.query(viewBox(pose, region), ["lane_boundary", "crosswalk", "lane"])) {
    switch (f.kind) {
      case "lane_boundary":
        view.boundaries.push(new BoundaryNearVehicle(f, toBase));
        break;
      case "crosswalk":
        view.crosswalks.push({
          feature: f,
          base: toBase.points(f.polygon),
          centroidMap: polygonCentroid(f.polygon),
        });
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
