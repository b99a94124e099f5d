/**
 * The lane detector's tuning from the lane_detector node's parameters
 * (config/lane_detector.param.yaml, schema config/schema/lane_detector.schema.json,
 * docs/nodes/lane_detector.md). The one place that maps parameter names to the options of
 * src/perception/lanes/; shared with `detect`, the tests and the bench, so they run what the node
 * runs.
 */
import { projectPath } from "../core/paths.js";
import type { LaneDetectorTuning } from "../perception/lanes/lane-detector.js";
import type { ParameterValue } from "../ros/node-api.js";
import { loadParameterFiles, parametersForNode } from "../ros/parameters/parameter-file.js";
import { tuningParameters } from "./common/tuning-parameters.js";

/**
 * The lane detector's tuning from the node's parameters (`get` reads one by name). Throws a
 * `parameter` PerceptionError naming the parameter when one is missing or not a finite number (the
 * node's schema rules that out; a hand-made parameter set may not).
 */
export function laneDetectorTuning(get: (name: string) => unknown): LaneDetectorTuning {
  const { num, bool } = tuningParameters("lane_detector", get);
  return {
    maxLaneMaskFraction: num("max_lane_mask_fraction"),
    minDrivableFraction: num("min_drivable_fraction"),
    pipeline: {
      link: {
        maxGap: num("link_max_gap_m"),
        lateralTolerance: num("link_lateral_tolerance_m"),
        lateralTolerancePerMetre: num("link_lateral_tolerance_m_per_m"),
        extrapolationWindow: num("link_extrapolation_window_m"),
      },
      position: {
        laneWidth: num("ego_position_lane_width_m"),
        maxStart: num("ego_position_max_start_m"),
      },
      edges: {
        searchHalfWidth: num("paint_or_edge_search_half_width_m"),
        flankInner: num("paint_or_edge_flank_inner_m"),
        flankOuter: num("paint_or_edge_flank_outer_m"),
        paintWidth: num("paint_or_edge_paint_width_m"),
        minRidge: num("paint_or_edge_min_ridge_levels"),
        minStep: num("paint_or_edge_min_step_levels"),
        maxRange: num("paint_or_edge_max_range_m"),
        minRidgeFraction: num("paint_or_edge_min_ridge_fraction"),
        minRidgeLength: num("paint_or_edge_min_ridge_length_m"),
        minStepFraction: num("paint_or_edge_min_step_fraction"),
        minMeasuredRows: num("paint_or_edge_min_measured_rows"),
        sampleSpacing: num("paint_or_edge_sample_spacing_m"),
      },
      profile: {
        halfWidth: num("paint_profile_half_width_m"),
        roadNear: num("paint_profile_road_near_m"),
        roadFar: num("paint_profile_road_far_m"),
        maxRange: num("paint_profile_max_range_m"),
        paintedFraction: num("paint_profile_painted_fraction"),
        minContrast: num("paint_profile_min_contrast_levels"),
        minReference: num("paint_profile_min_reference_levels"),
      },
      style: {
        minGap: num("line_style_min_gap_m"),
        maxRange: num("line_style_max_range_m"),
        reliableRange: num("line_style_reliable_range_m"),
        maskOnlyConfidence: num("line_style_mask_only_confidence"),
      },
      colour: {
        yellowMargin: num("line_colour_yellow_margin"),
        roadOffset: num("line_colour_road_offset_m"),
        maxSamples: num("line_colour_max_samples"),
      },
      near: {
        maxNearGap: num("near_extent_max_gap_m"),
        roadHalfWidthCols: num("near_extent_road_half_width_cols"),
        imageRoadHalfWidth: num("near_extent_image_road_half_width_m"),
        imageRoadRowStep: num("near_extent_image_road_row_step_px"),
        continuationWindow: num("near_extent_continuation_window_m"),
        continuationMinSpan: num("near_extent_continuation_min_span_m"),
      },
      occlusion: {
        probe: num("occlusion_probe_m"),
        halfWidth: num("occlusion_half_width_m"),
        maxDrivableFraction: num("occlusion_max_drivable_fraction"),
      },
    },
    classicalPipeline: {
      minConfidence: num("classical_pipeline_min_confidence"),
      maxMarkings: num("classical_pipeline_max_markings"),
      minExtent: num("classical_pipeline_min_extent_m"),
      maxHeading: num("classical_pipeline_max_heading_rad"),
      maxCurvature: num("classical_pipeline_max_curvature_per_m"),
      requirePaint: bool("classical_pipeline_require_paint"),
      continueOccluded: bool("classical_pipeline_continue_occluded"),
    },
    classical: {
      flankInner: num("classical_flank_inner_m"),
      flankOuter: num("classical_flank_outer_m"),
      minContrast: num("classical_min_contrast_levels"),
      minYellowContrast: num("classical_min_yellow_contrast"),
      maxRange: num("classical_max_range_m"),
      maxRoadChroma: num("classical_max_road_chroma_levels"),
      maxWhiteChroma: num("classical_max_white_chroma_levels"),
      roadSampleNear: num("classical_road_sample_near_m"),
      roadSampleFar: num("classical_road_sample_far_m"),
      roadSampleHalfWidth: num("classical_road_sample_half_width_m"),
      roadGreyTolerance: num("classical_road_grey_tolerance_levels"),
      roadSpreadFactor: num("classical_road_spread_factor"),
    },
  };
}

/** The values config/lane_detector.param.yaml sets for the lane_detector node (as the launch graph reads them). */
export function laneDetectorFileParameters(): Record<string, ParameterValue> {
  return parametersForNode(
    loadParameterFiles([projectPath("config", "lane_detector.param.yaml")]),
    "lane_detector",
    "/perception",
  );
}

/**
 * The tuning config/lane_detector.param.yaml gives the node, for what runs the detector outside a
 * node (the bench, scripts): the same file the node and `detect` read.
 */
export function laneDetectorFileTuning(): LaneDetectorTuning {
  const values = laneDetectorFileParameters();
  return laneDetectorTuning((name) => values[name]);
}
