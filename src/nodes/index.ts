/**
 * The node registry: graph `type:` -> definition. Each node's module is imported only when the
 * node is created, so reading the graph (launch files, tests, `--help`) does not load models.
 */
import { PerceptionError } from "../core/errors.js";
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { loadParameterSchema, type NodeDefinition } from "./node-definition.js";

type Factory = (handle: NodeHandle) => Promise<NodeInstance>;

const FACTORIES: Record<
  string,
  { load: () => Promise<Factory>; pathParameters: readonly string[] }
> = {
  pedestrian_detector: {
    load: async () => (await import("./pedestrian-detector.js")).createPedestrianDetectorNode,
    pathParameters: ["model_dir", "contracts_file"],
  },
  lane_detector: {
    load: async () => (await import("./lane-detector.js")).createLaneDetectorNode,
    pathParameters: ["model_dir", "contracts_file"],
  },
  crosswalk_detector: {
    load: async () => (await import("./crosswalk-detector.js")).createCrosswalkDetectorNode,
    pathParameters: [],
  },
  map_fusion: {
    load: async () => (await import("./map-fusion.js")).createMapFusionNode,
    pathParameters: ["map_file"],
  },
  visualizer: {
    load: async () => (await import("./visualizer.js")).createVisualizerNode,
    pathParameters: ["map_file"],
  },
  compute_budget: {
    load: async () => (await import("./compute-budget.js")).createComputeBudgetNode,
    pathParameters: ["map_file"],
  },
};

const cache = new Map<string, NodeDefinition>();

/** The definition of a node type; throws a `parameter` PerceptionError for an unknown type. */
export function nodeDefinition(type: string): NodeDefinition {
  const cached = cache.get(type);
  if (cached) return cached;
  const entry = FACTORIES[type];
  if (!entry)
    throw new PerceptionError(
      "parameter",
      `unknown node type '${type}' (known: ${Object.keys(FACTORIES).join(", ")})`,
    );
  const definition: NodeDefinition = {
    type,
    parameterSchema: loadParameterSchema(type),
    pathParameters: entry.pathParameters,
    create: async (handle) => (await entry.load())(handle),
  };
  cache.set(type, definition);
  return definition;
}

/** Every node type. */
export function nodeTypes(): string[] {
  return Object.keys(FACTORIES);
}
