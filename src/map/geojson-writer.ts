import type { Position } from "geojson";
import { PerceptionError } from "../core/errors.js";
import { normalizeRing } from "../geometry/polygon.js";
import type { Point2 } from "../geometry/types.js";
import type {
  HdMapFeatureCollection,
  HdMapFeatureProperties,
  HdMapGeoJsonFeature,
} from "./geojson-types.js";
import { LocalProjection, type GeoPoint } from "./local-projection.js";
import type { MapFeature } from "./types.js";

/** Inputs of `hdMapToGeoJson`. */
export interface HdMapToGeoJsonOptions {
  /** The map's name (hdmap.name). */
  name: string;
  /** The `map` frame's origin in WGS84; feature coordinates are relative to it. */
  origin: GeoPoint;
  /** Features in the map frame (ENU metres around `origin`); written in this order. */
  features: readonly MapFeature[];
  /**
   * Write `[lon, lat, alt]` (default true); false writes `[lon, lat]`, which the loader reads as
   * points on the map frame's z = 0 plane. Either reads back to well under a millimetre.
   */
  withAltitude?: boolean;
}

/**
 * The one place HD maps are written: map-frame features to a GeoJSON FeatureCollection (RFC 7946,
 * WGS84) with the `hdmap` foreign member, following maps/hdmap.schema.json. Crosswalk rings are
 * closed and written counter-clockwise. `loadHdMap(hdMapToGeoJson(x))` gives x back.
 */
export function hdMapToGeoJson(o: HdMapToGeoJsonOptions): HdMapFeatureCollection {
  const projection = new LocalProjection(o.origin);
  const withAltitude = o.withAltitude ?? true;
  const position = (p: Point2): Position => {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y))
      throw new PerceptionError(
        "map",
        `cannot write a non-finite map coordinate (${p.x}, ${p.y})`,
        { map: o.name },
      );
    const g = projection.toGeo({ x: p.x, y: p.y, z: 0 });
    const lon = round(g.longitude, 1e10);
    const lat = round(g.latitude, 1e10);
    return withAltitude ? [lon, lat, round(g.altitude, 1e4)] : [lon, lat];
  };
  const features = o.features.map((f): HdMapGeoJsonFeature => {
    switch (f.kind) {
      case "lane_boundary":
        return feature(
          f.id,
          { type: "LineString", coordinates: f.points.map(position) },
          { type: "lane_boundary", boundary_type: f.boundaryType, color: f.color },
        );
      case "lane": {
        const props: HdMapFeatureProperties = {
          type: "lane",
          left_boundary_id: f.leftBoundaryId,
          right_boundary_id: f.rightBoundaryId,
          successor_ids: [...f.successorIds],
          predecessor_ids: [...f.predecessorIds],
        };
        if (f.speedLimit !== undefined) props.speed_limit_mps = f.speedLimit;
        return feature(
          f.id,
          { type: "LineString", coordinates: f.centerline.map(position) },
          props,
        );
      }
      case "crosswalk": {
        const ring = normalizeRing(f.polygon).map(position);
        if (ring.length > 0) ring.push([...ring[0]!]);
        return feature(f.id, { type: "Polygon", coordinates: [ring] }, { type: "crosswalk" });
      }
      case "stop_line":
        return feature(
          f.id,
          { type: "LineString", coordinates: f.points.map(position) },
          { type: "stop_line", lane_ids: [...f.laneIds] },
        );
    }
  });
  return {
    type: "FeatureCollection",
    hdmap: {
      format_version: 1,
      name: o.name,
      origin: {
        latitude: o.origin.latitude,
        longitude: o.origin.longitude,
        altitude: o.origin.altitude ?? 0,
      },
    },
    features,
  };
}

function feature(
  id: string,
  geometry: HdMapGeoJsonFeature["geometry"],
  properties: HdMapFeatureProperties,
): HdMapGeoJsonFeature {
  return { type: "Feature", id, geometry, properties };
}

function round(value: number, scale: number): number {
  return Math.round(value * scale) / scale;
}
