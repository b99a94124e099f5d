/**
 * Argument parsing shared by `edge-perception replay` and `launch`: flags with values, repeated
 * `--params`, and ROS 2 launch arguments written `name:=value`.
 */
import { PerceptionError } from "../core/errors.js";

export interface ParsedCommandLine {
  /** Positional arguments, in order. */
  positional: string[];
  /** Flag values by name without dashes; repeated flags keep every value. */
  flags: Map<string, string[]>;
  /** Boolean flags given. */
  switches: Set<string>;
  /** `name:=value` launch arguments. */
  launchArgs: Record<string, string>;
}

/**
 * Parses argv. `valueFlags` take a value (`--out dir` or `--out=dir`), `switchFlags` none;
 * anything else starting with `-` is an error naming it.
 */
export function parseCommandLine(
  argv: readonly string[],
  valueFlags: readonly string[],
  switchFlags: readonly string[],
): ParsedCommandLine {
  const out: ParsedCommandLine = {
    positional: [],
    flags: new Map(),
    switches: new Set(),
    launchArgs: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (switchFlags.includes(name) && eq < 0) {
        out.switches.add(name);
        continue;
      }
      if (!valueFlags.includes(name))
        throw new PerceptionError("parameter", `unknown option '${arg}'`);
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--")))
        throw new PerceptionError("parameter", `option --${name} needs a value`);
      out.flags.set(name, [...(out.flags.get(name) ?? []), value]);
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") {
      if (arg === "-h") {
        out.switches.add("help");
        continue;
      }
      throw new PerceptionError("parameter", `unknown option '${arg}'`);
    }
    const assign = /^([A-Za-z_][A-Za-z0-9_]*):=(.*)$/.exec(arg);
    if (assign) out.launchArgs[assign[1]!] = assign[2]!;
    else out.positional.push(arg);
  }
  return out;
}

/** The last value of a flag. */
export function lastFlag(parsed: ParsedCommandLine, name: string): string | undefined {
  return parsed.flags.get(name)?.at(-1);
}

/** A positive number from a flag; throws naming the flag. */
export function positiveNumberFlag(parsed: ParsedCommandLine, name: string): number | undefined {
  const text = lastFlag(parsed, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new PerceptionError("parameter", `--${name} must be a positive number, got '${text}'`);
  return value;
}
