import { createRequire } from "node:module";
import type { FeatureCollection, Point } from "geojson";
import type { GeoPoint } from "../map/local-projection.js";
import { LocalProjection } from "../map/local-projection.js";
import { MapDisagreement } from "../msgs/types.generated.js";

/** The one function of the `geojson` npm package fusion uses (the package ships no types; @types/geojson names only the format). */
interface GeoJsonPackage {
  parse(
    records: readonly object[],
    settings: { Point: [string, string]; include?: string[] },
  ): FeatureCollection<Point>;
}
const geojsonPackage = createRequire(import.meta.url)("geojson") as GeoJsonPackage;

/** The GeoJSON `kind` property of each MapDisagreement kind. */
const DISAGREEMENT_KIND_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED]: "lane_boundary_shifted",
  [MapDisagreement.KIND_LANE_BOUNDARY_TYPE]: "lane_boundary_type",
  [MapDisagreement.KIND_CROSSWALK_UNMAPPED]: "crosswalk_unmapped",
  [MapDisagreement.KIND_CROSSWALK_MISSING]: "crosswalk_missing",
});

/**
 * Map disagreements as a GeoJSON FeatureCollection of points (RFC 7946: WGS84 longitude, latitude)
 * for map maintenance, each with kind, map_id, description, magnitude_m, evidence_frames and
 * confidence properties. Positions go from the map frame to WGS84 through the map's origin.
 */
export function disagreementsToGeoJson(
  disagreements: readonly MapDisagreement[],
  origin: Readonly<GeoPoint>,
): FeatureCollection<Point> {
  const projection = new LocalProjection({ ...origin });
  const records = disagreements.map((d) => {
    const geo = projection.toGeo({ x: d.position.x, y: d.position.y, z: 0 });
    return {
      lat: geo.latitude,
      lng: geo.longitude,
      kind: DISAGREEMENT_KIND_NAMES[d.kind] ?? `kind_${d.kind}`,
      map_id: d.map_id,
      description: d.description,
      magnitude_m: d.magnitude,
      evidence_frames: d.evidence_frames,
      confidence: d.confidence,
    };
  });
  return geojsonPackage.parse(records, {
    Point: ["lat", "lng"],
    include: ["kind", "map_id", "description", "magnitude_m", "evidence_frames", "confidence"],
  });
}
