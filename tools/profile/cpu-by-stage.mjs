#!/usr/bin/env node
/**
 * CPU per pipeline stage from `node --cpu-prof` profiles of one run (issue 14: overhead beyond
 * inference, measured without wall time, on a machine shared with other work).
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --cpu-prof-interval 250 --import tsx \
 *     src/cli/main.ts replay bags/sample_drive --out /tmp/out --overwrite --deterministic-timing --quiet
 *   node tools/profile/cpu-by-stage.mjs /tmp/prof --interval-us 250 --frames 150
 *
 * CPU is counted in samples, not in the time between them: V8's sampler signals a thread every
 * interval, and signals that arrive while the thread waits for a core coalesce into one, so the
 * number of samples follows the thread's CPU time (checked against /proc/<pid>/task/<tid>/stat:
 * within 10 %), while the time between samples follows the wall clock (twice the CPU time at a
 * load average of 10 on 2 cores). Each profile is one thread (the main thread first, then the
 * worker threads: the models' onnxruntime workers are the busy ones). Main-thread samples go to the
 * first stage whose rule matches their stack; a worker's samples inside onnxruntime's `run` are
 * inference, the rest is the worker's own overhead. Not seen here: V8's background threads (JIT
 * compilation, concurrent GC marking) and libuv/libvips threads (JPEG decode and encode).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith("--"));
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
if (!dir) {
  console.error("usage: cpu-by-stage.mjs <cpu-prof dir> [--interval-us 250] [--frames N]");
  process.exit(2);
}
const intervalMs = option("--interval-us", 1000) / 1000;
const frames = option("--frames", NaN);

/** Main-thread stages, first match wins (a stack's script URLs and function names, leaf first). */
const STAGES = [
  [
    "start-up (module loading)",
    (u) =>
      u.some((x) => /tsx|esbuild|node:internal\/modules/.test(x)) &&
      !u.some((x) => /\/src\//.test(x)),
  ],
  ["garbage collection", (_, f) => f[0] === "(garbage collector)"],
  ["model preprocessing", (u) => u.some((x) => /\/src\/image\/preprocess/.test(x))],
  ["debug image + markers", (u) => u.some((x) => /\/src\/nodes\/visualizer|\/src\/viz\//.test(x))],
  ["pedestrians (decode, crops, placing)", (u) => u.some((x) => /pedestrian/.test(x))],
  ["lanes (decode, BEV, fitting)", (u) => u.some((x) => /lane/.test(x))],
  ["crosswalks", (u) => u.some((x) => /crosswalk/.test(x))],
  ["fusion", (u) => u.some((x) => /map-fusion|\/src\/fusion\//.test(x))],
  ["bag read/write, bus, CDR", (u) => u.some((x) => /\/src\/(bag|host|msgs)\//.test(x))],
  ["JPEG decode (JS side)", (u) => u.some((x) => /\/src\/image\//.test(x))],
];

const files = readdirSync(dir)
  .filter((f) => f.endsWith(".cpuprofile"))
  .sort();
const fmt = (ms) =>
  `${ms.toFixed(0).padStart(7)} ms${Number.isFinite(frames) ? `  ${(ms / frames).toFixed(2).padStart(6)} ms/frame` : ""}`;
for (const [k, file] of files.entries()) {
  const p = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map();
  let busy = 0;
  for (const sample of p.samples) {
    const urls = [];
    const fns = [];
    for (let id = sample; id !== undefined; id = parent.get(id)) {
      const c = byId.get(id).callFrame;
      urls.push(c.url);
      fns.push(c.functionName);
    }
    if (fns[0] === "(idle)") continue;
    busy += intervalMs;
    let stage;
    if (k === 0) stage = STAGES.find(([, test]) => test(urls, fns))?.[0] ?? "other";
    else if (
      urls.some((x) => /onnxruntime-node/.test(x)) &&
      !urls.some((x) => /\/src\//.test(x) && !/ort-worker-thread/.test(x))
    )
      stage = urls.some((x) => /onnxruntime-node\/dist\/backend/.test(x))
        ? "inference (onnxruntime run)"
        : "worker: other";
    else stage = fns[0] === "(garbage collector)" ? "worker: garbage collection" : "worker: other";
    totals.set(stage, (totals.get(stage) ?? 0) + intervalMs);
  }
  if (busy < 20 * intervalMs) continue; // an idle helper thread (tsx's loader, a finished worker)
  console.log(`${k === 0 ? "main thread" : `thread ${k}`} (${file}): CPU ${fmt(busy)}`);
  for (const [stage, ms] of [...totals].sort((a, b) => b[1] - a[1]))
    console.log(`  ${stage.padEnd(38)} ${fmt(ms)}`);
}
