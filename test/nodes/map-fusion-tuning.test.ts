import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { parameterSchema } from "../../src/nodes/map-fusion.js";
import { mapFusionTuning } from "../../src/nodes/map-fusion-tuning.js";
import { mapFusionParameters } from "../fusion/support/map-fusion-tuning.js";

/** Parameters the node itself reads (frames, pose source, timing, the TF buffer): not fusion tuning. */
const NODE_LEVEL = [
  "map_file",
  "base_frame",
  "map_frame",
  "pose_source",
  "pose_timeout_s",
  "max_input_age_s",
  "processing_budget_ms",
  "use_sim_time",
  "max_pose_jump_m",
  "time_jump_threshold_s",
  "tf_timeout_s",
];

describe("mapFusionTuning", () => {
  const values = mapFusionParameters();

  it("reads every tuning parameter of the schema, and only those", () => {
    const read = new Set<string>();
    mapFusionTuning((name) => {
      read.add(name);
      return values[name];
    });
    const declared = Object.keys(
      (parameterSchema() as { properties: Record<string, unknown> }).properties,
    );
    expect([...read].sort()).toEqual(declared.filter((n) => !NODE_LEVEL.includes(n)).sort());
  });

  it("passes the file's values through, angles from degrees to radians", () => {
    const tuning = mapFusionTuning((name) => values[name]);
    expect(tuning.tracker.newTargetDensity).toBe(values.tracker_new_target_density_per_m2);
    expect(tuning.view.ahead).toBe(values.view_ahead_m);
    expect(tuning.poseGate.jumpRecoverySec).toBe(values.pose_jump_recovery_s);
    expect(tuning.egoLane.nominalHalfWidth).toBe(values.nominal_lane_half_width_m);
    expect(tuning.corridor.nominalHalfWidth).toBe(values.nominal_lane_half_width_m);
    expect(tuning.maxStripeAngle).toBeCloseTo(
      ((values.crosswalk_max_stripe_angle_deg as number) * Math.PI) / 180,
      15,
    );
    expect(tuning.visibility.fallbackHalfFov).toBeCloseTo(
      ((values.visibility_fallback_half_fov_deg as number) * Math.PI) / 180,
      15,
    );
  });

  it("names a missing or non-numeric parameter", () => {
    const without = (name: string, value: unknown) => () =>
      mapFusionTuning((n) => (n === name ? value : values[n]));
    expect(without("tracker_gate_distance_m", undefined)).toThrow(PerceptionError);
    expect(without("tracker_gate_distance_m", undefined)).toThrow(
      /'tracker_gate_distance_m' must be a finite number, got nothing/,
    );
    expect(without("consistency_window_frames", "40")).toThrow(
      /'consistency_window_frames' must be a finite number, got "40"/,
    );
    expect(without("view_side_m", Number.NaN)).toThrow(/'view_side_m'/);
  });
});
