/** Runs the CLI (`node --import tsx src/cli/main.ts ...`) as a child process, as a user would. */
import { spawn, type ChildProcess } from "node:child_process";
import { projectPath } from "../../src/core/paths.js";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the CLI with `node --import tsx` (one process: the tsx CLI would put a wrapper in between
 * that SIGKILLs its child when the child does not acknowledge a signal within 30 ms, which a busy
 * event loop cannot promise). `env` replaces the environment (PATH and HOME are kept).
 */
export function startCli(
  args: string[],
  env?: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<CliResult>; stderrSoFar: () => string } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", projectPath("src", "cli", "main.ts"), ...args],
    {
      cwd: projectPath(),
      env: env ? { PATH: process.env.PATH, HOME: process.env.HOME, ...env } : process.env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, stderrSoFar: () => stderr };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).done;
}
