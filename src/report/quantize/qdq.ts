/**
 * QDQ rewriting: a float ONNX graph becomes the QuantizeLinear / DequantizeLinear form that
 * onnxruntime fuses into integer kernels and Arm NPU toolchains (TFLite/Vela-style importers, Arm NN,
 * vendor SDKs) read as a quantized network: activations uint8 asymmetric per tensor, weights int8
 * symmetric per output channel, biases int32 with scale = input scale x weight scale.
 *
 * Which nodes run quantized is the caller's plan (`QdqPlan`); every other node keeps reading the
 * float tensors, so a layer kept in FP32 sees exactly the values the FP32 model gives it, apart
 * from the quantization error upstream.
 */
import { PerceptionError } from "../../core/errors.js";
import {
  DataType,
  attr,
  floatTensor,
  floatValues,
  int8Tensor,
  node,
  opsetVersion,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from "../../models/onnx/onnx-proto.js";
import { uint8Params, type Range } from "./calibrators.js";
import { GraphIndex, WEIGHTED_OPS } from "./graph-index.js";

/** Ops the quantizer can put in INT8 (onnxruntime has QDQ fusions for them, or drops the pair around data movement). */
export const QUANTIZABLE_OPS: ReadonlySet<string> = new Set([
  "Conv",
  "ConvTranspose",
  "MatMul",
  "Gemm",
  "Add",
  "Mul",
  "Concat",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
  "Resize",
  "Sigmoid",
  "LeakyRelu",
  "Relu",
  "Reshape",
  "Transpose",
  "Flatten",
  "Squeeze",
  "Unsqueeze",
]);

/** Ops all of whose inputs are data (the others read only input 0 as data; shapes, sizes and axes stay as they are). */
const ALL_DATA_INPUTS: ReadonlySet<string> = new Set(["Add", "Mul", "Concat"]);

/** Input indices of a node that carry data to quantize (weights and biases of weighted ops excluded). */
export function dataInputIndices(n: NodeProto): number[] {
  if (ALL_DATA_INPUTS.has(n.opType!)) return n.input.map((_, i) => i);
  return [0];
}

/** Ops whose output is a re-arrangement (or subset) of their input: the output reuses the input's parameters so onnxruntime drops the pair. */
const SAME_RANGE_OPS: ReadonlySet<string> = new Set([
  "Reshape",
  "Transpose",
  "Flatten",
  "Squeeze",
  "Unsqueeze",
  "MaxPool",
]);

export interface QdqPlan {
  /** Nodes (by object) that run quantized. */
  quantized: ReadonlySet<NodeProto>;
  /** Calibrated ranges of activation tensors, by name. */
  ranges: ReadonlyMap<string, Range>;
  /** Weights: 8-bit [-127, 127] or 7-bit [-63, 63] ("reduce range": no int16 saturation in x86 AVX2 u8s8 kernels). */
  weightBits: 8 | 7;
  /** Per-output-channel weight scales (needs opset 13; false: one scale per weight tensor). */
  perChannel: boolean;
  /** What is quantized: both (static INT8), or only weights / only activations (diagnostics). Default "both". */
  parts?: "both" | "weights" | "activations";
}

/** What the rewrite did. */
export interface QdqSummary {
  /** Activation tensors given a Q/DQ pair. */
  activations: number;
  /** Weight tensors stored as int8. */
  weights: number;
  /** Bias tensors stored as int32. */
  biases: number;
  /** Nodes running quantized, by op type. */
  quantizedOps: Record<string, number>;
}

/** Where each weighted op keeps its output channels: [weight input, axis, bias input or -1]. */
function weightLayout(n: NodeProto): { weight: number; axis: number; bias: number } | undefined {
  switch (n.opType) {
    case "Conv":
      return { weight: 1, axis: 0, bias: 2 };
    case "ConvTranspose":
      return { weight: 1, axis: 1, bias: 2 };
    case "MatMul":
      return { weight: 1, axis: -1, bias: -1 };
    case "Gemm":
      return { weight: 1, axis: -1, bias: 2 };
    default:
      return undefined;
  }
}

/** Rounding as ONNX QuantizeLinear does it: halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Symmetric int8 quantization of a weight tensor along `axis` (-1: one scale for all). */
export function quantizeWeights(
  values: Float32Array,
  dims: readonly number[],
  axis: number,
  bits: 8 | 7,
): { q: Int8Array; scales: Float32Array } {
  const qmax = bits === 8 ? 127 : 63;
  const channels = axis < 0 ? 1 : dims[axis]!;
  const inner = axis < 0 ? values.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = axis < 0 ? 1 : dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const amax = new Float32Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      let m = amax[c]!;
      for (let k = 0; k < inner; k++) m = Math.max(m, Math.abs(values[base + k]!));
      amax[c] = m;
    }
  }
  const scales = amax.map((m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(values.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      const s = scales[c]!;
      for (let k = 0; k < inner; k++)
        q[base + k] = Math.max(-qmax, Math.min(qmax, roundHalfEven(values[base + k]! / s)));
    }
  }
  return { q, scales };
}

