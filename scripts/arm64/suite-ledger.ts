/**
 * The arm64 suite ledger: what each vitest file did under qemu-aarch64, kept across sessions.
 *
 * The whole suite emulated needs far longer than one sitting (model inference runs in software
 * floats, 250–1000x slower than on this x86), so `suite-by-file.ts` runs it one file per vitest
 * run and appends one JSON line per file to `<ARM64_WORK>/suite-ledger.jsonl`. A file counts as
 * passed for the code it ran on ({@link fileCodeId}): a change to shared code asks for a rerun of
 * every file, a change to one test file for that file, a harness or docs change for none.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** One file's run under emulation. */
export interface LedgerEntry {
  /** Test file, relative to the repository root. */
  file: string;
  /** The code the run used (see {@link fileCodeId}). */
  codeId: string;
  /** `git rev-parse HEAD` at the run (with `+dirty` when code files differed from it). */
  commit: string;
  /**
   * How the file ended. `timeout`: stopped by the runner's per-file limit; `interrupted`: its run
   * was ended by a signal from outside (SIGTERM/SIGINT to the emulation) before vitest wrote a
   * result, so it says nothing of the code and the file counts as not run.
   */
  outcome: "passed" | "failed" | "timeout" | "interrupted";
  passed: number;
  failed: number;
  skipped: number;
  /** Wall time of the vitest run, seconds (emulated: not a speed figure). */
  wallS: number;
  /** ISO time the run ended. */
  at: string;
  /**
   * The qemu CPU model emulated (test-arm64.sh's `-cpu`, read from the run's log). Absent: entries
   * written before it was recorded, all on `max`.
   */
  cpu?: string;
  /** Names of failed tests, with the first line of each failure message. */
  failures: string[];
}

/** The part of vitest's JSON report ledger entries are built from: one result per test file. */
export interface VitestJsonReport {
  testResults: VitestFileResult[];
}

export interface VitestFileResult {
  /** Absolute path of the test file. */
  name: string;
  status: string;
  message?: string;
  startTime?: number;
  endTime?: number;
  assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
}

/**
 * The emulation harness (`scripts/test-arm64.sh`, `scripts/arm64/`): not code under test, so
 * improving the harness does not throw away the results gathered so far.
 */
const isHarness = (path: string): boolean =>
  path.startsWith("scripts/arm64/") || path === "scripts/test-arm64.sh";

/**
 * Documentation no test reads: only its name counts (test/cli/readme.test.ts checks which docs
 * exist), not its text. Tests read README.md, docs/ARCHITECTURE.md, docs/nodes/*.md and the JSON
 * schemas under docs/, so those count whole.
 */
const isUnreadDoc = (path: string): boolean =>
  path.endsWith(".md") &&
  path !== "README.md" &&
  path !== "docs/ARCHITECTURE.md" &&
  !path.startsWith("docs/nodes/");

/** A vitest file: its own text counts for its own results only (no test file imports another). */
export const isTestFile = (path: string): boolean =>
  path.startsWith("test/") && path.endsWith(".test.ts");

/** The code a run used, as {@link fileCodeId} needs it. */
export interface CodeSnapshot {
  /** Hash of every tracked file but the test files, the harness and unread docs' text (their names count). */
  base: string;
  /** Per test file: its blob id, with a hash of its diff against HEAD when that differs. */
  files: ReadonlyMap<string, string>;
  /** `git rev-parse HEAD`, with `+dirty` when files that count differed from it. */
  commit: string;
}

/**
 * The code id of one test file's run: the shared code (every tracked file but the test files, the
 * harness and unread docs' text) and the test file's own text. So a change to code, config or test
 * support asks for a rerun of every file, a change to one test file for a rerun of that file only,
 * and a harness or docs change for none.
 */
export const fileCodeId = (snapshot: CodeSnapshot, file: string): string =>
  createHash("sha256")
    .update(`${snapshot.base}\n${snapshot.files.get(file) ?? "absent"}`)
    .digest("hex")
    .slice(0, 16);

const gitIn =
  (root: string) =>
  (...args: string[]): string =>
    execFileSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });

/** A snapshot from a `git ls-tree -r` listing and the working tree's differences from it. */
function snapshotOf(
  listing: string,
  commit: string,
  baseDiff: string,
  fileDiffs: ReadonlyMap<string, string>,
): CodeSnapshot {
  const lines: string[] = [];
  const files = new Map<string, string>();
  for (const line of listing.split("\n")) {
    if (line === "") continue;
    const path = line.slice(line.indexOf("\t") + 1);
    if (isHarness(path)) continue;
    if (isTestFile(path)) files.set(path, line.split(/\s+/)[2] ?? "");
    else lines.push(isUnreadDoc(path) ? path : line);
  }
  for (const [path, diff] of fileDiffs) {
    files.set(
      path,
      `${files.get(path) ?? "new"}+${createHash("sha256").update(diff).digest("hex")}`,
    );
  }
  const base = createHash("sha256").update(lines.join("\n")).update(baseDiff).digest("hex");
  return { base: base.slice(0, 16), files, commit };
}

