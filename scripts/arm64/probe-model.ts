/**
 * Where do two CPUs' INT8 results part? Makes every QuantizeLinear output (uint8) of a QDQ model a
 * graph output (onnxruntime still fuses the integer ops: each fused op produces its Q output) and
 * lists them in graph order beside the model (`<out>.probes.json`). Run the probe model with
 * run-probe.mjs on both machines, then compare-probe.ts. Usage: tsx probe-model.ts <int8.onnx> <out.onnx>
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  DataType,
  readModelFile,
  tensorValueInfo,
  writeModelFile,
} from "../../src/models/onnx/onnx-proto.js";

const [src, dst] = process.argv.slice(2);
if (!src || !dst) {
  console.error("usage: tsx scripts/arm64/probe-model.ts <int8.onnx> <out.onnx>");
  process.exit(2);
}
const model = readModelFile(src);
const g = model.graph!;
const producer = new Map(g.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
const probes = g.node
  .filter((n) => n.opType === "QuantizeLinear")
  .map((q) => {
    const p = producer.get(q.input[0]!);
    // The quantized tensors the producing op reads (DequantizeLinear of an activation, not of a weight).
    const reads = (p?.input ?? [])
      .map((i) => producer.get(i))
      .filter((d) => d?.opType === "DequantizeLinear" && producer.has(d.input[0]!))
      .map((d) => d!.input[0]!);
    return { name: q.output[0]!, op: p ? `${p.opType}:${p.name}` : "graph input", reads };
  });
for (const p of probes) {
  const info = tensorValueInfo(p.name, DataType.UINT8, []);
  delete info.type!.tensorType!.shape; // shape unknown here
  g.output.push(info);
}
mkdirSync(dirname(dst), { recursive: true });
writeModelFile(dst, model);
writeFileSync(`${dst}.probes.json`, JSON.stringify(probes, null, 1));
console.log(`${dst}: ${probes.length} quantized tensors as outputs`);
