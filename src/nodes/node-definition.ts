/**
 * What each node module in src/nodes/ exports: the factory for `NodeSpec.create`, its parameter
 * schema (the `ros__parameters` part of `config/schema/<type>.schema.json`, Autoware style) and
 * which parameters hold paths (resolved against the package root by the launch graph).
 */
import { readFileSync } from "node:fs";
import { PerceptionError } from "../core/errors.js";
import { projectPath } from "../core/paths.js";
import type { NodeSpec } from "../ros/node-spec.js";

export interface NodeDefinition {
  /** The graph's `type:` (also the default node name). */
  type: string;
  /** JSON Schema of `ros__parameters`. */
  parameterSchema: object;
  /** Parameters holding file or folder paths. */
  pathParameters: readonly string[];
  /** Builds the node (NodeSpec.create). */
  create: NodeSpec["create"];
}

/** The JSON Schema file of a node type. */
function schemaFileOf(type: string): string {
  return projectPath("config", "schema", `${type}.schema.json`);
}

/**
 * The schema of one node's `ros__parameters`, read from `config/schema/<type>.schema.json`
 * (`definitions.<type>`), so the file validating the YAML and the store validating values are one.
 */
export function loadParameterSchema(type: string): object {
  const file = schemaFileOf(type);
  let doc: { definitions?: Record<string, object> };
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as typeof doc;
  } catch (err) {
    throw new PerceptionError(
      "parameter",
      `cannot read the parameter schema of ${type}: ${(err as Error).message}`,
      { file },
    );
  }
  const schema = doc.definitions?.[type];
  if (!schema)
    throw new PerceptionError("parameter", `${file} has no definitions.${type}`, { file });
  return schema;
}
