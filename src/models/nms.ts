/**
 * Greedy non-maximum suppression: take the best-scoring box, drop every remaining box overlapping
 * it by more than the IoU threshold, repeat.
 */
import { iou, type Detection } from "./detection.js";

export interface NmsOptions {
  /** Boxes overlapping a kept box by IoU strictly above this are dropped (0..1). */
  iouThreshold: number;
  /** Suppress only within a class (true) or across classes (false). Default true. */
  perClass?: boolean;
  /** Keep at most this many boxes (after suppression, best first). Default unlimited. */
  maxDetections?: number;
}

/** The kept detections, best score first (ties keep input order). Does not modify the input. */
export function nonMaxSuppression<D extends Detection>(
  detections: readonly D[],
  options: NmsOptions,
): D[] {
  const perClass = options.perClass ?? true;
  const max = options.maxDetections ?? Number.POSITIVE_INFINITY;
  const order = detections
    .map((_, i) => i)
    .sort((a, b) => detections[b]!.score - detections[a]!.score || a - b);
  const suppressed = new Uint8Array(detections.length);
  const kept: D[] = [];
  for (let i = 0; i < order.length && kept.length < max; i++) {
    const ai = order[i]!;
    if (suppressed[ai]) continue;
    const a = detections[ai]!;
    kept.push(a);
    for (let j = i + 1; j < order.length; j++) {
      const bj = order[j]!;
      if (suppressed[bj]) continue;
      const b = detections[bj]!;
      if (perClass && a.classId !== b.classId) continue;
      if (iou(a, b) > options.iouThreshold) suppressed[bj] = 1;
    }
  }
  return kept;
}
