/**
 * The quantization report: what was quantized, what stayed FP32 and why, accuracy FP32 vs INT8,
 * size and speed on this machine, as Markdown (and the same facts as JSON).
 */
import type { QuantizeResult } from "./quantize-model.js";
import type { DetectorEvaluation, SegmentationEvaluation, SpeedSize } from "./evaluate.js";
import type { Calibrator } from "./calibrators.js";

export interface ReportInput {
  model: string;
  out: string;
  contract: string;
  calibration: { source: string; frames: number; calibrator: Calibrator };
  result: QuantizeResult;
  accuracy?: DetectorEvaluation | SegmentationEvaluation;
  speed?: SpeedSize;
  /** CPU model of this machine and whether it has VNNI (x86 int8 dot products). */
  cpu: { model: string; vnni: boolean; cores: number };
  weightBits: 8 | 7;
}

const f = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : "-");
const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : "-");

function calibratorText(c: Calibrator): string {
  return c.kind === "percentile" ? `percentile ${c.percentile}` : c.kind;
}

/** Why INT8 is or is not faster on this machine, plainly. */
function speedExplanation(
  speed: SpeedSize,
  cpu: ReportInput["cpu"],
  result: QuantizeResult,
): string {
  const ratio = speed.int8Ms / speed.fp32Ms;
  const lines = [
    `INT8 takes ${f(ratio, 2)}x the FP32 time on this machine (${cpu.model}, ${cpu.cores} cores, ${cpu.vnni ? "with" : "without"} AVX-512 VNNI / AVX-VNNI).`,
  ];
  if (ratio > 1.05) {
    const kept = result.kept.length;
    lines.push(
      "It is slower here because the convolutions are a small share of the time and everything around them costs more in INT8: " +
        `(1) the graph has ${result.summary.activations} QuantizeLinear/DequantizeLinear pairs; wherever an INT8 layer meets a float one ` +
        `(${kept} nodes kept in FP32 here, and ops with no integer kernel in onnxruntime such as BatchNormalization, PRelu, Softmax) ` +
        "tensors are converted back and forth, pure memory traffic FP32 does not pay; " +
        "(2) nano-sized layers (depthwise convolutions, 1x1 convolutions with few channels, element-wise Add/Mul/Sigmoid, transposed convolutions) " +
        "are bound by memory and per-op overhead, not arithmetic, and onnxruntime's QLinear element-wise kernels are no faster than the FP32 ones; " +
        (cpu.vnni
          ? "(3) VNNI speeds up the int8 dot products of the large convolutions, but this CPU's FP32 FMA units (AVX-512) are already fast for them, so the gain there does not pay for (1) and (2)."
          : "(3) without VNNI, x86 has no single int8 dot-product instruction: the u8s8 kernels use vpmaddubsw + vpmaddwd sequences with about the multiply-add rate of FP32 FMA."),
    );
  } else {
    lines.push(
      "INT8 is not slower here: the integer convolutions save about what the quantize/dequantize steps cost.",
    );
  }
  lines.push(
    "On the Arm target INT8 is what pays: Armv8.2 dot-product (SDOT/UDOT) and i8mm instructions do 4-8x the multiply-adds of FP32 NEON per instruction, " +
      "the weights are 4x smaller in memory, and an NPU runs only the quantized graph (the FP32 layers then run on the CPU: keep them few).",
  );
  return lines.join(" ");
}