/** The model rewritten in QDQ form (a new model; the input is not changed). */
export function toQdq(
  model: ModelProto,
  plan: QdqPlan,
): { model: ModelProto; summary: QdqSummary } {
  const perChannel = plan.perChannel;
  if (perChannel && opsetVersion(model) < 13) {
    throw new PerceptionError(
      "model",
      `per-channel weights need opset >= 13, the model has ${opsetVersion(model)} (upgrade it first)`,
    );
  }
  const g = structuredClone(model.graph!);
  const index = new GraphIndex(g);
  // The plan names nodes of the caller's graph: map them to this clone by position.
  const original = model.graph!.node;
  const quantized = new Set(g.node.filter((_, i) => plan.quantized.has(original[i]!)));

  const summary: QdqSummary = { activations: 0, weights: 0, biases: 0, quantizedOps: {} };
  const params = new Map<string, { scale: string; zeroPoint: string; value: number }>();
  const newInits: TensorProto[] = [];
  const qdqAfter = new Map<string, NodeProto[]>(); // producer output -> its Q/DQ nodes
  const atStart: NodeProto[] = [];
  const dqBefore = new Map<NodeProto, NodeProto[]>();

  // Activation tensors read by a quantized node; ranges of "same range" op outputs follow their input.
  const ranges = new Map(plan.ranges);
  for (const n of g.node) {
    if (quantized.has(n) && SAME_RANGE_OPS.has(n.opType!) && ranges.has(n.input[0]!))
      ranges.set(n.output[0]!, ranges.get(n.input[0]!)!);
  }
  const activationParams = (t: string): { scale: string; zeroPoint: string; value: number } => {
    let p = params.get(t);
    if (p) return p;
    const r = ranges.get(t);
    if (!r) throw new PerceptionError("model", `no calibrated range for activation '${t}'`);
    const { scale, zeroPoint } = uint8Params(r);
    p = { scale: `${t}_scale`, zeroPoint: `${t}_zero_point`, value: scale };
    newInits.push(
      floatTensor(p.scale, [], [scale]),
      int8Tensor(p.zeroPoint, [], Uint8Array.of(zeroPoint)),
    );
    params.set(t, p);
    const q = node(
      "QuantizeLinear",
      [t, p.scale, p.zeroPoint],
      [`${t}_quantized`],
      `${t}_QuantizeLinear`,
    );
    const dq = node(
      "DequantizeLinear",
      [`${t}_quantized`, p.scale, p.zeroPoint],
      [`${t}_dequantized`],
      `${t}_DequantizeLinear`,
    );
    if (index.producer.has(t)) qdqAfter.set(t, [q, dq]);
    else atStart.push(q, dq);
    summary.activations++;
    return p;
  };

  const removedInits = new Set<string>();
  for (const n of g.node) {
    if (!quantized.has(n)) continue;
    summary.quantizedOps[n.opType!] = (summary.quantizedOps[n.opType!] ?? 0) + 1;
    const layout = WEIGHTED_OPS.has(n.opType!) ? weightLayout(n) : undefined;
    const before: NodeProto[] = [];
    let inputScale: number | undefined;
    const data = plan.parts === "weights" ? [] : dataInputIndices(n);
    n.input.forEach((name, i) => {
      if (!name || !data.includes(i)) return;
      if (!index.isActivation(name)) return; // constants stay float
      const p = activationParams(name);
      if (i === 0) inputScale = p.value;
      n.input[i] = `${name}_dequantized`;
    });
    if (layout) {
      const wName = n.input[layout.weight]!;
      const w = index.initializers.get(wName);
      const transB =
        n.opType === "Gemm" && n.attribute.some((a) => a.name === "transB" && a.i === 1);
      if (w && w.dataType === DataType.FLOAT && plan.parts !== "activations") {
        const axis = perChannel && layout.axis >= 0 ? layout.axis : -1;
        const { q, scales } = quantizeWeights(floatValues(w), w.dims, axis, plan.weightBits);
        const base = `${wName}_${n.name || summary.weights}`;
        newInits.push(
          int8Tensor(`${base}_quantized`, w.dims, q),
          floatTensor(`${base}_scale`, axis < 0 ? [] : [scales.length], scales),
          int8Tensor(
            `${base}_zero_point`,
            axis < 0 ? [] : [scales.length],
            new Int8Array(scales.length),
          ),
        );
        before.push(
          node(
            "DequantizeLinear",
            [`${base}_quantized`, `${base}_scale`, `${base}_zero_point`],
            [`${base}_dequantized`],
            `${base}_DequantizeLinear`,
            axis < 0 ? [] : [attr.int("axis", axis)],
          ),
        );
        n.input[layout.weight] = `${base}_dequantized`;
        removedInits.add(wName);
        summary.weights++;
        const bName = layout.bias >= 0 ? n.input[layout.bias] : undefined;
        const b = bName ? index.initializers.get(bName) : undefined;
        if (b && b.dataType === DataType.FLOAT && inputScale !== undefined && !transB) {
          const bv = floatValues(b);
          // One scale per output channel (input scale x that channel's weight scale), or one for all.
          const bScales =
            scales.length === 1
              ? Float32Array.of(inputScale * scales[0]!)
              : Float32Array.from(scales, (s) => inputScale! * s);
          const bq = Int32Array.from(bv, (v, c) =>
            Math.max(
              -(2 ** 31),
              Math.min(2 ** 31 - 1, roundHalfEven(v / bScales[bScales.length === 1 ? 0 : c]!)),
            ),
          );
          const bbase = `${bName}_${n.name || summary.biases}`;
          const perAxis = bScales.length > 1;
          newInits.push(
            {
              name: `${bbase}_quantized`,
              dims: [...b.dims],
              dataType: DataType.INT32,
              rawData: new Uint8Array(bq.buffer),
              floatData: [],
              int32Data: [],
              int64Data: [],
            },
            floatTensor(`${bbase}_scale`, perAxis ? [bScales.length] : [], bScales),
            {
              name: `${bbase}_zero_point`,
              dims: perAxis ? [bScales.length] : [],
              dataType: DataType.INT32,
              rawData: new Uint8Array(new Int32Array(bScales.length).buffer),
              floatData: [],
              int32Data: [],
              int64Data: [],
            },
          );
          before.push(
            node(
              "DequantizeLinear",
              [`${bbase}_quantized`, `${bbase}_scale`, `${bbase}_zero_point`],
              [`${bbase}_dequantized`],
              `${bbase}_DequantizeLinear`,
              perAxis ? [attr.int("axis", 0)] : [],
            ),
          );
          n.input[layout.bias] = `${bbase}_dequantized`;
          removedInits.add(bName!);
          summary.biases++;
        }
      }
    }
    if (before.length) dqBefore.set(n, before);
  }

  // Float initializers no other node reads any more are dropped (also from old-style graph inputs).
  const stillRead = new Set(g.node.flatMap((n) => n.input));
  const drop = new Set([...removedInits].filter((name) => !stillRead.has(name)));
  g.initializer = [...g.initializer.filter((t) => !drop.has(t.name!)), ...newInits];
  g.input = g.input.filter((i) => !drop.has(i.name!));
  const nodes: NodeProto[] = [...atStart];
  for (const n of g.node) {
    nodes.push(...(dqBefore.get(n) ?? []), n);
    for (const o of n.output) nodes.push(...(qdqAfter.get(o) ?? []));
  }
  g.node = nodes;
  g.valueInfo = [];
  return { model: { ...model, graph: g }, summary };
}
