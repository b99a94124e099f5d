import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { parameterSchema } from "../../src/nodes/lane-detector.js";
import {
  laneDetectorFileTuning,
  laneDetectorTuning,
} from "../../src/nodes/lane-detector-tuning.js";
import { laneDetectorParameters } from "../perception/lanes/support/lane-tuning.js";

/** Parameters the node itself reads (transport, rate, frames, model choice, output filter): not detector tuning. */
const NODE_LEVEL = [
  "image_transport",
  "rate_hz",
  "rate_phase_s",
  "processing_budget_ms",
  "base_frame",
  "tf_timeout_s",
  "use_sim_time",
  "model_dir",
  "model",
  "min_confidence",
  "contracts_file",
];

describe("laneDetectorTuning", () => {
  const values = laneDetectorParameters();

  it("reads every tuning parameter of the schema, and only those", () => {
    const read = new Set<string>();
    laneDetectorTuning((name) => {
      read.add(name);
      return values[name];
    });
    const declared = Object.keys(
      (parameterSchema() as { properties: Record<string, unknown> }).properties,
    );
    expect([...read].sort()).toEqual(declared.filter((n) => !NODE_LEVEL.includes(n)).sort());
  });

  it("makes every tuning parameter required and read-only in the schema", () => {
    const schema = parameterSchema() as {
      properties: Record<string, { readOnly?: boolean }>;
      required: string[];
    };
    const tuning = Object.keys(schema.properties).filter((n) => !NODE_LEVEL.includes(n));
    for (const name of tuning) {
      expect(schema.required, name).toContain(name);
      expect(schema.properties[name]!.readOnly, name).toBe(true);
    }
  });

  it("passes the file's values through to each stage's options", () => {
    const tuning = laneDetectorTuning((name) => values[name]);
    expect(tuning.maxLaneMaskFraction).toBe(values.max_lane_mask_fraction);
    expect(tuning.pipeline.edges.maxRange).toBe(values.paint_or_edge_max_range_m);
    expect(tuning.pipeline.profile.maxRange).toBe(values.paint_profile_max_range_m);
    expect(tuning.pipeline.near.roadHalfWidthCols).toBe(values.near_extent_road_half_width_cols);
    expect(tuning.pipeline.occlusion.probe).toBe(values.occlusion_probe_m);
    expect(tuning.classical.roadGreyTolerance).toBe(values.classical_road_grey_tolerance_levels);
    expect(tuning.classicalPipeline.maxHeading).toBe(values.classical_pipeline_max_heading_rad);
    expect(tuning.classicalPipeline.requirePaint).toBe(values.classical_pipeline_require_paint);
  });

  it("gives the bench and scripts the same tuning as the node from the same file", () => {
    expect(laneDetectorFileTuning()).toEqual(laneDetectorTuning((name) => values[name]));
  });

  it("names a missing parameter or one of the wrong type", () => {
    const without = (name: string, value: unknown) => () =>
      laneDetectorTuning((n) => (n === name ? value : values[n]));
    expect(without("link_max_gap_m", undefined)).toThrow(PerceptionError);
    expect(without("link_max_gap_m", undefined)).toThrow(
      /'link_max_gap_m' must be a finite number, got nothing/,
    );
    expect(without("line_colour_max_samples", "300")).toThrow(
      /'line_colour_max_samples' must be a finite number, got "300"/,
    );
    expect(without("occlusion_probe_m", Number.NaN)).toThrow(/'occlusion_probe_m'/);
    expect(without("classical_pipeline_require_paint", "yes")).toThrow(
      /'classical_pipeline_require_paint' must be true or false, got "yes"/,
    );
  });
});
