/**
 * `npm run test:arm64:ledger -- run|report`: the vitest suite on arm64 (qemu), one file per vitest
 * run, each result appended to the ledger (`suite-ledger.ts`), so the suite can be completed over
 * several sittings and on several cores.
 *
 *   run [files...] [--shard K/N] [--timeout-s S] [--order fast-first|slow-first|name|given] [--rerun]
 *       [--batch-under-ms MS] [--batch-size N] [--durations RESULTS_JSON] [--rerun-cpu MODEL]
 *       Runs every test file (or the given ones) not yet run on this code, in the given order
 *       (x86 durations from vitest's results cache; fast-first by default). `--shard K/N` takes
 *       every N-th file from the K-th, so N runners side by side split the suite. `--timeout-s`
 *       stops a vitest run after S seconds (its files without a result are recorded as `timeout`).
 *       `--rerun` also runs files that failed or timed out on this code. `--batch-under-ms MS`:
 *       files under MS on x86 share vitest runs of up to `--batch-size` files (default 20).
 *       `--durations`: the x86 durations to order and batch by (a vitest results.json).
 *       `--rerun-cpu MODEL`: also runs files whose latest run on this code emulated qemu CPU MODEL
 *       (e.g. `max`, to redo them on test-arm64.sh's CPU).
 *   report [--out FILE]
 *       Prints (or writes) where every test file stands on this code.
 *
 * ARM64_WORK as for test-arm64.sh (default .arm64); the other ARM64_* settings pass through.
 */
import { spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CodeSnapshot,
  type LedgerEntry,
  type VitestJsonReport,
  emulatedCpuOf,
  entryCodeId,
  fileCodeId,
  entryFromFileResult,
  type RunStop,
  ledgerReport,
  needsRun,
  ranSince,
  readLedger,
  standings,
  workingSnapshot,
} from "./suite-ledger.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const work = resolve(root, process.env.ARM64_WORK ?? ".arm64");
const ledgerPath = join(work, "suite-ledger.jsonl");

const testFiles = (): string[] => {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".test.ts")) found.push(path);
    }
  };
  walk("test");
  return found.sort();
};

/**
 * x86 durations (ms) per test file: from the given vitest results file, else from vitest's results
 * cache in node_modules (which the emulated runs also write: pass an x86 run's file to order by it).
 */
const x86Durations = (resultsFile: string | undefined): Map<string, number> => {
  const cache = join(root, "node_modules", ".vite", "vitest");
  const durations = new Map<string, number>();
  const paths = resultsFile
    ? [resultsFile]
    : existsSync(cache)
      ? readdirSync(cache).map((dir) => join(cache, dir, "results.json"))
      : [];
  for (const path of paths) {
    if (!existsSync(path)) {
      if (resultsFile) throw new Error(`--durations: ${path} does not exist`);
      continue;
    }
    const results = (
      JSON.parse(readFileSync(path, "utf8")) as { results: [string, { duration?: number }][] }
    ).results;
    for (const [key, value] of results) {
      if (typeof value.duration === "number")
        durations.set(key.replace(/^[^:]*:/, ""), value.duration);
    }
  }
  return durations;
};

const option = (args: string[], name: string): string | undefined => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
  args.splice(at, 2);
  return value;
};

const flag = (args: string[], name: string): boolean => {
  const at = args.indexOf(name);
  if (at >= 0) args.splice(at, 1);
  return at >= 0;
};

/**
 * Runs files in one vitest run through test-arm64.sh --suite; resolves with one ledger entry per
 * file (a file the run wrote no result for is `timeout` when the runner's limit stopped the run,
 * `interrupted` when a signal from outside did, else `failed`).
 */
