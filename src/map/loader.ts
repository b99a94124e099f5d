import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { projectPath } from "../core/paths.js";
import { findSelfIntersection, signedPolygonArea } from "../geometry/polygon.js";
import { polylineLength, projectOntoPolyline } from "../geometry/polyline.js";
import type { Point2 } from "../geometry/types.js";
import { createHdMap } from "./hd-map.js";
import { MapValidationError } from "./map-validation-error.js";
import { LocalProjection, type GeoPoint } from "./local-projection.js";
import { checkLaneLinkSymmetry, checkReferences } from "./references.js";
import type { BoundaryColor, BoundaryType, HdMap, MapFeature } from "./types.js";

/** Coordinates farther than this from the map origin are taken as not WGS84 (swapped, projected or local metres). */
const MAX_DISTANCE_FROM_ORIGIN_M = 200_000;

let validator: ValidateFunction | undefined;

/** The compiled maps/hdmap.schema.json. */
function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(
      readFileSync(projectPath("maps", "hdmap.schema.json"), "utf8"),
    ) as object;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validator;
}

/**
 * Loads an HD map from a GeoJSON file path or an already parsed object: validates it against
 * maps/hdmap.schema.json and the semantic rules of docs/hd-map.md, converts WGS84 to the local
 * `map` frame (ENU around hdmap.origin) and indexes it. Throws one `map` PerceptionError whose
 * message lists every problem found, one per line.
 */
export function loadHdMap(source: string | object): HdMap {
  const label = typeof source === "string" ? source : "<object>";
  let doc: unknown = source;
  if (typeof source === "string") {
    let text: string;
    try {
      text = readFileSync(source, "utf8");
    } catch (err) {
      throw new PerceptionError(
        "map",
        `cannot read HD map file: ${errorMessage(err)}`,
        { source: label },
        { cause: err },
      );
    }
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new PerceptionError(
        "map",
        `HD map file is not valid JSON: ${errorMessage(err)}`,
        { source: label },
        { cause: err },
      );
    }
  }
  const errors: string[] = [];
  const validate = schemaValidator();
  if (!validate(doc)) errors.push(...formatSchemaErrors(validate.errors ?? [], doc));

  const root = (isObject(doc) ? doc : {}) as Record<string, unknown>;
  const header = isObject(root.hdmap) ? (root.hdmap as Record<string, unknown>) : {};
  const name = typeof header.name === "string" ? header.name : "";
  const originRaw = isObject(header.origin) ? (header.origin as Record<string, unknown>) : {};
  let projection: LocalProjection | undefined;
  const origin: GeoPoint = {
    latitude: Number(originRaw.latitude),
    longitude: Number(originRaw.longitude),
    altitude: Number(originRaw.altitude ?? 0),
  };
  try {
    if (
      Number.isFinite(origin.altitude) &&
      Number.isFinite(origin.latitude) &&
      Number.isFinite(origin.longitude)
    )
      projection = new LocalProjection(origin);
  } catch {
    // The schema errors already name a bad origin.
  }
  if (!projection && errors.length === 0) {
    errors.push(
      `hdmap.origin must be a finite WGS84 position, got ${JSON.stringify(header.origin)}`,
    );
  }

  const warnings: string[] = [];
  const features: MapFeature[] = [];
  const rawFeatures = Array.isArray(root.features) ? root.features : [];
  if (projection) {
    rawFeatures.forEach((raw, index) => {
      const f = convertFeature(raw, index, projection!, errors, warnings);
      if (f) features.push(f);
    });
    // Features of the file that could not be used: their own problems are listed already.
    const converted = new Set(features.map((f) => f.id));
    const unusable = new Set(
      rawFeatures
        .map((raw) => (isObject(raw) && typeof raw.id === "string" ? raw.id : ""))
        .filter((id) => id !== "" && !converted.has(id)),
    );
    errors.push(...checkReferences(features, unusable));
    errors.push(...checkLaneSides(features));
    warnings.push(...checkLaneLinkSymmetry(features));
    if (rawFeatures.length === 0)
      warnings.push(
        "the map has no features (no lanes, boundaries or crosswalks): fusion has nothing to match against",
      );
  }

  if (errors.length > 0) {
    throw new MapValidationError(
      `invalid HD map${name ? ` "${name}"` : ""}: ${errors.length} error(s)`,
      errors,
      { source: label },
    );
  }
  return createHdMap({ name, origin: projection!.origin, features, warnings });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** "features[3] (id "x")" for a path inside the document. */
