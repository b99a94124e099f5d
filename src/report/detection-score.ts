/**
 * Per-class detection counts of frames of boxes: TP/FP/FN overall, by range band and box height
 * band, the counts at each precision-recall threshold, and the ground position error of matched
 * detections by range band.
 */
import { bandOf, type EvalConfig } from "./eval-config.js";
import { boxHeight, matchBoxes, type PredictedObject, type TruthObject } from "./box-matching.js";
import {
  addError,
  zeroCounts,
  zeroErrors,
  type Counts,
  type DetectionPartial,
  type ErrorSum,
} from "./partial.js";

/** One frame's detections and labels of one class. */
export interface DetectionFrame {
  preds: PredictedObject[];
  truths: TruthObject[];
}

export function emptyDetection(config: EvalConfig): DetectionPartial {
  const n = config.pedestrians.pr_thresholds.length;
  return {
    counts: zeroCounts(),
    byRange: {},
    byHeight: {},
    prTp: new Array<number>(n).fill(0),
    prFp: new Array<number>(n).fill(0),
  };
}

function bump(map: Record<string, Counts>, band: string, key: keyof Counts): void {
  (map[band] ??= zeroCounts())[key]++;
}

/** Adds frames into `into` (detection counts) and `position` (ground error by range band). */
export function scoreDetections(
  frames: readonly DetectionFrame[],
  config: EvalConfig,
  into: DetectionPartial,
  position: Record<string, ErrorSum>,
): void {
  const thresholds = config.pedestrians.pr_thresholds;
  for (const { preds, truths } of frames) {
    const m = matchBoxes(preds, truths, config.pedestrians.iou);
    for (const { pred, truth } of m.matches) {
      const t = truths[truth]!;
      const p = preds[pred]!;
      into.counts.tp++;
      bump(into.byRange, bandOf(config.range_bands_m, t.range), "tp");
      bump(into.byHeight, bandOf(config.height_bands_px, boxHeight(t.box)), "tp");
      thresholds.forEach((th, i) => {
        if (p.score >= th) into.prTp[i]!++;
      });
      if (t.position && p.position) {
        addError(
          (position[bandOf(config.range_bands_m, t.range)] ??= zeroErrors()),
          Math.hypot(p.position[0] - t.position[0], p.position[1] - t.position[1]),
        );
      }
    }
    for (const pi of m.falsePositives) {
      const p = preds[pi]!;
      into.counts.fp++;
      bump(into.byRange, bandOf(config.range_bands_m, p.range), "fp");
      bump(into.byHeight, bandOf(config.height_bands_px, boxHeight(p.box)), "fp");
      thresholds.forEach((th, i) => {
        if (p.score >= th) into.prFp[i]!++;
      });
    }
    for (const ti of m.missed) {
      const t = truths[ti]!;
      into.counts.fn++;
      bump(into.byRange, bandOf(config.range_bands_m, t.range), "fn");
      bump(into.byHeight, bandOf(config.height_bands_px, boxHeight(t.box)), "fn");
    }
  }
}
