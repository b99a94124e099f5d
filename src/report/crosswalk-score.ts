/**
 * Crosswalks: per-frame presence (a labelled crossing within the presence range vs any detection),
 * and detected vs labelled polygons in base_link (matched at an IoU, else by centroid distance)
 * with their IoU and distance-ahead error.
 */
import { polygonCentroid, polygonIoU } from "../geometry/polygon.js";
import type { Point2 } from "../geometry/types.js";
import type { EvalConfig } from "./eval-config.js";
import { addError, zeroErrors, type CrosswalkPartial } from "./partial.js";

/** A crossing outline in base_link with its distance ahead (min x). */
export interface GroundCrosswalk {
  polygon: Point2[];
  distanceAhead: number;
}

/** One frame's labels: crossings in view (polygon known or not) for presence. */
export interface CrosswalkFrame {
  preds: GroundCrosswalk[];
  /** Labelled crossings in view. */
  truths: GroundCrosswalk[];
}

export function emptyCrosswalks(): CrosswalkPartial {
  return {
    presence: { tp: 0, fp: 0, fn: 0 },
    dontCareFrames: 0,
    polygons: { tp: 0, fp: 0, fn: 0 },
    iou: zeroErrors(),
    distance: zeroErrors(),
  };
}

/** Adds a presence decision: `labelled` is true, false or "dont-care" (only out-of-range crossings in view). */
export function addPresence(
  into: CrosswalkPartial,
  labelled: boolean | "dont-care",
  detected: boolean,
): void {
  if (labelled === "dont-care") into.dontCareFrames++;
  else if (labelled && detected) into.presence.tp++;
  else if (labelled) into.presence.fn++;
  else if (detected) into.presence.fp++;
}

/** Scores one frame with polygons (presence and polygon matches) and adds into `into`. */
export function scoreCrosswalkFrame(
  frame: CrosswalkFrame,
  config: EvalConfig,
  into: CrosswalkPartial,
): void {
  const [near, far] = config.crosswalks.presence_range_m;
  const inRange = frame.truths.filter((t) => t.distanceAhead >= near && t.distanceAhead <= far);
  addPresence(
    into,
    inRange.length > 0 ? true : frame.truths.length > 0 ? "dont-care" : false,
    frame.preds.length > 0,
  );
  const pairs: { p: number; t: number; iou: number; d: number }[] = [];
  frame.preds.forEach((p, pi) => {
    frame.truths.forEach((t, ti) => {
      const iou =
        p.polygon.length >= 3 && t.polygon.length >= 3 ? polygonIoU(p.polygon, t.polygon) : 0;
      const cp = p.polygon.length ? polygonCentroid(p.polygon) : { x: NaN, y: NaN };
      const ct = t.polygon.length ? polygonCentroid(t.polygon) : { x: NaN, y: NaN };
      const d = Math.hypot(cp.x - ct.x, cp.y - ct.y);
      if (iou >= config.crosswalks.match_iou || d <= config.crosswalks.match_centroid_m)
        pairs.push({ p: pi, t: ti, iou, d });
    });
  });
  pairs.sort((a, b) => b.iou - a.iou || a.d - b.d);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  for (const m of pairs) {
    if (usedP.has(m.p) || usedT.has(m.t)) continue;
    usedP.add(m.p);
    usedT.add(m.t);
    into.polygons.tp++;
    addError(into.iou, m.iou);
    addError(into.distance, frame.preds[m.p]!.distanceAhead - frame.truths[m.t]!.distanceAhead);
  }
  into.polygons.fp += frame.preds.length - usedP.size;
  // Only crossings in the presence range are expected to be found.
  into.polygons.fn += inRange.filter((t) => !usedT.has(frame.truths.indexOf(t))).length;
}
