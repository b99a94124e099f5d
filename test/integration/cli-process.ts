/** Runs the CLI (`node --import tsx src/cli/main.ts ...`) as a child process, as a user would. */
import { spawn, type ChildProcess } from "node:child_process";
import { projectPath } from "../../src/core/paths.js";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** How the CLI is started. */
export type CliRunner =
  /** `node --import tsx`: one process. */
  | "node"
  /** The tsx CLI (as `npm run demo` does), in its own process group: a wrapper that relays signals to its node child. */
  | "tsx-wrapper";

/** Starts the CLI; `env` replaces the environment (PATH and HOME are kept). */
export function startCli(args: string[], env?: NodeJS.ProcessEnv, runner: CliRunner = "node"): { child: ChildProcess; done: Promise<CliResult>; stderrSoFar: () => string } {
  const main = projectPath("src", "cli", "main.ts");
  const argv = runner === "node" ? ["--import", "tsx", main, ...args] : [projectPath("node_modules", "tsx", "dist", "cli.mjs"), main, ...args];
  const child = spawn(process.execPath, argv, {
    detached: runner === "tsx-wrapper",
    cwd: projectPath(),
    env: env ? { PATH: process.env.PATH, HOME: process.env.HOME, ...env } : process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderrSoFar: () => stderr };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).done;
}
