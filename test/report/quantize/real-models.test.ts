import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath, sharedDir } from "../../../src/core/paths.js";
import { readImageFile } from "../../../src/image/compressed-image.js";
import { loadModelContract } from "../../../src/models/contract.js";
import { readModelFile, writeModelFile } from "../../../src/models/onnx/onnx-proto.js";
import { loadCalibrationFrames } from "../../../src/report/quantize/calibration-frames.js";
import {
  evaluate,
  type DetectorEvaluation,
  type EvalFrame,
  type SegmentationEvaluation,
} from "../../../src/report/quantize/evaluate.js";
import { quantizeModel, quantizeOptions } from "../../../src/report/quantize/quantize-model.js";
import { testTimeout } from "../../support/emulation.js";

const shared = sharedDir();
if (!shared) console.warn("skipping INT8 quantization of the real models: ../shared is absent");
const dir = mkdtempSync(join(tmpdir(), "ep-int8-real-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => undefined;

describe.skipIf(!shared)(
  "INT8 quantization of the shared models (bars of docs/quantization.md)",
  () => {
    it("TwinLiteNet 320: lane-mask IoU against TuSimple ground truth within 0.02 of FP32", {
      timeout: testTimeout(300_000),
    }, async () => {
      const contract = loadModelContract("twinlitenet_320x320");
      const frames = await loadCalibrationFrames(join(shared!, "bags/rosbag2/camera_drive_mcap"), {
        maxFrames: 12,
      });
      const result = await quantizeModel(
        readModelFile(join(shared!, "models", contract.file)),
        quantizeOptions(contract, frames, { errorFrames: 1, log: quiet }),
      );
      expect(result.perChannel).toBe(true);
      writeModelFile(join(dir, "tln320_int8.onnx"), result.model);
      const evalFrames: EvalFrame[] = [];
      for (const name of ["0000.png", "0001.png", "0002.png"]) {
        const gt = await readImageFile(join(shared!, "data/tusimple/gt_binary", name));
        const bpp = gt.data.length / (gt.width * gt.height);
        const data = Uint8Array.from({ length: gt.width * gt.height }, (_, i) =>
          gt.data[Math.floor(i / gt.width) * gt.step + (i % gt.width) * bpp]! > 0 ? 1 : 0,
        );
        evalFrames.push({
          source: name,
          view: await readImageFile(join(shared!, "data/tusimple/image", name)),
          mask: { width: gt.width, height: gt.height, data },
        });
      }
      const { accuracy } = await evaluate({
        contract,
        modelDir: join(shared!, "models"),
        int8File: join(dir, "tln320_int8.onnx"),
        frames: evalFrames,
        matchIou: 0.5,
        maskOutput: "lanes",
        speedRuns: 1,
      });
      const seg = accuracy as SegmentationEvaluation;
      console.log(
        `TwinLiteNet 320 lanes IoU vs ground truth: FP32 ${seg.labelled!.fp32.toFixed(3)}, INT8 ${seg.labelled!.int8.toFixed(3)}`,
      );
      expect(seg.labelled!.frames).toBe(3);
      expect(seg.labelled!.fp32).toBeGreaterThan(0.15); // the reference itself finds the lanes
      expect(Math.abs(seg.labelled!.int8 - seg.labelled!.fp32)).toBeLessThanOrEqual(0.02);
    });

    it("YOLOX-Nano (MinMax, automatic FP32 fallback 0.05, whole-model budget 0.02 as test:arm64 makes it): KITTI rider at IoU >= 0.75, no labelled box lost on the labelled real frames", {
      timeout: testTimeout(600_000),
    }, async () => {
      const contract = loadModelContract("yolox_nano");
      const frames = await loadCalibrationFrames(join(shared!, "data/cdnet_crosswalk/frames"), {
        maxFrames: 20,
      });
      const result = await quantizeModel(
        readModelFile(join(shared!, "models", contract.file)),
        quantizeOptions(contract, frames, {
          autoFallbackError: 0.05,
          maxModelError: 0.02,
          log: quiet,
        }),
      );
      // The budget holds, and it is met with part of the network still INT8 (80 of 113 convolutions go FP32 on this machine).
      expect(result.modelError).toBeLessThanOrEqual(0.02);
      expect(result.summary.quantizedOps.Conv).toBeGreaterThanOrEqual(20);
      expect(result.kept.some((k) => k.reason === "model error budget")).toBe(true);
      writeModelFile(join(dir, "yolox_int8.onnx"), result.model);
      // Evaluation frames: KITTI 000007 (its cars and rider) and every frame of the people labels
      // outside the calibration folder (people labelled by eye; frames without people count too).
      const kittiLabels = JSON.parse(
        readFileSync(projectPath("test/fixtures/kitti-000007-coco-labels.json"), "utf8"),
      ).images["kitti/000007.png"] as { class_id: number; box_xyxy: number[] }[];
      const people = JSON.parse(
        readFileSync(projectPath("test/fixtures/person-boxes.json"), "utf8"),
      ).frames as { file: string; people: { box: number[] }[] }[];
      const labelBox = (classId: number, [x1, y1, x2, y2]: number[]) => ({
        classId,
        x1: x1!,
        y1: y1!,
        x2: x2!,
        y2: y2!,
      });
      const evalSet: EvalFrame[] = [];
      for (const { file, people: persons } of people) {
        if (file.startsWith("cdnet_crosswalk/frames/")) continue; // the calibration frames
        evalSet.push({
          source: file,
          view: await readImageFile(join(shared!, "data", file)),
          boxes:
            file === "kitti/000007.png"
              ? kittiLabels.map((b) => labelBox(b.class_id, b.box_xyxy))
              : persons.map((p) => labelBox(0, p.box)),
        });
      }
      const { accuracy } = await evaluate({
        contract,
        modelDir: join(shared!, "models"),
        int8File: join(dir, "yolox_int8.onnx"),
        frames: evalSet,
        classIds: [0, 2],
        matchIou: 0.5,
        speedRuns: 1,
      });
      const det = accuracy as DetectorEvaluation;
      const rider = det.perLabel.find((p) => p.source === "kitti/000007.png" && p.classId === 0)!;
      const { fp32, int8 } = det.labelled!;
      console.log(
        `YOLOX INT8: KITTI rider IoU FP32 ${rider.fp32Iou.toFixed(3)} INT8 ${rider.int8Iou.toFixed(3)}; labelled boxes ${det.perLabel.length} on ${det.labelled!.frames} frames, recall FP32 ${fp32.recall.toFixed(3)} INT8 ${int8.recall.toFixed(3)}`,
      );
      expect(det.labelled!.frames).toBe(evalSet.length);
      expect(det.perLabel.length).toBeGreaterThanOrEqual(16);
      expect(rider.int8Iou).toBeGreaterThanOrEqual(0.75);
      expect(int8.recall).toBeGreaterThanOrEqual(fp32.recall - 0.02);
    });
  },
);
