import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import {
  DataType,
  encodeModel,
  floatTensor,
  modelFromGraph,
  node,
  tensorValueInfo,
} from "../../../src/models/onnx/onnx-proto.js";
import { freeInputSize } from "../../../src/models/onnx/free-input-size.js";

/** y = x * 2 over an image input of these dims. */
function scaleModel(dims: number[]): Uint8Array {
  return encodeModel(
    modelFromGraph({
      name: "scale",
      node: [node("Mul", ["x", "two"], ["y"], "mul")],
      initializer: [floatTensor("two", [1], [2])],
      input: [tensorValueInfo("x", DataType.FLOAT, dims)],
      output: [tensorValueInfo("y", DataType.FLOAT, dims)],
    }),
  );
}

describe("freeInputSize", () => {
  it("frees the height and width of a 4-D image input and says what the file declared", async () => {
    const freed = freeInputSize(scaleModel([1, 3, 8, 8]));
    expect(freed.name).toBe("x");
    expect(freed.declaredShape).toEqual([1, 3, 8, 8]);
    const session = await ort.InferenceSession.create(freed.bytes, { logSeverityLevel: 3 });
    expect(session.inputMetadata[0]).toMatchObject({ shape: [1, 3, "height", "width"] });
    // Another size than declared runs (the model as exported refuses it).
    const out = await session.run({
      x: new ort.Tensor("float32", new Float32Array(3 * 4 * 8).fill(1.5), [1, 3, 4, 8]),
    });
    expect(out.y!.dims).toEqual([1, 3, 4, 8]);
    expect((out.y!.data as Float32Array)[0]).toBe(3);
    const fixed = await ort.InferenceSession.create(scaleModel([1, 3, 8, 8]), {
      logSeverityLevel: 3,
    });
    await expect(
      fixed.run({ x: new ort.Tensor("float32", new Float32Array(3 * 4 * 8), [1, 3, 4, 8]) }),
    ).rejects.toThrow(/dimension|Got invalid dimensions/i);
  });

  it("refuses a model whose input is not a 4-D image", () => {
    expect(() => freeInputSize(scaleModel([1, 16]))).toThrow(
      /input.fit_aspect needs a model with one 4-D image input, found 1 input\(s\) of rank 2/,
    );
  });
});
