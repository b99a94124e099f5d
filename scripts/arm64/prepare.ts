/**
 * x86 side of `npm run test:arm64`: makes the INT8 models with the project's own quantizer, turns a
 * few real frames into input tensors with each model's contract preprocessing, and writes a
 * manifest for run-models.mjs. Usage: tsx scripts/arm64/prepare.ts <work dir>
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { sharedDir } from "../../src/core/paths.js";
import { readImageFile } from "../../src/image/compressed-image.js";
import { defaultContractsPath, loadModelContract } from "../../src/models/contract.js";
import { readModelFile, writeModelFile } from "../../src/models/onnx/onnx-proto.js";
import { projectModelDir } from "../../src/perception/crosswalks/learned-source.js";
import { loadCalibrationFrames } from "../../src/report/quantize/calibration-frames.js";
import {
  preprocessFrames,
  quantizeModel,
  quantizeOptions,
} from "../../src/report/quantize/quantize-model.js";
import { readGeneratedFrames } from "../../training/crosswalk_seg/generated-frames.js";

const work = resolve(process.argv[2] ?? ".arm64/run");
const shared = sharedDir();
if (!shared) {
  console.error("test:arm64 needs ../shared (models and frames)");
  process.exit(2);
}
mkdirSync(join(work, "inputs"), { recursive: true });
const frameFiles = [
  "data/kitti/000007.png",
  "data/tusimple/image/0000.png",
  "data/bdd100k/caeb782d-4a20b7c4.jpg",
  "data/cdnet_crosswalk/complex/clearly_visible_0760_00001.jpg",
];
const frames = await Promise.all(
  frameFiles.map(async (f) => ({ source: f, view: await readImageFile(join(shared, f)) })),
);
/** Calibration from `training/crosswalk_seg/generate-frames.ts` (made once in the work dir), as in models/crosswalk_seg.md. */
const GENERATED = "generated: --worlds 4 --frames-per-world 8 --seed 77";
function generatedFrames() {
  const dir = join(work, "crosswalk_seg_calibration");
  if (!existsSync(join(dir, "meta.json"))) {
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "training/crosswalk_seg/generate-frames.ts",
        "--out",
        dir,
        ...GENERATED.split(": ")[1]!.split(" "),
      ],
      { stdio: "inherit" },
    );
  }
  return readGeneratedFrames(dir);
}
/** The models and how `edge-perception quantize` makes their INT8 twins (the commands of docs/quantization.md). */
const models = [
  // YOLOX-Nano: per-layer fallback 0.05, then the whole-model budget 0.02 that keeps x86 and Arm within tolerance (docs/quantization.md).
  {
    name: "yolox_nano",
    dir: join(shared, "models"),
    calibration: "data/cdnet_crosswalk/frames",
    autoFallbackError: 0.05,
    maxModelError: 0.02,
    frames: [0, 1, 2, 3],
  },
  // The lane models on all four frames: on the emulated Neoverse N1 a TwinLiteNet frame takes
  // 10-45 s (on qemu's `max`, with SME convolutions, 1.5-13 min: then they had the TuSimple one).
  {
    name: "twinlitenet_320x320",
    dir: join(shared, "models"),
    calibration: "bags/rosbag2/camera_drive_mcap",
    autoFallbackError: undefined,
    maxModelError: undefined,
    frames: [0, 1, 2, 3],
  },
  // The 640x360 lane model (the lane node's better, slower choice): per-tensor weights (its
  // Softmax over axis 2 keeps it at opset 12, docs/quantization.md).
  {
    name: "twinlitenet_640x360",
    dir: join(shared, "models"),
    calibration: "bags/rosbag2/camera_drive_mcap",
    autoFallbackError: undefined,
    maxModelError: undefined,
    frames: [0, 1, 2, 3],
  },
  // The project's own crosswalk network (models/), calibrated as for its model card on 32 generated frames, checked on real ones (one with a crossing).
  {
    name: "crosswalk_seg",
    dir: projectModelDir(),
    calibration: GENERATED,
    autoFallbackError: undefined,
    maxModelError: undefined,
    frames: [1, 2, 3],
  },
];
const manifest = { frames: frames.map((_, i) => `f${i}`), frameFiles, models: [] as object[] };
for (const m of models) {
  const contract = loadModelContract(m.name);
  const fp32 = join(m.dir, contract.file);
  const int8 = join(work, `${m.name}_int8.onnx`);
  // The INT8 model is made again whenever the way it is made changes.
  const recipe = JSON.stringify({
    calibration: m.calibration,
    autoFallbackError: m.autoFallbackError,
    maxModelError: m.maxModelError,
    calibrator: "minmax",
    frames: 20,
    errorFrames: 2,
  });
  const recipeFile = `${int8}.recipe.json`;
  if (!existsSync(int8) || !existsSync(recipeFile) || readFileSync(recipeFile, "utf8") !== recipe) {
    console.log(
      `quantizing ${m.name} (MinMax${m.autoFallbackError ? `, --auto-fp32 ${m.autoFallbackError}` : ""}${m.maxModelError ? `, --max-error ${m.maxModelError}` : ""})`,
    );
    const calibration =
      m.calibration === GENERATED
        ? generatedFrames()
        : await loadCalibrationFrames(join(shared, m.calibration), { maxFrames: 20 });
    const q = await quantizeModel(
      readModelFile(fp32),
      quantizeOptions(contract, calibration, {
        autoFallbackError: m.autoFallbackError,
        maxModelError: m.maxModelError,
      }),
    );
    writeModelFile(int8, q.model);
    writeFileSync(recipeFile, recipe);
  }
  preprocessFrames(contract, frames).forEach((t, i) =>
    writeFileSync(
      join(work, "inputs", `${m.name}.f${i}.bin`),
      Buffer.from(t.buffer, t.byteOffset, t.byteLength),
    ),
  );
  manifest.models.push({
    name: m.name,
    fp32,
    int8,
    input: contract.input.name,
    dims: [1, 3, contract.input.height, contract.input.width],
    frames: m.frames.map((i) => `f${i}`),
  });
}
writeFileSync(join(work, "manifest.json"), JSON.stringify(manifest, null, 2));
// For the INT8 replay of ARM64_REPLAY: the graph's two model nodes on the INT8 twins made above.
// Each INT8 contract entry is its FP32 one with the INT8 file (what `quantize` writes beside its
// output); the parameter file points the nodes at them, and the replay's `model_dir:=` launch
// argument at this folder (the graph sets model_dir from it, over any parameter file).
const replayModels = { lane_detector: "twinlitenet_320x320", pedestrian_detector: "yolox_nano" };
const fp32Entries = (
  parseYaml(readFileSync(defaultContractsPath(), "utf8")) as { models: Record<string, object> }
).models;
const int8Contracts = join(work, "int8-contracts.yaml");
writeFileSync(
  int8Contracts,
  stringifyYaml({
    models: Object.fromEntries(
      Object.values(replayModels).map((name) => [
        `${name}_int8`,
        { ...fp32Entries[name], file: basename(join(work, `${name}_int8.onnx`)) },
      ]),
    ),
  }),
);
writeFileSync(
  join(work, "int8-replay.param.yaml"),
  stringifyYaml(
    Object.fromEntries(
      Object.entries(replayModels).map(([node, name]) => [
        `/perception/${node}`,
        {
          ros__parameters: {
            model: `${name}_int8`,
            contracts_file: int8Contracts,
          },
        },
      ]),
    ),
  ),
);
console.log(`prepared ${manifest.models.length} models x ${frames.length} frames in ${work}`);