/**
 * The working tree's snapshot: HEAD's listing plus the diff of the files that count (untracked
 * files are not seen: commit or stash new tests before a run).
 */
export const workingSnapshot = (root: string): CodeSnapshot => {
  const git = gitIn(root);
  const status = git("diff", "HEAD", "--name-status", "--no-renames")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => ({ kind: line.slice(0, 1), path: line.slice(line.indexOf("\t") + 1) }));
  const shared = status
    .filter((c) => !isHarness(c.path) && !isUnreadDoc(c.path) && !isTestFile(c.path))
    .map((c) => c.path);
  // an unread doc added or removed counts by its name (the listing is HEAD's)
  const docNames = status
    .filter((c) => isUnreadDoc(c.path) && c.kind !== "M")
    .map((c) => `${c.kind}\t${c.path}\n`)
    .join("");
  const baseDiff = (shared.length > 0 ? git("diff", "HEAD", "--", ...shared) : "") + docNames;
  const fileDiffs = new Map(
    status
      .filter((c) => isTestFile(c.path))
      .map((c) => [c.path, git("diff", "HEAD", "--", c.path)]),
  );
  const head = git("rev-parse", "HEAD").trim();
  const dirty = baseDiff !== "" || fileDiffs.size > 0;
  return snapshotOf(
    git("ls-tree", "-r", "HEAD"),
    dirty ? `${head}+dirty` : head,
    baseDiff,
    fileDiffs,
  );
};

/**
 * The code id of a ledger entry under the current rules: recomputed from its commit when it ran on
 * a clean tree (so a rule change keeps earlier results), else the id it was recorded with.
 * Snapshots are cached per commit.
 */
export const entryCodeId = (root: string): ((entry: LedgerEntry) => string) => {
  const git = gitIn(root);
  const cache = new Map<string, CodeSnapshot>();
  return (entry) => {
    if (entry.commit.endsWith("+dirty")) return entry.codeId;
    let snapshot = cache.get(entry.commit);
    if (snapshot === undefined) {
      snapshot = snapshotOf(git("ls-tree", "-r", entry.commit), entry.commit, "", new Map());
      cache.set(entry.commit, snapshot);
    }
    return fileCodeId(snapshot, entry.file);
  };
};

/** What stopped a vitest run before it ended by itself: the runner's per-file limit, or a signal from outside. */
export type RunStop = "time limit" | "signal";

/**
 * A ledger entry from vitest's JSON result of one file (`undefined`: the run wrote no result for it,
 * e.g. it was stopped, or vitest could not start).
 */
export const entryFromFileResult = (
  run: Omit<LedgerEntry, "outcome" | "passed" | "failed" | "skipped" | "failures">,
  result: VitestFileResult | undefined,
  stoppedBy: RunStop | undefined,
): LedgerEntry => {
  const tests = result?.assertionResults ?? [];
  const passed = tests.filter((test) => test.status === "passed").length;
  const failedTests = tests.filter((test) => test.status === "failed");
  const skipped = tests.length - passed - failedTests.length;
  const failures = [
    ...failedTests.map(
      (test) => `${test.fullName}: ${(test.failureMessages[0] ?? "").split("\n")[0]}`,
    ),
    ...(result?.message ? [`(file) ${result.message.split("\n")[0]}`] : []),
  ];
  const outcome =
    result === undefined && stoppedBy === "time limit"
      ? "timeout"
      : result === undefined && stoppedBy === "signal"
        ? "interrupted"
        : result?.status === "passed" && failures.length === 0 && passed > 0
          ? "passed"
          : "failed";
  if (outcome === "failed" && failures.length === 0) {
    failures.push(
      result
        ? `vitest reported the file ${result.status} with ${passed} tests passed`
        : "no vitest result was written for this file",
    );
  }
  return { ...run, outcome, passed, failed: failedTests.length, skipped, failures };
};

/** The CPU test-arm64.sh says it emulates (its `test:arm64: qemu-aarch64 -cpu <model>` line). */
export const emulatedCpuOf = (log: string): string | undefined =>
  /^test:arm64: qemu-aarch64 -cpu (\S+)$/m.exec(log)?.[1];

/** The CPU an entry ran on (`max` for entries from before the CPU was recorded). */
export const cpuOf = (entry: LedgerEntry): string => entry.cpu ?? "max";

/** Which files `run` takes: see suite-by-file.ts's `--rerun` and `--rerun-cpu`. */
export interface RunSelection {
  /** Also files whose latest run on this code failed or timed out. */
  rerun: boolean;
  /** Also files whose latest run on this code emulated this qemu CPU model. */
  rerunCpu?: string;
}

