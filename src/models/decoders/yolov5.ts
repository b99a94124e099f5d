/**
 * YOLOv5 / YOLOv7 anchor-based decoder (the usual export with the grid decode inside the graph):
 * output [1, N, 5 + C] (or [N, 5 + C]): per candidate cx, cy, w, h in input pixels, objectness,
 * then C class scores, all sigmoided; score = obj * class score.
 */
import type { Detection } from "../detection.js";
import { bestClass, candidateTable, centreSizeDetection } from "./candidates.js";
import { fitsTable, pickOutput, shapeText, type DecoderFamily } from "./family.js";

/** Contract parameters (`decoder: { type: yolov5, num_classes }`). */
export interface Yolov5Decoder {
  type: "yolov5";
  /** Number of classes. */
  numClasses: number;
}

export interface Yolov5DecodeOptions {
  /** Number of classes C. */
  numClasses: number;
  /** Candidates scoring below this (obj * class) are dropped. */
  scoreThreshold: number;
  /** Only candidates whose best class is one of these are kept; all when undefined. */
  classFilter?: readonly number[];
}

/** Detections in tensor pixels (corner convention), before NMS. */
export function decodeYolov5(
  output: Float32Array,
  dims: readonly number[],
  o: Yolov5DecodeOptions,
): Detection[] {
  const t = candidateTable("yolov5 output", output, dims, 5 + o.numClasses, "rows");
  const allowed = o.classFilter ? new Set(o.classFilter) : undefined;
  const out: Detection[] = [];
  for (let i = 0; i < t.count; i++) {
    const obj = t.at(i, 4);
    if (obj < o.scoreThreshold) continue;
    const best = bestClass(t, i, 5, o.numClasses);
    const score = obj * best.score;
    if (best.classId < 0 || (allowed && !allowed.has(best.classId)) || score < o.scoreThreshold)
      continue;
    out.push(centreSizeDetection(t, i, score, best.classId));
  }
  return out;
}

export const yolov5Family: DecoderFamily<Yolov5Decoder, { output: string }> = {
  type: "yolov5",
  layout:
    "one output [1, N, 5 + C] or [N, 5 + C]: cx, cy, w, h in input pixels, obj, C class scores (sigmoided)",
  parse: (raw, r) => ({
    type: "yolov5",
    numClasses: r.int(raw.num_classes ?? 80, "decoder.num_classes", 1),
  }),
  bind: (d, ctx) => ({
    output: pickOutput(
      ctx,
      "output",
      shapeText("N", 5 + d.numClasses),
      fitsTable(5 + d.numClasses, "rows"),
    ),
  }),
  outputNames: (b) => [b.output],
  decode(d, b, get, s) {
    const o = get(b.output);
    return decodeYolov5(o.data, o.dims, {
      numClasses: d.numClasses,
      scoreThreshold: s.scoreThreshold,
      classFilter: s.classFilter,
    });
  },
};
