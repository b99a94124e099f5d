/**
 * Baseline vs candidate metrics: every numeric figure by dotted path, its delta, and the
 * regressions the gate rules find (a figure worse than the baseline beyond its tolerance, or
 * gone). Band names hold no dots, so a path is unambiguous.
 */
import { PerceptionError } from "../core/errors.js";
import { pathMatches, type GateFile, type GateRule } from "./gate-file.js";
import { METRICS_FORMAT, type Metrics } from "./metrics.js";

/** Numeric leaves of a metrics JSON by dotted path (`thresholds`, `units`, arrays and strings left out); null kept. */
export function flattenMetrics(m: Metrics): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const walk = (v: unknown, path: string): void => {
    if (v === null) out.set(path, null);
    else if (typeof v === "number") out.set(path, v);
    else if (v && typeof v === "object" && !Array.isArray(v))
      for (const [k, c] of Object.entries(v)) walk(c, path ? `${path}.${k}` : k);
  };
  walk({ overall: m.overall, scenarios: m.scenarios }, "");
  return out;
}

export interface MetricDelta {
  path: string;
  baseline: number | null;
  candidate: number | null;
  /** candidate - baseline (null when either is). */
  delta: number | null;
  rule?: GateRule;
}

export interface Regression extends MetricDelta {
  rule: GateRule;
  /** In words: "overall.detection.pedestrian.recall dropped 0.889 -> 0.000 (-0.889, tolerance 0.02)". */
  message: string;
}

export interface Comparison {
  deltas: MetricDelta[];
  regressions: Regression[];
}

/** Checks a parsed JSON is a metrics JSON of a schema this code reads. */
export function checkMetrics(v: unknown, path: string): Metrics {
  const m = v as Partial<Metrics>;
  if (!m || m.format !== METRICS_FORMAT)
    throw new PerceptionError("eval", `not a metrics JSON (format must be '${METRICS_FORMAT}')`, {
      path,
    });
  if (m.schema_version !== 1)
    throw new PerceptionError(
      "eval",
      `unsupported metrics schema_version ${String(m.schema_version)} (this compare reads 1)`,
      { path },
    );
  return m as Metrics;
}

function fmt(v: number | null): string {
  return v === null ? "null" : String(Math.round(v * 1e4) / 1e4);
}

export function compareMetrics(baseline: Metrics, candidate: Metrics, gate: GateFile): Comparison {
  const b = flattenMetrics(baseline);
  const c = flattenMetrics(candidate);
  const paths = [...new Set([...b.keys(), ...c.keys()])].sort();
  const deltas: MetricDelta[] = [];
  const regressions: Regression[] = [];
  for (const path of paths) {
    const bv = b.get(path) ?? null;
    const cv = c.get(path) ?? null;
    const rule = gate.rules.find((r) => pathMatches(r.metric, path));
    const d: MetricDelta = {
      path,
      baseline: bv,
      candidate: cv,
      delta: bv !== null && cv !== null ? Math.round((cv - bv) * 1e6) / 1e6 : null,
      ...(rule ? { rule } : {}),
    };
    deltas.push(d);
    if (!rule || bv === null) continue;
    if (cv === null) {
      regressions.push({
        ...d,
        rule,
        message: `${path} is gone (baseline ${fmt(bv)}, candidate has no value)`,
      });
      continue;
    }
    const worse = rule.better === "higher" ? bv - cv : cv - bv;
    if (worse > rule.tolerance + 1e-9) {
      const verb = rule.better === "higher" ? "dropped" : "rose";
      regressions.push({
        ...d,
        rule,
        message: `${path} ${verb} ${fmt(bv)} -> ${fmt(cv)} (${d.delta! > 0 ? "+" : ""}${fmt(d.delta)}, tolerance ${rule.tolerance}, ${rule.better} is better)`,
      });
    }
  }
  return { deltas, regressions };
}
