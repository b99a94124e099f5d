import { describe, expect, it } from "vitest";
import {
  DataType,
  floatTensor,
  int64Tensor,
  modelFromGraph,
  node,
  tensorValueInfo,
} from "../../../src/models/onnx/onnx-proto.js";
import { GraphIndex } from "../../../src/report/quantize/graph-index.js";

describe("GraphIndex", () => {
  // x -> Conv -> y; shape arithmetic Shape(y) -> Slice -> Concat(-1) -> Reshape(y, shape) -> Sigmoid -> out
  const g = modelFromGraph({
    name: "g",
    node: [
      node("Conv", ["x", "w"], ["y"], "conv"),
      node("Shape", ["y"], ["s"], "shape"),
      node("Slice", ["s", "starts", "ends"], ["s01"], "slice"),
      node("Concat", ["s01", "minus1"], ["newshape"], "concat"),
      node("Reshape", ["y", "newshape"], ["r"], "reshape"),
      node("Sigmoid", ["r"], ["out"], "sigmoid"),
    ],
    initializer: [
      floatTensor("w", [2, 1, 1, 1], [1, 2]),
      int64Tensor("starts", [1], [0]),
      int64Tensor("ends", [1], [2]),
      int64Tensor("minus1", [1], [-1]),
    ],
    input: [tensorValueInfo("x", DataType.FLOAT, [1, 1, 2, 2])],
    output: [tensorValueInfo("out", DataType.FLOAT, [1, 2, 4])],
  }).graph!;
  const index = new GraphIndex(g);
  it("tells shape arithmetic from data", () => {
    const nonFloat = index.nonFloatValues();
    expect([...nonFloat].filter((n) => !["starts", "ends", "minus1"].includes(n)).sort()).toEqual([
      "newshape",
      "s",
      "s01",
    ]);
    expect(nonFloat.has("r")).toBe(false);
  });
  it("the decode tail is what follows the last weighted layer", () => {
    expect([...index.tailNodes()].map((n) => n.name).sort()).toEqual([
      "concat",
      "reshape",
      "shape",
      "sigmoid",
      "slice",
    ]);
  });
});
