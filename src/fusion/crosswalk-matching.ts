import type { Point2 } from "../geometry/types.js";
import { polygonCentroid, polygonIoU } from "./polyline.js";

/** Tuning of detected-to-mapped crosswalk matching. */
export interface CrosswalkMatchOptions {
  /** Least polygon IoU for a match by overlap. */
  minIoU: number;
  /** Largest centroid distance for a match when the polygons hardly overlap, metres. */
  maxCentroidDistance: number;
}

/** The result of matching: index pairs and the leftovers on both sides. */
export interface CrosswalkMatching {
  /** [detection index, mapped index]. */
  pairs: [number, number][];
  unmatchedDetections: number[];
  unmatchedMapped: number[];
}

/**
 * Matches detected crosswalk polygons with mapped ones (both in base_link): greedy on a score that
 * prefers overlap (IoU) and falls back to centroid distance for thin or partial detections.
 */
export function matchCrosswalks(
  detected: readonly Point2[][],
  mapped: readonly Point2[][],
  o: CrosswalkMatchOptions,
): CrosswalkMatching {
  const dc = detected.map((p) => (p.length >= 3 ? polygonCentroid(p) : undefined));
  const mc = mapped.map((p) => polygonCentroid(p));
  const candidates: { d: number; m: number; score: number }[] = [];
  detected.forEach((dp, di) => {
    const c = dc[di];
    if (!c) return;
    mapped.forEach((mp, mi) => {
      const dist = Math.hypot(c.x - mc[mi]!.x, c.y - mc[mi]!.y);
      if (dist > 3 * o.maxCentroidDistance) return;
      const iou = polygonIoU(dp, mp);
      let score = 0;
      if (iou >= o.minIoU) score = 1 + iou;
      else if (dist <= o.maxCentroidDistance) score = 1 - dist / o.maxCentroidDistance;
      if (score > 0) candidates.push({ d: di, m: mi, score });
    });
  });
  candidates.sort((a, b) => b.score - a.score);
  const dUsed = new Set<number>();
  const mUsed = new Set<number>();
  const pairs: [number, number][] = [];
  for (const c of candidates) {
    if (dUsed.has(c.d) || mUsed.has(c.m)) continue;
    dUsed.add(c.d);
    mUsed.add(c.m);
    pairs.push([c.d, c.m]);
  }
  return {
    pairs,
    unmatchedDetections: detected.map((_, i) => i).filter((i) => !dUsed.has(i)),
    unmatchedMapped: mapped.map((_, i) => i).filter((i) => !mUsed.has(i)),
  };
}
