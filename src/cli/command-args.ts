/**
 * The argument handling every `edge-perception` command starts with: parse argv, print the usage
 * on `--help` (exit 0) or on bad usage with the error first (exit 2).
 */
import { errorMessage } from "../core/errors.js";
import { parseCommandLine, type ParsedCommandLine } from "../ros/command-line.js";

/**
 * `argv` parsed with `valueFlags` and `switchFlags` (`--help` is added), or the exit code when the
 * command is done: 0 after `--help`, 2 after bad usage (`edge-perception <command>: <error>` and
 * the usage on stderr).
 */
export function parseCommandArgs(
  command: string,
  usage: string,
  argv: readonly string[],
  valueFlags: readonly string[],
  switchFlags: readonly string[],
): ParsedCommandLine | number {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv, valueFlags, [...switchFlags, "help"]);
  } catch (err) {
    console.error(`edge-perception ${command}: ${errorMessage(err)}\n${usage}`);
    return 2;
  }
  if (parsed.switches.has("help")) {
    console.log(usage);
    return 0;
  }
  return parsed;
}
