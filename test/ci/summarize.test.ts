import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";

const tmp = mkdtempSync(join(tmpdir(), "ci-summary-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, v: unknown): string => {
  const p = join(tmp, name);
  writeFileSync(p, JSON.stringify(v));
  return p;
};
const summarize = (...args: string[]): string =>
  spawnSync(process.execPath, [projectPath(".ci", "summarize.mjs"), ...args], {
    encoding: "utf8",
  }).stdout.trim();

describe(".ci/summarize.mjs with the regression gate", () => {
  const vitest = write("v.json", {
    numPassedTests: 7,
    numFailedTests: 1,
    numPendingTests: 2,
    testResults: [],
  });
  it("adds the gate's pass or failure to the last line", () => {
    expect(summarize(vitest)).toBe("7 passed, 1 failed, 2 skipped");
    expect(summarize(vitest, write("ok.json", { passed: 1, failed: 0, regressions: [] }))).toBe(
      "8 passed, 1 failed, 2 skipped",
    );
    expect(
      summarize(vitest, write("bad.json", { passed: 0, failed: 1, regressions: ["REGRESSION x"] })),
    ).toBe("7 passed, 2 failed, 2 skipped");
  });
  it("counts a gate that wrote no result (crashed) as a failure", () => {
    expect(summarize(vitest, join(tmp, "missing.json"))).toBe("7 passed, 2 failed, 2 skipped");
  });
});
