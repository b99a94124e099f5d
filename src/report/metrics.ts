/**
 * The metrics JSON (`schema_version` 1, JSON Schema in docs/schema/eval-metrics.schema.json): the
 * merged units, overall and per scenario, turned into rates. Numbers are rounded to 6 decimals,
 * undefined rates (0/0) are null, keys come in a fixed order: the same units give the same bytes.
 */
import { bandNames, type EvalConfig } from "./eval-config.js";
import { summarizeLatency, type LatencySummary } from "./latency-histogram.js";
import {
  mergeUnits,
  type Counts,
  type DetectionPartial,
  type ErrorSum,
  type EvalPartial,
  type EvalUnit,
} from "./partial.js";

const METRICS_SCHEMA_VERSION = 1;
export const METRICS_FORMAT = "edge_perception/eval_metrics";

type Num = number | null;

export interface Rates {
  tp: number;
  fp: number;
  fn: number;
  precision: Num;
  recall: Num;
  f1: Num;
}

export interface ErrorStats {
  count: number;
  mean: Num;
  rmse: Num;
  max: Num;
}

export interface ClassMetrics extends Rates {
  by_range_m: Record<string, Rates>;
  by_height_px: Record<string, Rates>;
  pr_curve: { threshold: number; precision: Num; recall: Num }[];
}

export interface GroupMetrics {
  units: number;
  frames: number;
  detection: Record<string, ClassMetrics>;
  pedestrian_position_error_m: Record<string, ErrorStats>;
  tracking: Record<
    string,
    {
      trajectories: number;
      gt: number;
      fp: number;
      fn: number;
      id_switches: number;
      fragmentations: number;
      mota: Num;
      idf1: Num;
      idp: Num;
      idr: Num;
    }
  >;
  lanes: null | {
    tusimple: { frames: number; accuracy: Num; fp: Num; fn: Num };
    markings: Rates;
    lateral_error_m: Record<string, ErrorStats>;
  };
  crosswalks: null | {
    presence: Rates;
    dont_care_frames: number;
    polygons: Rates;
    polygon_iou: ErrorStats;
    distance_error_m: ErrorStats;
  };
  ego_lane: null | {
    frames: number;
    valid_frames: number;
    availability: Num;
    id_accuracy: Num;
    offset_error_m: ErrorStats;
  };
  map_disagreements: null | {
    injected: number;
    found: number;
    tp: number;
    fp: number;
    fn: number;
    precision: Num;
    recall: Num;
    missed: string[];
    spurious: string[];
  };
  latency_ms: Record<string, LatencySummary>;
  drops: Record<string, { expected: number; received: number; dropped: number; drop_rate: Num }>;
}

export interface Metrics {
  schema_version: number;
  format: string;
  thresholds: EvalConfig;
  units: string[];
  overall: GroupMetrics;
  scenarios: Record<string, GroupMetrics>;
}

