/** The few lines `eval` prints: per scenario and overall, the headline figures of a metrics JSON. */
import type { GroupMetrics, Metrics } from "./metrics.js";

function f(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? "-" : v.toFixed(digits);
}

function row(name: string, g: GroupMetrics): string {
  const p = g.detection.pedestrian;
  const t = g.tracking.pedestrian;
  return [
    name.padEnd(20),
    String(g.frames).padStart(6),
    `${f(p?.precision)}/${f(p?.recall)}`.padStart(12),
    f(t?.mota).padStart(7),
    f(t?.idf1).padStart(7),
    f(g.lanes?.tusimple.accuracy).padStart(8),
    f(g.lanes?.markings.f1).padStart(8),
    f(g.crosswalks?.presence.f1).padStart(8),
    f(g.ego_lane?.id_accuracy).padStart(8),
    (g.map_disagreements
      ? `${g.map_disagreements.tp}/${g.map_disagreements.injected}+${g.map_disagreements.fp}`
      : "-"
    ).padStart(8),
  ].join(" ");
}

export function formatMetricsSummary(m: Metrics): string {
  const head = [
    "scenario".padEnd(20),
    "frames".padStart(6),
    "ped P/R".padStart(12),
    "MOTA".padStart(7),
    "IDF1".padStart(7),
    "TuS acc".padStart(8),
    "lane F1".padStart(8),
    "xwalk F1".padStart(8),
    "ego id".padStart(8),
    "map".padStart(8),
  ].join(" ");
  const lines = [`metrics schema ${m.schema_version}: ${m.units.length} run(s)`, head];
  for (const [name, g] of Object.entries(m.scenarios)) lines.push(row(name, g));
  lines.push(row("overall", m.overall));
  lines.push("map = disagreements found right / injected + spurious");
  return lines.join("\n");
}
