// Runs a probe model (probe-model.ts) on one input tensor and writes every output's bytes with an
// index. Plain JavaScript: runs on x86 and under qemu-aarch64 alike.
// Usage: node run-probe.mjs <probe.onnx> <input.bin> <dims as JSON> <input name> <out dir>
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as ort from "onnxruntime-node";

const [model, input, dims, inputName, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: 1,
  graphOptimizationLevel: "all",
  logSeverityLevel: 3,
});
const bytes = readFileSync(input);
const result = await session.run({
  [inputName]: new ort.Tensor(
    "float32",
    new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
    JSON.parse(dims),
  ),
});
const index = {};
const parts = [];
let offset = 0;
for (const [name, t] of Object.entries(result)) {
  const b = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  index[name] = { offset, length: b.length, type: t.type };
  parts.push(b);
  offset += b.length;
}
writeFileSync(`${out}/outputs.bin`, Buffer.concat(parts));
writeFileSync(`${out}/index.json`, JSON.stringify({ arch: process.arch, index }));
console.log(`${process.arch}: ${Object.keys(index).length} outputs in ${out}`);
