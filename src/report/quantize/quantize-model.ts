/**
 * Static INT8 quantization of an ONNX model by the project's own code: calibration frames go
 * through the model's contract preprocessing, onnxruntime runs the float model with every
 * candidate activation as an extra output, a calibrator turns the statistics into ranges, and the
 * graph is rewritten in QDQ form (`qdq.ts`). Layers can be kept in FP32 by name, by op type, by
 * default the decode tail after the last weighted layer, and automatically by their own error
 * against FP32 (measured per layer on calibration frames).
 */
import * as ort from "onnxruntime-node";
import { PerceptionError } from "../../core/errors.js";
import { Preprocessor } from "../../image/preprocess.js";
import type { ModelContract } from "../../models/contract.js";
import { sessionThreadsReady } from "../../models/ort-thread-launcher.js";
import {
  DataType,
  encodeModel,
  tensorValueInfo,
  type ModelProto,
  type NodeProto,
} from "../../models/onnx/onnx-proto.js";
import type { CalibrationFrame } from "./calibration-frames.js";
import { TensorStats, type Calibrator, type Range } from "./calibrators.js";
import { GraphIndex, WEIGHTED_OPS } from "./graph-index.js";
import { opset13Blocker, upgradeToOpset13 } from "./opset-upgrade.js";
import { QUANTIZABLE_OPS, dataInputIndices, toQdq, type QdqSummary } from "./qdq.js";

export interface QuantizeOptions {
  /** The model's contract: its input name, size and preprocessing are used for calibration. */
  contract: ModelContract;
  /** Calibration frames. */
  frames: readonly CalibrationFrame[];
  /** How activation ranges are chosen. */
  calibrator: Calibrator;
  /** Node names kept in FP32 (`*` matches any characters). */
  keepFp32Nodes: readonly string[];
  /** Op types kept in FP32. */
  keepFp32Ops: readonly string[];
  /** Also quantize the decode tail (nodes after the last weighted layer). */
  quantizeTail: boolean;
  /**
   * Automatic FP32 fallback: a weighted layer whose INT8 version alone moves the model's outputs by
   * more than this relative error against FP32 is kept in FP32. Undefined: off.
   */
  autoFallbackError?: number;
  /**
   * Whole-model error budget: after the per-layer ranking, the worst layers are kept in FP32 (as
   * few as possible) until the relative error of the whole INT8 model's outputs against FP32 on the
   * error frames is at most this. Bounds what INT8 changes, and with it how far two CPUs' integer
   * kernels can drift apart (docs/quantization.md). Undefined: off.
   */
  maxModelError?: number;
  /** Frames used to measure per-layer errors (the first ones of `frames`). */
  errorFrames: number;
  /** Weight bits (7: onnxruntime's "reduce range" for x86 without VNNI). */
  weightBits: 8 | 7;
  /** Per-output-channel weight scales. */
  perChannel: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/**
 * What `edge-perception quantize` does given only a model and calibration frames (MinMax, int8
 * per-channel weights, decode tail in FP32, no automatic fallback, errors on 2 frames, no log),
 * with `overrides` on top.
 */
export function quantizeOptions(
  contract: ModelContract,
  frames: readonly CalibrationFrame[],
  overrides: Partial<QuantizeOptions> = {},
): QuantizeOptions {
  return {
    contract,
    frames,
    calibrator: { kind: "minmax" },
    keepFp32Nodes: [],
    keepFp32Ops: [],
    quantizeTail: false,
    errorFrames: 2,
    weightBits: 8,
    perChannel: true,
    log: () => undefined,
    ...overrides,
  };
}

/** Why a node stayed in FP32. */
export interface KeptNode {
  name: string;
  op: string;
  reason:
    | "by name"
    | "by op"
    | "decode tail"
    | "per-layer error"
    | "model error budget"
    | "follows an FP32 layer";
}

/** What quantizing one weighted layer alone costs: the relative error of the model's outputs against FP32. */
export interface LayerError {
  name: string;
  op: string;
  /** ||outputs with this layer INT8 - FP32 outputs|| / ||FP32 outputs|| on the error frames. */
  error: number;
}

export interface QuantizeResult {
  model: ModelProto;
  summary: QdqSummary;
  /** Nodes of quantizable type left in FP32, with why. */
  kept: KeptNode[];
  /** Per weighted layer, the output error it causes alone (worst first), when measured. */
  layerErrors: LayerError[];
  /** Notes for the report (opset raised, per-channel refused, ...). */
  notes: string[];
  /** Activation ranges used. */
  ranges: Map<string, Range>;
  /** Relative error of the whole INT8 model's outputs against FP32 on the error frames (measured when a fallback ran). */
  modelError?: number;
  /** Whether weights got per-channel scales (false when asked for per tensor, or the model could not be raised to opset 13). */
  perChannel: boolean;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    "^" +
      pattern
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*") +
      "$",
  );
  return re.test(name);
}

