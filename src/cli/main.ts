#!/usr/bin/env node
/**
 * `edge-perception <command> ...`: one entry point, one module per command in src/cli/commands/.
 * Each command module exports `run(argv: string[]): Promise<number>` (the exit code) and `summary`.
 */
import { errorMessage } from "../core/errors.js";

interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  info: () => import("./commands/info.js"),
  replay: () => import("./commands/replay.js"),
  generate: () => import("./commands/generate.js"),
  detect: () => import("./commands/detect.js"),
  demo: () => import("./commands/demo.js"),
  launch: () => import("./commands/launch.js"),
  doctor: () => import("./commands/doctor.js"),
  eval: () => import("./commands/eval.js"),
  compare: () => import("./commands/compare.js"),
  merge: () => import("./commands/merge.js"),
  quantize: () => import("./commands/quantize.js"),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log("usage: edge-perception <command> [options]\n\ncommands:");
    for (const [cmd, load] of Object.entries(COMMANDS)) {
      try {
        console.log(`  ${cmd.padEnd(10)} ${(await load()).summary}`);
      } catch {
        console.log(`  ${cmd.padEnd(10)} (unavailable)`);
      }
    }
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`edge-perception: unknown command '${name}' (try --help)`);
    return 2;
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`edge-perception: ${errorMessage(err)}`);
    process.exitCode = 1;
  },
);
