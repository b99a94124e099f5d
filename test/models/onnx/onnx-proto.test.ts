import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { sharedDir } from "../../../src/core/paths.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  floatTensor,
  floatValues,
  int64Tensor,
  modelFromGraph,
  node,
  tensorValueInfo,
} from "../../../src/models/onnx/onnx-proto.js";
import { decodeMessage, encodeMessage, type Schema } from "../../../src/models/onnx/protobuf.js";

const shared = sharedDir();
if (!shared) console.warn("skipping ONNX round trips of the real models: ../shared is absent");

describe("protobuf codec", () => {
  const schema: Schema = {
    M: [
      { no: 1, name: "a", type: "int64" },
      { no: 2, name: "xs", type: "float", repeated: true, packed: true },
      { no: 3, name: "s", type: "string" },
    ],
  };
  it("round-trips negative int64, packed floats, strings, and keeps unknown fields", () => {
    const bytes = encodeMessage(schema, "M", { a: -5, xs: [1.5, -2], s: "héllo" });
    expect(decodeMessage(schema, "M", bytes)).toEqual({ a: -5, xs: [1.5, -2], s: "héllo" });
    // Field 9 (varint 300) is unknown to a smaller schema and written back as it was.
    const withUnknown = new Uint8Array([...bytes, 9 * 8, 0xac, 0x02]);
    const small: Schema = { M: [{ no: 3, name: "s", type: "string" }] };
    const decoded = decodeMessage(small, "M", withUnknown);
    expect(decoded.s).toBe("héllo");
    const again = encodeMessage(small, "M", decoded);
    const full = decodeMessage(schema, "M", again);
    expect(full).toMatchObject({ a: -5, xs: [1.5, -2], s: "héllo" });
    expect(full._unknown).toEqual([new Uint8Array([9 * 8, 0xac, 0x02])]);
  });
  it("names a truncated message", () => {
    expect(() => decodeMessage(schema, "M", new Uint8Array([3 * 8 + 2, 10, 65]))).toThrow(
      /malformed protobuf: length past the end/,
    );
  });
});

describe("ONNX models written by the project", () => {
  it("a graph built here runs in onnxruntime", async () => {
    const model = modelFromGraph({
      name: "affine",
      node: [
        node("Mul", ["x", "k"], ["y0"], "mul"),
        node("Add", ["y0", "b"], ["y1"], "add"),
        node("Reshape", ["y1", "shape"], ["y"], "reshape"),
      ],
      initializer: [
        floatTensor("k", [1], [2]),
        floatTensor("b", [1], [0.5]),
        int64Tensor("shape", [2], [2, -1]),
      ],
      input: [tensorValueInfo("x", DataType.FLOAT, [1, 4])],
      output: [tensorValueInfo("y", DataType.FLOAT, [2, 2])],
    });
    const session = await ort.InferenceSession.create(encodeModel(model));
    const out = await session.run({
      x: new ort.Tensor("float32", Float32Array.from([1, 2, 3, 4]), [1, 4]),
    });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2.5, 4.5, 6.5, 8.5]);
    expect(out.y!.dims).toEqual([2, 2]);
    await session.release();
    expect(Array.from(floatValues(decodeModel(encodeModel(model)).graph!.initializer[0]!))).toEqual(
      [2],
    );
  });

  it.skipIf(!shared)("the shared models read and write back byte for byte", () => {
    for (const f of ["yolox_nano.onnx", "nanodet_m_416_int8.onnx", "twinlitenet_320x320.onnx"]) {
      const bytes = readFileSync(join(shared!, "models", f));
      const model = decodeModel(bytes);
      expect(model.graph!.node.length, f).toBeGreaterThan(100);
      expect(Buffer.compare(Buffer.from(encodeModel(model)), bytes), f).toBe(0);
    }
  });
});
