/**
 * x86 side of `npm run test:arm64`: makes the INT8 models with the project's own quantizer, turns a
 * few real frames into input tensors with each model's contract preprocessing, and writes a
 * manifest for run-models.mjs. Usage: tsx scripts/arm64/prepare.ts <work dir>
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sharedDir } from "../../src/core/paths.js";
import { readImageFile } from "../../src/image/compressed-image.js";
import { loadModelContract } from "../../src/models/contract.js";
import { readModelFile, writeModelFile } from "../../src/models/onnx/onnx-proto.js";
import { loadCalibrationFrames } from "../../src/report/quantize/calibration-frames.js";
import { preprocessFrames, quantizeModel } from "../../src/report/quantize/quantize-model.js";

const work = resolve(process.argv[2] ?? ".arm64/run");
const shared = sharedDir();
if (!shared) {
  console.error("test:arm64 needs ../shared (models and frames)");
  process.exit(2);
}
mkdirSync(join(work, "inputs"), { recursive: true });
const frameFiles = ["data/kitti/000007.png", "data/tusimple/image/0000.png", "data/bdd100k/caeb782d-4a20b7c4.jpg"];
const frames = await Promise.all(frameFiles.map(async (f) => ({ source: f, view: await readImageFile(join(shared, f)) })));
const models = [
  // Frames per model: emulated TwinLiteNet takes minutes per frame under qemu, so it gets the TuSimple one.
  { name: "yolox_nano", calibration: "data/cdnet_crosswalk/frames", autoFallbackError: 0.05, frames: [0, 1, 2] },
  { name: "twinlitenet_320x320", calibration: "bags/rosbag2/camera_drive_mcap", autoFallbackError: undefined, frames: [1] },
];
const manifest = { frames: frames.map((_, i) => `f${i}`), frameFiles, models: [] as object[] };
for (const m of models) {
  const contract = loadModelContract(m.name);
  const fp32 = join(shared, "models", contract.file);
  const int8 = join(work, `${m.name}_int8.onnx`);
  if (!existsSync(int8)) {
    console.log(`quantizing ${m.name} (MinMax${m.autoFallbackError ? `, --auto-fp32 ${m.autoFallbackError}` : ""})`);
    const calibration = await loadCalibrationFrames(join(shared, m.calibration), { maxFrames: 20 });
    const q = await quantizeModel(readModelFile(fp32), {
      contract,
      frames: calibration,
      calibrator: { kind: "minmax" },
      keepFp32Nodes: [],
      keepFp32Ops: [],
      quantizeTail: false,
      autoFallbackError: m.autoFallbackError,
      errorFrames: 2,
      weightBits: 8,
      perChannel: true,
      log: () => undefined,
    });
    writeModelFile(int8, q.model);
  }
  preprocessFrames(contract, frames).forEach((t, i) => writeFileSync(join(work, "inputs", `${m.name}.f${i}.bin`), Buffer.from(t.buffer, t.byteOffset, t.byteLength)));
  manifest.models.push({ name: m.name, fp32, int8, input: contract.input.name, dims: [1, 3, contract.input.height, contract.input.width], frames: m.frames.map((i) => `f${i}`) });
}
writeFileSync(join(work, "manifest.json"), JSON.stringify(manifest, null, 2));
console.log(`prepared ${manifest.models.length} models x ${frames.length} frames in ${work}`);
