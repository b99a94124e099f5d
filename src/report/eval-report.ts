/**
 * The readable report of `eval --report <dir>`: report.md with the headline table per scenario,
 * per-band tables and PNG charts (precision-recall, error vs range, recall by range, latency).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GroupMetrics, Metrics } from "./metrics.js";
import { formatMetricsSummary } from "./metrics-summary.js";
import { svgToPng } from "../viz/charts.js";
import { metricsChartSvgs, type ChartRun } from "./metrics-charts.js";

function f(v: number | null | undefined, d = 3): string {
  return v === null || v === undefined ? "-" : v.toFixed(d);
}

/** Writes the charts of `runs` into `dir`; returns the file names. */
export async function writeCharts(dir: string, runs: readonly ChartRun[]): Promise<string[]> {
  const svgs = metricsChartSvgs(runs);
  for (const [name, svg] of Object.entries(svgs))
    writeFileSync(join(dir, name), await svgToPng(svg));
  return Object.keys(svgs);
}

function bandTable(title: string, g: GroupMetrics): string[] {
  const p = g.detection.pedestrian;
  if (!p) return [];
  const lines = [
    `### ${title}`,
    "",
    "| range band (m) | TP | FP | FN | precision | recall | position error mean / max (m) | lane lateral error mean (m) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const [band, r] of Object.entries(p.by_range_m)) {
    const e = g.pedestrian_position_error_m[band];
    lines.push(
      `| ${band} | ${r.tp} | ${r.fp} | ${r.fn} | ${f(r.precision)} | ${f(r.recall)} | ${f(e?.mean)} / ${f(e?.max)} | ${f(g.lanes?.lateral_error_m[band]?.mean)} |`,
    );
  }
  lines.push(
    "",
    "| box height (px) | TP | FP | FN | precision | recall |",
    "|---|---|---|---|---|---|",
  );
  for (const [band, r] of Object.entries(p.by_height_px))
    lines.push(`| ${band} | ${r.tp} | ${r.fp} | ${r.fn} | ${f(r.precision)} | ${f(r.recall)} |`);
  return [...lines, ""];
}

/** Writes `<dir>/report.md` and its charts; returns the report's path. */
export async function writeEvalReport(m: Metrics, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const charts = await writeCharts(dir, [{ name: "this run", metrics: m }]);
  const o = m.overall;
  const lines = [
    "# Perception evaluation",
    "",
    `Metrics schema ${m.schema_version}; ${m.units.length} run(s): ${m.units.join(", ")}. Thresholds: box IoU >= ${m.thresholds.pedestrians.iou}, track gate ${m.thresholds.pedestrians.track_match_m} m, lane match mean |dy| <= ${m.thresholds.lanes.match_mean_lateral_m} m (docs/eval.md).`,
    "",
    "```",
    formatMetricsSummary(m),
    "```",
    "",
    "## Charts",
    "",
    ...charts.map((c) => `![${c}](${c})\n`),
    ...bandTable("Overall by range and height", o),
    "## Tracking, crosswalks, ego lane, map",
    "",
    "| what | value |",
    "|---|---|",
    `| tracking (pedestrians) | MOTA ${f(o.tracking.pedestrian?.mota)}, IDF1 ${f(o.tracking.pedestrian?.idf1)}, ID switches ${o.tracking.pedestrian?.id_switches ?? "-"}, fragmentations ${o.tracking.pedestrian?.fragmentations ?? "-"} |`,
    `| crosswalk presence | P ${f(o.crosswalks?.presence.precision)} R ${f(o.crosswalks?.presence.recall)} F1 ${f(o.crosswalks?.presence.f1)}; polygon IoU ${f(o.crosswalks?.polygon_iou.mean)}; distance error ${f(o.crosswalks?.distance_error_m.mean)} m |`,
    `| ego lane | availability ${f(o.ego_lane?.availability)}, id accuracy ${f(o.ego_lane?.id_accuracy)}, offset error ${f(o.ego_lane?.offset_error_m.mean)} m |`,
    `| map disagreements | ${o.map_disagreements ? `${o.map_disagreements.tp} of ${o.map_disagreements.injected} injected found, ${o.map_disagreements.fp} spurious${o.map_disagreements.missed.length ? `; missed: ${o.map_disagreements.missed.join("; ")}` : ""}${o.map_disagreements.spurious.length ? `; spurious: ${o.map_disagreements.spurious.join("; ")}` : ""}` : "-"} |`,
    `| drops | ${
      Object.entries(o.drops)
        .map(([k, d]) => `${k} ${d.dropped}/${d.expected}`)
        .join(", ") || "-"
    } |`,
    "",
  ];
  const path = join(dir, "report.md");
  writeFileSync(path, lines.join("\n"));
  return path;
}
