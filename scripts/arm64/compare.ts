/**
 * Compares the outputs run-models.mjs wrote on x86 and on arm64 (qemu): raw tensors, detections
 * decoded by the project's decoders (contract thresholds, NMS) and argmax masks. Exit 1 when a
 * figure is outside its tolerance (stated in docs/arm.md). Usage: tsx scripts/arm64/compare.ts <work dir>
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadModelContract } from "../../src/models/contract.js";
import { iou, type Detection } from "../../src/models/detection.js";
import { detectorFamily } from "../../src/models/decoders/registry.js";
import { decodeSegmentation } from "../../src/models/decoders/segmentation.js";
import { nonMaxSuppression } from "../../src/models/nms.js";
import type { OutputMeta } from "../../src/models/decoders/family.js";

/** Tolerances (docs/arm.md). */
export const TOLERANCE = {
  fp32: { boxIou: 0.99, score: 0.01, maskPixels: 0.001 },
  int8: { boxIou: 0.9, score: 0.05, maskPixels: 0.01 },
} as const;

const work = resolve(process.argv[2] ?? ".arm64/run");
const manifest = JSON.parse(readFileSync(join(work, "manifest.json"), "utf8")) as { frames: string[]; frameFiles: string[]; models: { name: string; frames: string[] }[] };
const read = (tag: string, model: string, variant: string, frame: string, output: string) => {
  const base = join(work, "outputs", tag, `${model}.${variant}.${frame}.${encodeURIComponent(output)}`);
  const b = readFileSync(`${base}.bin`);
  return { data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), dims: JSON.parse(readFileSync(`${base}.dims.json`, "utf8")) as number[] };
};
const arm = JSON.parse(readFileSync(join(work, "outputs", "arm64", "run.json"), "utf8"));
const x86 = JSON.parse(readFileSync(join(work, "outputs", "x86", "run.json"), "utf8"));
console.log(`x86: ${x86.arch} node ${x86.node}; arm64: ${arm.arch} node ${arm.node} (qemu-aarch64: timings are not speed figures)`);
let failures = 0;
const rows: string[] = ["| model | variant | frame | raw max abs diff | raw rel. L2 | result | within tolerance |", "|---|---|---|---|---|---|---|"];
for (const m of manifest.models) {
  const contract = loadModelContract(m.name);
  const outputs = contract.decoder.type === "segmentation" ? contract.outputs.map((o) => o.name) : ["output"];
  for (const variant of ["fp32", "int8"] as const) {
    const tol = TOLERANCE[variant];
    m.frames.forEach((frame) => {
      const fi = manifest.frames.indexOf(frame);
      let maxAbs = 0;
      let d2 = 0;
      let r2 = 0;
      const get = (tag: string) => Object.fromEntries(outputs.map((o) => [o, read(tag, m.name, variant, frame, o)]));
      const a = get("x86");
      const b = get("arm64");
      for (const o of outputs) {
        const x = a[o]!.data;
        const y = b[o]!.data;
        for (let i = 0; i < x.length; i++) {
          const d = Math.abs(x[i]! - y[i]!);
          if (d > maxAbs) maxAbs = d;
          d2 += d * d;
          r2 += x[i]! * x[i]!;
        }
      }
      let result: string;
      let ok: boolean;
      if (contract.decoder.type === "segmentation") {
        const fractions = outputs.map((o) => {
          const ma = decodeSegmentation(o, a[o]!.data, a[o]!.dims).classes;
          const mb = decodeSegmentation(o, b[o]!.data, b[o]!.dims).classes;
          let diff = 0;
          for (let i = 0; i < ma.length; i++) if (ma[i] !== mb[i]) diff++;
          return diff / ma.length;
        });
        ok = fractions.every((f) => f <= tol.maskPixels);
        result = outputs.map((o, k) => `${o}: ${(100 * fractions[k]!).toFixed(3)} % pixels differ`).join(", ");
      } else {
        const decoder = contract.decoder;
        const family = detectorFamily(decoder.type)!;
        const metas: OutputMeta[] = [{ name: "output", dims: a.output!.dims }];
        const binding = family.bind(decoder, { contract: m.name, inputWidth: contract.input.width, inputHeight: contract.input.height, declared: contract.outputs, outputs: metas });
        const boxes = (o: typeof a): Detection[] =>
          nonMaxSuppression(
            family.decode(decoder, binding, (n) => o[n]!, { inputWidth: contract.input.width, inputHeight: contract.input.height, scoreThreshold: contract.thresholds.score }),
            { iouThreshold: contract.thresholds.nmsIou, maxDetections: contract.thresholds.maxDetections },
          );
        const ba = boxes(a);
        const bb = boxes(b);
        let worstIou = 1;
        let worstScore = 0;
        let unmatched = 0;
        for (const x of ba) {
          const best = bb.filter((y) => y.classId === x.classId).sort((p, q) => iou(q, x) - iou(p, x))[0];
          if (!best || iou(best, x) < tol.boxIou) {
            // A box at the score threshold may appear on one side only; it does not count when within the score tolerance of it.
            if (x.score - contract.thresholds.score > tol.score) unmatched++;
            continue;
          }
          worstIou = Math.min(worstIou, iou(best, x));
          worstScore = Math.max(worstScore, Math.abs(best.score - x.score));
        }
        ok = unmatched === 0 && worstScore <= tol.score && Math.abs(ba.length - bb.length) <= ba.filter((x) => x.score - contract.thresholds.score <= tol.score).length;
        result = `boxes x86 ${ba.length} / arm64 ${bb.length}, unmatched ${unmatched}, worst IoU ${worstIou.toFixed(4)}, worst score diff ${worstScore.toFixed(4)}`;
      }
      if (!ok) failures++;
      rows.push(`| ${m.name} | ${variant} | ${manifest.frameFiles[fi]} | ${maxAbs.toExponential(2)} | ${Math.sqrt(d2 / Math.max(r2, 1e-30)).toExponential(2)} | ${result} | ${ok ? "yes" : "NO"} |`);
    });
  }
}
console.log(rows.join("\n"));
console.log(failures === 0 ? "arm64 outputs match x86 within tolerance" : `${failures} comparisons outside tolerance`);
process.exit(failures === 0 ? 0 : 1);
