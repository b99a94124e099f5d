import { locateInLane } from "../geometry/lane-corridor.js";
import type { Point2 } from "../geometry/types.js";
import type { GeoPoint } from "./local-projection.js";
import { MapValidationError } from "./map-validation-error.js";
import { checkReferences } from "./references.js";
import { FeatureIndex } from "./spatial-index.js";
import type {
  Box2,
  Crosswalk,
  HdMap,
  Lane,
  LaneBoundary,
  MapFeature,
  MapFeatureKind,
  StopLine,
} from "./types.js";

/** Inputs of `createHdMap`. */
export interface CreateHdMapOptions {
  /** Map name. */
  name: string;
  /** The map frame's origin. */
  origin: GeoPoint;
  /** Features in the map frame (crosswalk rings open, counter-clockwise). */
  features: readonly MapFeature[];
  /** Findings to carry as the map's `warnings`. */
  warnings?: readonly string[];
}

/**
 * An in-memory HdMap over map-frame features (what the loader returns; also for tests and the
 * scenario generator). Throws a `map` PerceptionError listing every duplicate id and dangling reference.
 */
export function createHdMap(o: CreateHdMapOptions): HdMap {
  const problems = checkReferences(o.features);
  if (problems.length > 0) {
    throw new MapValidationError(
      `invalid HD map "${o.name}": ${problems.length} error(s)`,
      problems,
      { map: o.name },
    );
  }
  return new IndexedHdMap(o);
}

class IndexedHdMap implements HdMap {
  readonly name: string;
  readonly origin: Readonly<GeoPoint>;
  readonly features: readonly MapFeature[];
  readonly warnings: readonly string[];
  readonly laneBoundaries = new Map<string, LaneBoundary>();
  readonly lanes = new Map<string, Lane>();
  readonly crosswalks = new Map<string, Crosswalk>();
  readonly stopLines = new Map<string, StopLine>();
  readonly #byId = new Map<string, MapFeature>();
  readonly #index: FeatureIndex;

  constructor(o: CreateHdMapOptions) {
    this.name = o.name;
    this.origin = Object.freeze({ ...o.origin });
    this.features = Object.freeze([...o.features]);
    this.warnings = Object.freeze([...(o.warnings ?? [])]);
    for (const f of this.features) {
      this.#byId.set(f.id, f);
      switch (f.kind) {
        case "lane_boundary":
          this.laneBoundaries.set(f.id, f);
          break;
        case "lane":
          this.lanes.set(f.id, f);
          break;
        case "crosswalk":
          this.crosswalks.set(f.id, f);
          break;
        case "stop_line":
          this.stopLines.set(f.id, f);
          break;
      }
    }
    this.#index = new FeatureIndex(this.features);
  }

  feature(id: string): MapFeature | undefined {
    return this.#byId.get(id);
  }

  query(box: Box2, kinds?: readonly MapFeatureKind[]): MapFeature[] {
    return this.#index.query(box, kinds);
  }

  near(point: Point2, radius: number, kinds?: readonly MapFeatureKind[]): MapFeature[] {
    return this.#index.near(point, radius, kinds).map((h) => h.feature);
  }

  nearWithDistance(
    point: Point2,
    radius: number,
    kinds?: readonly MapFeatureKind[],
  ): { feature: MapFeature; distance: number }[] {
    return this.#index.near(point, radius, kinds);
  }

  nearest(
    point: Point2,
    kinds?: readonly MapFeatureKind[],
    maxDistance?: number,
  ): { feature: MapFeature; distance: number } | undefined {
    return this.#index.nearest(point, kinds, maxDistance);
  }

  lanesAt(point: Point2): Lane[] {
    const out: Lane[] = [];
    // Candidate lanes: those whose boundaries' boxes contain the point (a lane lies between them).
    const candidates = new Set<Lane>();
    for (const f of this.#index.query(
      { minX: point.x, minY: point.y, maxX: point.x, maxY: point.y },
      ["lane", "lane_boundary"],
    )) {
      if (f.kind === "lane") candidates.add(f);
    }
    for (const hit of this.#index.near(point, 10, ["lane"])) candidates.add(hit.feature as Lane);
    for (const lane of candidates) {
      const left = this.laneBoundaries.get(lane.leftBoundaryId);
      const right = this.laneBoundaries.get(lane.rightBoundaryId);
      if (!left || !right) continue;
      if (locateInLane(lane.centerline, left.points, right.points, point).inside) out.push(lane);
    }
    return out;
  }
}
