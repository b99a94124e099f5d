/**
 * The fusion tuning tests run with: config/map_fusion.param.yaml's values for the map_fusion node,
 * validated by its schema and turned into options by the node's own src/nodes/map-fusion-tuning.ts,
 * so tests exercise the values the node runs with (no numbers copied into tests).
 */
import { realClock } from "../../../src/core/monotonic-clock.js";
import { projectPath } from "../../../src/core/paths.js";
import type { FusionEngineOptions, FusionTuning } from "../../../src/fusion/fusion-engine.js";
import type { HdMap } from "../../../src/map/types.js";
import { parameterSchema } from "../../../src/nodes/map-fusion.js";
import { mapFusionTuning } from "../../../src/nodes/map-fusion-tuning.js";
import type { ParameterValue } from "../../../src/ros/node-api.js";
import {
  loadParameterFiles,
  parametersForNode,
} from "../../../src/ros/parameters/parameter-file.js";
import { SchemaParameterStore } from "../../../src/ros/parameters/parameter-store.js";

/** The values config/map_fusion.param.yaml sets for the map_fusion node (as the launch graph reads them). */
export function mapFusionFileParameters(): Record<string, ParameterValue> {
  return parametersForNode(
    loadParameterFiles([projectPath("config", "map_fusion.param.yaml")]),
    "map_fusion",
    "/perception",
  );
}

/** The map_fusion node's parameters as config/map_fusion.param.yaml sets them, validated by the node's schema. */
export function mapFusionParameters(): Readonly<Record<string, ParameterValue>> {
  return new SchemaParameterStore({
    node: "/perception/map_fusion",
    schema: parameterSchema(),
    values: mapFusionFileParameters(),
  }).all();
}

/** The tuning of every fusion stage as the node builds it from config/map_fusion.param.yaml. */
export function fusionTuning(): FusionTuning {
  const values = mapFusionParameters();
  return mapFusionTuning((name) => values[name]);
}

/**
 * FusionEngine options as the node builds them (tuning from config/map_fusion.param.yaml, the real
 * clock) for `map`; `overrides` replace whole option groups (a test that varies one value spreads
 * the file's group: `{ poseGate: { ...fusionTuning().poseGate, jumpRecoverySec: 0.5 } }`).
 */
export function fusionEngineOptions(
  map: HdMap | undefined,
  overrides: Partial<FusionTuning> = {},
): FusionEngineOptions {
  return { ...fusionTuning(), ...overrides, map, clock: realClock };
}
