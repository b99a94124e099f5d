// Runs every model of an arm64-check manifest on its input tensors with onnxruntime-node and writes
// the raw outputs. Plain JavaScript on purpose: the same file runs on x86 and, under qemu-aarch64,
// on linux-arm64 (no TypeScript toolchain needed there). Usage: node run-models.mjs <work dir> <tag>
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";

const [work, tag] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(join(work, "manifest.json"), "utf8"));
const out = join(work, "outputs", tag);
mkdirSync(out, { recursive: true });
const timings = {};
for (const m of manifest.models) {
  for (const variant of ["fp32", "int8"]) {
    const session = await ort.InferenceSession.create(m[variant], {
      intraOpNumThreads: 1,
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
    });
    const ms = [];
    for (const f of m.frames ?? manifest.frames) {
      const bytes = readFileSync(join(work, "inputs", `${m.name}.${f}.bin`));
      const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const t0 = performance.now();
      const res = await session.run({ [m.input]: new ort.Tensor("float32", data, m.dims) });
      ms.push(performance.now() - t0);
      for (const [name, t] of Object.entries(res)) {
        const d = t.data;
        writeFileSync(
          join(out, `${m.name}.${variant}.${f}.${encodeURIComponent(name)}.bin`),
          Buffer.from(d.buffer, d.byteOffset, d.byteLength),
        );
        writeFileSync(
          join(out, `${m.name}.${variant}.${f}.${encodeURIComponent(name)}.dims.json`),
          JSON.stringify(t.dims),
        );
      }
    }
    timings[`${m.name}.${variant}`] = ms;
    await session.release();
  }
}
const backends =
  typeof ort.listSupportedBackends === "function"
    ? ort.listSupportedBackends().map((b) => b.name)
    : [];
writeFileSync(
  join(out, "run.json"),
  JSON.stringify(
    {
      arch: process.arch,
      node: process.version,
      ort: ort.env.versions?.common ?? "",
      backends,
      timings,
    },
    null,
    2,
  ),
);
console.log(
  `${tag}: ${process.arch} node ${process.version}, execution providers ${backends.join(", ")}: ${manifest.models.length} models x 2 variants`,
);
