/**
 * YOLOv8-style decoder: output [1, 4 + C, N] (channels first): rows 0-3 are cx, cy, w, h in input
 * pixels, rows 4.. the (sigmoided) class scores; no objectness.
 */
import { PerceptionError } from "../../core/errors.js";
import type { Detection } from "../detection.js";

export interface Yolov8DecodeOptions {
  /** Number of classes C. */
  numClasses: number;
  /** Candidates with a best class score below this are dropped. */
  scoreThreshold: number;
  /** Only candidates whose best class (argmax over all classes) is one of these are kept; all when undefined. */
  classFilter?: readonly number[];
}

/** Detections in tensor pixels (corner convention), before NMS. `dims` is the output shape. */
export function decodeYolov8(output: Float32Array, dims: readonly number[], o: Yolov8DecodeOptions): Detection[] {
  if (dims.length !== 3 || dims[0] !== 1 || dims[1] !== 4 + o.numClasses || output.length !== dims[1] * dims[2]) {
    throw new PerceptionError("model", `yolov8 output shape [${dims.join(",")}] is not [1, ${4 + o.numClasses}, N]`);
  }
  const n = dims[2];
  const allowed = o.classFilter ? new Set(o.classFilter) : undefined;
  const out: Detection[] = [];
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < o.numClasses; c++) {
      const sc = output[(4 + c) * n + i];
      if (sc > bestScore) {
        bestScore = sc;
        best = c;
      }
    }
    if (best < 0 || (allowed && !allowed.has(best)) || bestScore < o.scoreThreshold) continue;
    const cx = output[i];
    const cy = output[n + i];
    const w = output[2 * n + i];
    const h = output[3 * n + i];
    out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score: bestScore, classId: best });
  }
  return out;
}
