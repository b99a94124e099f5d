import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { loadModelContract } from "../../../src/models/contract.js";
import { readModelFile, writeModelFile, encodeModel } from "../../../src/models/onnx/onnx-proto.js";
import { loadCalibrationFrames } from "../../../src/report/quantize/calibration-frames.js";
import { quantizeModel } from "../../../src/report/quantize/quantize-model.js";
import { ModelSession } from "../../../src/models/session.js";
import { run } from "../../../src/cli/commands/quantize.js";
import { TINY_YOLOV8_32_CONTRACTS, tinyYolov8 } from "../../models/onnx/tiny-detectors.js";
import { vi } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "ep-quantize-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Frames with a few coloured pixels each, written as PNG into `frames/`. */
beforeAll(async () => {
  mkdirSync(join(dir, "frames"));
  for (let k = 0; k < 6; k++) {
    const rgb = Buffer.alloc(32 * 32 * 3);
    for (let p = 0; p < 5; p++) {
      const x = (k * 7 + p * 11) % 32;
      const y = (k * 5 + p * 13) % 32;
      rgb.set([p % 2 ? 255 : 60 * k, p % 2 ? 40 * k : 255, 0], (y * 32 + x) * 3);
    }
    await sharp(rgb, { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toFile(join(dir, "frames", `f${k}.png`));
  }
  writeModelFile(join(dir, "tiny.onnx"), tinyYolov8(32, "yolov8"));
  writeFileSync(join(dir, "contracts.yaml"), TINY_YOLOV8_32_CONTRACTS);
});

const options = (frames: Awaited<ReturnType<typeof loadCalibrationFrames>>) => ({
  contract: loadModelContract("tiny", join(dir, "contracts.yaml")),
  frames,
  calibrator: { kind: "minmax" as const },
  keepFp32Nodes: [],
  keepFp32Ops: [],
  quantizeTail: false,
  errorFrames: 2,
  weightBits: 8 as const,
  perChannel: true,
  log: () => undefined,
});

describe("quantize", () => {
  it("writes a QDQ model (uint8 activations, int8 per-channel weights, int32 bias) that finds the same boxes", async () => {
    const frames = await loadCalibrationFrames(join(dir, "frames"), { maxFrames: 4 });
    expect(frames.map((f) => f.source.split("/").pop())).toEqual([
      "f0.png",
      "f2.png",
      "f3.png",
      "f5.png",
    ]);
    const result = await quantizeModel(readModelFile(join(dir, "tiny.onnx")), options(frames));
    const g = result.model.graph!;
    expect(g.node.map((n) => n.opType)).toEqual(
      expect.arrayContaining(["QuantizeLinear", "DequantizeLinear", "Conv", "Add", "Reshape"]),
    );
    expect(result.summary).toMatchObject({ weights: 1, biases: 0, quantizedOps: { Conv: 1 } });
    // The Add after the Conv and the Reshape are the decode tail: FP32 by default.
    expect(result.kept.map((k) => [k.op, k.reason])).toEqual([
      ["Add", "decode tail"],
      ["Reshape", "decode tail"],
    ]);
    const w = g.initializer.find(
      (t) => t.name!.startsWith("w_") && t.name!.endsWith("_quantized"),
    )!;
    expect(w.dataType).toBe(3); // INT8
    const scale = g.initializer.find(
      (t) => t.name!.startsWith("w_") && t.name!.endsWith("_scale"),
    )!;
    expect(scale.dims).toEqual([6]); // one per output channel
    expect(g.initializer.some((t) => t.name === "w")).toBe(false); // the float weight is gone
    writeModelFile(join(dir, "tiny_int8.onnx"), result.model);

    const frame = frames[0]!.view;
    const boxes = async (file: string) => {
      const s = await ModelSession.create(
        { ...loadModelContract("tiny", join(dir, "contracts.yaml")), file },
        { modelDir: dir, log: () => undefined },
      );
      const out = await s.run(frame);
      await s.release();
      return out.kind === "detections" ? out.detections : [];
    };
    const fp32 = await boxes("tiny.onnx");
    const int8 = await boxes("tiny_int8.onnx");
    expect(fp32.length).toBeGreaterThan(0);
    expect(int8.map((d) => [d.classId, d.x1, d.y1])).toEqual(
      fp32.map((d) => [d.classId, d.x1, d.y1]),
    );
    for (let i = 0; i < fp32.length; i++)
      expect(Math.abs(int8[i]!.score - fp32[i]!.score)).toBeLessThan(0.02);
  });

  it("keeps layers in FP32 by name and by op, and measures per-layer errors for the automatic fallback", async () => {
    const frames = await loadCalibrationFrames(join(dir, "frames"), { maxFrames: 3 });
    const byName = await quantizeModel(readModelFile(join(dir, "tiny.onnx")), {
      ...options(frames),
      keepFp32Nodes: ["co*"],
      quantizeTail: true,
    });
    expect(byName.kept.find((k) => k.name === "conv")).toMatchObject({ reason: "by name" });
    expect(byName.summary.weights).toBe(0);
    // MinMax on this model is exact (pixels / 255 and 0/1 weights are representable): no error, nothing kept.
    const exact = await quantizeModel(readModelFile(join(dir, "tiny.onnx")), {
      ...options(frames),
      autoFallbackError: 1e-9,
    });
    expect(exact.layerErrors).toEqual([{ name: "conv", op: "Conv", error: 0 }]);
    expect(exact.kept.some((k) => k.reason === "per-layer error")).toBe(false);
    // A percentile range clips the bright pixels: the layer now moves the outputs and is kept in FP32.
    const clipped = await quantizeModel(readModelFile(join(dir, "tiny.onnx")), {
      ...options(frames),
      calibrator: { kind: "percentile", percentile: 99 },
      autoFallbackError: 1e-3,
    });
    expect(clipped.layerErrors[0]!.error).toBeGreaterThan(1e-3);
    expect(clipped.kept.find((k) => k.name === "conv")).toMatchObject({
      reason: "per-layer error",
    });
    expect(clipped.summary.weights).toBe(0);
    // Whole-model budget: within it as quantized, nothing is ranked or kept; below the clipped model's error, the layer goes to FP32.
    const percentile99 = { kind: "percentile" as const, percentile: 99 };
    const loose = await quantizeModel(readModelFile(join(dir, "tiny.onnx")), {
      ...options(frames),
      calibrator: percentile99,
      maxModelError: 10,
    });
    expect(loose.layerErrors).toEqual([]);
    expect(loose.modelError).toBeCloseTo(clipped.layerErrors[0]!.error, 6);
    expect(loose.kept.some((k) => k.reason === "model error budget")).toBe(false);
    const tight = await quantizeModel(readModelFile(join(dir, "tiny.onnx")), {
      ...options(frames),
      calibrator: percentile99,
      maxModelError: 1e-3,
    });
    expect(tight.kept.find((k) => k.name === "conv")).toMatchObject({
      reason: "model error budget",
    });
    expect(tight.modelError).toBe(0);
    expect(tight.summary.weights).toBe(0);
    const auto = clipped;
    // The encoded model is what onnxruntime loads (checked above); here it is at least well-formed.
    expect(encodeModel(auto.model).length).toBeGreaterThan(100);
  });

  it("CLI: writes the model, its contract entry and a report; clear errors for bad input", async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation(
      (...a: unknown[]) => void errors.push(a.join(" ")),
    );
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const out = join(dir, "cli_int8.onnx");
    const code = await run([
      join(dir, "tiny.onnx"),
      "--out",
      out,
      "--calibration",
      join(dir, "frames"),
      "--contracts",
      join(dir, "contracts.yaml"),
      "--eval",
      join(dir, "frames"),
      "--speed-runs",
      "2",
    ]);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(join(dir, "cli_int8.contract.yaml"), "utf8")).toMatch(
      /tiny_int8:\n\s+file: cli_int8.onnx/,
    );
    const report = readFileSync(join(dir, "cli_int8.report.md"), "utf8");
    expect(report).toMatch(/## Accuracy, FP32 vs INT8/);
    expect(report).toMatch(/\| file size \|/);
    expect(
      await run([
        join(dir, "tiny.onnx"),
        "--out",
        out,
        "--calibration",
        join(dir, "nope"),
        "--contracts",
        join(dir, "contracts.yaml"),
      ]),
    ).toBe(1);
    expect(errors.join("\n")).toMatch(/calibration source not found/);
    expect(await run([join(dir, "tiny.onnx"), "--calibration", join(dir, "frames")])).toBe(2);
    expect(errors.join("\n")).toMatch(/--out <int8.onnx> is required/);
    expect(
      await run([
        join(dir, "tiny.onnx"),
        "--out",
        out,
        "--calibration",
        join(dir, "frames"),
        "--max-error",
        "0",
      ]),
    ).toBe(2);
    expect(errors.join("\n")).toMatch(/--max-error must be a positive relative error, got '0'/);
    // With a budget the report gives the whole-model error.
    expect(
      await run([
        join(dir, "tiny.onnx"),
        "--out",
        out,
        "--calibration",
        join(dir, "frames"),
        "--contracts",
        join(dir, "contracts.yaml"),
        "--max-error",
        "0.5",
      ]),
    ).toBe(0);
    expect(readFileSync(join(dir, "cli_int8.report.md"), "utf8")).toMatch(
      /Whole-model relative output error against FP32 \(error frames\): 0\.0000/,
    );
    vi.restoreAllMocks();
  });
});
