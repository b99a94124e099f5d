import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DataType,
  floatTensor,
  modelFromGraph,
  node,
  tensorValueInfo,
  writeModelFile,
} from "../../src/models/onnx/onnx-proto.js";
import { WorkerSession, type WorkerFeed } from "../../src/models/ort-worker.js";
import { subnormalsFlushed } from "../../src/models/subnormal-mode.js";

const dir = mkdtempSync(join(tmpdir(), "ep-ort-worker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** y = x + [10, 20, 30, 40]: a model whose output says exactly which input it ran on. */
function addModel(): string {
  const path = join(dir, "add.onnx");
  writeModelFile(
    path,
    modelFromGraph({
      name: "add",
      node: [node("Add", ["x", "bias"], ["y"], "add")],
      initializer: [floatTensor("bias", [1, 4], [10, 20, 30, 40])],
      input: [tensorValueInfo("x", DataType.FLOAT, [1, 4])],
      output: [tensorValueInfo("y", DataType.FLOAT, [1, 4])],
    }),
  );
  return path;
}

const feed = (data: Float32Array): WorkerFeed => ({
  name: "x",
  type: "float32",
  data,
  dims: [1, 4],
});

describe("WorkerSession: onnxruntime in its own thread, started from the type-checked ort-worker-thread module", () => {
  it("reports the model's metadata and runs it on copied and shared inputs, into new or slot buffers", async () => {
    const session = await WorkerSession.create(addModel(), {
      executionProviders: ["cpu"],
      logSeverityLevel: 3,
    });
    try {
      expect(session.inputMetadata).toEqual([
        { name: "x", isTensor: true, type: "float32", shape: [1, 4] },
      ]);
      expect(session.outputMetadata).toEqual([
        { name: "y", isTensor: true, type: "float32", shape: [1, 4] },
      ]);

      const copied = await session.run([feed(Float32Array.of(1, 2, 3, 4))]);
      expect(
        copied.outputs.map((o) => [
          o.name,
          o.type,
          [...o.dims],
          Array.from(o.data as Float32Array),
        ]),
      ).toEqual([["y", "float32", [1, 4], [11, 22, 33, 44]]]);
      expect(copied.inferenceMs).toBeGreaterThanOrEqual(0);

      // A SharedArrayBuffer input (what ModelSession hands over) and a shared output slot, reused run after run.
      const input = new Float32Array(new SharedArrayBuffer(16));
      input.set([0, 0, 0, 1]);
      const first = await session.run([feed(input)], 0);
      const firstData = first.outputs[0]!.data as Float32Array;
      expect(firstData.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(firstData)).toEqual([10, 20, 30, 41]);
      input.set([5, 5, 5, 5]);
      const second = await session.run([feed(input)], 0);
      expect(Array.from(second.outputs[0]!.data as Float32Array)).toEqual([15, 25, 35, 45]);
      // Same slot, same shared memory: the first run's view now reads the second run's outputs.
      expect(Array.from(firstData)).toEqual([15, 25, 35, 45]);
    } finally {
      await session.release();
    }
  });

  it("queued runs answer in order, each with its own input", async () => {
    const session = await WorkerSession.create(addModel(), { logSeverityLevel: 3 });
    try {
      const runs = [0, 1, 2, 3, 4].map((k) => session.run([feed(Float32Array.of(k, k, k, k))]));
      const outs = await Promise.all(runs);
      expect(outs.map((r) => (r.outputs[0]!.data as Float32Array)[0])).toEqual([
        10, 11, 12, 13, 14,
      ]);
    } finally {
      await session.release();
    }
  });

  it("rejects with onnxruntime's message: a missing model file, a wrong input name, a run after release", async () => {
    await expect(
      WorkerSession.create(join(dir, "missing.onnx"), { logSeverityLevel: 3 }),
    ).rejects.toThrow(/missing\.onnx/);
    const session = await WorkerSession.create(addModel(), { logSeverityLevel: 3 });
    await expect(
      session.run([{ ...feed(Float32Array.of(1, 2, 3, 4)), name: "nope" }]),
    ).rejects.toThrow(/input .x. is missing/);
    // The worker keeps serving after a failed run.
    const ok = await session.run([feed(Float32Array.of(0, 0, 0, 0))]);
    expect(Array.from(ok.outputs[0]!.data as Float32Array)).toEqual([10, 20, 30, 40]);
    await session.release();
    await expect(session.run([feed(Float32Array.of(0, 0, 0, 0))])).rejects.toThrow(/exited/);
  });

  it("computes with subnormals flushed to zero in the session thread (x86), while the main thread keeps IEEE subnormals", async () => {
    // y = x * 1e-20: 1e-20 * 1e-20 = 1e-40 is below float32's smallest normal (1.18e-38).
    const path = join(dir, "tiny.onnx");
    writeModelFile(
      path,
      modelFromGraph({
        name: "tiny",
        node: [node("Mul", ["x", "w"], ["y"], "mul")],
        initializer: [floatTensor("w", [1, 4], [1e-20, 1e-20, 1, 1])],
        input: [tensorValueInfo("x", DataType.FLOAT, [1, 4])],
        output: [tensorValueInfo("y", DataType.FLOAT, [1, 4])],
      }),
    );
    const session = await WorkerSession.create(path, { logSeverityLevel: 3 });
    try {
      const out = await session.run([feed(Float32Array.of(1e-20, 1, 2, 3))]);
      const y = out.outputs[0]!.data as Float32Array;
      expect(Array.from(y.subarray(1))).toEqual([Math.fround(1e-20), 2, 3]);
      // What the thread reports is what its arithmetic did.
      expect(y[0] === 0).toBe(session.flushToZero);
      // onnxruntime sets the mode on x86 only (elsewhere its kernels take subnormals at full speed).
      if (process.arch === "x64") expect(session.flushToZero).toBe(true);
      expect(subnormalsFlushed()).toBe(false);
      expect(Float64Array.of(5e-324)[0]! * 2).toBe(1e-323);
    } finally {
      await session.release();
    }
  });
});
