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
import { DataType, encodeModel, tensorValueInfo, type ModelProto, type NodeProto } from "../../models/onnx/onnx-proto.js";
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
  /** Frames used to measure per-layer errors (the first ones of `frames`). */
  errorFrames: number;
  /** Weight bits (7: onnxruntime's "reduce range" for x86 without VNNI). */
  weightBits: 8 | 7;
  /** Per-output-channel weight scales. */
  perChannel: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Why a node stayed in FP32. */
export interface KeptNode {
  name: string;
  op: string;
  reason: "by name" | "by op" | "decode tail" | "per-layer error" | "follows an FP32 layer";
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
  /** Whether weights got per-channel scales (false when asked for per tensor, or the model could not be raised to opset 13). */
  perChannel: boolean;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp("^" + pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
  return re.test(name);
}

/**
 * A non-weighted node (activation, add, concat...) all of whose data inputs come from layers kept in
 * FP32 stays in FP32 too: a convolution kept in FP32 keeps its activation function (SiLU's Sigmoid
 * and Mul) with it, so its wide-range output is not quantized right after. Removes them from
 * `quantized` and records them in `kept`.
 */
function keepFollowers(nodes: readonly NodeProto[], quantized: Set<NodeProto>, kept: KeptNode[], index: GraphIndex): void {
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
function layerGroup(n: NodeProto, candidates: ReadonlySet<NodeProto>, nodes: readonly NodeProto[], index: GraphIndex): Set<NodeProto> {
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
  const extra = names.filter((n) => !existing.has(n)).map((n) => tensorValueInfo(n, DataType.FLOAT, []));
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
  const session = await ort.InferenceSession.create(withOutputs(model, names), { graphOptimizationLevel: "disabled", intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    for (let f = 0; f < inputs.length; f++) {
      const out = await session.run({ [inputName]: new ort.Tensor("float32", inputs[f]!, dims) }, [...names]);
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
export function preprocessFrames(contract: ModelContract, frames: readonly CalibrationFrame[]): Float32Array[] {
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

export async function quantizeModel(fp32In: ModelProto, o: QuantizeOptions): Promise<QuantizeResult> {
  if (o.frames.length === 0) throw new PerceptionError("parameter", "no calibration frames");
  const notes: string[] = [];
  let perChannel = o.perChannel;
  let fp32 = fp32In;
  if (perChannel) {
    const blocker = opset13Blocker(fp32In);
    if (blocker) {
      perChannel = false;
      notes.push(`per-tensor weight scales: the model is opset < 13 and ${blocker}`);
    } else if (fp32In.opsetImport.some((x) => (!x.domain || x.domain === "ai.onnx") && (x.version ?? 0) < 13)) {
      fp32 = upgradeToOpset13(fp32In);
      notes.push("opset raised to 13 for per-channel DequantizeLinear (Split/Squeeze/Unsqueeze/ReduceSum rewritten to input form)");
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
    if (dataInputIndices(n).some((i) => nonFloat.has(n.input[i]!)) || n.output.some((o) => nonFloat.has(o))) continue;
    const name = n.name ?? "";
    if (o.keepFp32Nodes.some((p) => globMatch(p, name))) kept.push({ name, op: n.opType!, reason: "by name" });
    else if (o.keepFp32Ops.includes(n.opType!)) kept.push({ name, op: n.opType!, reason: "by op" });
    else if (tail.has(n)) kept.push({ name, op: n.opType!, reason: "decode tail" });
    else candidates.add(n);
  }
  keepFollowers(g.node, candidates, kept, index);
  // Activations read by candidates, in graph order.
  const tensors = [...new Set([...candidates].flatMap((n) => dataInputIndices(n).map((i) => n.input[i]!).filter((i) => index.isActivation(i))))];
  o.log(`calibration: ${o.frames.length} frames, ${tensors.length} activation tensors, ${candidates.size} nodes to quantize (${kept.length} kept in FP32)`);
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
  if (o.autoFallbackError !== undefined) {
    layerErrors = await measureLayerErrors(fp32, candidates, plan, index, inputName, inputs.slice(0, Math.max(1, o.errorFrames)), dims, o.log);
    const worstLayers = new Set(layerErrors.filter((e) => e.error > o.autoFallbackError!).map((e) => e.name));
    const worst = new Set<string>();
    for (const n of candidates) if (worstLayers.has(n.name ?? "")) for (const m of layerGroup(n, candidates, g.node, index)) worst.add(m.name ?? "");
    if (worst.size > 0) {
      const still = new Set([...candidates].filter((n) => !worst.has(n.name ?? "")));
      for (const n of candidates) if (!still.has(n)) kept.push({ name: n.name ?? "", op: n.opType!, reason: "per-layer error" });
      keepFollowers(g.node, still, kept, index);
      o.log(`automatic FP32 fallback: ${worst.size} layers above relative error ${o.autoFallbackError}`);
      result = toQdq(fp32, { ...plan, quantized: still });
    }
  }
  return { model: result.model, summary: result.summary, kept, layerErrors, notes, ranges, perChannel };
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
  const outputs = fp32.graph!.output.map((o) => o.name!);
  const reference: Float32Array[][] = [];
  await runCollecting(fp32, outputs, inputName, inputs, dims, (out) => reference.push(outputs.map((n) => out[n]!.slice())));
  const layers = [...candidates].filter((n) => WEIGHTED_OPS.has(n.opType!));
  const errors: LayerError[] = [];
  let done = 0;
  for (const n of layers) {
    const { model } = toQdq(fp32, { ...plan, quantized: layerGroup(n, candidates, fp32.graph!.node, index) });
    let diff = 0;
    let ref = 0;
    await runCollecting(model, outputs, inputName, inputs, dims, (out, f) => {
      outputs.forEach((name, k) => {
        const a = out[name];
        const b = reference[f]![k]!;
        if (!a) return;
        for (let i = 0; i < b.length; i++) {
          const d = a[i]! - b[i]!;
          diff += d * d;
          ref += b[i]! * b[i]!;
        }
      });
    });
    errors.push({ name: n.name ?? "", op: n.opType!, error: ref > 0 ? Math.sqrt(diff / ref) : 0 });
    if (++done % 20 === 0) log(`per-layer errors: ${done}/${layers.length}`);
  }
  return errors.sort((a, b) => b.error - a.error);
}
