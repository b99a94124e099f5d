/**
 * YOLOX raw-grid decoder: output [1, N, 5 + C] (or rank-2 [N, 5 + C]) with one row per anchor point
 * of the stride grids (row-major per stride, strides in order), `[x, y, w, h, obj, class scores...]`;
 * x, y are offsets in grid cells, w, h log-scale; obj and class scores are already sigmoided:
 *
 *   cx = (x + gx) * s,  cy = (y + gy) * s,  w = exp(w) * s,  h = exp(h) * s,  score = obj * cls
 */
import { PerceptionError } from "../../core/errors.js";
import type { Detection } from "../detection.js";
import { fitsTable, pickOutput, shapeText, type DecoderFamily } from "./family.js";

/** Contract parameters (`decoder: { type: yolox, strides, num_classes }`). */
export interface YoloxDecoder {
  type: "yolox";
  /** Strides of the grid levels in output order. */
  strides: readonly number[];
  /** Number of classes. */
  numClasses: number;
}

export interface YoloxDecodeOptions {
  /** Model input width, pixels (grid width = inputWidth / stride). */
  inputWidth: number;
  /** Model input height, pixels. */
  inputHeight: number;
  /** Strides of the output levels, in output order (8, 16, 32). */
  strides: readonly number[];
  /** Number of classes C (80 for COCO). */
  numClasses: number;
  /** Candidates scoring below this (obj * class) are dropped. */
  scoreThreshold: number;
  /** Only candidates whose best class (argmax over all classes) is one of these are kept; all when undefined. */
  classFilter?: readonly number[];
}

/** Rows of the output for these options: sum over strides of (H/s) * (W/s). */
function yoloxAnchorCount(
  o: Pick<YoloxDecodeOptions, "inputWidth" | "inputHeight" | "strides">,
): number {
  return o.strides.reduce(
    (n, s) => n + Math.floor(o.inputHeight / s) * Math.floor(o.inputWidth / s),
    0,
  );
}

/** Detections in tensor pixels (corner convention), before NMS, best class per anchor. */
export function decodeYolox(output: Float32Array, o: YoloxDecodeOptions): Detection[] {
  const rowLen = 5 + o.numClasses;
  const anchors = yoloxAnchorCount(o);
  if (output.length !== anchors * rowLen) {
    throw new PerceptionError(
      "model",
      `yolox output has ${output.length} values, expected ${anchors} x ${rowLen} for a ${o.inputWidth}x${o.inputHeight} input with strides ${o.strides.join("/")}`,
    );
  }
  const allowed = o.classFilter ? new Set(o.classFilter) : undefined;
  const out: Detection[] = [];
  let row = 0;
  for (const s of o.strides) {
    const gh = Math.floor(o.inputHeight / s);
    const gw = Math.floor(o.inputWidth / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        const base = row * rowLen;
        const obj = output[base + 4]!;
        if (obj < o.scoreThreshold) continue; // score = obj * cls <= obj
        let best = -1;
        let bestScore = -Infinity;
        for (let c = 0; c < o.numClasses; c++) {
          const sc = output[base + 5 + c]!;
          if (sc > bestScore) {
            bestScore = sc;
            best = c;
          }
        }
        const score = obj * bestScore;
        if (best < 0 || (allowed && !allowed.has(best)) || score < o.scoreThreshold) continue;
        const cx = (output[base]! + gx) * s;
        const cy = (output[base + 1]! + gy) * s;
        const w = Math.exp(output[base + 2]!) * s;
        const h = Math.exp(output[base + 3]!) * s;
        out.push({
          x1: cx - w / 2,
          y1: cy - h / 2,
          x2: cx + w / 2,
          y2: cy + h / 2,
          score,
          classId: best,
        });
      }
    }
  }
  return out;
}

export const yoloxFamily: DecoderFamily<YoloxDecoder, { output: string }> = {
  type: "yolox",
  layout:
    "one output [1, N, 5 + C] or [N, 5 + C]: x, y (grid offsets), log w, log h, obj, C sigmoided class scores; N = anchor points of the stride grids",
  parse: (raw, r) => ({
    type: "yolox",
    strides: r.numbers(raw.strides ?? [8, 16, 32], "decoder.strides"),
    numClasses: r.int(raw.num_classes ?? 80, "decoder.num_classes", 1),
  }),
  bind(d, ctx) {
    const n = yoloxAnchorCount({
      inputWidth: ctx.inputWidth,
      inputHeight: ctx.inputHeight,
      strides: d.strides,
    });
    return {
      output: pickOutput(
        ctx,
        "output",
        shapeText(n, 5 + d.numClasses),
        fitsTable(5 + d.numClasses, "rows", n),
      ),
    };
  },
  outputNames: (b) => [b.output],
  decode: (d, b, get, s) =>
    decodeYolox(get(b.output).data, {
      inputWidth: s.inputWidth,
      inputHeight: s.inputHeight,
      strides: d.strides,
      numClasses: d.numClasses,
      scoreThreshold: s.scoreThreshold,
      classFilter: s.classFilter,
    }),
};
