/**
 * Compares the quantized tensors run-probe.mjs wrote on two machines, in graph order: the share of
 * uint8 values that differ and by how many steps, and, per op, whether it produced different values
 * from identical quantized inputs (an integer kernel that computes differently) or only passed on
 * differences it was given. Ops whose inputs are float (a layer kept in FP32 ahead of the
 * QuantizeLinear) are where tiny float differences become whole steps.
 * Usage: tsx compare-probe.ts <probe.onnx> <dir A> <dir B>
 */
import { readFileSync } from "node:fs";

const [model, dirA, dirB] = process.argv.slice(2);
if (!model || !dirA || !dirB) {
  console.error("usage: tsx scripts/arm64/compare-probe.ts <probe.onnx> <dir A> <dir B>");
  process.exit(2);
}
const probes = JSON.parse(readFileSync(`${model}.probes.json`, "utf8")) as {
  name: string;
  op: string;
  reads: string[];
}[];
const load = (dir: string) => {
  const { arch, index } = JSON.parse(readFileSync(`${dir}/index.json`, "utf8")) as {
    arch: string;
    index: Record<string, { offset: number; length: number }>;
  };
  const bin = readFileSync(`${dir}/outputs.bin`);
  return {
    arch,
    get: (n: string) =>
      index[n] ? bin.subarray(index[n]!.offset, index[n]!.offset + index[n]!.length) : undefined,
  };
};
const a = load(dirA);
const b = load(dirB);
const byKind: Record<string, { ops: number; fromEqualInputs: number; fromFloat: number }> = {};
console.log(`${a.arch} vs ${b.arch}: quantized tensors in graph order (only those that differ)`);
for (const p of probes) {
  const x = a.get(p.name);
  const y = b.get(p.name);
  if (!x || !y) continue;
  let n = 0;
  let steps = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (d) n++;
    steps = Math.max(steps, d);
  }
  const inputsEqual = p.reads.every((r) => {
    const u = a.get(r);
    const v = b.get(r);
    return u && v && Buffer.compare(u, v) === 0;
  });
  const kind = p.reads.length === 0 ? `${p.op.split(":")[0]} (float inputs)` : p.op.split(":")[0]!;
  const k = (byKind[kind] ??= { ops: 0, fromEqualInputs: 0, fromFloat: 0 });
  k.ops++;
  if (n && p.reads.length === 0) k.fromFloat++;
  else if (n && inputsEqual) k.fromEqualInputs++;
  if (n)
    console.log(
      `${((100 * n) / x.length).toFixed(2).padStart(6)} % differ, max ${steps} steps  ${p.op}${p.reads.length === 0 ? "  [float inputs]" : inputsEqual ? "  [IDENTICAL quantized inputs]" : ""}`,
    );
}
console.log(
  "\nper op kind: ops | differ from identical quantized inputs (kernel) | differ after float inputs",
);
for (const [k, v] of Object.entries(byKind))
  console.log(
    `${k.padEnd(28)} ${String(v.ops).padStart(4)} | ${String(v.fromEqualInputs).padStart(4)} | ${String(v.fromFloat).padStart(4)}`,
  );