/** Whether a file with this latest run on this code (undefined: none) is run again. */
export const needsRun = (current: LedgerEntry | undefined, selection: RunSelection): boolean =>
  current === undefined ||
  (current.outcome !== "passed" && selection.rerun) ||
  (selection.rerunCpu !== undefined && cpuOf(current) === selection.rerunCpu);

/** A run that says something of the code: every entry but an `interrupted` one. */
const isResult = (entry: LedgerEntry): boolean => entry.outcome !== "interrupted";

/** Whether the ledger has a result for `file` on code `codeId` that ended after `since` (ISO time). */
export const ranSince = (
  file: string,
  codeId: string,
  since: string,
  entries: readonly LedgerEntry[],
  codeIdOf: (entry: LedgerEntry) => string = (entry) => entry.codeId,
): boolean =>
  entries.some((e) => e.file === file && e.at > since && isResult(e) && codeIdOf(e) === codeId);

/** Every entry of a ledger file, oldest first (none when the file does not exist). */
export const readLedger = (path: string): LedgerEntry[] =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line, index) => {
          try {
            return JSON.parse(line) as LedgerEntry;
          } catch {
            throw new Error(`${path}: line ${index + 1} is not JSON`);
          }
        })
    : [];

/** Where each test file stands: its latest result for this code id, else its latest entry at all. */
export interface FileStanding {
  file: string;
  /** Latest run on this code that was not interrupted (undefined: not run on it). */
  current?: LedgerEntry;
  /** Latest passing run on any code (undefined: never passed). */
  lastPassed?: LedgerEntry;
}

export const standings = (
  files: readonly string[],
  entries: readonly LedgerEntry[],
  currentCodeId: (file: string) => string,
  codeIdOf: (entry: LedgerEntry) => string = (entry) => entry.codeId,
): FileStanding[] =>
  files.map((file) => {
    const mine = entries.filter((entry) => entry.file === file);
    const now = currentCodeId(file);
    const current = mine.filter((entry) => isResult(entry) && codeIdOf(entry) === now).at(-1);
    const lastPassed = mine.filter((entry) => entry.outcome === "passed").at(-1);
    return { file, ...(current ? { current } : {}), ...(lastPassed ? { lastPassed } : {}) };
  });

/** `neoverse-n1: 17, max: 161`: how many of the standings' current runs were on each CPU. */
const cpuCounts = (standing: readonly FileStanding[]): string => {
  const counts = new Map<string, number>();
  for (const s of standing) {
    if (s.current) counts.set(cpuOf(s.current), (counts.get(cpuOf(s.current)) ?? 0) + 1);
  }
  return [...counts].map(([cpu, n]) => `${cpu}: ${n} files`).join(", ");
};

/** Markdown summary: totals on this code, then one row per file. */
export const ledgerReport = (
  standing: readonly FileStanding[],
  snapshot: { base: string; commit: string },
): string => {
  const count = (predicate: (s: FileStanding) => boolean): number =>
    standing.filter(predicate).length;
  const passedNow = standing.filter((s) => s.current?.outcome === "passed");
  const tests = passedNow.reduce((sum, s) => sum + (s.current?.passed ?? 0), 0);
  const lines = [
    `arm64 suite ledger, code ${snapshot.base} (${snapshot.commit.slice(0, 7)}${snapshot.commit.endsWith("+dirty") ? "+dirty" : ""}): ${passedNow.length} of ${standing.length} files passed on this code (${tests} tests), ` +
      `${count((s) => s.current?.outcome === "failed")} failed, ${count((s) => s.current?.outcome === "timeout")} stopped at the time limit, ` +
      `${count((s) => s.current === undefined)} not run on this code (${count((s) => s.current === undefined && s.lastPassed !== undefined)} of them passed on earlier code)`,
    `Emulated CPU of the passes on this code: ${cpuCounts(passedNow) || "none"}`,
    "",
    "| file | on this code | tests passed/failed/skipped | emulated wall s | emulated CPU | last passed on |",
    "|---|---|---|---|---|---|",
  ];
  for (const s of standing) {
    const c = s.current;
    lines.push(
      `| ${s.file} | ${c?.outcome ?? "not run"} | ${c ? `${c.passed}/${c.failed}/${c.skipped}` : ""} | ${c ? c.wallS.toFixed(0) : ""} | ${c ? cpuOf(c) : ""} | ${s.lastPassed ? `${s.lastPassed.commit.slice(0, 7)} (${s.lastPassed.at.slice(0, 10)})` : "never"} |`,
    );
    for (const failure of c?.outcome === "passed" ? [] : (c?.failures ?? [])) {
      lines.push(`|  | ${failure.replaceAll("|", "\\|").slice(0, 200)} | | | | |`);
    }
  }
  return `${lines.join("\n")}\n`;
};
