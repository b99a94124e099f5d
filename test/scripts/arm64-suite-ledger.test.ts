import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type LedgerEntry,
  type VitestFileResult,
  emulatedCpuOf,
  entryCodeId,
  entryFromFileResult,
  fileCodeId,
  ledgerReport,
  needsRun,
  ranSince,
  readLedger,
  standings,
  workingSnapshot,
} from "../../scripts/arm64/suite-ledger.js";

const run = {
  file: "test/a.test.ts",
  codeId: "c1",
  commit: "abc",
  wallS: 12,
  at: "2026-12-06T23:00:00Z",
};
const result = (status: string, tests: [string, string][], message?: string): VitestFileResult => ({
  name: "/repo/test/a.test.ts",
  status,
  ...(message ? { message } : {}),
  assertionResults: tests.map(([fullName, s]) => ({
    fullName,
    status: s,
    failureMessages: s === "failed" ? [`expected 1 to be 2\n    at line 3`] : [],
  })),
});

/** A ledger entry of `run`'s file with this outcome, end time and code id (one test each: passed or failed). */
const entryOf = (
  outcome: LedgerEntry["outcome"],
  at: string,
  codeId: string = run.codeId,
): LedgerEntry => ({
  ...run,
  codeId,
  outcome,
  passed: outcome === "passed" ? 1 : 0,
  failed: outcome === "failed" ? 1 : 0,
  skipped: 0,
  at,
  failures: outcome === "failed" ? ["x: boom"] : [],
});

