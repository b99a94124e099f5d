/**
 * The generated world, in the `map` frame (ENU metres, z = 0 is the road surface). Everything the
 * renderer draws, the HD map writes and the ground truth reports comes from these values, so the
 * three agree exactly.
 */
import type { Point2 } from "../../../src/geometry/types.js";
import type { Crosswalk, Lane, LaneBoundary, StopLine } from "../../../src/map/types.js";
import type { GeoPoint } from "../../../src/map/local-projection.js";
import type { ReferenceLine } from "./reference-line.js";

/** What a patch of ground is made of (drawn in this order: later ones cover earlier ones). */
export type SurfaceMaterial = "sidewalk" | "kerb" | "asphalt";

/** A filled ground area. */
export interface Surface {
  material: SurfaceMaterial;
  /** Simple polygon (either winding), map frame. */
  polygon: Point2[];
}

export type PaintColor = "white" | "yellow";

/** A painted line along a polyline: lane lines, edge lines. */
export interface PaintLine {
  kind: "line";
  /** Id of the world lane boundary it paints (several paint lines may share one for double lines). */
  boundaryId: string;
  /** Centre of the painted stripe, map frame. */
  points: Point2[];
  /** Stripe width, metres (0.15 typical). */
  width: number;
  color: PaintColor;
  /** Dash pattern along the line; absent for solid lines. */
  dash?: { on: number; off: number; phase: number };
  /** 0 = fresh paint, 1 = almost gone. */
  wear: number;
}

/** A painted convex polygon: crosswalk stripes, stop lines. */
export interface PaintPolygon {
  kind: "polygon";
  /** Id of the feature it belongs to (crosswalk or stop line id). */
  featureId: string;
  /** Convex polygon, counter-clockwise, map frame. */
  polygon: Point2[];
  color: PaintColor;
  wear: number;
}

export type Paint = PaintLine | PaintPolygon;

/** A zebra crossing as painted: its outline (the HD map's polygon) and its stripes. */
export interface WorldCrosswalk {
  id: string;
  /** Outline: counter-clockwise rectangle around the stripes, map frame. */
  polygon: Point2[];
  /** The painted stripes, each a counter-clockwise rectangle. */
  stripes: Point2[][];
}

/** Clothing and body of one pedestrian. RGB components 0..1. */
export interface PedestrianLook {
  /** Standing height, metres. */
  height: number;
  skin: [number, number, number];
  hair: [number, number, number];
  top: [number, number, number];
  bottom: [number, number, number];
  shoes: [number, number, number];
}

/** How a pedestrian moves: along a path at a speed, or standing still facing a direction. */
export type PedestrianMotion =
  | {
      kind: "walk";
      /** Waypoints, map frame; the pedestrian stops at the last one. */
      path: Point2[];
      /** Walking speed, m/s. */
      speed: number;
      /** Seconds after the drive starts before the pedestrian sets off. */
      startDelay: number;
    }
  | { kind: "stand"; position: Point2; heading: number };

export interface PedestrianSpec {
  id: string;
  motion: PedestrianMotion;
  look: PedestrianLook;
  /** Walking phase at the start, radians (so people do not step in sync). */
  phase0: number;
  /** What the scenario meant it to do (reported in ground truth). */
  role: "sidewalk_walker" | "crossing" | "waiting_at_kerb" | "behind_parked_vehicle";
}

/** A vehicle: parked, or driving along a lane's centre line at constant speed. */
export interface VehicleSpec {
  id: string;
  length: number;
  width: number;
  height: number;
  color: [number, number, number];
  motion:
    | { kind: "parked"; position: Point2; heading: number }
    | {
        kind: "drive";
        /** The lane centre line it follows (map frame, in driving direction). */
        path: Point2[];
        /** Distance along the path at time 0, metres. */
        start: number;
        /** m/s. */
        speed: number;
      };
}

/** A pose on the ground at an instant. */
export interface GroundPose {
  x: number;
  y: number;
  heading: number;
}

/** The drawable surfaces, paint and map features a road (or the whole world) holds. */
export interface WorldFeatures {
  surfaces: Surface[];
  paint: Paint[];
  /** Lane boundaries as painted (and road edges), ids stable. */
  laneBoundaries: LaneBoundary[];
  lanes: Lane[];
  crosswalks: WorldCrosswalk[];
  stopLines: StopLine[];
}

/** Empty feature lists, to be filled by a road builder or by assembling roads. */
export function emptyWorldFeatures(): WorldFeatures {
  return { surfaces: [], paint: [], laneBoundaries: [], lanes: [], crosswalks: [], stopLines: [] };
}

/** The world: geometry, map features (as they really are) and actors. */
export interface World extends WorldFeatures {
  /** The geodetic origin of the `map` frame. */
  origin: GeoPoint;
  pedestrians: PedestrianSpec[];
  vehicles: VehicleSpec[];
  /** Reference lines by road id (for placing things relative to roads). */
  roads: Map<string, ReferenceLine>;
  /** Axis-aligned bounds of everything drawn, with margin. */
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
}

/** The HD-map crosswalk for a world crosswalk. */
export function crosswalkFeature(c: WorldCrosswalk): Crosswalk {
  return { kind: "crosswalk", id: c.id, polygon: c.polygon.map((p) => ({ ...p })) };
}
