/**
 * The fusion engine's tuning from the map_fusion node's parameters (config/map_fusion.param.yaml,
 * schema config/schema/map_fusion.schema.json, docs/nodes/map_fusion.md). The one place that maps
 * parameter names to the options of src/fusion/; shared with the tests and the bench, so they run
 * what the node runs.
 */
import type { FusionTuning } from "../fusion/fusion-engine.js";
import { tuningParameters } from "./common/tuning-parameters.js";

/** Degrees to radians, as the parameters give angles in degrees. */
function radians(degrees: number): number {
  return (degrees * Math.PI) / 180;
}

/**
 * The tuning of every fusion stage from the node's parameters (`get` reads one by name). Throws a
 * `parameter` PerceptionError naming the parameter when one is missing or not a finite number (the
 * node's schema rules that out; a hand-made parameter set may not).
 */
export function mapFusionTuning(get: (name: string) => unknown): FusionTuning {
  const { num } = tuningParameters("map_fusion", get);
  const nominalHalfWidth = num("nominal_lane_half_width_m");
  return {
    view: { behind: num("view_behind_m"), ahead: num("view_ahead_m"), side: num("view_side_m") },
    laneAssociation: {
      gate: num("lane_association_gate_m"),
      maxCommonShift: num("lane_association_max_common_shift_m"),
      inlierTolerance: num("lane_association_inlier_tolerance_m"),
      maxCompareX: num("lane_association_max_compare_x_m"),
      minOverlap: num("lane_association_min_overlap_m"),
      samples: num("lane_association_samples"),
    },
    egoLane: {
      poseLateralStd: num("ego_lane_pose_lateral_std_m"),
      containmentSlack: num("ego_lane_containment_slack_m"),
      nominalHalfWidth,
    },
    egoBoundaryWideGate: num("ego_lane_wide_gate_m"),
    minTypeConfidence: num("lane_evidence_min_type_confidence"),
    minEvidenceExtent: num("lane_evidence_min_extent_m"),
    lateralCorrection: {
      driftStdPerSqrtSec: num("lateral_correction_drift_std_m_per_sqrt_s"),
      resetSigma: num("lateral_correction_reset_sigma"),
    },
    corridor: {
      lookahead: num("corridor_lookahead_m"),
      nominalHalfWidth,
      markingExtrapolation: num("corridor_marking_extrapolation_m"),
    },
    corridorMinApproachSpeed: num("corridor_min_approach_speed_mps"),
    tracker: {
      confirmHits: num("tracker_confirm_hits"),
      maxCoastSec: num("tracker_max_coast_s"),
      tentativeMaxCoastSec: num("tracker_tentative_max_coast_s"),
      gateMahalanobis2: num("tracker_gate_mahalanobis2"),
      gateDistance: num("tracker_gate_distance_m"),
      secondGateMahalanobis2: num("tracker_second_gate_mahalanobis2"),
      accelStd: num("tracker_accel_std_mps2"),
      initialVelocityStd: num("tracker_initial_velocity_std_mps"),
      minPositionStd: num("tracker_min_position_std_m"),
      newTargetDensity: num("tracker_new_target_density_per_m2"),
    },
    crosswalkMatch: {
      minIoU: num("crosswalk_match_min_iou"),
      maxCentroidDistance: num("crosswalk_match_max_centroid_distance_m"),
    },
    visibility: {
      minAhead: num("visibility_min_ahead_m"),
      maxRange: num("visibility_max_range_m"),
      minVisibleFraction: num("visibility_min_visible_fraction"),
      fallbackHalfFov: radians(num("visibility_fallback_half_fov_deg")),
    },
    maxStripeAngle: radians(num("crosswalk_max_stripe_angle_deg")),
    crosswalkRelation: {
      approachDistance: num("crosswalk_approach_distance_m"),
      approachHorizonSec: num("crosswalk_approach_horizon_s"),
      minApproachSpeed: num("crosswalk_min_approach_speed_mps"),
    },
    consistency: {
      window: num("consistency_window_frames"),
      minEvidenceFrames: num("consistency_min_evidence_frames"),
      reportFraction: num("consistency_report_fraction"),
      clearFraction: num("consistency_clear_fraction"),
      shiftThreshold: num("consistency_shift_threshold_m"),
      unmappedClusterRadius: num("consistency_unmapped_cluster_radius_m"),
      scoreSmoothing: num("consistency_score_smoothing"),
    },
    poseGate: {
      maxSpeed: num("pose_gate_max_speed_mps"),
      maxYawRate: num("pose_gate_max_yaw_rate_radps"),
      maxCompareGapSec: num("pose_gate_max_compare_gap_s"),
      jumpRecoverySec: num("pose_jump_recovery_s"),
    },
  };
}
