/**
 * The launch graph, described once in `launch/perception.graph.yaml`: launch arguments, nodes with
 * their namespace, parameter file, inline parameters, remappings and process group. This module
 * loads it, substitutes launch arguments (`$(var name)`, ROS 2 launch syntax) and turns it into the
 * transport's `NodeSpec`s, so replay, `edge-perception launch` and the demo start the very graph
 * `ros2 launch edge_perception perception.launch.py` starts (that file and the generated
 * `perception.launch.xml` read the same YAML).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { projectPath } from "../core/paths.js";
import type { ParameterValue } from "../ros/node-api.js";
import type { NodeSpec } from "../ros/node-spec.js";
import {
  entryMatchesNode,
  loadParameterFiles,
  parametersForNode,
} from "../ros/parameters/parameter-file.js";
import { fullNodeName } from "../msgs/names.js";

/** The node implementations a graph may name (`type:`), one module each in src/nodes/. */
export const NODE_TYPES = [
  "pedestrian_detector",
  "lane_detector",
  "crosswalk_detector",
  "map_fusion",
  "visualizer",
  "compute_budget",
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** How the nodes are spread over processes. */
export type ProcessMode = "one_process" | "multi_process";

export interface LaunchArgument {
  name: string;
  /** Value when the launch does not set it. */
  default: string;
  /** Allowed values, when restricted. */
  choices?: string[];
  description: string;
}

/** A scalar or list as written inline in the graph (before substitution). */
export type InlineParameter = string | number | boolean | string[] | number[] | boolean[];

export interface GraphNode {
  /** Node name (unique within the graph). */
  name: string;
  /** Which implementation in src/nodes/ runs it. */
  type: NodeType;
  /** Namespace (the graph's unless the node sets one). */
  namespace: string;
  /** Process group in mode `multi_process`. */
  processGroup: string;
  /** ROS 2 parameter YAML, relative to the package root. */
  paramsFile: string;
  /** Inline parameters applied over the file (may hold `$(var ...)`). */
  parameters: Record<string, InlineParameter>;
  /** Remappings, `~/in/image` -> topic (values may hold `$(var ...)`). */
  remappings: Record<string, string>;
}

export interface LaunchGraph {
  /** The graph file. */
  path: string;
  /** The package root that relative paths resolve against (the graph file's folder's parent). */
  root: string;
  arguments: LaunchArgument[];
  /** The default namespace. */
  namespace: string;
  /** The process group of every node in mode `one_process`. */
  oneProcessGroup: string;
  nodes: GraphNode[];
}

/** The graph in this repository. */
export function defaultGraphPath(): string {
  return projectPath("launch", "perception.graph.yaml");
}

const SUBSTITUTION = /\$\(var ([A-Za-z_][A-Za-z0-9_]*)\)/g;

function fail(path: string, message: string): never {
  throw new PerceptionError("parameter", `launch graph ${path}: ${message}`, { file: path });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isInlineParameter(v: unknown): v is InlineParameter {
  if (["string", "number", "boolean"].includes(typeof v)) return true;
  if (!Array.isArray(v) || v.length === 0) return Array.isArray(v);
  const t = typeof v[0];
  return ["string", "number", "boolean"].includes(t) && v.every((x) => typeof x === t);
}

/** Loads and checks a launch graph (default: `launch/perception.graph.yaml`). Throws a `parameter` PerceptionError naming what is wrong. */
export function loadLaunchGraph(path: string = defaultGraphPath()): LaunchGraph {
  const file = resolve(path);
  if (!existsSync(file)) fail(file, "file not found");
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    fail(file, `not valid YAML: ${errorMessage(err)}`);
  }
  if (!isRecord(doc)) fail(file, "expected a mapping at the top level");
  if (doc.version !== 1) fail(file, `unsupported version ${String(doc.version)} (expected 1)`);
  const namespace = typeof doc.namespace === "string" ? doc.namespace : "/";
  const oneProcessGroup =
    typeof doc.one_process_group === "string" ? doc.one_process_group : "perception";

  if (!Array.isArray(doc.arguments)) fail(file, "'arguments' must be a list");
  const args: LaunchArgument[] = doc.arguments.map((a: unknown, i: number) => {
    if (!isRecord(a) || typeof a.name !== "string") fail(file, `argument ${i} needs a name`);
    if (typeof a.default !== "string")
      fail(file, `argument '${a.name}' needs a string default (quote it)`);
    const choices = a.choices === undefined ? undefined : (a.choices as unknown[]).map(String);
    if (choices && !choices.includes(a.default))
      fail(
        file,
        `argument '${a.name}': default '${a.default}' is not one of ${choices.join(", ")}`,
      );
    return {
      name: a.name,
      default: a.default,
      description: typeof a.description === "string" ? a.description : "",
      ...(choices ? { choices } : {}),
    };
  });
  const argNames = new Set(args.map((a) => a.name));
  if (argNames.size !== args.length) fail(file, "argument names must be unique");
  if (!argNames.has("mode"))
    fail(file, "the graph needs a 'mode' argument (one_process | multi_process)");

  const checkSubstitutions = (where: string, text: string): void => {
    for (const m of text.matchAll(SUBSTITUTION)) {
      if (!argNames.has(m[1]!)) fail(file, `${where}: $(var ${m[1]}) names no launch argument`);
    }
  };

  if (!Array.isArray(doc.nodes) || doc.nodes.length === 0)
    fail(file, "'nodes' must be a non-empty list");
  const nodes: GraphNode[] = doc.nodes.map((n: unknown, i: number) => {
    if (!isRecord(n) || typeof n.name !== "string") fail(file, `node ${i} needs a name`);
    const where = `node '${n.name}'`;
    if (!NODE_TYPES.includes(n.type as NodeType))
      fail(file, `${where}: type '${String(n.type)}' is not one of ${NODE_TYPES.join(", ")}`);
    if (typeof n.process_group !== "string") fail(file, `${where}: needs a process_group`);
    if (typeof n.params_file !== "string") fail(file, `${where}: needs a params_file`);
    const parameters = n.parameters ?? {};
    if (!isRecord(parameters)) fail(file, `${where}: 'parameters' must be a mapping`);
    for (const [k, v] of Object.entries(parameters)) {
      if (!isInlineParameter(v))
        fail(file, `${where}: parameter '${k}' must be a scalar or a list of one scalar type`);
      if (typeof v === "string") checkSubstitutions(`${where} parameter '${k}'`, v);
    }
    const remappings = n.remappings ?? {};
    if (!isRecord(remappings)) fail(file, `${where}: 'remappings' must be a mapping`);
    for (const [k, v] of Object.entries(remappings)) {
      if (typeof v !== "string") fail(file, `${where}: remapping '${k}' must be a string`);
      checkSubstitutions(`${where} remapping '${k}'`, v);
    }
    return {
      name: n.name,
      type: n.type as NodeType,
      namespace: typeof n.namespace === "string" ? n.namespace : namespace,
      processGroup: n.process_group,
      paramsFile: n.params_file,
      parameters: parameters as Record<string, InlineParameter>,
      remappings: remappings as Record<string, string>,
    };
  });
  const names = nodes.map((n) => `${n.namespace}/${n.name}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(file, `node ${dup} appears twice`);
  return {
    path: file,
    root: dirname(dirname(file)),
    arguments: args,
    namespace,
    oneProcessGroup,
    nodes,
  };
}

/** Every launch argument's value: the given ones over the defaults. Unknown names and values outside `choices` throw. */
export function resolveLaunchArguments(
  graph: LaunchGraph,
  given: Record<string, string> = {},
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const a of graph.arguments) values[a.name] = a.default;
  for (const [name, value] of Object.entries(given)) {
    const arg = graph.arguments.find((a) => a.name === name);
    if (!arg) {
      throw new PerceptionError(
        "parameter",
        `unknown launch argument '${name}' (known: ${graph.arguments.map((a) => a.name).join(", ")})`,
      );
    }
    if (arg.choices && !arg.choices.includes(value)) {
      throw new PerceptionError(
        "parameter",
        `launch argument ${name}:=${value} is not one of ${arg.choices.join(", ")}`,
      );
    }
    values[name] = value;
  }
  return values;
}

/** Replaces every `$(var name)` in a string. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(SUBSTITUTION, (_, name: string) => {
    const v = values[name];
    if (v === undefined)
      throw new PerceptionError("parameter", `$(var ${name}) names no launch argument`);
    return v;
  });
}

/**
 * An inline parameter after substitution. A string that is exactly one `$(var x)` is read as YAML
 * (as ROS 2 launch does): "true" becomes a boolean, "15" a number, "" stays an empty string.
 */
export function substituteParameter(
  value: InlineParameter,
  values: Record<string, string>,
): ParameterValue {
  if (typeof value !== "string") return value;
  const out = substitute(value, values);
  if (!/^\$\(var [A-Za-z_][A-Za-z0-9_]*\)$/.test(value) || out === "") return out;
  const parsed: unknown = parseYaml(out);
  return typeof parsed === "boolean" || typeof parsed === "number" ? parsed : out;
}

/** Process group -> node names (graph order), for a mode. One group holding every node in `one_process`. */
export function processGroups(
  graph: LaunchGraph,
  args: Record<string, string> = {},
): Map<string, string[]> {
  const mode = resolveLaunchArguments(graph, args).mode as ProcessMode;
  const groups = new Map<string, string[]>();
  for (const node of graph.nodes) {
    const group = mode === "one_process" ? graph.oneProcessGroup : node.processGroup;
    groups.set(group, [...(groups.get(group) ?? []), node.name]);
  }
  return groups;
}

/** A path from the graph or a parameter, resolved against the package root (unchanged when absolute or empty). */
export function resolveGraphPath(graph: LaunchGraph, path: string): string {
  return path === "" || isAbsolute(path) ? path : resolve(graph.root, path);
}

/** One node's values after substitution: its params file, then extra files, then the graph's inline parameters. */
export function nodeParameters(
  graph: LaunchGraph,
  node: GraphNode,
  values: Record<string, string>,
  extraParamsFiles: readonly string[] = [],
): Record<string, ParameterValue> {
  const own = resolveGraphPath(graph, node.paramsFile);
  if (!existsSync(own))
    throw new PerceptionError(
      "parameter",
      `parameter file of node '${node.name}' not found: ${own}`,
      { file: own },
    );
  const params = parametersForNode(
    loadParameterFiles([own, ...extraParamsFiles.map((f) => resolve(f))]),
    node.name,
    node.namespace,
  );
  for (const [k, v] of Object.entries(node.parameters)) params[k] = substituteParameter(v, values);
  return params;
}

/** One node's remappings after substitution. */
export function nodeRemappings(
  node: GraphNode,
  values: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(node.remappings).map(([k, v]) => [k, substitute(v, values)]),
  );
}

export interface GraphOverrides {
  /** Extra ROS 2 parameter files applied over each node's own (`--params-file`), in order. */
  paramsFiles?: string[];
  /** Launch argument values (`name:=value`) over the graph's defaults. */
  args?: Record<string, string>;
  /** Only the nodes of this process group (as `processGroups` reports them for the mode); all when absent. */
  processGroup?: string;
}

/**
 * The transport's NodeSpecs for a graph: each node's implementation from src/nodes/, its JSON
 * Schema, its parameters (file, extra files, inline, substituted; path parameters resolved against
 * the package root) and remappings.
 */
export async function graphToNodeSpecs(
  graph: LaunchGraph,
  overrides: GraphOverrides = {},
): Promise<NodeSpec[]> {
  const values = resolveLaunchArguments(graph, overrides.args);
  let selected = graph.nodes;
  if (overrides.processGroup !== undefined) {
    const groups = processGroups(graph, overrides.args);
    const members = groups.get(overrides.processGroup);
    if (!members) {
      throw new PerceptionError(
        "parameter",
        `process group '${overrides.processGroup}' is not in the graph for mode ${values.mode} (groups: ${[...groups.keys()].join(", ")})`,
      );
    }
    selected = graph.nodes.filter((n) => members.includes(n.name));
  }
  checkParameterFileKeys(graph, overrides.paramsFiles ?? []);
  const { nodeDefinition } = await import("../nodes/index.js");
  return selected.map((node) => {
    const definition = nodeDefinition(node.type);
    const parameters = nodeParameters(graph, node, values, overrides.paramsFiles);
    for (const key of definition.pathParameters) {
      const v = parameters[key];
      if (typeof v === "string") parameters[key] = resolveGraphPath(graph, v);
    }
    return {
      name: node.name,
      namespace: node.namespace,
      create: definition.create,
      parameterSchema: definition.parameterSchema,
      parameters,
      remappings: nodeRemappings(node, values),
    };
  });
}

/**
 * Refuses extra parameter files with a node key that matches no node of the graph (all process
 * groups counted): ROS 2 ignores such a key silently, so a file written for `/crosswalk_detector`
 * would leave `/perception/crosswalk_detector` on its defaults while the run looks configured.
 */
export function checkParameterFileKeys(graph: LaunchGraph, paramsFiles: readonly string[]): void {
  if (paramsFiles.length === 0) return;
  const entries = loadParameterFiles(paramsFiles.map((f) => resolve(f)));
  for (const entry of entries) {
    if (graph.nodes.some((n) => entryMatchesNode(entry, n.name, n.namespace))) continue;
    const nodes = graph.nodes.map((n) => fullNodeName(n.name, n.namespace));
    const leaf = entry.pattern.split("/").pop() ?? "";
    const near = nodes.filter((n) => n.endsWith(`/${leaf}`));
    const hint = near.length > 0 ? `; did you mean ${near.join(" or ")}?` : "";
    throw new PerceptionError(
      "parameter",
      `node key '${entry.pattern}' matches no node of the graph (nodes: ${nodes.join(", ")})${hint}`,
      { file: entry.source },
    );
  }
}

/**
 * The Node app's arguments that start one process group, as the launch files build them:
 * `launch --graph <graph> --process <group> name:=value ...` with every launch argument in graph
 * order (so each process sees what the launch saw).
 */
export function processCommandArgs(
  graph: LaunchGraph,
  graphPath: string,
  group: string,
  args: Record<string, string> = {},
): string[] {
  const values = resolveLaunchArguments(graph, args);
  return [
    "launch",
    "--graph",
    graphPath,
    "--process",
    group,
    ...graph.arguments.map((a) => `${a.name}:=${values[a.name]}`),
  ];
}
