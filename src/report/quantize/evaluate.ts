/**
 * FP32 against INT8 through the project's own inference path: detectors through the pedestrian
 * detector (contract, preprocessing, tiling of wide frames, NMS) on evaluation frames, scored
 * against labels (recall, precision, IoU of matched boxes) and against the FP32 boxes (agreement);
 * segmentation models through ModelSession, scored as mask IoU against FP32 and against
 * ground-truth masks. Also file size and inference time on this machine.
 */
import { statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { PerceptionError } from "../../core/errors.js";
import type { ImageView } from "../../image/image-view.js";
import type { ModelContract } from "../../models/contract.js";
import { iou, type Detection } from "../../models/detection.js";
import { ModelSession, type ModelOutput } from "../../models/session.js";
import { PedestrianDetector } from "../../perception/pedestrians/pedestrian-detector.js";

/** A labelled box (image pixels, corner convention) with the model's class id. */
export interface LabelBox {
  classId: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface EvalFrame {
  /** Where the frame came from. */
  source: string;
  view: ImageView;
  /** Labelled boxes (detectors); undefined when the frame is unlabelled. */
  boxes?: LabelBox[];
  /** Ground-truth mask at image size, 1 = positive (segmentation); undefined when unlabelled. */
  mask?: { width: number; height: number; data: Uint8Array };
}

/** Greedy one-to-one matching by IoU (best pairs first) of the same class. */
function matchBoxes(
  predicted: readonly LabelBox[],
  truth: readonly LabelBox[],
  minIou: number,
): { matched: number; ious: number[] } {
  const pairs: { p: number; t: number; v: number }[] = [];
  predicted.forEach((p, i) =>
    truth.forEach((t, j) => {
      if (p.classId !== t.classId) return;
      const v = iou(p, t);
      if (v >= minIou) pairs.push({ p: i, t: j, v });
    }),
  );
  pairs.sort((a, b) => b.v - a.v);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  const ious: number[] = [];
  for (const { p, t, v } of pairs) {
    if (usedP.has(p) || usedT.has(t)) continue;
    usedP.add(p);
    usedT.add(t);
    ious.push(v);
  }
  return { matched: ious.length, ious };
}

/** Recall / precision / mean IoU of matched boxes. */
export interface BoxScores {
  /** Boxes predicted. */
  predicted: number;
  /** Reference boxes. */
  reference: number;
  matched: number;
  recall: number;
  precision: number;
  /** Mean IoU of matched pairs (NaN when none). */
  meanIou: number;
}

function scores(predicted: number, reference: number, ious: number[]): BoxScores {
  const matched = ious.length;
  return {
    predicted,
    reference,
    matched,
    recall: reference > 0 ? matched / reference : NaN,
    precision: predicted > 0 ? matched / predicted : NaN,
    meanIou: matched > 0 ? ious.reduce((a, b) => a + b, 0) / matched : NaN,
  };
}

export interface DetectorEvaluation {
  kind: "detector";
  /** Frames evaluated (labelled and not). */
  frames: number;
  /** Against labels (labelled frames only): FP32 and INT8. */
  labelled?: { frames: number; fp32: BoxScores; int8: BoxScores };
  /** INT8 against FP32 boxes on every frame (FP32 as the reference). */
  agreement: BoxScores;
  /** Per labelled box: best IoU of an FP32 and an INT8 box of its class. */
  perLabel: { source: string; classId: number; fp32Iou: number; int8Iou: number }[];
}

export interface SegmentationEvaluation {
  kind: "segmentation";
  frames: number;
  /** Per contract output: mean IoU of the INT8 positive-class mask with FP32's. */
  agreement: { output: string; meanIou: number }[];
  /** Against ground truth (labelled frames, `maskOutput`): mean IoU of FP32 and INT8 masks. */
  labelled?: {
    frames: number;
    output: string;
    fp32: number;
    int8: number;
    perFrame: { source: string; fp32: number; int8: number }[];
  };
}

export interface SpeedSize {
  fp32Bytes: number;
  int8Bytes: number;
  /** Median onnxruntime inference ms on this machine (worker thread, 1 intra-op thread). */
  fp32Ms: number;
  int8Ms: number;
  runs: number;
}

export interface EvaluationOptions {
  /** The FP32 model's contract (its `file` in `modelDir`). */
  contract: ModelContract;
  /** Folder of the FP32 model. */
  modelDir: string;
  /** The INT8 model file (absolute or relative to the working directory). */
  int8File: string;
  frames: readonly EvalFrame[];
  /** Class ids compared for detectors (labels use them too). Default: the contract's class filter, else all. */
  classIds?: readonly number[];
  /** IoU for a match. */
  matchIou: number;
  /** Segmentation output the ground-truth masks belong to (class 1 positive). */
  maskOutput?: string;
  /** Timed runs per model. */
  speedRuns: number;
}

function int8Contract(o: EvaluationOptions): ModelContract {
  // Relative to the model folder: the detector joins the two.
  return {
    ...o.contract,
    name: `${o.contract.name}_int8`,
    file: relative(o.modelDir, resolve(o.int8File)),
  };
}

export async function evaluate(
  o: EvaluationOptions,
): Promise<{ accuracy: DetectorEvaluation | SegmentationEvaluation; speed: SpeedSize }> {
  const accuracy =
    o.contract.decoder.type === "segmentation"
      ? await evaluateSegmentation(o)
      : await evaluateDetector(o);
  return { accuracy, speed: await measureSpeed(o) };
}

async function evaluateDetector(o: EvaluationOptions): Promise<DetectorEvaluation> {
  const classIds = o.classIds ?? o.contract.classFilter;
  const run = async (contract: ModelContract): Promise<Detection[][]> => {
    const d = await PedestrianDetector.create({
      contract,
      modelDir: o.modelDir,
      ...(classIds ? { personClassIds: classIds } : {}),
      onMissingModel: "error",
      log: () => undefined,
    });
    try {
      const out: Detection[][] = [];
      for (const f of o.frames) out.push((await d.detectBoxes(f.view)).boxes);
      return out;
    } finally {
      await d.release();
    }
  };
  const fp32 = await run(o.contract);
  const int8 = await run(int8Contract(o));
  const agreeIous: number[] = [];
  let fp32Count = 0;
  let int8Count = 0;
  const lab = {
    frames: 0,
    labels: 0,
    fp32: { n: 0, ious: [] as number[] },
    int8: { n: 0, ious: [] as number[] },
  };
  const perLabel: DetectorEvaluation["perLabel"] = [];
  o.frames.forEach((f, i) => {
    fp32Count += fp32[i]!.length;
    int8Count += int8[i]!.length;
    agreeIous.push(...matchBoxes(int8[i]!, fp32[i]!, o.matchIou).ious);
    if (f.boxes) {
      const truth = classIds ? f.boxes.filter((b) => classIds.includes(b.classId)) : f.boxes;
      lab.frames++;
      lab.labels += truth.length;
      lab.fp32.n += fp32[i]!.length;
      lab.int8.n += int8[i]!.length;
      lab.fp32.ious.push(...matchBoxes(fp32[i]!, truth, o.matchIou).ious);
      lab.int8.ious.push(...matchBoxes(int8[i]!, truth, o.matchIou).ious);
      for (const t of truth) {
        const best = (boxes: Detection[]): number =>
          Math.max(0, ...boxes.filter((b) => b.classId === t.classId).map((b) => iou(b, t)));
        perLabel.push({
          source: f.source,
          classId: t.classId,
          fp32Iou: best(fp32[i]!),
          int8Iou: best(int8[i]!),
        });
      }
    }
  });
  return {
    kind: "detector",
    frames: o.frames.length,
    ...(lab.frames > 0
      ? {
          labelled: {
            frames: lab.frames,
            fp32: scores(lab.fp32.n, lab.labels, lab.fp32.ious),
            int8: scores(lab.int8.n, lab.labels, lab.int8.ious),
          },
        }
      : {}),
    agreement: scores(int8Count, fp32Count, agreeIous),
    perLabel,
  };
}

/** IoU of the pixels of class `cls` (default: every class > 0) in two masks of the same size. */
function maskIou(a: Uint8Array, b: Uint8Array, cls?: number): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = cls === undefined ? a[i]! > 0 : a[i] === cls;
    const y = cls === undefined ? b[i]! > 0 : b[i] === cls;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union > 0 ? inter / union : 1;
}

/** A ground-truth mask sampled at the model mask's pixels through the tensor -> image mapping. */
function truthAtMask(
  truth: NonNullable<EvalFrame["mask"]>,
  out: Extract<ModelOutput, { kind: "segmentation" }>,
  w: number,
  h: number,
): Uint8Array {
  const m = out.toImage;
  const res = new Uint8Array(w * h);
  const sx = truth.width / m.imageWidth;
  const sy = truth.height / m.imageHeight;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ix = Math.floor(((x + 0.5 - m.offsetX) / m.scaleX) * sx);
      const iy = Math.floor(((y + 0.5 - m.offsetY) / m.scaleY) * sy);
      if (ix >= 0 && iy >= 0 && ix < truth.width && iy < truth.height)
        res[y * w + x] = truth.data[iy * truth.width + ix]! > 0 ? 1 : 0;
    }
  }
  return res;
}