/**
 * A non-weighted node (activation, add, concat...) all of whose data inputs come from layers kept in
 * FP32 stays in FP32 too: a convolution kept in FP32 keeps its activation function (SiLU's Sigmoid
 * and Mul) with it, so its wide-range output is not quantized right after. Removes them from
 * `quantized` and records them in `kept`.
 */
function keepFollowers(
  nodes: readonly NodeProto[],
  quantized: Set<NodeProto>,
  kept: KeptNode[],
  index: GraphIndex,
): void {
  const fp32 = new Set(kept.map((k) => k.name));
  for (const n of nodes) {
    if (!quantized.has(n) || WEIGHTED_OPS.has(n.opType!)) continue;
    const sources = dataInputIndices(n)
      .map((i) => n.input[i]!)
      .filter((t) => index.isActivation(t))
      .map((t) => index.producer.get(t));
    if (sources.length > 0 && sources.every((p) => p !== undefined && fp32.has(p.name ?? ""))) {
      quantized.delete(n);
      fp32.add(n.name ?? "");
      kept.push({ name: n.name ?? "", op: n.opType!, reason: "follows an FP32 layer" });
    }
  }
}

/**
 * A weighted node with the non-weighted candidates that only it feeds (its activation function:
 * SiLU's Sigmoid and Mul, a ReLU, ...): the unit whose quantization is measured and kept together.
 */
function layerGroup(
  n: NodeProto,
  candidates: ReadonlySet<NodeProto>,
  nodes: readonly NodeProto[],
  index: GraphIndex,
): Set<NodeProto> {
  const group = new Set([n]);
  const start = nodes.indexOf(n);
  for (let k = start + 1; k < nodes.length; k++) {
    const m = nodes[k]!;
    if (!candidates.has(m) || WEIGHTED_OPS.has(m.opType!)) continue;
    const sources = dataInputIndices(m)
      .map((i) => m.input[i]!)
      .filter((t) => index.isActivation(t))
      .map((t) => index.producer.get(t));
    if (sources.length > 0 && sources.every((p) => p !== undefined && group.has(p))) group.add(m);
  }
  return group;
}

/** The model with extra float outputs (for reading intermediate tensors), serialised. */
function withOutputs(model: ModelProto, names: readonly string[]): Uint8Array {
  const g = model.graph!;
  const existing = new Set(g.output.map((o) => o.name));
  const extra = names
    .filter((n) => !existing.has(n))
    .map((n) => tensorValueInfo(n, DataType.FLOAT, []));
  // Shapeless value infos: an empty dims list would claim a scalar, so drop the shape entirely.
  for (const e of extra) delete e.type!.tensorType!.shape;
  return encodeModel({ ...model, graph: { ...g, output: [...g.output, ...extra] } });
}

