/**
 * Agreement of one model's outputs computed on two machines (x86 and arm64): raw tensors, boxes
 * decoded by the project's decoders (contract thresholds, NMS) and argmax masks, against the
 * tolerances stated in docs/arm.md. Used by compare.ts (`npm run test:arm64`).
 */
import type { ModelContract } from "../../src/models/contract.js";
import { iou, type Detection } from "../../src/models/detection.js";
import type { OutputMeta } from "../../src/models/decoders/family.js";
import { detectorFamily } from "../../src/models/decoders/registry.js";
import { decodeSegmentation } from "../../src/models/decoders/segmentation.js";
import { nonMaxSuppression } from "../../src/models/nms.js";

/**
 * Tolerances (docs/arm.md), fixed before the first run; `laneOffsetPx` (lane lines from lane masks,
 * lane-agreement.ts: mean horizontal distance of partner lines, image pixels) fixed before the first
 * run that compared lane lines.
 */
export const TOLERANCE = {
  fp32: { boxIou: 0.99, score: 0.01, maskPixels: 0.001, laneOffsetPx: 1 },
  int8: { boxIou: 0.9, score: 0.05, maskPixels: 0.01, laneOffsetPx: 4 },
} as const;

export type Tolerance = (typeof TOLERANCE)[keyof typeof TOLERANCE];

/** One output tensor as read back from disk. */
export interface RawOutput {
  data: Float32Array;
  dims: number[];
}

/** What two runs of one model on one frame agree on. */
export interface Agreement {
  /** Largest absolute difference of any raw output value. */
  maxAbs: number;
  /** ||a - b|| / ||a|| over all raw outputs. */
  relL2: number;
  ok: boolean;
  /** Human-readable result (boxes or mask pixels). */
  result: string;
  /** Detectors: boxes above threshold + score tolerance on one side only; masks: 0. */
  unmatched: number;
}

/** Boxes a detector contract decodes from raw outputs (contract thresholds, NMS). */
export function decodeBoxes(
  contract: ModelContract,
  outputs: Record<string, RawOutput>,
): Detection[] {
  const decoder = contract.decoder;
  if (decoder.type === "segmentation")
    throw new Error(`contract '${contract.name}' is a segmentation model, not a detector`);
  const family = detectorFamily(decoder.type)!;
  const metas: OutputMeta[] = Object.entries(outputs).map(([name, o]) => ({ name, dims: o.dims }));
  const binding = family.bind(decoder, {
    contract: contract.name,
    inputWidth: contract.input.width,
    inputHeight: contract.input.height,
    declared: contract.outputs,
    outputs: metas,
  });
  return nonMaxSuppression(
    family.decode(decoder, binding, (n) => outputs[n]!, {
      inputWidth: contract.input.width,
      inputHeight: contract.input.height,
      scoreThreshold: contract.thresholds.score,
    }),
    { iouThreshold: contract.thresholds.nmsIou, maxDetections: contract.thresholds.maxDetections },
  );
}

/** Agreement of `b` with `a` (same model, same frame, two machines). */
export function agreement(
  contract: ModelContract,
  a: Record<string, RawOutput>,
  b: Record<string, RawOutput>,
  tol: Tolerance,
): Agreement {
  let maxAbs = 0;
  let d2 = 0;
  let r2 = 0;
  for (const o of Object.keys(a)) {
    const x = a[o]!.data;
    const y = b[o]!.data;
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - y[i]!);
      if (d > maxAbs) maxAbs = d;
      d2 += d * d;
      r2 += x[i]! * x[i]!;
    }
  }
  const relL2 = Math.sqrt(d2 / Math.max(r2, 1e-30));
  if (contract.decoder.type === "segmentation") {
    const names = Object.keys(a);
    const fractions = names.map((o) => {
      const ma = decodeSegmentation(o, a[o]!.data, a[o]!.dims).classes;
      const mb = decodeSegmentation(o, b[o]!.data, b[o]!.dims).classes;
      let diff = 0;
      for (let i = 0; i < ma.length; i++) if (ma[i] !== mb[i]) diff++;
      return diff / ma.length;
    });
    return {
      maxAbs,
      relL2,
      ok: fractions.every((f) => f <= tol.maskPixels),
      result: names
        .map((o, k) => `${o}: ${(100 * fractions[k]!).toFixed(3)} % pixels differ`)
        .join(", "),
      unmatched: 0,
    };
  }
  const threshold = contract.thresholds.score;
  const ba = decodeBoxes(contract, a);
  const bb = decodeBoxes(contract, b);
  // Every box of either side must have a partner on the other (same class, IoU >= tolerance), unless
  // it is within the score tolerance of the threshold (such a box may exist on one side only).
  let worstIou = 1;
  let worstScore = 0;
  let unmatched = 0;
  const check = (from: Detection[], to: Detection[], record: boolean) => {
    for (const x of from) {
      const best = to
        .filter((y) => y.classId === x.classId)
        .sort((p, q) => iou(q, x) - iou(p, x))[0];
      if (!best || iou(best, x) < tol.boxIou) {
        if (x.score - threshold > tol.score) unmatched++;
        continue;
      }
      if (record) {
        worstIou = Math.min(worstIou, iou(best, x));
        worstScore = Math.max(worstScore, Math.abs(best.score - x.score));
      }
    }
  };
  check(ba, bb, true);
  check(bb, ba, false);
  return {
    maxAbs,
    relL2,
    ok: unmatched === 0 && worstScore <= tol.score,
    result: `boxes x86 ${ba.length} / arm64 ${bb.length}, unmatched ${unmatched}, worst IoU ${worstIou.toFixed(4)}, worst score diff ${worstScore.toFixed(4)}`,
    unmatched,
  };
}
