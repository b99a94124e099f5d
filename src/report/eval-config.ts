/**
 * The thresholds every eval figure is computed with: config/eval/eval.yaml, validated against
 * config/schema/eval.schema.json (no defaults in code: the file is the single source).
 */
import { projectPath } from "../core/paths.js";
import { loadValidatedYaml } from "./validated-yaml.js";

/** config/eval/eval.yaml as typed data; field meanings are documented in the YAML and docs/eval.md. */
export interface EvalConfig {
  version: 1;
  pedestrians: {
    /** Box IoU for a detection to match a labelled person. */
    iou: number;
    /** Labelled people with a visible box lower than this (px) are "don't care". */
    ignore_min_height_px: number;
    /** ... or with a visible fraction below this. */
    ignore_min_visible_fraction: number;
    /** Ground distance (m) for a published track to match a labelled person. */
    track_match_m: number;
    /** Score thresholds of the precision-recall curve. */
    pr_thresholds: number[];
    /** The track gate grows to this share of the person's range when that is larger than track_match_m. */
    track_match_range_fraction: number;
  };
  /** Range band edges in metres (0-e0, e0-e1, ..., last+). */
  range_bands_m: number[];
  /** Box height band edges in pixels. */
  height_bands_px: number[];
  lanes: {
    match_mean_lateral_m: number;
    match_min_overlap_m: number;
    sample_step_m: number;
    max_range_m: number;
    tusimple_pixel_threshold: number;
    tusimple_point_threshold: number;
  };
  crosswalks: {
    presence_range_m: [number, number];
    match_iou: number;
    match_centroid_m: number;
  };
  latency: {
    bin_ms: number;
    max_ms: number;
  };
}

/** The default thresholds file. */
export function defaultEvalConfigPath(): string {
  return projectPath("config", "eval", "eval.yaml");
}

/** Reads and validates an eval thresholds file. */
export function loadEvalConfig(path: string = defaultEvalConfigPath()): EvalConfig {
  return loadValidatedYaml<EvalConfig>(path, "eval.schema.json", "eval thresholds");
}

/** Band names for edges [a, b, c]: "0-a", "a-b", "b-c", "c+" (the unit is the caller's). */
export function bandNames(edges: readonly number[]): string[] {
  const names: string[] = [];
  let lo = 0;
  for (const e of edges) {
    names.push(`${lo}-${e}`);
    lo = e;
  }
  names.push(`${lo}+`);
  return names;
}

/** The band a value falls in (lower edge inclusive); "unknown" for a non-finite value. */
export function bandOf(edges: readonly number[], value: number): string {
  if (!Number.isFinite(value)) return "unknown";
  const names = bandNames(edges);
  for (let i = 0; i < edges.length; i++) if (value < edges[i]!) return names[i]!;
  return names[names.length - 1]!;
}