async function evaluateSegmentation(o: EvaluationOptions): Promise<SegmentationEvaluation> {
  const run = async (
    contract: ModelContract,
  ): Promise<Extract<ModelOutput, { kind: "segmentation" }>[]> => {
    const s = await ModelSession.create(contract, { modelDir: o.modelDir, log: () => undefined });
    try {
      const out = [];
      for (const f of o.frames) {
        const r = await s.run(f.view);
        if (r.kind !== "segmentation") {
          throw new PerceptionError(
            "model",
            `int8 segmentation evaluation: model contract '${contract.name}' gave a '${r.kind}' output, expected 'segmentation' masks`,
            { model: contract.name, file: contract.file },
          );
        }
        out.push(r);
      }
      return out;
    } finally {
      await s.release();
    }
  };
  const fp32 = await run(o.contract);
  const int8 = await run(int8Contract(o));
  const outputs = o.contract.outputs.map((x) => x.name);
  // Per output: IoU of each non-background class (1..C-1), averaged over classes and frames.
  const agreement = outputs.map((name, k) => {
    const classes = fp32[0]?.masks[k]?.classCount ?? 2;
    let sum = 0;
    for (const [i, r] of fp32.entries())
      for (let c = 1; c < classes; c++)
        sum += maskIou(int8[i]!.masks[k]!.classes, r.masks[k]!.classes, c);
    return { output: name, meanIou: sum / Math.max(1, fp32.length * (classes - 1)) };
  });
  const k = o.maskOutput ? outputs.indexOf(o.maskOutput) : -1;
  const perFrame: { source: string; fp32: number; int8: number }[] = [];
  if (k >= 0) {
    o.frames.forEach((f, i) => {
      if (!f.mask) return;
      const m = fp32[i]!.masks[k]!;
      const truth = truthAtMask(f.mask, fp32[i]!, m.width, m.height);
      perFrame.push({
        source: f.source,
        fp32: maskIou(m.classes, truth),
        int8: maskIou(int8[i]!.masks[k]!.classes, truth),
      });
    });
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    kind: "segmentation",
    frames: o.frames.length,
    agreement,
    ...(perFrame.length > 0
      ? {
          labelled: {
            frames: perFrame.length,
            output: o.maskOutput!,
            fp32: mean(perFrame.map((p) => p.fp32)),
            int8: mean(perFrame.map((p) => p.int8)),
            perFrame,
          },
        }
      : {}),
  };
}

async function measureSpeed(o: EvaluationOptions): Promise<SpeedSize> {
  const time = async (contract: ModelContract): Promise<number> => {
    const s = await ModelSession.create(contract, { modelDir: o.modelDir, log: () => undefined });
    try {
      const ms: number[] = [];
      for (let i = 0; i < o.speedRuns; i++)
        ms.push((await s.run(o.frames[i % o.frames.length]!.view)).timings.inferenceMs);
      ms.sort((a, b) => a - b);
      return ms[Math.floor(ms.length / 2)]!;
    } finally {
      await s.release();
    }
  };
  return {
    fp32Bytes: statSync(resolve(o.modelDir, o.contract.file)).size,
    int8Bytes: statSync(resolve(o.int8File)).size,
    fp32Ms: await time(o.contract),
    int8Ms: await time(int8Contract(o)),
    runs: o.speedRuns,
  };
}
