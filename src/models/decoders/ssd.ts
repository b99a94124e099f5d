/**
 * SSD-style decoder: two outputs, boxes [1, N, 4] and class scores [1, N, C] (rank 2 too), the
 * anchors already applied inside the graph (as TensorFlow / torchvision SSD and RetinaNet exports
 * with a decode step give them). The box order, whether boxes are relative (0..1) or input
 * pixels, the score activation and a background class are contract parameters.
 */
import type { Detection } from "../detection.js";
import { candidateTable } from "./candidates.js";
import { fitsTable, pickOutput, shapeText, sigmoid, type DecoderFamily } from "./family.js";

/** Contract parameters (`decoder: { type: ssd, num_classes, box_format, box_units, score_activation, background_class }`). */
export interface SsdDecoder {
  type: "ssd";
  /** Number of score columns C (background included when the model has one). */
  numClasses: number;
  /** Order of the four box values. */
  boxFormat: "xyxy" | "yxyx" | "cxcywh";
  /** "relative": 0..1 of the input size; "pixels": input pixels. */
  boxUnits: "relative" | "pixels";
  /** How raw scores become 0..1: already probabilities, per-class sigmoid, or softmax over C. */
  scoreActivation: "none" | "sigmoid" | "softmax";
  /** Score column of the background class, never reported; -1 when the model has none. */
  backgroundClass: number;
}

export const ssdFamily: DecoderFamily<SsdDecoder, { boxes: string; scores: string }> = {
  type: "ssd",
  layout:
    "two outputs: boxes [1, N, 4] and scores [1, N, C] (rank 2 too); role boxes / scores in the contract's outputs when shapes are ambiguous",
  parse: (raw, r) => ({
    type: "ssd",
    numClasses: r.int(raw.num_classes, "decoder.num_classes", 1),
    boxFormat: r.oneOf(raw.box_format ?? "xyxy", "decoder.box_format", [
      "xyxy",
      "yxyx",
      "cxcywh",
    ] as const),
    boxUnits: r.oneOf(raw.box_units ?? "relative", "decoder.box_units", [
      "relative",
      "pixels",
    ] as const),
    scoreActivation: r.oneOf(raw.score_activation ?? "none", "decoder.score_activation", [
      "none",
      "sigmoid",
      "softmax",
    ] as const),
    backgroundClass: r.int(raw.background_class ?? -1, "decoder.background_class", -1),
  }),
  bind(d, ctx) {
    const boxes = pickOutput(ctx, "boxes", shapeText("N", 4), fitsTable(4, "rows"));
    const scores = pickOutput(
      ctx,
      "scores",
      shapeText("N", d.numClasses),
      fitsTable(d.numClasses, "rows"),
      new Set([boxes]),
    );
    return { boxes, scores };
  },
  outputNames: (b) => [b.boxes, b.scores],
  decode(d, b, get, s) {
    const bo = get(b.boxes);
    const so = get(b.scores);
    const boxes = candidateTable(b.boxes, bo.data, bo.dims, 4, "rows");
    const scores = candidateTable(b.scores, so.data, so.dims, d.numClasses, "rows");
    const n = Math.min(boxes.count, scores.count);
    const allowed = s.classFilter ? new Set(s.classFilter) : undefined;
    const sx = d.boxUnits === "relative" ? s.inputWidth : 1;
    const sy = d.boxUnits === "relative" ? s.inputHeight : 1;
    const out: Detection[] = [];
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestRaw = -Infinity;
      let max = -Infinity;
      let sum = 1;
      if (d.scoreActivation === "softmax") {
        for (let c = 0; c < d.numClasses; c++) max = Math.max(max, scores.at(i, c));
        sum = 0;
        for (let c = 0; c < d.numClasses; c++) sum += Math.exp(scores.at(i, c) - max);
      }
      for (let c = 0; c < d.numClasses; c++) {
        if (c === d.backgroundClass) continue;
        const v = scores.at(i, c);
        if (v > bestRaw) {
          bestRaw = v;
          best = c;
        }
      }
      if (best < 0) continue;
      const score =
        d.scoreActivation === "sigmoid"
          ? sigmoid(bestRaw)
          : d.scoreActivation === "softmax"
            ? Math.exp(bestRaw - max) / sum
            : bestRaw;
      if ((allowed && !allowed.has(best)) || !(score >= s.scoreThreshold)) continue;
      const a = boxes.at(i, 0);
      const bb = boxes.at(i, 1);
      const c2 = boxes.at(i, 2);
      const d2 = boxes.at(i, 3);
      let x1: number, y1: number, x2: number, y2: number;
      if (d.boxFormat === "xyxy") [x1, y1, x2, y2] = [a, bb, c2, d2];
      else if (d.boxFormat === "yxyx") [y1, x1, y2, x2] = [a, bb, c2, d2];
      else [x1, y1, x2, y2] = [a - c2 / 2, bb - d2 / 2, a + c2 / 2, bb + d2 / 2];
      out.push({ x1: x1 * sx, y1: y1 * sy, x2: x2 * sx, y2: y2 * sy, score, classId: best });
    }
    return out;
  },
};
