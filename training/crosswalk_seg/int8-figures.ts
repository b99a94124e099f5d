/**
 * crosswalk_seg through the project's INT8 path (issue 17, item 4): quantizes models/crosswalk_seg.onnx
 * with `quantizeModel` (the code behind `edge-perception quantize`; MinMax, per-channel weights),
 * calibrated on generated frames (`generate-frames.ts` output: its own training domain, disjoint
 * from every real frame), and prints the model-card figures: size, x86 ms, INT8 vs FP32 argmax
 * agreement and crossing presence on the labelled real frames (the 37 of learned-source-real.test.ts).
 *
 * Usage: node --import tsx training/crosswalk_seg/int8-figures.ts --calibration DIR --out FILE.onnx
 *   DIR: generate-frames.ts --out DIR (e.g. --worlds 4 --frames-per-world 8 --seed 77)
 */
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { CameraGeometry } from "../../src/geometry/camera-geometry.js";
import { readImageFile } from "../../src/image/compressed-image.js";
import { loadModelContract } from "../../src/models/contract.js";
import { readModelFile, writeModelFile } from "../../src/models/onnx/onnx-proto.js";
import {
  LearnedCrosswalkSource,
  projectModelDir,
} from "../../src/perception/crosswalks/learned-source.js";
import { evaluate } from "../../src/report/quantize/evaluate.js";
import { quantizeModel, quantizeOptions } from "../../src/report/quantize/quantize-model.js";
import { readGeneratedFrames } from "./generated-frames.js";

/** The labelled real frames of the model card (crosswalk-labels.json + crosswalk-real-negatives.json; paths under ../shared/data). */
function realLabels(): { path: string; present: boolean }[] {
  const read = (f: string) =>
    JSON.parse(readFileSync(projectPath(f), "utf8")) as {
      frames: { file: string; present: boolean }[];
    };
  return [
    ...read("test/fixtures/crosswalk-labels.json").frames.map((f) => ({
      path: join("cdnet_crosswalk", f.file),
      present: f.present,
    })),
    ...read("test/fixtures/crosswalk-real-negatives.json").frames.map((f) => ({
      path: f.file,
      present: f.present,
    })),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { calibration: { type: "string" }, out: { type: "string" } },
  });
  const shared = sharedDir();
  if (!values.calibration || !values.out || !shared)
    throw new Error(
      "usage: int8-figures.ts --calibration <generate-frames dir> --out <int8.onnx> (needs ../shared)",
    );
  const contract = loadModelContract("crosswalk_seg");
  const modelDir = projectModelDir();
  const out = resolve(values.out);
  const frames = readGeneratedFrames(values.calibration);
  const q = await quantizeModel(
    readModelFile(join(modelDir, contract.file)),
    quantizeOptions(contract, frames),
  );
  mkdirSync(dirname(out), { recursive: true });
  writeModelFile(out, q.model);
  // The presence rule sidecar goes beside the INT8 file under its name.
  copyFileSync(
    join(modelDir, contract.file.replace(/\.onnx$/, ".json")),
    out.replace(/\.onnx$/, ".json"),
  );
  console.log(
    `INT8: ${out} (${frames.length} generated calibration frames; quantized ${Object.entries(
      q.summary.quantizedOps,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; kept FP32: ${q.kept.length})`,
  );

  const labels = realLabels();
  const views = await Promise.all(labels.map((l) => readImageFile(join(shared, "data", l.path))));
  const { accuracy, speed } = await evaluate({
    contract,
    modelDir,
    int8File: out,
    frames: views.map((view, i) => ({ source: labels[i]!.path, view })),
    matchIou: 0.5,
    speedRuns: 30,
  });
  console.log(
    `size FP32 ${speed.fp32Bytes} B, INT8 ${speed.int8Bytes} B; x86 ms (median of ${speed.runs}, 1 thread) FP32 ${speed.fp32Ms.toFixed(2)}, INT8 ${speed.int8Ms.toFixed(2)}`,
  );
  if (accuracy.kind === "segmentation")
    for (const g of accuracy.agreement)
      console.log(
        `INT8 vs FP32 on ${accuracy.frames} real frames, ${g.output}: mean IoU of classes 1-3 ${g.meanIou.toFixed(3)}`,
      );

  const presence = async (c: typeof contract, dir: string) => {
    const source = await LearnedCrosswalkSource.create({
      contract: c,
      modelDir: dir,
      minProbability: 0.5,
    });
    const said: { p: number }[] = [];
    for (const view of views) {
      const geometry = CameraGeometry.approximate({
        width: view.width,
        height: view.height,
        mountHeight: 1.5,
        horizontalFovDeg: 60,
        horizonRow: 0.55 * view.height,
      });
      const r = await source.analyse({ view, geometry, stamp: { sec: 0, nanosec: 0 } });
      said.push({ p: r.probability });
    }
    await source.release();
    return said;
  };
  const fp32 = await presence(contract, modelDir);
  const int8 = await presence(
    { ...contract, name: "crosswalk_seg_int8", file: basename(out) },
    dirname(out),
  );
  const table = (said: { p: number }[]) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    said.forEach((s, i) => {
      const yes = s.p >= 0.5;
      if (yes && labels[i]!.present) tp++;
      else if (yes) fp++;
      else if (labels[i]!.present) fn++;
    });
    return `TP ${tp} FP ${fp} FN ${fn}, precision ${(tp / Math.max(1, tp + fp)).toFixed(2)} recall ${(tp / Math.max(1, tp + fn)).toFixed(2)}`;
  };
  const same = fp32.filter((s, i) => s.p >= 0.5 === int8[i]!.p >= 0.5).length;
  const dp = Math.max(...fp32.map((s, i) => Math.abs(s.p - int8[i]!.p)));
  console.log(
    `presence on ${labels.length} labelled real frames: FP32 ${table(fp32)}; INT8 ${table(int8)}; same decision on ${same}/${labels.length}, largest probability change ${dp.toFixed(3)}`,
  );
  console.log(
    `(file sizes: ${statSync(join(modelDir, contract.file)).size} -> ${statSync(out).size} bytes)`,
  );
}

await main();