function describePath(instancePath: string, doc: unknown): string {
  const m = /^\/features\/(\d+)(.*)$/.exec(instancePath);
  if (!m) return instancePath === "" ? "the document" : instancePath.slice(1).replaceAll("/", ".");
  const feature =
    isObject(doc) && Array.isArray(doc.features) ? doc.features[Number(m[1])] : undefined;
  const id = isObject(feature) && typeof feature.id === "string" ? ` (id "${feature.id}")` : "";
  const rest = m[2] ? ` ${m[2].slice(1).replaceAll("/", ".")}` : "";
  return `features[${m[1]}]${id}${rest}`;
}

/**
 * One line per problem. What follows from a problem already named is left out: the rules of every
 * feature type (a feature without a known `type` would fail all of them) and the coordinates of a
 * geometry of the wrong type.
 */
function formatSchemaErrors(errors: readonly ErrorObject[], doc: unknown): string[] {
  const featureIndex = (path: string): string | undefined =>
    /^\/features\/(\d+)(?:\/|$)/.exec(path)?.[1];
  const untyped = new Set<string>();
  const wrongGeometry = new Set<string>();
  for (const e of errors) {
    const i = featureIndex(e.instancePath);
    if (i === undefined) continue;
    const typeMissing =
      e.keyword === "required" &&
      e.instancePath === `/features/${i}/properties` &&
      (e.params as { missingProperty?: string }).missingProperty === "type";
    if (
      typeMissing ||
      (e.instancePath === `/features/${i}/properties/type` && !e.schemaPath.includes("/then/"))
    )
      untyped.add(i);
    if (e.instancePath === `/features/${i}/geometry/type`) wrongGeometry.add(i);
  }
  for (const [i, feature] of (isObject(doc) && Array.isArray(doc.features)
    ? doc.features
    : []
  ).entries()) {
    if (
      isObject(feature) &&
      (!isObject(feature.properties) || typeof feature.properties.type !== "string")
    )
      untyped.add(String(i));
  }
  const out = new Set<string>();
  for (const e of errors) {
    if (e.keyword === "if") continue; // "must match then schema": the inner errors say what.
    const i = featureIndex(e.instancePath);
    if (
      i !== undefined &&
      untyped.has(i) &&
      (e.schemaPath.includes("/then/") || e.instancePath.startsWith(`/features/${i}/geometry/`))
    )
      continue;
    if (
      i !== undefined &&
      wrongGeometry.has(i) &&
      e.instancePath.startsWith(`/features/${i}/geometry/coordinates`)
    )
      continue;
    let message = e.message ?? "is invalid";
    if (e.keyword === "enum")
      message += ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})`;
    if (e.keyword === "const")
      message += ` (${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)})`;
    if (e.keyword === "enum" && e.instancePath.endsWith("/properties/type"))
      message = `has unknown feature type ${JSON.stringify(valueAt(doc, e.instancePath))}: ${message}`;
    out.add(`${describePath(e.instancePath, doc)} ${message}`);
  }
  return [...out];
}

function valueAt(doc: unknown, pointer: string): unknown {
  let v: unknown = doc;
  for (const part of pointer.split("/").slice(1))
    v = isObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** Converts one raw feature, appending its problems; undefined when it cannot be used at all. */
function convertFeature(
  raw: unknown,
  index: number,
  projection: LocalProjection,
  errors: string[],
  warnings: string[],
): MapFeature | undefined {
  if (!isObject(raw) || !isObject(raw.properties) || !isObject(raw.geometry)) return undefined; // schema errors cover it
  const props = raw.properties;
  const id = typeof raw.id === "string" && raw.id.length > 0 ? raw.id : undefined;
  if (id === undefined) return undefined;
  const where = `features[${index}] (id "${id}")`;
  const toLocal = (coordinates: unknown): Point2[] | undefined =>
    convertPositions(coordinates, where, projection, errors);
  const stringList = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  const geometryType = raw.geometry.type;
  switch (props.type) {
    case "lane_boundary":
    case "lane":
    case "stop_line": {
      if (geometryType !== "LineString") return undefined;
      const points = toLocal(raw.geometry.coordinates) ?? [];
      if (points.length >= 2 && polylineLength(points) === 0)
        errors.push(`${where}: ${props.type} has zero length (all its points coincide)`);
      if (props.type === "lane_boundary") {
        return {
          kind: "lane_boundary",
          id,
          points,
          boundaryType: props.boundary_type as BoundaryType,
          color: props.color as BoundaryColor,
        };
      }
      if (props.type === "lane") {
        const lane: MapFeature = {
          kind: "lane",
          id,
          centerline: points,
          leftBoundaryId: String(props.left_boundary_id ?? ""),
          rightBoundaryId: String(props.right_boundary_id ?? ""),
          successorIds: stringList(props.successor_ids),
          predecessorIds: stringList(props.predecessor_ids),
        };
        if (typeof props.speed_limit_mps === "number") lane.speedLimit = props.speed_limit_mps;
        return lane;
      }
      return { kind: "stop_line", id, points, laneIds: stringList(props.lane_ids) };
    }
    case "crosswalk": {
      if (
        geometryType !== "Polygon" ||
        !Array.isArray(raw.geometry.coordinates) ||
        raw.geometry.coordinates.length !== 1
      )
        return undefined;
      const ring = toLocal(raw.geometry.coordinates[0]);
      if (!ring) return { kind: "crosswalk", id, polygon: [] };
      return {
        kind: "crosswalk",
        id,
        polygon: checkRing(ring, raw.geometry.coordinates[0] as unknown[], where, errors, warnings),
      };
    }
    default:
      return undefined;
  }
}

/** WGS84 positions to map-frame points; reports non-WGS84 values and returns undefined when any. */
function convertPositions(
  coordinates: unknown,
  where: string,
  projection: LocalProjection,
  errors: string[],
): Point2[] | undefined {
  if (!Array.isArray(coordinates)) return undefined;
  const points: Point2[] = [];
  let bad = 0;
  let firstBad = "";
  for (let i = 0; i < coordinates.length; i++) {
    const c = coordinates[i];
    if (!Array.isArray(c) || c.length < 2 || !c.every((v) => typeof v === "number"))
      return undefined; // the schema reports it
    if (!c.every((v) => Number.isFinite(v))) {
      errors.push(`${where}: coordinate ${i} has a non-finite value (${c.map(String).join(", ")})`);
      return undefined;
    }
    const [lon, lat, alt] = c as number[];
    let problem = "";
    if (Math.abs(lat!) > 90 || Math.abs(lon!) > 180) {
      problem =
        Math.abs(lat!) > 1000 || Math.abs(lon!) > 1000
          ? `is not WGS84 [lon, lat] degrees (the values look like projected metres, e.g. UTM)`
          : `is not WGS84 [lon, lat] degrees (latitude must be within +-90 and longitude within +-180; swapped?)`;
    } else {
      const local = toMapPlane(projection, lat!, lon!, alt);
      const distance = Math.hypot(local.x, local.y);
      if (distance > MAX_DISTANCE_FROM_ORIGIN_M) {
        problem = `is ${(distance / 1000).toFixed(0)} km from the map origin: coordinates must be WGS84 [lon, lat] degrees near the origin (swapped lat/lon, or local metres?)`;
      } else {
        points.push({ x: local.x, y: local.y });
      }
    }
    if (problem) {
      if (bad === 0) firstBad = `coordinate ${i} ${JSON.stringify(c)} ${problem}`;
      bad++;
    }
  }
  if (bad > 0) {
    errors.push(
      `${where}: ${firstBad}${bad > 1 ? ` (and ${bad - 1} more bad coordinate(s))` : ""}`,
    );
    return undefined;
  }
  return points;
}

/**
 * A position in the map frame. With an altitude it is exact; without one the point is taken to lie
 * on the map frame's horizontal plane z = 0 (the altitude is solved for), so 2D files written far
 * from the origin read back without the Earth's curvature leaking into x/y (0.19 m at 25 km otherwise).
 */
function toMapPlane(
  projection: LocalProjection,
  latitude: number,
  longitude: number,
  altitude: number | undefined,
): { x: number; y: number } {
  if (altitude !== undefined) return projection.toLocal({ latitude, longitude, altitude });
  let h = projection.origin.altitude;
  let local = projection.toLocal({ latitude, longitude, altitude: h });
  for (let i = 0; i < 4 && Math.abs(local.z) > 1e-6; i++) {
    h -= local.z;
    local = projection.toLocal({ latitude, longitude, altitude: h });
  }
  return local;
}

/** Checks a polygon ring (closed in the file) and returns it open and counter-clockwise. */
function checkRing(
  closed: Point2[],
  rawRing: unknown[],
  where: string,
  errors: string[],
  warnings: string[],
): Point2[] {
  if (rawRing.length < 4) return closed; // the schema reports too few positions
  const first = rawRing[0] as number[];
  const last = rawRing[rawRing.length - 1] as number[];
  if (first[0] !== last[0] || first[1] !== last[1]) {
    errors.push(
      `${where}: crosswalk ring is not closed (its last position must repeat the first, ${JSON.stringify(first)})`,
    );
    return closed;
  }
  const ring = closed
    .slice(0, -1)
    .filter((p, i, all) => i === 0 || p.x !== all[i - 1]!.x || p.y !== all[i - 1]!.y);
  if (ring.length < 3) {
    errors.push(`${where}: crosswalk ring has ${ring.length} distinct vertices, needs at least 3`);
    return ring;
  }
  const crossing = findSelfIntersection(ring);
  if (crossing) {
    errors.push(
      `${where}: crosswalk polygon is self-intersecting (edges ${crossing[0]} and ${crossing[1]} cross)`,
    );
    return ring;
  }
  const area = signedPolygonArea(ring);
  if (Math.abs(area) < 1e-6) {
    errors.push(`${where}: crosswalk polygon has zero area`);
    return ring;
  }
  if (area < 0) {
    warnings.push(
      `${where}: crosswalk exterior ring is clockwise; reversed to counter-clockwise (RFC 7946)`,
    );
    ring.reverse();
  }
  return ring;
}

/** Lanes whose left boundary lies right of the centerline or vice versa (boundaries swapped). */
function checkLaneSides(features: readonly MapFeature[]): string[] {
  const boundaries = new Map(
    features.filter((f) => f.kind === "lane_boundary").map((f) => [f.id, f] as const),
  );
  const problems: string[] = [];
  for (const lane of features) {
    if (lane.kind !== "lane" || lane.centerline.length < 2 || polylineLength(lane.centerline) === 0)
      continue;
    for (const [side, id, sign] of [
      ["left", lane.leftBoundaryId, 1],
      ["right", lane.rightBoundaryId, -1],
    ] as const) {
      const b = boundaries.get(id);
      if (!b || b.points.length === 0) continue;
      const mid = b.points[Math.floor(b.points.length / 2)]!;
      const offset = projectOntoPolyline(lane.centerline, mid).lateralOffset;
      if (offset * sign < 0)
        problems.push(
          `lane "${lane.id}": its ${side} boundary "${id}" lies on the ${side === "left" ? "right" : "left"} of the centerline (swapped boundaries, or a centerline against the driving direction?)`,
        );
    }
  }
  return problems;
}
