/**
 * A block-style YAML emitter that writes what yaml-cpp (and so rosbag2) writes: two-space indents,
 * sequence items indented under their key, `""` for empty strings, `~` for null, `[]` for an empty
 * sequence on its own line, no trailing newline. Keys keep insertion order.
 */

/** A YAML value this emitter writes. Use a Map or a plain object for mappings (insertion order is kept). */
export type YamlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | YamlValue[]
  | { [key: string]: YamlValue };

const PLAIN_UNSAFE_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;
const RESERVED =
  /^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const NUMBER_LIKE = /^[-+]?(\.?[0-9]|0x|0o|\.inf|\.nan)/i;

/** A string as yaml-cpp writes it: plain when that reads back as the same string, else double-quoted. */
export function yamlScalarString(s: string): string {
  const needsQuotes =
    s === "" ||
    PLAIN_UNSAFE_START.test(s) ||
    /\s$/.test(s) ||
    s.includes(": ") ||
    s.endsWith(":") ||
    s.includes(" #") ||
    /[\n\r\t"\\]/.test(s) ||
    RESERVED.test(s) ||
    NUMBER_LIKE.test(s);
  if (!needsQuotes) return s;
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

function scalar(value: YamlValue): string | undefined {
  if (value === null) return "~";
  if (typeof value === "string") return yamlScalarString(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return undefined;
}

function isEmptyCollection(value: YamlValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

function emitLines(value: YamlValue, indent: number): string[] {
  const pad = " ".repeat(indent);
  const s = scalar(value);
  if (s !== undefined) return [pad + s];
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const item of value) {
      const itemScalar = scalar(item);
      if (itemScalar !== undefined) {
        out.push(`${pad}- ${itemScalar}`);
        continue;
      }
      const lines = emitLines(item, indent + 2);
      lines[0] = `${pad}- ${lines[0]!.slice(indent + 2)}`;
      out.push(...lines);
    }
    return out;
  }
  const out: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, YamlValue>)) {
    const childScalar = scalar(child);
    if (childScalar !== undefined) {
      out.push(`${pad}${yamlScalarString(key)}: ${childScalar}`);
    } else if (isEmptyCollection(child)) {
      out.push(`${pad}${yamlScalarString(key)}:`, `${pad}  ${Array.isArray(child) ? "[]" : "{}"}`);
    } else {
      out.push(`${pad}${yamlScalarString(key)}:`, ...emitLines(child, indent + 2));
    }
  }
  return out;
}

/** The block YAML for a value, starting at `indent` spaces, without a trailing newline. */
export function emitYaml(value: YamlValue, indent = 0): string {
  return emitLines(value, indent).join("\n");
}
