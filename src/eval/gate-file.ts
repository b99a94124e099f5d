/** The regression gate file (config/eval/gate.yaml, schema config/schema/eval-gate.schema.json). */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { projectPath } from "../core/paths.js";

/** One rule: which metrics, which direction is better, how much worse is accepted. */
export interface GateRule {
  /** Dotted path pattern: `*` one segment, `**` any number of segments. */
  metric: string;
  better: "higher" | "lower";
  /** Absolute tolerance in the worse direction. */
  tolerance: number;
}

export interface GateFile {
  version: 1;
  rules: GateRule[];
}

export function defaultGatePath(): string {
  return projectPath("config", "eval", "gate.yaml");
}

export function loadGateFile(path: string = defaultGatePath()): GateFile {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new PerceptionError("eval", `cannot read the gate file: ${errorMessage(err)}`, { path }, { cause: err });
  }
  const schema = JSON.parse(readFileSync(projectPath("config", "schema", "eval-gate.schema.json"), "utf8")) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (!validate(doc)) {
    throw new PerceptionError("eval", `invalid gate file: ${(validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("; ")}`, { path });
  }
  return doc as GateFile;
}

/** Whether a dotted path matches a pattern (`*` one segment, `**` zero or more). */
export function pathMatches(pattern: string, path: string): boolean {
  const p = pattern.split(".");
  const s = path.split(".");
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === s.length;
    if (p[i] === "**") return match(i + 1, j) || (j < s.length && match(i, j + 1));
    return j < s.length && (p[i] === "*" || p[i] === s[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
