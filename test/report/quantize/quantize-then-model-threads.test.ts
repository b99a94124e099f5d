/**
 * onnxruntime sets the subnormal mode once per process, on the thread of its first session
 * (ort-launcher-thread.ts). `quantize` creates its calibration session on the calling thread; it
 * must not be the process's first, or every model thread started later computes with subnormals
 * (4-8x slower TwinLiteNet on x86). This file is its own process (vitest's forks pool): quantize
 * runs first here, then a model thread reports its mode.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { loadModelContract } from "../../../src/models/contract.js";
import { writeModelFile } from "../../../src/models/onnx/onnx-proto.js";
import { WorkerSession } from "../../../src/models/ort-worker.js";
import { quantizeModel } from "../../../src/report/quantize/quantize-model.js";
import { TINY_YOLOV8_32_CONTRACTS, tinyYolov8 } from "../../models/onnx/tiny-detectors.js";

const dir = mkdtempSync(join(tmpdir(), "ep-quantize-first-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a model thread started after quantize's calibration still flushes subnormals (x86)", async () => {
  const model = tinyYolov8(32, "yolov8");
  writeFileSync(join(dir, "contracts.yaml"), TINY_YOLOV8_32_CONTRACTS);
  const contract = loadModelContract("tiny", join(dir, "contracts.yaml"));
  const frame = {
    width: 32,
    height: 32,
    step: 96,
    format: "rgb8" as const,
    data: new Uint8Array(32 * 32 * 3).fill(90),
  };
  await quantizeModel(model, {
    contract,
    frames: [
      { source: "grey", view: frame },
      { source: "grey2", view: frame },
    ],
    calibrator: { kind: "minmax" },
    keepFp32Nodes: [],
    keepFp32Ops: [],
    quantizeTail: false,
    errorFrames: 1,
    weightBits: 8,
    perChannel: true,
    log: () => undefined,
  });
  const path = join(dir, "tiny.onnx");
  writeModelFile(path, model);
  const session = await WorkerSession.create(path, { logSeverityLevel: 3 });
  try {
    // onnxruntime sets the mode on x86 only (elsewhere its kernels take subnormals at full speed).
    if (process.arch === "x64") expect(session.flushToZero).toBe(true);
    else expect(typeof session.flushToZero).toBe("boolean");
  } finally {
    await session.release();
  }
});
