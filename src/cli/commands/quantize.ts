/**
 * `edge-perception quantize <model.onnx> --out <int8.onnx> --calibration <bag or image folder>`:
 * static INT8 quantization (QDQ) by the project's own code, calibrated through the model's
 * contract, with an evaluation of FP32 against INT8 and a report. See docs/quantization.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { readImageFile } from "../../image/compressed-image.js";
import {
  defaultContractsPath,
  loadModelContracts,
  type ModelContract,
} from "../../models/contract.js";
import { readModelFile, writeModelFile } from "../../models/onnx/onnx-proto.js";
import { loadCalibrationFrames } from "../../report/quantize/calibration-frames.js";
import type { Calibrator } from "../../report/quantize/calibrators.js";
import { evaluate, type EvalFrame, type LabelBox } from "../../report/quantize/evaluate.js";
import { quantizeModel } from "../../report/quantize/quantize-model.js";
import { reportMarkdown, type ReportInput } from "../../report/quantize/report.js";
import { lastFlag, positiveNumberFlag } from "../../ros/command-line.js";
import { parseCommandArgs } from "../command-args.js";

export const summary =
  "static INT8 quantization (QDQ) of an ONNX model, calibrated on a bag or image folder, with an FP32 vs INT8 report";

const USAGE = `usage: edge-perception quantize <model.onnx> --out <int8.onnx> --calibration <bag or image folder> [options]

  --contract <name>      the model's contract (default: the one whose file is the model's file name)
  --contracts <yaml>     contracts file (default config/models.yaml)
  --calibrator <c>       minmax | percentile | entropy (default minmax: best FP32 agreement on YOLOX-Nano, docs/quantization.md)
  --percentile <p>       kept share of each tail, percent (default 99.99)
  --frames <n>           calibration frames, spread over the source (default 32)
  --topic <name>         bag image topic (default: the image topic with most messages)
  --keep-fp32 <node>     keep a node in FP32 by name (* wildcards; repeatable)
  --keep-fp32-op <op>    keep every node of an op type in FP32 (repeatable)
  --quantize-tail        also quantize the decode tail after the last weighted layer (default: FP32)
  --auto-fp32 <err>      keep layers whose own relative error against FP32 exceeds <err> in FP32 (e.g. 0.05)
  --max-error <err>      whole-model budget: keep the worst-ranked layers in FP32 until the INT8 model's relative
                         output error against FP32 is at most <err> (e.g. 0.03; what keeps x86 and Arm within
                         tolerance, docs/quantization.md); default off
  --error-frames <n>     frames for the per-layer and whole-model errors (default 2)
  --weight-bits <7|8>    7 = onnxruntime's "reduce range" (default 8)
  --per-tensor           one weight scale per tensor instead of per output channel
  --eval <path>          evaluation frames: image folder, image file or bag (repeatable; none: no accuracy figures)
  --labels <json>        labelled boxes of evaluation images (format: test/fixtures/kitti-000007-coco-labels.json)
  --eval-masks <dir>     ground-truth masks (same file names as the evaluation images; non-zero = positive)
  --mask-output <name>   segmentation output the masks belong to
  --speed-runs <n>       timed runs per model (default 20)
  --report <file>        Markdown report (default <out>.report.md; JSON beside it)`;

function fail(message: string): never {
  throw new PerceptionError("parameter", message);
}

/** The contract for the model: by name, else the one whose file is the model's file name. */
function chooseContract(
  model: string,
  contractsPath: string,
  name: string | undefined,
): { contract: ModelContract; raw: Record<string, unknown> } {
  const all = loadModelContracts(contractsPath);
  const contract = name
    ? all.get(name)
    : [...all.values()].find((c) => basename(c.file) === basename(model));
  if (!contract) {
    fail(
      name
        ? `no contract '${name}' in ${contractsPath} (known: ${[...all.keys()].join(", ")})`
        : `no contract in ${contractsPath} has file ${basename(model)}: name one with --contract (known: ${[...all.keys()].join(", ")})`,
    );
  }
  const doc = parseYaml(readFileSync(contractsPath, "utf8")) as {
    models: Record<string, Record<string, unknown>>;
  };
  return { contract: contract!, raw: doc.models[contract!.name]! };
}

