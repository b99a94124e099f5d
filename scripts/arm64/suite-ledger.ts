/**
 * The arm64 suite ledger: what each vitest file did under qemu-aarch64, kept across sessions.
 *
 * The whole suite emulated needs far longer than one sitting (model inference runs in software
 * floats, 250–1000x slower than on this x86), so `suite-by-file.ts` runs it one file per vitest
 * run and appends one JSON line per file to `<ARM64_WORK>/suite-ledger.jsonl`. A file counts as
 * passed for the code it ran on: the code id is a hash of every tracked file that can change a
 * test's outcome (not the emulation harness; documentation no test reads by name only), so a
 * harness or docs commit keeps earlier results and any code or test change asks for a rerun.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** One file's run under emulation. */
export interface LedgerEntry {
  /** Test file, relative to the repository root. */
  file: string;
  /** Hash of the code the run used (see {@link codeId}). */
  codeId: string;
  /** `git rev-parse HEAD` at the run (with `+dirty` when code files differed from it). */
  commit: string;
  /** How the file ended. `timeout`: stopped by the runner's per-file limit. */
  outcome: "passed" | "failed" | "timeout";
  passed: number;
  failed: number;
  skipped: number;
  /** Wall time of the vitest run, seconds (emulated: not a speed figure). */
  wallS: number;
  /** ISO time the run ended. */
  at: string;
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
 * The emulation harness (`scripts/test-arm64.sh`, `scripts/arm64/`) and its own tests
 * (`test/scripts/arm64-*`): not code under test, so improving the harness does not throw away the
 * results gathered so far.
 */
const isHarness = (path: string): boolean =>
  path.startsWith("scripts/arm64/") ||
  path === "scripts/test-arm64.sh" ||
  path.startsWith("test/scripts/arm64-");

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

/** Whether a change to this file leaves earlier results standing (see {@link codeId}). */
const outsideCodeId = (path: string): boolean => isHarness(path) || isUnreadDoc(path);

const gitIn =
  (root: string) =>
  (...args: string[]): string =>
    execFileSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });

const hashCode = (listing: string, diff: string): string => {
  const lines: string[] = [];
  for (const line of listing.split("\n")) {
    if (line === "") continue;
    const path = line.slice(line.indexOf("\t") + 1);
    if (isHarness(path)) continue;
    lines.push(isUnreadDoc(path) ? path : line);
  }
  return createHash("sha256").update(lines.join("\n")).update(diff).digest("hex").slice(0, 16);
};

/**
 * The code id of the working tree: sha256 over the blob ids of the tracked files that can change a
 * test's outcome (the harness left out, unread docs by name only), plus their diff against HEAD
 * when the tree is not clean (untracked files are not seen: commit or stash new tests before a run).
 */
export const codeId = (root: string): { codeId: string; commit: string } => {
  const git = gitIn(root);
  const status = git("diff", "HEAD", "--name-status", "--no-renames")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => ({ kind: line.slice(0, 1), path: line.slice(line.indexOf("\t") + 1) }));
  const changed = status.filter((c) => !outsideCodeId(c.path)).map((c) => c.path);
  // an unread doc added or removed counts by its name (the listing is HEAD's)
  const docNames = status
    .filter((c) => isUnreadDoc(c.path) && c.kind !== "M")
    .map((c) => `${c.kind}\t${c.path}\n`)
    .join("");
  const diff = (changed.length > 0 ? git("diff", "HEAD", "--", ...changed) : "") + docNames;
  const head = git("rev-parse", "HEAD").trim();
  return {
    codeId: hashCode(git("ls-tree", "-r", "HEAD"), diff),
    commit: diff === "" ? head : `${head}+dirty`,
  };
};

/**
 * The code id of a ledger entry under the current rules of {@link outsideCodeId}: recomputed from
 * its commit when it ran on a clean tree (so a rule change keeps earlier results), else the id it
 * was recorded with. Results are cached per commit.
 */
export const entryCodeId = (root: string): ((entry: LedgerEntry) => string) => {
  const git = gitIn(root);
  const cache = new Map<string, string>();
  return (entry) => {
    if (entry.commit.endsWith("+dirty")) return entry.codeId;
    let id = cache.get(entry.commit);
    if (id === undefined) {
      id = hashCode(git("ls-tree", "-r", entry.commit), "");
      cache.set(entry.commit, id);
    }
    return id;
  };
};

/**
 * A ledger entry from vitest's JSON result of one file (`undefined`: the run wrote no result for it,
 * e.g. it was stopped, or vitest could not start).
 */
export const entryFromFileResult = (
  run: Omit<LedgerEntry, "outcome" | "passed" | "failed" | "skipped" | "failures">,
  result: VitestFileResult | undefined,
  timedOut: boolean,
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
    result === undefined && timedOut
      ? "timeout"
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

/** Where each test file stands: its latest entry for this code id, else its latest entry at all. */
export interface FileStanding {
  file: string;
  /** Latest run on this code (undefined: not run on it). */
  current?: LedgerEntry;
  /** Latest passing run on any code (undefined: never passed). */
  lastPassed?: LedgerEntry;
}

export const standings = (
  files: readonly string[],
  entries: readonly LedgerEntry[],
  currentCodeId: string,
  codeIdOf: (entry: LedgerEntry) => string = (entry) => entry.codeId,
): FileStanding[] =>
  files.map((file) => {
    const mine = entries.filter((entry) => entry.file === file);
    const current = mine.filter((entry) => codeIdOf(entry) === currentCodeId).at(-1);
    const lastPassed = mine.filter((entry) => entry.outcome === "passed").at(-1);
    return { file, ...(current ? { current } : {}), ...(lastPassed ? { lastPassed } : {}) };
  });

/** Markdown summary: totals on this code, then one row per file. */
export const ledgerReport = (standing: readonly FileStanding[], currentCodeId: string): string => {
  const count = (predicate: (s: FileStanding) => boolean): number =>
    standing.filter(predicate).length;
  const passedNow = standing.filter((s) => s.current?.outcome === "passed");
  const tests = passedNow.reduce((sum, s) => sum + (s.current?.passed ?? 0), 0);
  const lines = [
    `arm64 suite ledger, code ${currentCodeId}: ${passedNow.length} of ${standing.length} files passed on this code (${tests} tests), ` +
      `${count((s) => s.current?.outcome === "failed")} failed, ${count((s) => s.current?.outcome === "timeout")} stopped at the time limit, ` +
      `${count((s) => s.current === undefined)} not run on this code (${count((s) => s.current === undefined && s.lastPassed !== undefined)} of them passed on earlier code)`,
    "",
    "| file | on this code | tests passed/failed/skipped | emulated wall s | last passed on |",
    "|---|---|---|---|---|",
  ];
  for (const s of standing) {
    const c = s.current;
    lines.push(
      `| ${s.file} | ${c?.outcome ?? "not run"} | ${c ? `${c.passed}/${c.failed}/${c.skipped}` : ""} | ${c ? c.wallS.toFixed(0) : ""} | ${s.lastPassed ? `${s.lastPassed.commit.slice(0, 7)} (${s.lastPassed.at.slice(0, 10)})` : "never"} |`,
    );
    for (const failure of c?.outcome === "passed" ? [] : (c?.failures ?? [])) {
      lines.push(`|  | ${failure.replaceAll("|", "\\|").slice(0, 200)} | | | |`);
    }
  }
  return `${lines.join("\n")}\n`;
};