describe("arm64 suite ledger", () => {
  it("passed only when vitest passed the file with at least one test and none failed", () => {
    const ok = entryFromFileResult(
      run,
      result("passed", [
        ["a", "passed"],
        ["b", "skipped"],
      ]),
      undefined,
    );
    expect(ok).toMatchObject({ outcome: "passed", passed: 1, failed: 0, skipped: 1, failures: [] });
    const bad = entryFromFileResult(
      run,
      result("failed", [
        ["a", "passed"],
        ["b", "failed"],
      ]),
      undefined,
    );
    expect(bad).toMatchObject({ outcome: "failed", passed: 1, failed: 1 });
    expect(bad.failures).toEqual(["b: expected 1 to be 2"]);
    const allSkipped = entryFromFileResult(run, result("passed", [["a", "skipped"]]), undefined);
    expect(allSkipped.outcome).toBe("failed");
    expect(allSkipped.failures[0]).toMatch(/passed with 0 tests passed/);
    const collectError = entryFromFileResult(
      run,
      result("failed", [], "Cannot find module x\nstack"),
      undefined,
    );
    expect(collectError.failures).toEqual(["(file) Cannot find module x"]);
  });

  it("a file without a result is a timeout at the runner's limit, interrupted by a signal from outside, else a failure", () => {
    expect(entryFromFileResult(run, undefined, "time limit").outcome).toBe("timeout");
    expect(entryFromFileResult(run, undefined, "signal")).toMatchObject({
      outcome: "interrupted",
      failures: [],
    });
    const noResult = entryFromFileResult(run, undefined, undefined);
    expect(noResult.outcome).toBe("failed");
    expect(noResult.failures).toEqual(["no vitest result was written for this file"]);
    // a result written before the stop still counts as what it was
    for (const stop of ["time limit", "signal"] as const) {
      expect(entryFromFileResult(run, result("passed", [["a", "passed"]]), stop).outcome).toBe(
        "passed",
      );
      expect(entryFromFileResult(run, result("failed", [["a", "failed"]]), stop).outcome).toBe(
        "failed",
      );
    }
  });

  it("stands a file by its latest run on this code and remembers the last pass on any code", () => {
    const entries = [
      entryOf("passed", "2026-12-01", "old"),
      entryOf("failed", "2026-12-05", "c1"),
      entryOf("passed", "2026-12-06", "c1"),
    ];
    const c1 = () => "c1";
    const [s] = standings(["test/a.test.ts"], entries, c1);
    expect(s?.current?.at).toBe("2026-12-06");
    expect(s?.lastPassed?.at).toBe("2026-12-06");
    const [other] = standings(["test/a.test.ts", "test/b.test.ts"], entries, () => "new").slice(1);
    expect(other).toEqual({ file: "test/b.test.ts" });
    const report = ledgerReport(
      standings(["test/a.test.ts", "test/b.test.ts"], entries.slice(0, 2), c1),
      { base: "c1", commit: "abcdef0123" },
    );
    expect(report.split("\n")[0]).toBe(
      "arm64 suite ledger, code c1 (abcdef0): 0 of 2 files passed on this code (0 tests), 1 failed, 0 stopped at the time limit, 1 not run on this code (0 of them passed on earlier code)",
    );
    expect(report).toContain("| test/a.test.ts | failed | 0/1/0 | 12 | max | abc (2026-12-01) |");
    expect(report).toContain("|  | x: boom | | | | |");
    expect(report).toContain("| test/b.test.ts | not run |  |  |  | never |");
    expect(report.split("\n")[1]).toBe("Emulated CPU of the passes on this code: none");
  });

  it("records the emulated CPU from the run's log and counts the passes on each", () => {
    const log = "npm notice\ntest:arm64: qemu-aarch64 -cpu neoverse-n1\n RUN v4\n";
    expect(emulatedCpuOf(log)).toBe("neoverse-n1");
    expect(emulatedCpuOf("vitest exit 1\n")).toBeUndefined();
    const passed = (file: string, cpu?: string): LedgerEntry => ({
      ...run,
      file,
      ...(cpu ? { cpu } : {}),
      outcome: "passed",
      passed: 2,
      failed: 0,
      skipped: 0,
      failures: [],
    });
    const files = ["test/a.test.ts", "test/b.test.ts", "test/c.test.ts"];
    const report = ledgerReport(
      standings(
        files,
        [
          passed("test/a.test.ts"),
          passed("test/b.test.ts", "neoverse-n1"),
          passed("test/c.test.ts", "neoverse-n1"),
        ],
        () => "c1",
      ),
      { base: "c1", commit: "abcdef0123" },
    );
    expect(report.split("\n")[1]).toBe(
      "Emulated CPU of the passes on this code: max: 1 files, neoverse-n1: 2 files",
    );
    expect(report).toContain(
      "| test/b.test.ts | passed | 2/0/0 | 12 | neoverse-n1 | abc (2026-12-06) |",
    );
  });

  it("runs a file not run on this code, a failed one with --rerun, one on another CPU with --rerun-cpu", () => {
    const entry = (outcome: LedgerEntry["outcome"], cpu?: string): LedgerEntry => ({
      ...run,
      ...(cpu ? { cpu } : {}),
      outcome,
      passed: 1,
      failed: 0,
      skipped: 0,
      failures: [],
    });
    expect(needsRun(undefined, { rerun: false })).toBe(true);
    expect(needsRun(entry("passed"), { rerun: true })).toBe(false);
    expect(needsRun(entry("failed"), { rerun: false })).toBe(false);
    expect(needsRun(entry("timeout"), { rerun: true })).toBe(true);
    expect(needsRun(entry("passed"), { rerun: false, rerunCpu: "max" })).toBe(true);
    expect(needsRun(entry("passed", "neoverse-n1"), { rerun: false, rerunCpu: "max" })).toBe(false);
  });

  it("an interrupted run is no result: the file stands by its earlier run on this code, or as not run", () => {
    const interrupted = entryOf("interrupted", "2026-12-07T05:34:39Z");
    const [afterFailure] = standings(
      ["test/a.test.ts"],
      [entryOf("failed", "2026-12-07T05:00:00Z"), interrupted],
      () => run.codeId,
    );
    expect(afterFailure?.current?.outcome).toBe("failed");
    const [alone] = standings(["test/a.test.ts"], [interrupted], () => run.codeId);
    expect(alone).toEqual({ file: "test/a.test.ts" });
    expect(needsRun(alone?.current, { rerun: false })).toBe(true);
    expect(ranSince("test/a.test.ts", run.codeId, "2026-12-07T05:00:00Z", [interrupted])).toBe(
      false,
    );
  });

  it("sees a run another runner finished after this one planned, on this code only", () => {
    const done: LedgerEntry = {
      ...run,
      at: "2026-12-07T03:11:33Z",
      outcome: "passed",
      passed: 1,
      failed: 0,
      skipped: 0,
      failures: [],
    };
    expect(ranSince("test/a.test.ts", "c1", "2026-12-07T03:00:00Z", [done])).toBe(true);
    expect(ranSince("test/a.test.ts", "c1", "2026-12-07T03:20:00Z", [done])).toBe(false);
    expect(ranSince("test/a.test.ts", "c2", "2026-12-07T03:00:00Z", [done])).toBe(false);
    expect(ranSince("test/b.test.ts", "c1", "2026-12-07T03:00:00Z", [done])).toBe(false);
  });

  it("names the line of a ledger that is not JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-"));
    const path = join(dir, "suite-ledger.jsonl");
    writeFileSync(path, `${JSON.stringify({ file: "x" })}\n{oops\n`);
    expect(() => readLedger(path)).toThrow(`${path}: line 2 is not JSON`);
    expect(readLedger(join(dir, "absent.jsonl"))).toEqual([]);
  });

  it("a file's code id follows the shared code and its own text, not unread docs or the harness", () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-git-"));
    const git = (...args: string[]): string =>
      execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], {
        cwd: dir,
        encoding: "utf8",
      });
    const write = (path: string, text: string): void => {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    const ids = (): [string, string] => {
      const snapshot = workingSnapshot(dir);
      return [fileCodeId(snapshot, "test/a.test.ts"), fileCodeId(snapshot, "test/b.test.ts")];
    };
    git("init", "-q");
    write("src/a.ts", "export const a = 1;\n");
    write("test/a.test.ts", "a\n");
    write("test/b.test.ts", "b\n");
    write("README.md", "one\n");
    write("docs/guide.md", "one\n");
    write("docs/nodes/node.md", "one\n");
    git("add", ".");
    git("commit", "-qm", "one");
    const first = ids();
    const firstCommit = workingSnapshot(dir).commit;
    expect(firstCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(first[0]).not.toBe(first[1]);
    // an unread doc's text does not count, committed or not; its name does
    write("docs/guide.md", "two\n");
    expect(ids()).toEqual(first);
    git("commit", "-qam", "docs");
    expect(ids()).toEqual(first);
    write("docs/extra.md", "new\n");
    git("add", "docs/extra.md");
    expect(ids()[1]).not.toBe(first[1]);
    git("rm", "-q", "-f", "docs/extra.md");
    expect(ids()).toEqual(first);
    // docs the tests read (README, docs/nodes) count for every file
    write("README.md", "two\n");
    expect(ids()[0]).not.toBe(first[0]);
    expect(ids()[1]).not.toBe(first[1]);
    git("checkout", "-q", "README.md");
    write("docs/nodes/node.md", "two\n");
    expect(ids()[1]).not.toBe(first[1]);
    git("checkout", "-q", "docs/nodes/node.md");
    expect(ids()).toEqual(first);
    // one test file's change asks for a rerun of that file only
    write("test/a.test.ts", "a2\n");
    expect(ids()[0]).not.toBe(first[0]);
    expect(ids()[1]).toBe(first[1]);
    expect(workingSnapshot(dir).commit).toMatch(/\+dirty$/);
    git("checkout", "-q", "test/a.test.ts");
    // shared code counts for every file, committed or not
    write("src/a.ts", "export const a = 2;\n");
    const dirty = workingSnapshot(dir);
    expect(dirty.commit).toMatch(/\+dirty$/);
    expect(fileCodeId(dirty, "test/b.test.ts")).not.toBe(first[1]);
    git("commit", "-qam", "code");
    const second = ids();
    const secondCommit = workingSnapshot(dir).commit;
    expect(second[0]).not.toBe(first[0]);
    expect(second[1]).not.toBe(fileCodeId(dirty, "test/b.test.ts"));
    // the emulation harness is not code under test
    write("scripts/arm64/runner.ts", "export {};\n");
    write("scripts/test-arm64.sh", "true\n");
    git("add", ".");
    git("commit", "-qm", "harness");
    expect(ids()).toEqual(second);
    // an entry's code id is recomputed from its clean commit (a stale recorded id does not
    // matter), and a dirty run keeps the id it was recorded with
    const ofEntry = entryCodeId(dir);
    const entry = (file: string, commit: string, recorded: string): LedgerEntry => ({
      ...run,
      file,
      commit,
      codeId: recorded,
      outcome: "passed",
      passed: 1,
      failed: 0,
      skipped: 0,
      failures: [],
    });
    expect(ofEntry(entry("test/a.test.ts", firstCommit, "stale"))).toBe(first[0]);
    expect(ofEntry(entry("test/b.test.ts", secondCommit, "stale"))).toBe(second[1]);
    expect(ofEntry(entry("test/b.test.ts", dirty.commit, "recorded"))).toBe("recorded");
  });
});
