/**
 * The lane tuning tests run with: config/lane_detector.param.yaml's values for the lane_detector
 * node, validated by its schema and turned into options by the node's own
 * src/nodes/lane-detector-tuning.ts, so tests exercise the values the node runs with (no numbers
 * copied into tests).
 */
import { parameterSchema } from "../../../../src/nodes/lane-detector.js";
import {
  laneDetectorFileParameters,
  laneDetectorTuning,
} from "../../../../src/nodes/lane-detector-tuning.js";
import type { LaneDetectorTuning } from "../../../../src/perception/lanes/lane-detector.js";
import type { ParameterValue } from "../../../../src/ros/node-api.js";
import { SchemaParameterStore } from "../../../../src/ros/parameters/parameter-store.js";

/** The lane_detector node's parameters as config/lane_detector.param.yaml sets them, validated by the node's schema. */
export function laneDetectorParameters(): Readonly<Record<string, ParameterValue>> {
  return new SchemaParameterStore({
    node: "/perception/lane_detector",
    schema: parameterSchema(),
    values: laneDetectorFileParameters(),
  }).all();
}

/**
 * The lane detector's tuning as the node builds it from config/lane_detector.param.yaml (spread it
 * into `LaneDetector.create`'s options; a test that varies one value spreads the file's group:
 * `{ ...laneTuning().pipeline, edges: { ...laneTuning().pipeline.edges, maxRange: 20 } }`).
 */
export function laneTuning(): LaneDetectorTuning {
  const values = laneDetectorParameters();
  return laneDetectorTuning((name) => values[name]);
}