export function reportMarkdown(r: ReportInput): string {
  const q = r.result;
  const out: string[] = [];
  out.push(`# INT8 quantization: ${r.model}`, "");
  out.push(
    `- output: \`${r.out}\` (QDQ: QuantizeLinear/DequantizeLinear around integer-capable layers; onnxruntime fuses them, Arm NPU toolchains import them)`,
  );
  out.push(`- contract: \`${r.contract}\` (calibration through its preprocessing)`);
  out.push(
    `- calibration: ${r.calibration.frames} frames from \`${r.calibration.source}\`, ${calibratorText(r.calibration.calibrator)}`,
  );
  out.push(
    `- weights: int8 symmetric ${q.perChannel ? "per output channel" : "per tensor"}${r.weightBits === 7 ? ", 7-bit (reduce range)" : ""}; activations: uint8 asymmetric per tensor; biases: int32`,
  );
  for (const n of q.notes) out.push(`- note: ${n}`);
  out.push("", "## Layers", "");
  out.push(
    `Quantized: ${Object.entries(q.summary.quantizedOps)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ", ",
      )} (${q.summary.activations} activation tensors, ${q.summary.weights} weights, ${q.summary.biases} biases).`,
    "",
  );
  const reasons = new Map<string, number>();
  for (const k of q.kept) reasons.set(k.reason, (reasons.get(k.reason) ?? 0) + 1);
  out.push(
    `Kept in FP32: ${q.kept.length === 0 ? "none" : [...reasons].map(([k, v]) => `${v} ${k}`).join(", ")}.`,
  );
  if (q.modelError !== undefined) {
    out.push(
      "",
      `Whole-model relative output error against FP32 (error frames): ${f(q.modelError, 4)}. ` +
        "Two CPUs running this INT8 model disagree by about half of it (docs/quantization.md: the integer kernels agree bit for bit, the FP32 layers do not, and the INT8 layers after them amplify a one-step rounding difference up to the model's own quantization noise).",
    );
  }
  const named = q.kept.filter((k) => k.reason !== "decode tail").slice(0, 20);
  if (named.length) {
    out.push("", "| node | op | why |", "|---|---|---|");
    for (const k of named) out.push(`| ${k.name} | ${k.op} | ${k.reason} |`);
  }
  if (q.layerErrors.length) {
    out.push(
      "",
      "Weighted layers whose INT8 version alone moves the model's outputs most (relative error against FP32, calibration frames):",
      "",
      "| node | op | output error |",
      "|---|---|---|",
    );
    for (const e of q.layerErrors.slice(0, 12))
      out.push(`| ${e.name} | ${e.op} | ${f(e.error, 4)} |`);
  }
  if (r.accuracy) {
    out.push("", "## Accuracy, FP32 vs INT8", "");
    const a = r.accuracy;
    if (a.kind === "detector") {
      out.push(
        `${a.frames} evaluation frames through the pedestrian detector path (contract preprocessing, tiles on wide frames, NMS).`,
        "",
      );
      out.push(
        "| reference | FP32 recall | INT8 recall | FP32 precision | INT8 precision | FP32 mean IoU | INT8 mean IoU |",
        "|---|---|---|---|---|---|---|",
      );
      if (a.labelled) {
        const { fp32, int8 } = a.labelled;
        out.push(
          `| labels (${a.labelled.frames} frames, ${fp32.reference} boxes) | ${pct(fp32.recall)} | ${pct(int8.recall)} | ${pct(fp32.precision)} | ${pct(int8.precision)} | ${f(fp32.meanIou)} | ${f(int8.meanIou)} |`,
        );
      }
      const g = a.agreement;
      out.push(
        `| FP32 boxes (${g.reference} on all frames) | 100 % | ${pct(g.recall)} | 100 % | ${pct(g.precision)} | 1 | ${f(g.meanIou)} |`,
      );
      if (a.perLabel.length) {
        out.push(
          "",
          "| labelled box | class | best FP32 IoU | best INT8 IoU |",
          "|---|---|---|---|",
        );
        for (const p of a.perLabel)
          out.push(`| ${p.source} | ${p.classId} | ${f(p.fp32Iou)} | ${f(p.int8Iou)} |`);
      }
    } else {
      out.push(`${a.frames} evaluation frames through ModelSession (contract preprocessing).`, "");
      out.push("| output | mean IoU INT8 vs FP32 (each class but 0, averaged) |", "|---|---|");
      for (const g of a.agreement) out.push(`| ${g.output} | ${f(g.meanIou)} |`);
      if (a.labelled) {
        const l = a.labelled;
        out.push(
          "",
          `Against ground-truth masks (${l.frames} frames, output \`${l.output}\`): FP32 IoU ${f(l.fp32)}, INT8 IoU ${f(l.int8)}, difference ${f(l.int8 - l.fp32)}.`,
          "",
        );
        out.push("| frame | FP32 IoU | INT8 IoU |", "|---|---|---|");
        for (const p of l.perFrame) out.push(`| ${p.source} | ${f(p.fp32)} | ${f(p.int8)} |`);
      }
    }
  }
  if (r.speed) {
    const s = r.speed;
    out.push("", "## Size and speed on this machine", "");
    out.push("| | FP32 | INT8 |", "|---|---|---|");
    out.push(
      `| file size | ${(s.fp32Bytes / 1e6).toFixed(2)} MB | ${(s.int8Bytes / 1e6).toFixed(2)} MB |`,
    );
    out.push(`| inference, median of ${s.runs} (ms) | ${f(s.fp32Ms, 1)} | ${f(s.int8Ms, 1)} |`);
    out.push("", speedExplanation(s, r.cpu, q));
  }
  return out.join("\n") + "\n";
}
