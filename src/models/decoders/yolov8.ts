/**
 * YOLOv8 / YOLO11 anchor-free decoder: output [1, 4 + C, N] (channels first, as Ultralytics
 * exports it; [1, N, 4 + C] and rank-2 forms are read too): per candidate cx, cy, w, h in input
 * pixels, then C sigmoided class scores; no objectness.
 */
import type { Detection } from "../detection.js";
import { bestClass, candidateTable, centreSizeDetection } from "./candidates.js";
import { fitsTable, pickOutput, type DecoderFamily } from "./family.js";

/** Contract parameters (`decoder: { type: yolov8, num_classes }`). */
export interface Yolov8Decoder {
  type: "yolov8";
  /** Number of classes. */
  numClasses: number;
}

export interface Yolov8DecodeOptions {
  /** Number of classes C. */
  numClasses: number;
  /** Candidates with a best class score below this are dropped. */
  scoreThreshold: number;
  /** Only candidates whose best class (argmax over all classes) is one of these are kept; all when undefined. */
  classFilter?: readonly number[];
}

/** Detections in tensor pixels (corner convention), before NMS. `dims` is the output shape. */
export function decodeYolov8(
  output: Float32Array,
  dims: readonly number[],
  o: Yolov8DecodeOptions,
): Detection[] {
  const t = candidateTable("yolov8 output", output, dims, 4 + o.numClasses, "columns");
  const allowed = o.classFilter ? new Set(o.classFilter) : undefined;
  const out: Detection[] = [];
  for (let i = 0; i < t.count; i++) {
    const { classId, score } = bestClass(t, i, 4, o.numClasses);
    if (classId < 0 || (allowed && !allowed.has(classId)) || score < o.scoreThreshold) continue;
    out.push(centreSizeDetection(t, i, score, classId));
  }
  return out;
}

export const yolov8Family: DecoderFamily<Yolov8Decoder, { output: string }> = {
  type: "yolov8",
  layout:
    "one output [1, 4 + C, N] (or [1, N, 4 + C], rank 2 too): cx, cy, w, h in input pixels, C sigmoided class scores",
  parse: (raw, r) => ({
    type: "yolov8",
    numClasses: r.int(raw.num_classes ?? 80, "decoder.num_classes", 1),
  }),
  bind: (d, ctx) => ({
    output: pickOutput(
      ctx,
      "output",
      `[1,${4 + d.numClasses},N]`,
      fitsTable(4 + d.numClasses, "either"),
    ),
  }),
  outputNames: (b) => [b.output],
  decode(d, b, get, s) {
    const o = get(b.output);
    return decodeYolov8(o.data, o.dims, {
      numClasses: d.numClasses,
      scoreThreshold: s.scoreThreshold,
      classFilter: s.classFilter,
    });
  },
};
