/**
 * Detections vs labelled objects in one frame, as detection benchmarks match them: detections in
 * descending score order each take the unmatched labelled object of highest box IoU at or above
 * the threshold; one that overlaps only a "don't care" object is neither TP nor FP; labelled
 * objects left unmatched are FN unless "don't care". Because the matching is greedy by score, the
 * match of each detection does not depend on lower-scored ones: the TP/FP counts at any higher
 * score threshold are exact (the precision-recall curve).
 */

/** A pixel box; x2/y2 exclusive. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A labelled object. */
export interface TruthObject {
  /** Id (stable over frames in a sequence; "" when the labels have none). */
  id: string;
  box: Box;
  /** The visible part when the label distinguishes it; the match takes the better IoU of the two. */
  visibleBox?: Box;
  /** Ground range, metres (NaN when unknown). */
  range: number;
  /** Ground position in base_link [x, y] when known. */
  position?: [number, number];
  /** Neither counted as missed nor as a false detection's excuse-free target. */
  dontCare: boolean;
}

/** A detection. */
export interface PredictedObject {
  box: Box;
  score: number;
  /** Ground range, metres (NaN when not placed). */
  range: number;
  position?: [number, number];
}

/** One matched pair. */
export interface BoxMatch {
  pred: number;
  truth: number;
  iou: number;
}

export interface BoxMatching {
  matches: BoxMatch[];
  /** Detections that match nothing (false positives). */
  falsePositives: number[];
  /** Detections that overlap only don't-care objects. */
  ignored: number[];
  /** Labelled objects (not don't-care) that nothing matched. */
  missed: number[];
}

export function boxHeight(b: Box): number {
  return b.y2 - b.y1;
}

export function boxIoU(a: Box, b: Box): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

function truthIoU(p: Box, t: TruthObject): number {
  return Math.max(boxIoU(p, t.box), t.visibleBox ? boxIoU(p, t.visibleBox) : 0);
}

/** Matches one frame's detections to its labelled objects at `iouThreshold`. */
export function matchBoxes(
  preds: readonly PredictedObject[],
  truths: readonly TruthObject[],
  iouThreshold: number,
): BoxMatching {
  const order = preds.map((_, i) => i).sort((a, b) => preds[b]!.score - preds[a]!.score || a - b);
  const taken = new Set<number>();
  const result: BoxMatching = { matches: [], falsePositives: [], ignored: [], missed: [] };
  for (const pi of order) {
    const p = preds[pi]!;
    let best = -1;
    let bestIoU = iouThreshold;
    for (let ti = 0; ti < truths.length; ti++) {
      const t = truths[ti]!;
      if (t.dontCare || taken.has(ti)) continue;
      const iou = truthIoU(p.box, t);
      if (iou >= bestIoU && (best < 0 || iou > bestIoU)) {
        best = ti;
        bestIoU = iou;
      }
    }
    if (best >= 0) {
      taken.add(best);
      result.matches.push({ pred: pi, truth: best, iou: bestIoU });
    } else if (truths.some((t) => t.dontCare && truthIoU(p.box, t) >= iouThreshold)) {
      result.ignored.push(pi);
    } else {
      result.falsePositives.push(pi);
    }
  }
  truths.forEach((t, ti) => {
    if (!t.dontCare && !taken.has(ti)) result.missed.push(ti);
  });
  return result;
}