function round(v: number): number {
  const r = Math.round(v * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
}

function ratio(a: number, b: number): Num {
  return b > 0 ? round(a / b) : null;
}

function rates(c: Counts): Rates {
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return {
    tp: c.tp,
    fp: c.fp,
    fn: c.fn,
    precision,
    recall,
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  };
}

function errorStats(e: ErrorSum | undefined): ErrorStats {
  if (!e || e.n === 0) return { count: 0, mean: null, rmse: null, max: null };
  return {
    count: e.n,
    mean: round(e.sum / e.n),
    rmse: round(Math.sqrt(e.sumSq / e.n)),
    max: round(e.max),
  };
}

function banded<T>(
  names: readonly string[],
  source: Record<string, T>,
  f: (v: T | undefined) => unknown,
): Record<string, never> {
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = f(source[n]);
  if (source.unknown !== undefined) out.unknown = f(source.unknown);
  return out as Record<string, never>;
}

function classMetrics(d: DetectionPartial, config: EvalConfig): ClassMetrics {
  const zero = { tp: 0, fp: 0, fn: 0 };
  const gt = d.counts.tp + d.counts.fn;
  return {
    ...rates(d.counts),
    by_range_m: banded(bandNames(config.range_bands_m), d.byRange, (c) => rates(c ?? zero)),
    by_height_px: banded(bandNames(config.height_bands_px), d.byHeight, (c) => rates(c ?? zero)),
    pr_curve: config.pedestrians.pr_thresholds.map((threshold, i) => ({
      threshold,
      precision: ratio(d.prTp[i]!, d.prTp[i]! + d.prFp[i]!),
      recall: ratio(d.prTp[i]!, gt),
    })),
  };
}

function group(p: EvalPartial, units: number, config: EvalConfig): GroupMetrics {
  const sortedKeys = <T>(o: Record<string, T>): [string, T][] =>
    Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
  const rangeNames = bandNames(config.range_bands_m);
  return {
    units,
    frames: p.frames,
    detection: Object.fromEntries(
      sortedKeys(p.detection).map(([k, d]) => [k, classMetrics(d, config)]),
    ),
    pedestrian_position_error_m: banded(rangeNames, p.position, errorStats),
    tracking: Object.fromEntries(
      sortedKeys(p.tracking).map(([k, t]) => [
        k,
        {
          trajectories: t.trajectories,
          gt: t.gt,
          fp: t.fp,
          fn: t.fn,
          id_switches: t.idSwitches,
          fragmentations: t.fragmentations,
          mota: t.gt > 0 ? round(1 - (t.fn + t.fp + t.idSwitches) / t.gt) : null,
          idf1: ratio(2 * t.idtp, 2 * t.idtp + t.idfp + t.idfn),
          idp: ratio(t.idtp, t.idtp + t.idfp),
          idr: ratio(t.idtp, t.idtp + t.idfn),
        },
      ]),
    ),
    lanes: p.lanes
      ? {
          tusimple: {
            frames: p.lanes.tusimpleFrames,
            accuracy: ratio(p.lanes.tusimpleAccuracy, p.lanes.tusimpleFrames),
            fp: ratio(p.lanes.tusimpleFp, p.lanes.tusimpleFrames),
            fn: ratio(p.lanes.tusimpleFn, p.lanes.tusimpleFrames),
          },
          markings: rates(p.lanes.counts),
          lateral_error_m: banded(rangeNames, p.lanes.lateral, errorStats),
        }
      : null,
    crosswalks: p.crosswalks
      ? {
          presence: rates(p.crosswalks.presence),
          dont_care_frames: p.crosswalks.dontCareFrames,
          polygons: rates(p.crosswalks.polygons),
          polygon_iou: errorStats(p.crosswalks.iou),
          distance_error_m: errorStats(p.crosswalks.distance),
        }
      : null,
    ego_lane: p.ego
      ? {
          frames: p.ego.frames,
          valid_frames: p.ego.valid,
          availability: ratio(p.ego.valid, p.ego.frames),
          id_accuracy: ratio(p.ego.idCorrect, p.ego.valid),
          offset_error_m: errorStats(p.ego.offset),
        }
      : null,
    map_disagreements: p.map
      ? {
          ...p.map,
          precision: ratio(p.map.tp, p.map.tp + p.map.fp),
          recall: ratio(p.map.tp, p.map.tp + p.map.fn),
          missed: [...p.map.missed],
          spurious: [...p.map.spurious],
        }
      : null,
    latency_ms: Object.fromEntries(
      sortedKeys(p.latency).map(([k, h]) => [k, summarizeLatency(h, config)]),
    ),
    drops: Object.fromEntries(
      sortedKeys(p.drops).map(([k, d]) => [
        k,
        {
          expected: d.expected,
          received: d.received,
          dropped: d.expected - d.received,
          drop_rate: ratio(d.expected - d.received, d.expected),
        },
      ]),
    ),
  };
}

/** The metrics of a set of units (any order in, id order used). */
export function finalizeMetrics(units: readonly EvalUnit[], config: EvalConfig): Metrics {
  const ids = units.map((u) => u.id).sort();
  const dup = ids.find((id, i) => i > 0 && ids[i - 1] === id);
  if (dup !== undefined) throw new Error(`unit '${dup}' appears twice`);
  const scenarios = [...new Set(units.map((u) => u.scenario))].sort();
  return {
    schema_version: METRICS_SCHEMA_VERSION,
    format: METRICS_FORMAT,
    thresholds: config,
    units: ids,
    overall: group(mergeUnits(units), units.length, config),
    scenarios: Object.fromEntries(
      scenarios.map((s) => {
        const us = units.filter((u) => u.scenario === s);
        return [s, group(mergeUnits(us), us.length, config)];
      }),
    ),
  };
}

/** The metrics JSON text (2-space indent, trailing newline). */
export function metricsJson(m: Metrics): string {
  return JSON.stringify(m, null, 2) + "\n";
}