const runFiles = (
  files: readonly string[],
  snapshot: CodeSnapshot,
  timeoutS: number | undefined,
): Promise<LedgerEntry[]> => {
  const first = files[0];
  if (first === undefined) return Promise.resolve([]);
  const slug = `${first.replace(/^test\//, "").replaceAll("/", "__")}${files.length > 1 ? `+${files.length - 1}` : ""}`;
  const dir = join(work, "suite-files");
  mkdirSync(dir, { recursive: true });
  const reportPath = join(dir, `${slug}.json`);
  const logPath = join(dir, `${slug}.log`);
  rmSync(reportPath, { force: true });
  writeFileSync(logPath, "");
  const started = Date.now();
  return new Promise((resolveEntries, reject) => {
    const child = spawn("bash", [join(root, "scripts", "test-arm64.sh"), "--suite", ...files], {
      cwd: root,
      detached: true,
      env: { ...process.env, ARM64_WORK: work, ARM64_SUITE_JSON: reportPath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => appendFileSync(logPath, chunk));
    child.stderr.on("data", (chunk: Buffer) => appendFileSync(logPath, chunk));
    let timedOut = false;
    const stopGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // the group has already ended
      }
    };
    const timer =
      timeoutS === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stopGroup("SIGTERM");
            setTimeout(() => stopGroup("SIGKILL"), 10_000).unref();
          }, timeoutS * 1000);
    const onSignal = (signal: NodeJS.Signals): void => {
      stopGroup("SIGTERM");
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      // SIGTERM / SIGINT sent from outside, to test-arm64.sh or to vitest (exit 143 / 130). Any other
      // end without a result (a crash, the kernel's SIGKILL for memory) stays a failure.
      const stoppedBy: RunStop | undefined = timedOut
        ? "time limit"
        : signal === "SIGTERM" || signal === "SIGINT" || code === 143 || code === 130
          ? "signal"
          : undefined;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      const report = existsSync(reportPath)
        ? (JSON.parse(readFileSync(reportPath, "utf8")) as VitestJsonReport)
        : undefined;
      const wallS = (Date.now() - started) / 1000;
      const at = new Date().toISOString();
      const cpu = emulatedCpuOf(readFileSync(logPath, "utf8"));
      resolveEntries(
        files.map((file) => {
          const result = report?.testResults.find((r) => relative(root, r.name) === file);
          // A file alone: the whole vitest run (its start and the file's imports included); in a
          // batch, vitest's own times for the file.
          const fileWallS =
            files.length > 1 && result?.startTime !== undefined && result.endTime !== undefined
              ? (result.endTime - result.startTime) / 1000
              : wallS;
          return entryFromFileResult(
            {
              file,
              codeId: fileCodeId(snapshot, file),
              commit: snapshot.commit,
              wallS: fileWallS,
              at,
              ...(cpu ? { cpu } : {}),
            },
            result,
            stoppedBy,
          );
        }),
      );
    });
  });
};

