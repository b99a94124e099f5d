/**
 * The HD-map layer's in-memory model, in the local `map` frame (ENU metres around the map's
 * declared origin). Loaded from GeoJSON (RFC 7946, WGS84) by src/map/loader.ts; the file format
 * is specified by maps/hdmap.schema.json and docs/hd-map.md.
 */
import type { Point2 } from "../geometry/types.js";
import type { GeoPoint } from "./local-projection.js";

export type BoundaryType = "solid" | "dashed" | "double_solid" | "road_edge";
export type BoundaryColor = "white" | "yellow" | "none";

export interface LaneBoundary {
  kind: "lane_boundary";
  id: string;
  boundaryType: BoundaryType;
  color: BoundaryColor;
  /** Polyline in the map frame, metres. */
  points: Point2[];
}

export interface Lane {
  kind: "lane";
  id: string;
  /** Centerline in driving direction, map frame. */
  centerline: Point2[];
  leftBoundaryId: string;
  rightBoundaryId: string;
  successorIds: string[];
  predecessorIds: string[];
  /** Speed limit in m/s when known. */
  speedLimit?: number;
}

export interface Crosswalk {
  kind: "crosswalk";
  id: string;
  /** Outer ring, counter-clockwise, not closed (first point not repeated), map frame. */
  polygon: Point2[];
}

export interface StopLine {
  kind: "stop_line";
  id: string;
  points: Point2[];
  /** Lanes this stop line applies to. */
  laneIds: string[];
}

/** A discriminated union of every map feature. */
export type MapFeature = LaneBoundary | Lane | Crosswalk | StopLine;
export type MapFeatureKind = MapFeature["kind"];

/** An axis-aligned box in the map frame. */
export interface Box2 {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** A loaded, validated HD map with a spatial index. */
export interface HdMap {
  /** Name from the file. */
  readonly name: string;
  /** The local frame's origin (the `map` frame's (0,0,0)). */
  readonly origin: Readonly<GeoPoint>;
  readonly laneBoundaries: ReadonlyMap<string, LaneBoundary>;
  readonly lanes: ReadonlyMap<string, Lane>;
  readonly crosswalks: ReadonlyMap<string, Crosswalk>;
  readonly stopLines: ReadonlyMap<string, StopLine>;
  /** Any feature by id. */
  feature(id: string): MapFeature | undefined;
  /** Features whose bounding box intersects the box, optionally of some kinds only. */
  query(box: Box2, kinds?: readonly MapFeatureKind[]): MapFeature[];
  /** Features within `radius` metres of a point (by geometry distance, not just bounding box), nearest first. */
  near(point: Point2, radius: number, kinds?: readonly MapFeatureKind[]): MapFeature[];
  /** Every feature, in file order. */
  readonly features: readonly MapFeature[];
  /** Non-fatal findings while loading (e.g. a clockwise crosswalk ring that was reversed). */
  readonly warnings: readonly string[];
  /** Like `near`, with each feature's distance in metres (0 inside a crosswalk), nearest first. */
  nearWithDistance(
    point: Point2,
    radius: number,
    kinds?: readonly MapFeatureKind[],
  ): { feature: MapFeature; distance: number }[];
  /** The nearest feature within `maxDistance` metres (default 100), optionally of some kinds. */
  nearest(
    point: Point2,
    kinds?: readonly MapFeatureKind[],
    maxDistance?: number,
  ): { feature: MapFeature; distance: number } | undefined;
  /** Lanes whose corridor (between its two boundaries, within its centerline's ends) contains the point. */
  lanesAt(point: Point2): Lane[];
}
