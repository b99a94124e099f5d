import type { Feature, FeatureCollection, LineString, Polygon } from "geojson";
import type { GeoPoint } from "./local-projection.js";

/** The foreign member `hdmap` of an HD-map FeatureCollection (docs/hd-map.md). */
export interface HdMapHeader {
  /** Always 1 for this format. */
  format_version: 1;
  /** Map name. */
  name: string;
  /** The `map` frame's origin. */
  origin: GeoPoint;
}

/** Properties of each feature type as written in the file (snake_case, as the schema). */
export type HdMapFeatureProperties =
  | { type: "lane_boundary"; boundary_type: string; color: string }
  | {
      type: "lane";
      left_boundary_id: string;
      right_boundary_id: string;
      successor_ids: string[];
      predecessor_ids: string[];
      speed_limit_mps?: number;
    }
  | { type: "crosswalk" }
  | { type: "stop_line"; lane_ids: string[] };

/** One feature of an HD-map file. */
export type HdMapGeoJsonFeature = Feature<LineString | Polygon, HdMapFeatureProperties> & {
  id: string;
};

/** An HD-map file: a GeoJSON FeatureCollection with the `hdmap` foreign member. */
export type HdMapFeatureCollection = FeatureCollection<
  LineString | Polygon,
  HdMapFeatureProperties
> & {
  hdmap: HdMapHeader;
  features: HdMapGeoJsonFeature[];
};
