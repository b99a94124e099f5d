/**
 * Raising an ONNX graph's default-domain opset to 13 (needed for per-channel DequantizeLinear):
 * the ops whose form changed between 11/12 and 13 are rewritten (Split's `split`, Squeeze /
 * Unsqueeze / ReduceSum's `axes` move from attributes to inputs); a Softmax-family op over an
 * axis other than the last changed meaning and is refused, naming it.
 */
import { PerceptionError } from "../../core/errors.js";
import { int64Tensor, opsetVersion, type ModelProto } from "../../models/onnx/onnx-proto.js";

const AXES_TO_INPUT: Record<string, { attribute: string; input: number }> = {
  Split: { attribute: "split", input: 1 },
  Squeeze: { attribute: "axes", input: 1 },
  Unsqueeze: { attribute: "axes", input: 1 },
  ReduceSum: { attribute: "axes", input: 1 },
};

/** Whether the model can be raised to opset 13 (undefined) or why not. */
export function opset13Blocker(model: ModelProto): string | undefined {
  if (opsetVersion(model) >= 13) return undefined;
  for (const n of model.graph!.node) {
    if (
      (n.opType === "Softmax" || n.opType === "LogSoftmax" || n.opType === "Hardmax") &&
      (!n.domain || n.domain === "ai.onnx")
    ) {
      const axis = n.attribute.find((a) => a.name === "axis")?.i ?? 1;
      if (axis !== -1)
        return `${n.opType} '${n.name}' over axis ${axis} changed meaning in opset 13`;
    }
  }
  return undefined;
}

/** A copy of the model at opset 13 (the model itself when already >= 13). */
export function upgradeToOpset13(model: ModelProto): ModelProto {
  if (opsetVersion(model) >= 13) return model;
  const blocker = opset13Blocker(model);
  if (blocker) throw new PerceptionError("model", `cannot raise the model to opset 13: ${blocker}`);
  const m = structuredClone(model);
  const g = m.graph!;
  for (const n of g.node) {
    if (n.domain && n.domain !== "ai.onnx") continue;
    const rule = AXES_TO_INPUT[n.opType!];
    if (!rule) continue;
    const a = n.attribute.find((x) => x.name === rule.attribute);
    if (!a) continue;
    const name = `${n.name || n.output[0]}_${rule.attribute}`;
    g.initializer.push(int64Tensor(name, [a.ints.length], a.ints));
    while (n.input.length < rule.input) n.input.push("");
    n.input[rule.input] = name;
    n.attribute = n.attribute.filter((x) => x !== a);
  }
  m.opsetImport = m.opsetImport.map((o) =>
    !o.domain || o.domain === "ai.onnx" ? { ...o, version: 13 } : o,
  );
  m.irVersion = Math.max(m.irVersion ?? 7, 7);
  return m;
}
