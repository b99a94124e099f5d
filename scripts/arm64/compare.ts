/**
 * Compares the outputs run-models.mjs wrote on x86 and on arm64 (qemu): raw tensors, detections
 * decoded by the project's decoders (contract thresholds, NMS) and argmax masks (agreement.ts).
 * Exit 1 when a figure is outside its tolerance (stated in docs/arm.md). Writes the table to
 * `<work dir>/compare.md`. Usage: tsx scripts/arm64/compare.ts <work dir>
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sharedDir } from "../../src/core/paths.js";
import { readImageFile } from "../../src/image/compressed-image.js";
import { loadModelContract } from "../../src/models/contract.js";
import { TOLERANCE, agreement, type RawOutput } from "./agreement.js";
import { laneLineAgreement } from "./lane-agreement.js";

const work = resolve(process.argv[2] ?? ".arm64/run");
const manifest = JSON.parse(readFileSync(join(work, "manifest.json"), "utf8")) as {
  frames: string[];
  frameFiles: string[];
  models: { name: string; frames: string[] }[];
};
const read = (
  tag: string,
  model: string,
  variant: string,
  frame: string,
  output: string,
): RawOutput => {
  const base = join(
    work,
    "outputs",
    tag,
    `${model}.${variant}.${frame}.${encodeURIComponent(output)}`,
  );
  const b = readFileSync(`${base}.bin`);
  return {
    data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
    dims: JSON.parse(readFileSync(`${base}.dims.json`, "utf8")) as number[],
  };
};
const arm = JSON.parse(readFileSync(join(work, "outputs", "arm64", "run.json"), "utf8"));
const x86 = JSON.parse(readFileSync(join(work, "outputs", "x86", "run.json"), "utf8"));
const header = `x86: ${x86.arch} node ${x86.node}; arm64: ${arm.arch} node ${arm.node}, execution providers ${arm.backends.join(", ") || "?"} (qemu-aarch64: timings are not speed figures)`;
let failures = 0;
const rows: string[] = [
  "| model | variant | frame | raw max abs diff | raw rel. L2 | result | within tolerance |",
  "|---|---|---|---|---|---|---|",
];
for (const m of manifest.models) {
  const contract = loadModelContract(m.name);
  const outputs =
    contract.decoder.type === "segmentation" ? contract.outputs.map((o) => o.name) : ["output"];
  for (const variant of ["fp32", "int8"] as const) {
    for (const frame of m.frames) {
      const get = (tag: string, v: string = variant) =>
        Object.fromEntries(outputs.map((o) => [o, read(tag, m.name, v, frame, o)]));
      const frameFile = manifest.frameFiles[manifest.frames.indexOf(frame)]!;
      const [ax, aa] = [get("x86"), get("arm64")];
      // INT8 boxes: x86's FP32 boxes are the reference two INT8 boxes may agree through (agreement.ts).
      const g = agreement(
        contract,
        ax,
        aa,
        TOLERANCE[variant],
        variant === "int8" ? get("x86", "fp32") : undefined,
      );
      let { ok, result } = g;
      // Lane models: also the lane lines `detect` finds from each side's masks, on the frame itself.
      if (outputs.some((o) => /^(ll|lane)/.test(o))) {
        const view = await readImageFile(join(sharedDir()!, frameFile));
        const l = await laneLineAgreement(contract, view, ax, aa, TOLERANCE[variant].laneOffsetPx);
        ok &&= l.ok;
        result += `; ${l.result}`;
      }
      if (!ok) failures++;
      rows.push(
        `| ${m.name} | ${variant} | ${frameFile} | ${g.maxAbs.toExponential(2)} | ${g.relL2.toExponential(2)} | ${result} | ${ok ? "yes" : "NO"} |`,
      );
    }
  }
}
const verdict =
  failures === 0
    ? "arm64 outputs match x86 within tolerance"
    : `${failures} comparisons outside tolerance`;
writeFileSync(join(work, "compare.md"), [header, "", ...rows, "", verdict, ""].join("\n"));
console.log([header, ...rows, verdict].join("\n"));
process.exit(failures === 0 ? 0 : 1);