/** Runs `model` on each input tensor and hands the requested intermediate tensors to `visit`. */
async function runCollecting(
  model: ModelProto,
  names: readonly string[],
  inputName: string,
  inputs: readonly Float32Array[],
  dims: readonly number[],
  visit: (outputs: Record<string, Float32Array>, frame: number) => void,
): Promise<void> {
  if (names.length === 0) return;
  // The process's first onnxruntime session must be the launcher's (subnormal mode of the model threads).
  await sessionThreadsReady();
  const session = await ort.InferenceSession.create(withOutputs(model, names), {
    graphOptimizationLevel: "disabled",
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  try {
    for (let f = 0; f < inputs.length; f++) {
      const out = await session.run({ [inputName]: new ort.Tensor("float32", inputs[f]!, dims) }, [
        ...names,
      ]);
      const data: Record<string, Float32Array> = {};
      for (const n of names) {
        const t = out[n];
        if (t && t.type === "float32") data[n] = t.data as Float32Array;
      }
      visit(data, f);
      for (const t of Object.values(out)) t.dispose?.();
    }
  } finally {
    await session.release();
  }
}

/** Input tensors of the frames through the contract's preprocessing. */
export function preprocessFrames(
  contract: ModelContract,
  frames: readonly CalibrationFrame[],
): Float32Array[] {
  const p = new Preprocessor({
    width: contract.input.width,
    height: contract.input.height,
    channelOrder: contract.input.channelOrder,
    normalization: contract.input.normalization,
    resize: contract.input.resize,
  });
  return frames.map((f) => {
    p.run(f.view);
    return p.tensor.slice();
  });
}

export async function quantizeModel(
  fp32In: ModelProto,
  o: QuantizeOptions,
): Promise<QuantizeResult> {
  if (o.frames.length === 0) throw new PerceptionError("parameter", "no calibration frames");
  const notes: string[] = [];
  let perChannel = o.perChannel;
  let fp32 = fp32In;
  if (perChannel) {
    const blocker = opset13Blocker(fp32In);
    if (blocker) {
      perChannel = false;
      notes.push(`per-tensor weight scales: the model is opset < 13 and ${blocker}`);
    } else if (
      fp32In.opsetImport.some((x) => (!x.domain || x.domain === "ai.onnx") && (x.version ?? 0) < 13)
    ) {
      fp32 = upgradeToOpset13(fp32In);
      notes.push(
        "opset raised to 13 for per-channel DequantizeLinear (Split/Squeeze/Unsqueeze/ReduceSum rewritten to input form)",
      );
    }
  }
  const g = fp32.graph!;
  const index = new GraphIndex(g);
  const tail = o.quantizeTail ? new Set<NodeProto>() : index.tailNodes();
  const kept: KeptNode[] = [];
  const candidates = new Set<NodeProto>();
  const nonFloat = index.nonFloatValues();
  for (const n of g.node) {
    if (!QUANTIZABLE_OPS.has(n.opType!) || (n.domain && n.domain !== "ai.onnx")) continue;
    // Shape arithmetic (integer Concat / Reshape of shapes) is not data: leave it alone.
    if (
      dataInputIndices(n).some((i) => nonFloat.has(n.input[i]!)) ||
      n.output.some((o) => nonFloat.has(o))
    )
      continue;
    const name = n.name ?? "";
    if (o.keepFp32Nodes.some((p) => globMatch(p, name)))
      kept.push({ name, op: n.opType!, reason: "by name" });
    else if (o.keepFp32Ops.includes(n.opType!)) kept.push({ name, op: n.opType!, reason: "by op" });
    else if (tail.has(n)) kept.push({ name, op: n.opType!, reason: "decode tail" });
    else candidates.add(n);
  }
  keepFollowers(g.node, candidates, kept, index);
  // Activations read by candidates, in graph order.
  const tensors = [
    ...new Set(
      [...candidates].flatMap((n) =>
        dataInputIndices(n)
          .map((i) => n.input[i]!)
          .filter((i) => index.isActivation(i)),
      ),
    ),
  ];
  o.log(
    `calibration: ${o.frames.length} frames, ${tensors.length} activation tensors, ${candidates.size} nodes to quantize (${kept.length} kept in FP32)`,
  );
  const { width, height, name: inputName } = o.contract.input;
  const dims = [1, 3, height, width];
  const inputs = preprocessFrames(o.contract, o.frames);
  const stats = new Map(tensors.map((t) => [t, new TensorStats()]));
  await runCollecting(fp32, tensors, inputName, inputs, dims, (out) => {
    for (const [t, s] of stats) if (out[t]) s.observeRange(out[t]!);
  });
  if (o.calibrator.kind !== "minmax") {
    for (const s of stats.values()) s.startHistograms(o.calibrator);
    await runCollecting(fp32, tensors, inputName, inputs, dims, (out) => {
      for (const [t, s] of stats) if (out[t]) s.observeHistogram(out[t]!);
    });
  }
  const ranges = new Map([...stats].map(([t, s]) => [t, s.range(o.calibrator)]));
  const plan = { ranges, weightBits: o.weightBits, perChannel };
  let result = toQdq(fp32, { ...plan, quantized: candidates });
  let layerErrors: LayerError[] = [];
  let modelError: number | undefined;
  if (o.autoFallbackError !== undefined || o.maxModelError !== undefined) {
    const errorInputs = inputs.slice(0, Math.max(1, o.errorFrames));
    const reference = await runOutputs(fp32, inputName, errorInputs, dims);
    const errorOf = async (quantized: ReadonlySet<NodeProto>): Promise<number> =>
      outputError(
        await runOutputs(toQdq(fp32, { ...plan, quantized }).model, inputName, errorInputs, dims),
        reference,
      );
    if (o.autoFallbackError === undefined) {
      // Within the budget as it is: no layer needs to be ranked.
      modelError = await errorOf(candidates);
      if (modelError <= o.maxModelError!) {
        o.log(
          `model error budget ${o.maxModelError}: whole-model error ${modelError.toFixed(4)} with every layer INT8`,
        );
        return {
          model: result.model,
          summary: result.summary,
          kept,
          layerErrors,
          notes,
          ranges,
          perChannel,
          modelError,
        };
      }
    }
    layerErrors = await measureLayerErrors(
      fp32,
      candidates,
      plan,
      index,
      inputName,
      errorInputs,
      dims,
      o.log,
    );
    // Layer groups (a weighted layer with its activation function), worst first.
    const byName = new Map([...candidates].map((n) => [n.name ?? "", n]));
    const groups = layerErrors.map((e) => ({
      error: e.error,
      nodes: layerGroup(byName.get(e.name)!, candidates, g.node, index),
    }));
    const quantizedWith = (fallback: number): Set<NodeProto> => {
      const out = new Set(candidates);
      const keptNow = [...kept];
      for (const grp of groups.slice(0, fallback))
        for (const m of grp.nodes)
          if (out.delete(m))
            keptNow.push({ name: m.name ?? "", op: m.opType!, reason: "model error budget" });
      keepFollowers(g.node, out, keptNow, index);
      return out;
    };
    let fallback =
      o.autoFallbackError === undefined
        ? 0
        : groups.filter((grp) => grp.error > o.autoFallbackError!).length;
    if (o.maxModelError !== undefined) {
      const errorWith = (k: number): Promise<number> => errorOf(quantizedWith(k));
      // Fewest worst layers in FP32 that bring the whole model within the budget (binary search on the ranking).
      let lo = fallback;
      let hi = groups.length;
      const atLo = await errorWith(lo);
      if (atLo <= o.maxModelError) hi = lo;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const e = await errorWith(mid);
        o.log(`model error budget: ${mid} layers in FP32 -> ${e.toFixed(4)}`);
        if (e <= o.maxModelError) hi = mid;
        else lo = mid + 1;
      }
      const perLayer = fallback;
      fallback = hi;
      modelError = await errorWith(fallback);
      o.log(
        `model error budget ${o.maxModelError}: ${fallback} of ${groups.length} layers in FP32 (${perLayer} by per-layer error), whole-model error ${modelError.toFixed(4)}`,
      );
    }
    if (fallback > 0) {
      const perLayerCount =
        o.autoFallbackError === undefined
          ? 0
          : groups.filter((grp) => grp.error > o.autoFallbackError!).length;
      const still = new Set(candidates);
      groups.slice(0, fallback).forEach((grp, k) => {
        for (const m of grp.nodes) {
          if (!still.delete(m)) continue;
          kept.push({
            name: m.name ?? "",
            op: m.opType!,
            reason: k < perLayerCount ? "per-layer error" : "model error budget",
          });
        }
      });
      keepFollowers(g.node, still, kept, index);
      o.log(
        `automatic FP32 fallback: ${fallback} layers (${kept.length} nodes kept in FP32 in all)`,
      );
      result = toQdq(fp32, { ...plan, quantized: still });
    }
  }
  return {
    model: result.model,
    summary: result.summary,
    kept,
    layerErrors,
    notes,
    ranges,
    perChannel,
    ...(modelError !== undefined ? { modelError } : {}),
  };
}

/** The model's outputs (all of them, in graph order) on each input. */
async function runOutputs(
  model: ModelProto,
  inputName: string,
  inputs: readonly Float32Array[],
  dims: readonly number[],
): Promise<Float32Array[][]> {
  const outputs = model.graph!.output.map((x) => x.name!);
  const all: Float32Array[][] = [];
  await runCollecting(model, outputs, inputName, inputs, dims, (out) =>
    all.push(outputs.map((n) => out[n]!.slice())),
  );
  return all;
}

/** ||a - reference|| / ||reference|| over all outputs of all frames. */
function outputError(a: readonly Float32Array[][], reference: readonly Float32Array[][]): number {
  let diff = 0;
  let ref = 0;
  reference.forEach((frame, f) =>
    frame.forEach((r, k) => {
      const x = a[f]![k]!;
      for (let i = 0; i < r.length; i++) {
        diff += (x[i]! - r[i]!) ** 2;
        ref += r[i]! ** 2;
      }
    }),
  );
  return ref > 0 ? Math.sqrt(diff / ref) : 0;
}

/**
 * Per weighted layer: the relative error of the model's outputs against FP32 when only that layer
 * (its input, weights and bias) is quantized: how much INT8 costs there, downstream effects
 * included. Worst first.
 */
async function measureLayerErrors(
  fp32: ModelProto,
  candidates: ReadonlySet<NodeProto>,
  plan: Omit<Parameters<typeof toQdq>[1], "quantized">,
  index: GraphIndex,
  inputName: string,
  inputs: readonly Float32Array[],
  dims: readonly number[],
  log: (line: string) => void,
): Promise<LayerError[]> {
  const reference = await runOutputs(fp32, inputName, inputs, dims);
  const layers = [...candidates].filter((n) => WEIGHTED_OPS.has(n.opType!));
  const errors: LayerError[] = [];
  let done = 0;
  for (const n of layers) {
    const { model } = toQdq(fp32, {
      ...plan,
      quantized: layerGroup(n, candidates, fp32.graph!.node, index),
    });
    errors.push({
      name: n.name ?? "",
      op: n.opType!,
      error: outputError(await runOutputs(model, inputName, inputs, dims), reference),
    });
    if (++done % 20 === 0) log(`per-layer errors: ${done}/${layers.length}`);
  }
  return errors.sort((a, b) => b.error - a.error);
}
