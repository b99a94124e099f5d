/**
 * Lookups over an ONNX graph the quantizer needs: producers and consumers of each value, the
 * initializers, node order, and which nodes lie after the last weighted layer (the decode tail).
 */
import type { GraphProto, NodeProto, TensorProto } from "../../models/onnx/onnx-proto.js";

/** Ops with weights (the layers INT8 speeds up). */
export const WEIGHTED_OPS: ReadonlySet<string> = new Set([
  "Conv",
  "ConvTranspose",
  "MatMul",
  "Gemm",
]);

export class GraphIndex {
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly initializers = new Map<string, TensorProto>();
  readonly graphOutputs: Set<string>;
  readonly graphInputs: Set<string>;

  constructor(readonly graph: GraphProto) {
    for (const t of graph.initializer) this.initializers.set(t.name!, t);
    for (const n of graph.node) {
      for (const o of n.output) if (o) this.producer.set(o, n);
      for (const i of n.input) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    this.graphOutputs = new Set(graph.output.map((o) => o.name!));
    this.graphInputs = new Set(
      graph.input.map((i) => i.name!).filter((n) => !this.initializers.has(n)),
    );
  }

  /** A value computed at run time (not an initializer nor a Constant's output). */
  isActivation(name: string): boolean {
    if (!name || this.initializers.has(name)) return false;
    const p = this.producer.get(name);
    return !(p && p.opType === "Constant");
  }

  /**
   * Values that are not float32 (shapes, indices, masks), found by propagation: non-float
   * initializers and constants, Shape / Size / ArgMax / comparisons, Cast to another type, and any
   * op fed a non-float value (Slice / Concat / Gather of a shape stays integer). Only float
   * values are calibrated and quantized.
   */
  nonFloatValues(): Set<string> {
    const out = new Set<string>();
    for (const t of this.graph.initializer) if (t.dataType !== 1) out.add(t.name!);
    const INT_OUT = new Set([
      "Shape",
      "Size",
      "NonZero",
      "ArgMax",
      "ArgMin",
      "Equal",
      "Less",
      "LessOrEqual",
      "Greater",
      "GreaterOrEqual",
      "Not",
      "And",
      "Or",
      "Xor",
      "IsNaN",
      "IsInf",
    ]);
    for (const n of this.graph.node) {
      let nonFloat: boolean;
      if (n.opType === "Constant") {
        const t = n.attribute.find((a) => a.name === "value")?.t;
        nonFloat = t
          ? t.dataType !== 1
          : n.attribute.some((a) => a.name === "value_int" || a.name === "value_ints");
      } else if (n.opType === "Cast") {
        nonFloat = n.attribute.find((a) => a.name === "to")?.i !== 1;
      } else if (INT_OUT.has(n.opType!)) {
        nonFloat = true;
      } else if (n.opType === "Concat") {
        nonFloat = n.input.some((i) => out.has(i));
      } else {
        nonFloat = n.input[0] !== undefined && out.has(n.input[0]);
      }
      if (nonFloat) for (const o of n.output) out.add(o);
      if (n.opType === "TopK" && n.output[1]) out.add(n.output[1]);
    }
    return out;
  }

  /**
   * Nodes from which no weighted layer can be reached: the post-processing tail (YOLOX's sigmoid,
   * concat and reshape of the heads), where one INT8 scale for boxes and scores together ruins
   * the scores and nothing is gained in speed.
   */
  tailNodes(): Set<NodeProto> {
    const reachesWeighted = new Map<NodeProto, boolean>();
    const visit = (n: NodeProto): boolean => {
      const known = reachesWeighted.get(n);
      if (known !== undefined) return known;
      reachesWeighted.set(n, false); // cycles cannot happen in ONNX graphs; guard anyway
      let r = false;
      for (const o of n.output)
        for (const c of this.consumers.get(o) ?? [])
          if (WEIGHTED_OPS.has(c.opType!) || visit(c)) r = true;
      reachesWeighted.set(n, r);
      return r;
    };
    const tail = new Set<NodeProto>();
    for (const n of this.graph.node) if (!WEIGHTED_OPS.has(n.opType!) && !visit(n)) tail.add(n);
    return tail;
  }
}
