/** The regression gate file (config/eval/gate.yaml, schema config/schema/eval-gate.schema.json). */
import { projectPath } from "../core/paths.js";
import { loadValidatedYaml } from "./validated-yaml.js";

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
  return loadValidatedYaml<GateFile>(path, "eval-gate.schema.json", "gate file");
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
