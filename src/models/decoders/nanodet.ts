/**
 * NanoDet (GFL head) decoder. Per stride level: class scores [N, C] (sigmoided) and box
 * distributions [N, 4 * (regMax + 1)]: for each side (left, top, right, bottom) a softmax over
 * regMax + 1 bins whose expectation, times the stride, is the distance from the level's centre prior
 * (cx = (gx + centerOffset) * s, cy = (gy + centerOffset) * s) to that side.
 */
import { PerceptionError } from "../../core/errors.js";
import type { Detection } from "../detection.js";

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
export function nanodetLevelSize(o: Pick<NanodetDecodeOptions, "inputWidth" | "inputHeight">, stride: number): number {
  return Math.ceil(o.inputHeight / stride) * Math.ceil(o.inputWidth / stride);
}

/** Detections in tensor pixels (corner convention), before NMS. */
export function decodeNanodet(levels: readonly NanodetLevel[], o: NanodetDecodeOptions): Detection[] {
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
        const sc = level.scores[i * o.numClasses + c];
        if (sc > bestScore) {
          bestScore = sc;
          best = c;
        }
      }
      if (best < 0 || (allowed && !allowed.has(best)) || bestScore < o.scoreThreshold) continue;
      for (let side = 0; side < 4; side++) {
        const base = i * 4 * bins + side * bins;
        let max = -Infinity;
        for (let k = 0; k < bins; k++) max = Math.max(max, level.boxes[base + k]);
        let sum = 0;
        let expectation = 0;
        for (let k = 0; k < bins; k++) {
          const e = Math.exp(level.boxes[base + k] - max);
          sum += e;
          expectation += e * k;
        }
        dist[side] = (expectation / sum) * s;
      }
      const cx = ((i % gw) + o.centerOffset) * s;
      const cy = (Math.floor(i / gw) + o.centerOffset) * s;
      out.push({ x1: cx - dist[0], y1: cy - dist[1], x2: cx + dist[2], y2: cy + dist[3], score: bestScore, classId: best });
    }
  }
  return out;
}