const run = async (args: string[]): Promise<void> => {
  const shard = option(args, "--shard");
  const timeout = option(args, "--timeout-s");
  const order = option(args, "--order") ?? "fast-first";
  const rerun = flag(args, "--rerun");
  const batchUnderMs = Number(option(args, "--batch-under-ms") ?? "0");
  const batchSize = Number(option(args, "--batch-size") ?? "20");
  if (!(batchUnderMs >= 0) || !(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new Error("--batch-under-ms must be >= 0 and --batch-size a whole number >= 1");
  }
  const durationsFile = option(args, "--durations");
  const rerunCpu = option(args, "--rerun-cpu");
  const unknown = args.find((arg) => arg.startsWith("--"));
  if (unknown) throw new Error(`unknown option ${unknown}`);
  const all = testFiles();
  for (const file of args) {
    if (!all.includes(file))
      throw new Error(`${file} is not a test file of this repository (test/**/*.test.ts)`);
  }
  const timeoutS = timeout === undefined ? undefined : Number(timeout);
  if (timeoutS !== undefined && !(timeoutS > 0))
    throw new Error(`--timeout-s must be a positive number, got ${timeout}`);
  const durations = x86Durations(durationsFile);
  const x86 = (file: string): number => durations.get(file) ?? Number.POSITIVE_INFINITY;
  const ordered = [...(args.length > 0 ? args : all)].sort(
    order === "given"
      ? () => 0
      : order === "name"
        ? (a, b) => a.localeCompare(b)
        : order === "slow-first"
          ? (a, b) => x86(b) - x86(a) || a.localeCompare(b)
          : order === "fast-first"
            ? (a, b) => x86(a) - x86(b) || a.localeCompare(b)
            : () => {
                throw new Error(
                  `--order must be fast-first, slow-first, name or given, got ${order}`,
                );
              },
  );
  const [k, n] = (shard ?? "1/1").split("/").map(Number);
  if (
    !(
      Number.isInteger(k) &&
      Number.isInteger(n) &&
      k !== undefined &&
      n !== undefined &&
      k >= 1 &&
      k <= n
    )
  ) {
    throw new Error(`--shard must be K/N with 1 <= K <= N, got ${shard}`);
  }
  const mine = ordered.filter((_, index) => index % n === k - 1);
  const snapshot = workingSnapshot(root);
  mkdirSync(work, { recursive: true });
  const ledger = readLedger(ledgerPath);
  const codeIdOf = entryCodeId(root);
  const todo = mine.filter((file) => {
    const current = standings([file], ledger, (f) => fileCodeId(snapshot, f), codeIdOf)[0]?.current;
    return needsRun(current, { rerun, ...(rerunCpu ? { rerunCpu } : {}) });
  });
  // Files that take under --batch-under-ms on x86 share a vitest run (vitest's start under
  // emulation costs more than they do); the others run alone, so one slow file stops nothing else.
  const runs: string[][] = [];
  for (const file of todo) {
    const last = runs.at(-1);
    const batchable = x86(file) < batchUnderMs;
    if (batchable && last && last.length < batchSize && x86(last[0] ?? "") < batchUnderMs)
      last.push(file);
    else runs.push([file]);
  }
  console.log(
    `${todo.length} of ${mine.length} files to run on code ${snapshot.base} (${snapshot.commit}) in ${runs.length} vitest runs`,
  );
  const plannedAt = new Date().toISOString();
  for (const planned of runs) {
    // Another runner beside this one may have run some of them since the plan was made.
    const latest = readLedger(ledgerPath);
    const files = planned.filter(
      (file) => !ranSince(file, fileCodeId(snapshot, file), plannedAt, latest, codeIdOf),
    );
    if (files.length === 0) continue;
    console.log(
      `${new Date().toISOString()} running ${files.join(" ")} (x86 ${(files.reduce((sum, f) => sum + x86(f), 0) / 1000).toFixed(1)} s)`,
    );
    for (const entry of await runFiles(files, snapshot, timeoutS)) {
      appendFileSync(ledgerPath, `${JSON.stringify(entry)}\n`);
      console.log(
        `${entry.at} ${entry.file}: ${entry.outcome} ${entry.passed}/${entry.failed}/${entry.skipped} in ${entry.wallS.toFixed(0)} s`,
      );
      for (const failure of entry.failures) console.log(`  ${failure}`);
    }
  }
};

const report = (args: string[]): void => {
  const out = option(args, "--out");
  const snapshot = workingSnapshot(root);
  const text = ledgerReport(
    standings(
      testFiles(),
      readLedger(ledgerPath),
      (f) => fileCodeId(snapshot, f),
      entryCodeId(root),
    ),
    snapshot,
  );
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
};

const [command, ...rest] = process.argv.slice(2);
if (command === "run") await run(rest);
else if (command === "report") report(rest);
else {
  console.error(
    "usage: suite-by-file.ts run [files...] [--shard K/N] [--timeout-s S] [--order fast-first|slow-first|name|given] [--rerun] [--batch-under-ms MS] [--batch-size N] [--durations RESULTS_JSON] | report [--out FILE]",
  );
  process.exit(2);
}
