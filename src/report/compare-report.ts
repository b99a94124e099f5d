/**
 * The report of `compare --report <dir>`: the regressions in words, the gated figures side by
 * side, and the charts of both runs in one picture each (baseline blue, candidate red).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Comparison } from "./compare.js";
import type { Metrics } from "./metrics.js";
import { writeCharts } from "./eval-report.js";
import type { DifferingFrame } from "./side-by-side.js";

function f(v: number | null): string {
  return v === null ? "-" : String(Math.round(v * 1e4) / 1e4);
}

export async function writeCompareReport(
  dir: string,
  baseline: Metrics,
  candidate: Metrics,
  cmp: Comparison,
  names: { baseline: string; candidate: string },
  frames?: readonly DifferingFrame[],
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const charts = await writeCharts(dir, [
    { name: "baseline", metrics: baseline },
    { name: "candidate", metrics: candidate },
  ]);
  const lines = [
    "# Perception: candidate vs baseline",
    "",
    `- baseline: ${names.baseline}`,
    `- candidate: ${names.candidate}`,
    "",
    cmp.regressions.length
      ? `## ${cmp.regressions.length} regression(s)`
      : "## No regression beyond tolerance",
    "",
    ...cmp.regressions.map((r) => `- **${r.message}**`),
    "",
    "## Charts (baseline blue, candidate red)",
    "",
    ...charts.map((c) => `![${c}](${c})\n`),
    ...(frames === undefined
      ? []
      : [
          "## Where the runs differ most",
          "",
          frames.length
            ? "Baseline left, candidate right, on the same camera frame (people pixelated)."
            : "The two runs publish the same detections at every common frame.",
          "",
          ...frames.map(
            (f) =>
              `![${f.why}](${f.file})\n\n${(Number(f.stampNs) / 1e9).toFixed(3)} s: ${f.why}\n`,
          ),
        ]),
    "## Gated figures",
    "",
    "| metric | baseline | candidate | delta | tolerance |",
    "|---|---|---|---|---|",
    ...cmp.deltas
      .filter((d) => d.rule)
      .map(
        (d) =>
          `| ${d.path} | ${f(d.baseline)} | ${f(d.candidate)} | ${f(d.delta)} | ${d.rule!.better} better, ±${d.rule!.tolerance} |`,
      ),
    "",
  ];
  const path = join(dir, "report.md");
  writeFileSync(path, lines.join("\n"));
  return path;
}
