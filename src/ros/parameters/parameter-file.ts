/**
 * ROS 2 parameter YAML files (`ros2 run ... --params-file`): node keys, each with `ros__parameters`.
 *
 * Accepted node keys: `/**` (every node), `/ns/node` (fully qualified), nested namespaces
 * (`perception:` then `detector:`), wildcards (`/**` / `*` as rcl), and a bare `node_name`, which
 * here matches that node name in any namespace (rcl would match only `/node_name`; a convenience
 * so one file serves a graph whatever namespace it is launched in). Nested maps under
 * `ros__parameters` become dotted names (`model.rate_hz`), as in ROS 2.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import type { ParameterValue } from "../node-api.js";
import { fullNodeName } from "../../msgs/names.js";

const ROS_PARAMETERS = "ros__parameters";

/** One node key's parameters from one file. */
export interface ParameterFileEntry {
  /** The node key as a pattern: `/**`, `/ns/node`, `/**\/node`, or a bare `node` (any namespace). */
  pattern: string;
  /** Values by dotted parameter name. */
  parameters: Record<string, ParameterValue>;
  /** The file (or label) it came from, for error messages. */
  source: string;
}

/** Parses one parameter file's text. Throws a `parameter` PerceptionError naming the file and key. */
export function parseParameterYaml(text: string, source: string): ParameterFileEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PerceptionError(
      "parameter",
      `cannot parse parameter file: ${errorMessage(err)}`,
      { file: source },
      { cause: err },
    );
  }
  if (doc === null || doc === undefined) return [];
  if (!isPlainObject(doc))
    throw new PerceptionError(
      "parameter",
      "a parameter file must map node names to ros__parameters",
      { file: source },
    );
  const entries: ParameterFileEntry[] = [];
  const walk = (node: Record<string, unknown>, prefix: string[], absolute: boolean): void => {
    for (const [key, value] of Object.entries(node)) {
      if (key === ROS_PARAMETERS) {
        if (prefix.length === 0)
          throw new PerceptionError("parameter", "ros__parameters must be under a node name", {
            file: source,
          });
        if (value !== null && !isPlainObject(value)) {
          throw new PerceptionError(
            "parameter",
            `ros__parameters of '${prefix.join("/")}' must be a map`,
            { file: source },
          );
        }
        const parameters: Record<string, ParameterValue> = {};
        flattenParameters(
          (value ?? {}) as Record<string, unknown>,
          "",
          parameters,
          source,
          prefix.join("/"),
        );
        entries.push({ pattern: patternOf(prefix, absolute), parameters, source });
        continue;
      }
      if (!isPlainObject(value)) {
        throw new PerceptionError(
          "parameter",
          `key '${[...prefix, key].join("/")}' has no ros__parameters (expected node: ros__parameters: ...)`,
          { file: source },
        );
      }
      const parts = key.split("/").filter((p) => p !== "");
      walk(value, [...prefix, ...parts], absolute || prefix.length > 0 || key.startsWith("/"));
    }
  };
  walk(doc, [], false);
  return entries;
}

/** Files already warned about as empty (each is read once per node; one warning is enough). */
const warnedEmpty = new Set<string>();

/** Options of `loadParameterFiles`. */
export interface LoadParameterFilesOptions {
  /** Where warnings go (a file that sets no parameters at all); default stderr, once per file per process. */
  onWarning?: (message: string) => void;
}

/**
 * Reads and parses parameter files, in order (later files override earlier ones for the same
 * node). An empty file (or one with only comments, or node keys without parameters) is accepted
 * with a warning: it is most likely the wrong file.
 */
