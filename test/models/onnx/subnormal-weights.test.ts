import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import {
  DataType,
  decodeModel,
  encodeModel,
  floatTensor,
  floatValues,
  modelFromGraph,
  node,
  tensorValueInfo,
} from "../../../src/models/onnx/onnx-proto.js";
import { flushSubnormalWeights } from "../../../src/models/onnx/subnormal-weights.js";

/** y = x * w for a [4] input: a graph whose only weight tensor is `w`. */
function scaleModel(w: readonly number[]): Uint8Array {
  return encodeModel(
    modelFromGraph({
      name: "scale",
      node: [node("Mul", ["x", "w"], ["y"], "scale")],
      initializer: [floatTensor("w", [4], w)],
      input: [tensorValueInfo("x", DataType.FLOAT, [4])],
      output: [tensorValueInfo("y", DataType.FLOAT, [4])],
    }),
  );
}

describe("flushSubnormalWeights", () => {
  it("sets subnormal float32 weights to zero and keeps every other value", () => {
    const subnormal = 1e-40;
    const { bytes, flushed } = flushSubnormalWeights(
      scaleModel([1.5, subnormal, -subnormal, 2e-38]),
    );
    expect(flushed).toBe(2);
    const w = floatValues(decodeModel(bytes).graph!.initializer[0]!);
    expect(Array.from(w)).toEqual([1.5, 0, 0, Math.fround(2e-38)]);
  });

  it("returns the input bytes themselves when no weight is subnormal", () => {
    const input = scaleModel([1, 0, -3, 1e-30]);
    const out = flushSubnormalWeights(input);
    expect(out.flushed).toBe(0);
    expect(out.bytes).toBe(input);
  });

  it("gives a model onnxruntime loads and runs", async () => {
    const { bytes } = flushSubnormalWeights(scaleModel([2, 1e-40, 3, 4]));
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({
      x: new ort.Tensor("float32", Float32Array.of(1, 1, 1, 1), [4]),
    });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 0, 3, 4]);
    await session.release();
  });
});