async function evalFrames(
  paths: readonly string[],
  labelsPath: string | undefined,
  masksDir: string | undefined,
): Promise<EvalFrame[]> {
  const labels = labelsPath
    ? (
        JSON.parse(readFileSync(labelsPath, "utf8")) as {
          images: Record<string, { class_id: number; box_xyxy: number[] }[]>;
        }
      ).images
    : {};
  const frames: EvalFrame[] = [];
  for (const p of paths) {
    const loaded = /\.(png|jpe?g)$/i.test(p)
      ? [{ source: p, view: await readImageFile(p) }]
      : await loadCalibrationFrames(p, { maxFrames: 10_000 });
    for (const f of loaded) {
      const key = Object.keys(labels).find((k) => f.source.replace(/\\/g, "/").endsWith(k));
      const boxes: LabelBox[] | undefined = key
        ? labels[key]!.map((b) => ({
            classId: b.class_id,
            x1: b.box_xyxy[0]!,
            y1: b.box_xyxy[1]!,
            x2: b.box_xyxy[2]!,
            y2: b.box_xyxy[3]!,
          }))
        : undefined;
      let mask: EvalFrame["mask"];
      if (masksDir) {
        try {
          const m = await readImageFile(resolve(masksDir, basename(f.source)));
          const bpp = m.data.length / (m.width * m.height);
          const data = new Uint8Array(m.width * m.height);
          for (let y = 0; y < m.height; y++)
            for (let x = 0; x < m.width; x++)
              data[y * m.width + x] = m.data[y * m.step + Math.floor(x * bpp)]! > 0 ? 1 : 0;
          mask = { width: m.width, height: m.height, data };
        } catch {
          mask = undefined; // unlabelled frame
        }
      }
      frames.push({ ...f, ...(boxes ? { boxes } : {}), ...(mask ? { mask } : {}) });
    }
  }
  return frames;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    "quantize",
    USAGE,
    argv,
    [
      "out",
      "calibration",
      "contract",
      "contracts",
      "calibrator",
      "percentile",
      "frames",
      "topic",
      "keep-fp32",
      "keep-fp32-op",
      "auto-fp32",
      "max-error",
      "error-frames",
      "weight-bits",
      "eval",
      "labels",
      "eval-masks",
      "mask-output",
      "speed-runs",
      "report",
    ],
    ["quantize-tail", "per-tensor"],
  );
  if (typeof parsed === "number") return parsed;
  const log = (line: string): void => void process.stderr.write(line + "\n");
  let options;
  try {
    if (parsed.positional.length !== 1)
      fail(`expected one model file, got ${parsed.positional.length}`);
    const out = lastFlag(parsed, "out") ?? fail("--out <int8.onnx> is required");
    const calibration =
      lastFlag(parsed, "calibration") ?? fail("--calibration <bag or image folder> is required");
    const kind = lastFlag(parsed, "calibrator") ?? "minmax";
    if (kind !== "minmax" && kind !== "percentile" && kind !== "entropy")
      fail(`--calibrator must be minmax, percentile or entropy, got '${kind}'`);
    const percentile = positiveNumberFlag(parsed, "percentile") ?? 99.99;
    if (percentile <= 50 || percentile > 100)
      fail(`--percentile must be in (50, 100], got ${percentile}`);
    const calibrator: Calibrator = kind === "percentile" ? { kind, percentile } : { kind };
    const bits = lastFlag(parsed, "weight-bits") ?? "8";
    if (bits !== "8" && bits !== "7") fail(`--weight-bits must be 7 or 8, got '${bits}'`);
    const auto = lastFlag(parsed, "auto-fp32");
    const autoFallbackError = auto === undefined ? undefined : Number(auto);
    if (autoFallbackError !== undefined && !(autoFallbackError > 0))
      fail(`--auto-fp32 must be a positive relative error, got '${auto}'`);
    const budget = lastFlag(parsed, "max-error");
    const maxModelError = budget === undefined ? undefined : Number(budget);
    if (maxModelError !== undefined && !(maxModelError > 0))
      fail(`--max-error must be a positive relative error, got '${budget}'`);
    options = {
      model: parsed.positional[0]!,
      out,
      calibration,
      calibrator,
      contractsPath: resolve(lastFlag(parsed, "contracts") ?? defaultContractsPath()),
      contractName: lastFlag(parsed, "contract"),
      frames: positiveNumberFlag(parsed, "frames") ?? 32,
      topic: lastFlag(parsed, "topic"),
      keepFp32Nodes: parsed.flags.get("keep-fp32") ?? [],
      keepFp32Ops: parsed.flags.get("keep-fp32-op") ?? [],
      quantizeTail: parsed.switches.has("quantize-tail"),
      autoFallbackError,
      maxModelError,
      errorFrames: positiveNumberFlag(parsed, "error-frames") ?? 2,
      weightBits: (bits === "7" ? 7 : 8) as 7 | 8,
      perChannel: !parsed.switches.has("per-tensor"),
      eval: parsed.flags.get("eval") ?? [],
      labels: lastFlag(parsed, "labels"),
      evalMasks: lastFlag(parsed, "eval-masks"),
      maskOutput: lastFlag(parsed, "mask-output"),
      speedRuns: positiveNumberFlag(parsed, "speed-runs") ?? 20,
      report: lastFlag(parsed, "report"),
    };
  } catch (err) {
    console.error(`edge-perception quantize: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  try {
    const { contract, raw } = chooseContract(
      options.model,
      options.contractsPath,
      options.contractName,
    );
    const fp32 = readModelFile(options.model);
    const frames = await loadCalibrationFrames(options.calibration, {
      maxFrames: options.frames,
      ...(options.topic ? { topic: options.topic } : {}),
    });
    log(
      `quantize: ${options.model} with contract ${contract.name}, ${frames.length} calibration frames from ${options.calibration}`,
    );
    const result = await quantizeModel(fp32, { ...options, contract, frames, log });
    writeModelFile(options.out, result.model);
    log(`quantize: wrote ${options.out}`);
    // The contract entry of the INT8 model: the FP32 one with its file.
    const entry = { [`${contract.name}_int8`]: { ...raw, file: basename(options.out) } };
    const contractOut = options.out.replace(/\.onnx$/i, "") + ".contract.yaml";
    writeFileSync(
      contractOut,
      `# Contract entry for ${basename(options.out)}: add it under models: of a contracts file.\n` +
        stringify({ models: entry }),
    );
    let evaluation;
    if (options.eval.length > 0) {
      const evalSet = await evalFrames(options.eval, options.labels, options.evalMasks);
      log(`quantize: evaluating FP32 vs INT8 on ${evalSet.length} frames`);
      const labelClasses = [
        ...new Set(evalSet.flatMap((f) => (f.boxes ?? []).map((b) => b.classId))),
      ];
      const classIds = contract.classFilter
        ? [...new Set([...contract.classFilter, ...labelClasses])]
        : undefined;
      evaluation = await evaluate({
        contract: { ...contract, file: basename(options.model) },
        modelDir: dirname(resolve(options.model)),
        int8File: options.out,
        frames: evalSet,
        ...(classIds ? { classIds } : {}),
        matchIou: 0.5,
        ...(options.maskOutput ? { maskOutput: options.maskOutput } : {}),
        speedRuns: options.speedRuns,
      });
    }
    const cpu = cpus();
    const flags = readCpuFlags();
    const input: ReportInput = {
      model: options.model,
      out: options.out,
      contract: `${contract.name} (${options.contractsPath})`,
      calibration: {
        source: options.calibration,
        frames: frames.length,
        calibrator: options.calibrator,
      },
      result,
      ...(evaluation ? { accuracy: evaluation.accuracy, speed: evaluation.speed } : {}),
      cpu: {
        model: cpu[0]?.model ?? "unknown",
        cores: cpu.length,
        vnni: /\b(avx512_vnni|avx_vnni)\b/.test(flags),
      },
      weightBits: options.weightBits,
    };
    const reportPath = options.report ?? options.out.replace(/\.onnx$/i, "") + ".report.md";
    writeFileSync(reportPath, reportMarkdown(input));
    writeFileSync(
      reportPath.replace(/\.md$/i, "") + ".json",
      JSON.stringify(
        {
          ...input,
          result: { ...result, model: undefined, ranges: Object.fromEntries(result.ranges) },
        },
        null,
        2,
      ),
    );
    console.log(
      `INT8 model: ${options.out}\ncontract entry: ${contractOut}\nreport: ${reportPath}`,
    );
    return 0;
  } catch (err) {
    console.error(`edge-perception quantize: ${errorMessage(err)}`);
    return 1;
  }
}

function readCpuFlags(): string {
  try {
    return (
      readFileSync("/proc/cpuinfo", "utf8")
        .split("\n")
        .find((l) => l.startsWith("flags")) ?? ""
    );
  } catch {
    return "";
  }
}
