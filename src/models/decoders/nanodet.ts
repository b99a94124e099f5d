/**
 * NanoDet / NanoDet-Plus (GFL head) decoder. Per stride level: class scores [N, C] (sigmoided) and box
 * distributions [N, 4 * (regMax + 1)]: for each side (left, top, right, bottom) a softmax over
 * regMax + 1 bins whose expectation, times the stride, is the distance from the level's centre prior
 * (cx = (gx + centerOffset) * s, cy = (gy + centerOffset) * s) to that side.
 */
import { PerceptionError } from "../../core/errors.js";
import type { Detection } from "../detection.js";
import { withoutBatch } from "./candidates.js";
import {
  bindError,
  declaredFor,
  fitsTable,
  pickOutput,
  shapeText,
  type BindContext,
  type DecoderFamily,
} from "./family.js";

/**
 * Contract parameters (`decoder: { type: nanodet, strides, num_classes, reg_max, center_offset }`).
 * Outputs: per stride a scores [1, N, C] and a boxes [1, N, 4 (reg_max + 1)] output (rank 2 too;
 * NanoDet-m exports), found by shape or by roles `scores_<stride>` / `boxes_<stride>`; or one
 * output [1, sum N, C + 4 (reg_max + 1)] with every level's rows in stride order (NanoDet-Plus
 * exports), role `output`.
 */
export interface NanodetDecoder {
  type: "nanodet";
  /** Strides of the levels. */
  strides: readonly number[];
  /** Number of classes. */
  numClasses: number;
  /** Highest distribution bin (7 = 8 bins). */
  regMax: number;
  /** Centre prior offset in cells (0.5 = cell centre; NanoDet-Plus uses 0). */
  centerOffset: number;
}

/** One stride level's two outputs. */
export interface NanodetLevel {
  /** Stride of this level, pixels. */
  stride: number;
  /** Class scores, N x C row-major. */
  scores: Float32Array;
  /** Box distributions, N x 4 * (regMax + 1) row-major. */
  boxes: Float32Array;
}

export interface NanodetDecodeOptions {
  /** Model input width, pixels (grid width = ceil(inputWidth / stride)). */
  inputWidth: number;
  /** Model input height, pixels. */
  inputHeight: number;
  /** Number of classes C. */
  numClasses: number;
  /** Highest bin index of the distance distribution (7 for NanoDet-m: 8 bins). */
  regMax: number;
  /** Centre prior offset in cells (0.5 = the cell centre). */
  centerOffset: number;
  /** Candidates with a best class score below this are dropped. */
  scoreThreshold: number;
  /** Only candidates whose best class (argmax over all classes) is one of these are kept; all when undefined. */
  classFilter?: readonly number[];
}

/** Grid cells of a level: ceil(H / s) * ceil(W / s). */
function nanodetLevelSize(
  o: Pick<NanodetDecodeOptions, "inputWidth" | "inputHeight">,
  stride: number,
): number {
  return Math.ceil(o.inputHeight / stride) * Math.ceil(o.inputWidth / stride);
}

/** Detections in tensor pixels (corner convention), before NMS. */
export function decodeNanodet(
  levels: readonly NanodetLevel[],
  o: NanodetDecodeOptions,
): Detection[] {
  const bins = o.regMax + 1;
  const allowed = o.classFilter ? new Set(o.classFilter) : undefined;
  const out: Detection[] = [];
  const dist = new Float64Array(4);
  for (const level of levels) {
    const s = level.stride;
    const gw = Math.ceil(o.inputWidth / s);
    const n = nanodetLevelSize(o, s);
    if (level.scores.length !== n * o.numClasses || level.boxes.length !== n * 4 * bins) {
      throw new PerceptionError(
        "model",
        `nanodet stride ${s}: expected scores [${n},${o.numClasses}] and boxes [${n},${4 * bins}], got ${level.scores.length} and ${level.boxes.length} values`,
      );
    }
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < o.numClasses; c++) {
        const sc = level.scores[i * o.numClasses + c]!;
        if (sc > bestScore) {
          bestScore = sc;
          best = c;
        }
      }
      if (best < 0 || (allowed && !allowed.has(best)) || bestScore < o.scoreThreshold) continue;
      for (let side = 0; side < 4; side++) {
        const base = i * 4 * bins + side * bins;
        let max = -Infinity;
        for (let k = 0; k < bins; k++) max = Math.max(max, level.boxes[base + k]!);
        let sum = 0;
        let expectation = 0;
        for (let k = 0; k < bins; k++) {
          const e = Math.exp(level.boxes[base + k]! - max);
          sum += e;
          expectation += e * k;
        }
        dist[side] = (expectation / sum) * s;
      }
      const cx = ((i % gw) + o.centerOffset) * s;
      const cy = (Math.floor(i / gw) + o.centerOffset) * s;
      out.push({
        x1: cx - dist[0]!,
        y1: cy - dist[1]!,
        x2: cx + dist[2]!,
        y2: cy + dist[3]!,
        score: bestScore,
        classId: best,
      });
    }
  }
  return out;
}

