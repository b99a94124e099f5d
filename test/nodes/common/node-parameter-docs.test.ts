import { readFileSync, readdirSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../../src/core/paths.js";

/**
 * Every node parameter is written down three times: its value in config/<node>.param.yaml, its
 * type in config/schema/<node>.schema.json and its row in docs/nodes/<node>.md. These tests keep
 * the three in step: same names, the doc's "default (file)" column equal to the file's value, and
 * the doc's read-only list equal to the schema's readOnly flags.
 */

interface SchemaProperty {
  type?: string;
  readOnly?: boolean;
  properties?: Record<string, SchemaProperty>;
}

/** Leaf parameter names, nested objects as dotted names (as ROS 2 parameters are). */
function schemaParameters(schema: SchemaProperty, prefix = ""): Map<string, SchemaProperty> {
  const out = new Map<string, SchemaProperty>();
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.type === "object" && property.properties) {
      for (const [inner, p] of schemaParameters(property, `${prefix}${name}.`)) out.set(inner, p);
    } else out.set(`${prefix}${name}`, property);
  }
  return out;
}

function fileParameters(values: Record<string, unknown>, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, value] of Object.entries(values)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, v] of fileParameters(
        value as Record<string, unknown>,
        `${prefix}${name}.`,
      ))
        out.set(inner, v);
    } else out.set(`${prefix}${name}`, value);
  }
  return out;
}

/** The rows of the doc's Parameters table: name -> the "default (file)" cell, and the read-only list. */
function docParameters(markdown: string): {
  rows: Map<string, string>;
  readOnly: string[] | undefined;
} {
  const section = markdown.split(/^## Parameters$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = new Map<string, string>();
  for (const line of section.split("\n").filter((l) => l.startsWith("| `"))) {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
    rows.set(/^`([^`]+)`$/.exec(cells[1]!)?.[1] ?? cells[1]!, cells[3]!);
  }
  const readOnlyLine = section.split("\n").find((line) => line.startsWith("Read-only"));
  const readOnly =
    readOnlyLine === undefined
      ? undefined
      : [
          ...readOnlyLine
            .split(":")
            .slice(1)
            .join(":")
            .split(". ")[0]!
            .matchAll(/`([^`]+)`/g),
        ].map((m) => m[1]!);
  return { rows, readOnly };
}

/** The YAML value as the doc writes it: `0.5`, `"tf"`, `[1, 2]`; numbers written with a decimal point in the file keep it. */
function sameValue(docCell: string, value: unknown): boolean {
  const code = /^`(.*)`$/.exec(docCell)?.[1];
  if (code === undefined) return false;
  const parsed: unknown = parseYaml(code);
  return JSON.stringify(parsed) === JSON.stringify(value);
}

const nodeTypes = readdirSync(projectPath("config"))
  .filter((f) => f.endsWith(".param.yaml"))
  .map((f) => f.replace(".param.yaml", ""));

describe.each(nodeTypes)("%s parameters: file, schema and node doc agree", (type) => {
  const schema = JSON.parse(
    readFileSync(projectPath("config", "schema", `${type}.schema.json`), "utf8"),
  ) as { definitions: Record<string, SchemaProperty> };
  const declared = schemaParameters(schema.definitions[type]!);
  const file = parseYaml(
    readFileSync(projectPath("config", `${type}.param.yaml`), "utf8"),
  ) as Record<string, { ros__parameters: Record<string, unknown> }>;
  const values = fileParameters(file["/**"]!.ros__parameters);
  const doc = docParameters(readFileSync(projectPath("docs", "nodes", `${type}.md`), "utf8"));

  it("every parameter in the file is in the schema, and every schema parameter is in the file (use_sim_time: the transport's)", () => {
    expect([...values.keys()].filter((name) => !declared.has(name))).toEqual([]);
    expect(
      [...declared.keys()].filter((name) => !values.has(name) && name !== "use_sim_time"),
    ).toEqual([]);
  });

  it("the node doc has one row per schema parameter and no other", () => {
    expect([...declared.keys()].filter((name) => !doc.rows.has(name))).toEqual([]);
    expect([...doc.rows.keys()].filter((name) => !declared.has(name))).toEqual([]);
  });

  it("the doc's default column is the file's value", () => {
    const wrong = [...values].filter(
      ([name, value]) => doc.rows.has(name) && !sameValue(doc.rows.get(name)!, value),
    );
    expect(
      wrong.map(
        ([name, value]) => `${name}: doc ${doc.rows.get(name)}, file ${JSON.stringify(value)}`,
      ),
    ).toEqual([]);
  });

  it("the doc's read-only list is the schema's readOnly parameters", () => {
    const readOnly = [...declared].filter(([, p]) => p.readOnly === true).map(([name]) => name);
    // The doc may shorten a family to `prefix_*`.
    const patterns = (doc.readOnly ?? []).map(
      (name) => new RegExp(`^${name.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`),
    );
    expect(readOnly.filter((name) => !patterns.some((p) => p.test(name)))).toEqual([]);
    expect(
      [...declared.keys()].filter(
        (name) => !readOnly.includes(name) && patterns.some((p) => p.test(name)),
      ),
    ).toEqual([]);
  });
});