export function loadParameterFiles(
  paths: readonly string[],
  options: LoadParameterFilesOptions = {},
): ParameterFileEntry[] {
  return paths.flatMap((path) => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new PerceptionError(
        "parameter",
        `cannot read parameter file: ${errorMessage(err)}`,
        { file: path },
        { cause: err },
      );
    }
    const entries = parseParameterYaml(text, path);
    if (entries.every((e) => Object.keys(e.parameters).length === 0)) {
      const message = `parameter file ${path} sets no parameters (${entries.length === 0 ? "it is empty or only comments" : "its node keys have no values"}); is it the right file?`;
      if (options.onWarning) options.onWarning(message);
      else if (!warnedEmpty.has(path)) {
        warnedEmpty.add(path);
        process.stderr.write(`edge-perception: warning: ${message}\n`);
      }
    }
    return entries;
  });
}

/**
 * The values for one node from parsed files, least specific first so more specific keys win:
 * `/**`, then wildcard patterns, then the bare node name, then the exact `/ns/node`; within the same
 * specificity later entries win.
 */
export function parametersForNode(
  entries: readonly ParameterFileEntry[],
  name: string,
  namespace?: string,
): Record<string, ParameterValue> {
  const fqn = fullNodeName(name, namespace);
  const ranked = entries
    .map((entry, index) => ({ entry, index, rank: matchRank(entry.pattern, name, fqn) }))
    .filter((m) => m.rank > 0)
    .sort((a, b) => a.rank - b.rank || a.index - b.index);
  const out: Record<string, ParameterValue> = {};
  for (const { entry } of ranked) Object.assign(out, entry.parameters);
  return out;
}

/** Whether a file's node key applies to the node `name` in `namespace`. */
export function entryMatchesNode(
  entry: ParameterFileEntry,
  name: string,
  namespace?: string,
): boolean {
  return matchRank(entry.pattern, name, fullNodeName(name, namespace)) > 0;
}

/** 0: no match; higher: more specific. */
function matchRank(pattern: string, name: string, fqn: string): number {
  if (pattern === "/**") return 1;
  if (!pattern.startsWith("/")) return pattern === name ? 3 : 0;
  if (pattern === fqn) return 4;
  if (pattern.includes("*")) return globToRegExp(pattern).test(fqn) ? 2 : 0;
  return 0;
}

function globToRegExp(pattern: string): RegExp {
  let re = "";
  const tokens = pattern.slice(1).split("/");
  for (const token of tokens) {
    if (token === "**") re += "(?:/[^/]+)*";
    else re += "/" + token.split("*").map(escapeRegExp).join("[^/]*");
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function patternOf(parts: string[], absolute: boolean): string {
  if (!absolute && parts.length === 1 && !parts[0]!.includes("*")) return parts[0]!;
  return "/" + parts.join("/");
}

function flattenParameters(
  map: Record<string, unknown>,
  prefix: string,
  out: Record<string, ParameterValue>,
  source: string,
  node: string,
): void {
  for (const [key, value] of Object.entries(map)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) {
      flattenParameters(value, name, out, source, node);
      continue;
    }
    out[name] = toParameterValue(value, { file: source, node, parameter: name });
  }
}

/** Checks that a YAML value is a ROS 2 parameter value (scalar or homogeneous array). */
export function toParameterValue(value: unknown, context: Record<string, string>): ParameterValue {
  if (typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return [] as number[];
    const kind = typeof value[0];
    if (!["boolean", "number", "string"].includes(kind) || value.some((v) => typeof v !== kind)) {
      throw new PerceptionError(
        "parameter",
        "an array parameter must hold only booleans, only numbers or only strings",
        context,
      );
    }
    return value as ParameterValue;
  }
  throw new PerceptionError(
    "parameter",
    `a parameter must be a boolean, number, string or array of one of them, found ${value === null ? "null" : typeof value}`,
    context,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A ROS 2 parameter file for the given nodes (fully qualified names), e.g. to hand to `ros2 run --params-file`. */
export function parameterYamlForNodes(
  nodes: ReadonlyArray<{ node: string; parameters: Record<string, ParameterValue> }>,
): string {
  const doc: Record<string, unknown> = {};
  for (const { node, parameters } of nodes) doc[node] = { [ROS_PARAMETERS]: { ...parameters } };
  return stringifyYaml(doc);
}