/** Which outputs a NanoDet binding reads. */
export type NanodetBinding =
  | { kind: "levels"; levels: { stride: number; scores: string; boxes: string }[] }
  | { kind: "concatenated"; output: string };

function bindNanodet(d: NanodetDecoder, ctx: BindContext): NanodetBinding {
  const o = { inputWidth: ctx.inputWidth, inputHeight: ctx.inputHeight };
  const boxWidth = 4 * (d.regMax + 1);
  const total = d.strides.reduce((n, s) => n + nanodetLevelSize(o, s), 0);
  const declaredSingle = declaredFor(ctx, "output");
  const single = (): NanodetBinding => ({
    kind: "concatenated",
    output: pickOutput(
      ctx,
      "output",
      shapeText(total, d.numClasses + boxWidth),
      fitsTable(d.numClasses + boxWidth, "rows", total),
    ),
  });
  if (declaredSingle) return single();
  const fits = fitsTable(d.numClasses + boxWidth, "rows", total);
  const perLevel = ctx.outputs.some(
    (m) =>
      m.dims && (fitsTable(d.numClasses, "rows")(m.dims) || fitsTable(boxWidth, "rows")(m.dims)),
  );
  if (!perLevel && ctx.outputs.some((m) => m.dims && fits(m.dims))) return single();
  const taken = new Set<string>();
  const levels = d.strides.map((stride) => {
    const n = nanodetLevelSize(o, stride);
    const scores = pickOutput(
      ctx,
      `scores_${stride}`,
      `${shapeText(n, d.numClasses)} (nanodet scores, stride ${stride})`,
      fitsTable(d.numClasses, "rows", n),
      taken,
    );
    taken.add(scores);
    const boxes = pickOutput(
      ctx,
      `boxes_${stride}`,
      `${shapeText(n, boxWidth)} (nanodet box distributions, stride ${stride})`,
      fitsTable(boxWidth, "rows", n),
      taken,
    );
    taken.add(boxes);
    return { stride, scores, boxes };
  });
  if (levels.length === 0) bindError(ctx, "a nanodet decoder needs at least one stride");
  return { kind: "levels", levels };
}

export const nanodetFamily: DecoderFamily<NanodetDecoder, NanodetBinding> = {
  type: "nanodet",
  layout:
    "per stride scores [1, N, C] + box distributions [1, N, 4 (reg_max + 1)] (rank 2 too, NanoDet-m), or one [1, sum N, C + 4 (reg_max + 1)] output (NanoDet-Plus)",
  parse: (raw, r) => ({
    type: "nanodet",
    strides: r.numbers(raw.strides ?? [8, 16, 32], "decoder.strides"),
    numClasses: r.int(raw.num_classes ?? 80, "decoder.num_classes", 1),
    regMax: r.int(raw.reg_max ?? 7, "decoder.reg_max", 1),
    centerOffset: r.number(raw.center_offset ?? 0.5, "decoder.center_offset", 0, 1),
  }),
  bind: bindNanodet,
  outputNames: (b) =>
    b.kind === "levels" ? b.levels.flatMap((l) => [l.scores, l.boxes]) : [b.output],
  decode(d, b, get, s) {
    const o = { inputWidth: s.inputWidth, inputHeight: s.inputHeight };
    let levels: NanodetLevel[];
    if (b.kind === "levels") {
      levels = b.levels.map((l) => ({
        stride: l.stride,
        scores: get(l.scores).data,
        boxes: get(l.boxes).data,
      }));
    } else {
      // Split the rows of the concatenated output into each level's scores and distributions.
      const out = get(b.output);
      const cols = d.numClasses + 4 * (d.regMax + 1);
      const rows = withoutBatch(out.dims)[0];
      const total = d.strides.reduce((n, st) => n + nanodetLevelSize(o, st), 0);
      if (rows !== total || out.data.length !== total * cols) {
        throw new PerceptionError(
          "model",
          `nanodet output '${b.output}' has shape [${out.dims.join(",")}], expected [1,${total},${cols}]`,
        );
      }
      let row = 0;
      levels = d.strides.map((stride) => {
        const n = nanodetLevelSize(o, stride);
        const scores = new Float32Array(n * d.numClasses);
        const boxes = new Float32Array(n * (cols - d.numClasses));
        for (let i = 0; i < n; i++, row++) {
          const base = row * cols;
          scores.set(out.data.subarray(base, base + d.numClasses), i * d.numClasses);
          boxes.set(out.data.subarray(base + d.numClasses, base + cols), i * (cols - d.numClasses));
        }
        return { stride, scores, boxes };
      });
    }
    return decodeNanodet(levels, {
      ...o,
      numClasses: d.numClasses,
      regMax: d.regMax,
      centerOffset: d.centerOffset,
      scoreThreshold: s.scoreThreshold,
      classFilter: s.classFilter,
    });
  },
};
