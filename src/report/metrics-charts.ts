/**
 * The report pictures of one or more metrics JSONs (one colour per run): the pedestrian
 * precision-recall curve, errors vs range (pedestrian ground position, lane lateral), recall by
 * range, and the latency distribution per stage (p50/p90/p99).
 */
import { bandNames } from "./eval-config.js";
import type { Metrics } from "./metrics.js";
import { barChartSvg, lineChartSvg } from "../viz/charts.js";

/** A run to draw. */
export interface ChartRun {
  name: string;
  metrics: Metrics;
}

const RUN_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
/** p50 / p90 / p99 shades per run (light to dark). */
const RUN_SHADES = [
  ["#9ecae1", "#4292c6", "#08306b"],
  ["#fcae91", "#fb6a4a", "#a50f15"],
  ["#a1d99b", "#41ab5d", "#00441b"],
  ["#cbc9e2", "#807dba", "#3f007d"],
];

/** name -> SVG text. */
export function metricsChartSvgs(runs: readonly ChartRun[]): Record<string, string> {
  const color = (i: number): string => RUN_COLORS[i % RUN_COLORS.length]!;
  const out: Record<string, string> = {};
  out["pr_curve.png"] = lineChartSvg({
    title: "Pedestrians: precision vs recall (score thresholds)",
    xLabel: "recall",
    yLabel: "precision",
    xDomain: [0, 1],
    yDomain: [0, 1],
    series: runs.map((r, i) => ({
      name: r.name,
      color: color(i),
      points: (r.metrics.overall.detection.pedestrian?.pr_curve ?? [])
        .filter((p) => p.recall !== null)
        .map((p) => [p.recall!, p.precision] as [number, number | null]),
    })),
  });
  const bands = bandNames(runs[0]?.metrics.thresholds.range_bands_m ?? [10, 20, 40]);
  const mids = bands.map((_, i, all) => {
    const edges = runs[0]?.metrics.thresholds.range_bands_m ?? [10, 20, 40];
    const lo = i === 0 ? 0 : edges[i - 1]!;
    return i === all.length - 1 ? lo + 10 : (lo + edges[i]!) / 2;
  });
  out["error_vs_range.png"] = lineChartSvg({
    title: "Error vs range (mean, metres)",
    xLabel: "range band centre (m)",
    yLabel: "mean error (m)",
    series: runs.flatMap((r, i) => [
      {
        name: `${r.name}: pedestrian position`,
        color: color(i),
        points: bands.map(
          (b, k) =>
            [mids[k]!, r.metrics.overall.pedestrian_position_error_m[b]?.mean ?? null] as [
              number,
              number | null,
            ],
        ),
      },
      {
        name: `${r.name}: lane lateral`,
        color: color(i),
        dashed: true,
        points: bands.map(
          (b, k) =>
            [mids[k]!, r.metrics.overall.lanes?.lateral_error_m[b]?.mean ?? null] as [
              number,
              number | null,
            ],
        ),
      },
    ]),
  });
  out["recall_by_range.png"] = barChartSvg({
    title: "Pedestrian recall by range band (m)",
    yLabel: "recall",
    categories: bands,
    series: runs.map((r, i) => ({
      name: r.name,
      color: color(i),
      values: bands.map(
        (b) => r.metrics.overall.detection.pedestrian?.by_range_m[b]?.recall ?? null,
      ),
    })),
  });
  const stages = [
    ...new Set(runs.flatMap((r) => Object.keys(r.metrics.overall.latency_ms))),
  ].sort();
  out["latency.png"] = barChartSvg({
    title: "Latency per stage: p50 / p90 / p99 (ms)",
    yLabel: "ms",
    categories: stages,
    series: runs.flatMap((r, i) =>
      (["p50", "p90", "p99"] as const).map((q, k) => ({
        name: `${r.name} ${q}`,
        color: RUN_SHADES[i % RUN_SHADES.length]![k]!,
        values: stages.map((s) => r.metrics.overall.latency_ms[s]?.[q] ?? null),
      })),
    ),
  });
  return out;
}
