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
  /** Detectors: boxes that agree only through the FP32 reference ({@link boxAgreement}); masks: 0. */
  throughReference: number;
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

/**
 * Agreement of `b` with `a` (same model, same frame, two machines). `reference`: for INT8, the
 * FP32 model's outputs on `a`'s machine (see {@link boxAgreement}).
 */
export function agreement(
  contract: ModelContract,
  a: Record<string, RawOutput>,
  b: Record<string, RawOutput>,
  tol: Tolerance,
  reference?: Record<string, RawOutput>,
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
      throughReference: 0,
    };
  }
  const threshold = contract.thresholds.score;
  const boxes = boxAgreement(
    decodeBoxes(contract, a),
    decodeBoxes(contract, b),
    threshold,
    tol,
    reference && decodeBoxes(contract, reference),
  );
  return { maxAbs, relL2, ...boxes };
}

/** How the boxes of one frame from two machines agree (see {@link boxAgreement}). */
export interface BoxAgreement {
  ok: boolean;
  result: string;
  /** Boxes above threshold + score tolerance without a partner (of either side). */
  unmatched: number;
  /** Boxes whose partner on the other side is below the IoU tolerance but which, with that partner, match one FP32 box within it. */
  throughReference: number;
}

/**
 * Every box of either side must have a partner on the other (same class, IoU >= tolerance), unless
 * it is within the score tolerance of the threshold (such a box may exist on one side only). With
 * `reference` (INT8: x86's FP32 boxes), a box whose best partner is below the IoU tolerance still
 * agrees when the box and that partner each match the same reference box at the IoU tolerance and
 * their scores are within the score tolerance: both CPUs' INT8 models give that FP32 box within
 * the INT8 tolerance, their two quantization errors merely lie on either side of it.
 */
export function boxAgreement(
  a: readonly Detection[],
  b: readonly Detection[],
  threshold: number,
  tol: Tolerance,
  reference?: readonly Detection[],
): BoxAgreement {
  let worstIou = 1;
  let worstScore = 0;
  let unmatched = 0;
  let throughReference = 0;
  let worstThroughReference = 1;
  const bestOf = (x: Detection, among: readonly Detection[]): Detection | undefined =>
    among.filter((y) => y.classId === x.classId).sort((p, q) => iou(q, x) - iou(p, x))[0];
  const check = (from: readonly Detection[], to: readonly Detection[], record: boolean) => {
    for (const x of from) {
      const best = bestOf(x, to);
      if (best && iou(best, x) >= tol.boxIou) {
        if (record) {
          worstIou = Math.min(worstIou, iou(best, x));
          worstScore = Math.max(worstScore, Math.abs(best.score - x.score));
        }
        continue;
      }
      const anchor = best && reference ? bestOf(x, reference) : undefined;
      if (
        best &&
        anchor &&
        iou(anchor, x) >= tol.boxIou &&
        iou(anchor, best) >= tol.boxIou &&
        Math.abs(best.score - x.score) <= tol.score
      ) {
        throughReference++;
        worstThroughReference = Math.min(worstThroughReference, iou(best, x));
        continue;
      }
      if (x.score - threshold > tol.score) unmatched++;
    }
  };
  check(a, b, true);
  check(b, a, false);
  return {
    ok: unmatched === 0 && worstScore <= tol.score,
    result:
      `boxes x86 ${a.length} / arm64 ${b.length}, unmatched ${unmatched}, worst IoU ${worstIou.toFixed(4)}, worst score diff ${worstScore.toFixed(4)}` +
      (throughReference > 0
        ? `; ${throughReference} through FP32 (IoU between the CPUs ${worstThroughReference.toFixed(3)}, each ≥ ${tol.boxIou} to the FP32 box)`
        : ""),
    unmatched,
    throughReference,
  };
}
