import Flatbush from "flatbush";
import type { Point2 } from "../geometry/types.js";
import { distanceToFeature, featureBounds } from "./feature-geometry.js";
import type { Box2, MapFeature, MapFeatureKind } from "./types.js";

/** A feature and its distance from a query point. */
export interface FeatureAtDistance<F extends MapFeature = MapFeature> {
  feature: F;
  /** Metres from the query point to the feature's geometry (0 inside a polygon). */
  distance: number;
}

/**
 * A static R-tree (flatbush) over the features' bounding boxes. `query` is by box; `near` and
 * `nearest` refine the box candidates with the true polyline/polygon distance.
 */
export class FeatureIndex {
  readonly #features: readonly MapFeature[];
  readonly #tree: Flatbush | undefined;

  constructor(features: readonly MapFeature[]) {
    this.#features = features;
    if (features.length === 0) {
      this.#tree = undefined;
      return;
    }
    const tree = new Flatbush(features.length);
    for (const f of features) {
      const b = featureBounds(f);
      tree.add(b.minX, b.minY, b.maxX, b.maxY);
    }
    tree.finish();
    this.#tree = tree;
  }

  get size(): number {
    return this.#features.length;
  }

  /** Features whose bounding box intersects the box, optionally of some kinds only, in insertion order. */
  query(box: Box2, kinds?: readonly MapFeatureKind[]): MapFeature[] {
    if (!this.#tree) return [];
    const ids = this.#tree.search(
      box.minX,
      box.minY,
      box.maxX,
      box.maxY,
      kinds ? (i) => kinds.includes(this.#features[i]!.kind) : undefined,
    );
    ids.sort((a, b) => a - b);
    return ids.map((i) => this.#features[i]!);
  }

  /** Features within `radius` metres of p by true geometry distance, nearest first. */
  near(p: Point2, radius: number, kinds?: readonly MapFeatureKind[]): FeatureAtDistance[] {
    if (!(radius >= 0)) return [];
    const out: FeatureAtDistance[] = [];
    for (const feature of this.query(
      { minX: p.x - radius, minY: p.y - radius, maxX: p.x + radius, maxY: p.y + radius },
      kinds,
    )) {
      const distance = distanceToFeature(feature, p);
      if (distance <= radius) out.push({ feature, distance });
    }
    out.sort((a, b) => a.distance - b.distance);
    return out;
  }

  /**
   * The nearest feature (true distance) within `maxDistance` (default 100 m), optionally of some
   * kinds; undefined when none. Searches boxes of growing size.
   */
  nearest(
    p: Point2,
    kinds?: readonly MapFeatureKind[],
    maxDistance = 100,
  ): FeatureAtDistance | undefined {
    let radius = Math.min(5, maxDistance);
    for (;;) {
      const hits = this.near(p, radius, kinds);
      if (hits.length > 0) return hits[0];
      if (radius >= maxDistance) return undefined;
      radius = Math.min(radius * 4, maxDistance);
    }
  }
}
