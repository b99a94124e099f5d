import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  epochToRealMs,
  frozenClock,
  realClock,
  realToEpochMs,
} from "../../src/core/monotonic-clock.js";
import { projectPath } from "../../src/core/paths.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

describe("MonotonicClock", () => {
  it("the frozen clock never moves; the real one does", async () => {
    const frozen = frozenClock(5);
    expect(frozen.nowMs()).toBe(5);
    expect(frozenClock().nowMs()).toBe(0);
    const a = realClock.nowMs();
    await new Promise((r) => setTimeout(r, 15));
    expect(frozen.nowMs()).toBe(5);
    expect(realClock.nowMs() - a).toBeGreaterThanOrEqual(10);
  });

  it("real readings go to the epoch and back (how worker threads report when a run started)", () => {
    const t = realClock.nowMs();
    expect(epochToRealMs(realToEpochMs(t))).toBeCloseTo(t, 2); // epoch milliseconds keep ~0.2 us of precision
    expect(Math.abs(realToEpochMs(t) - Date.now())).toBeLessThan(1000);
  });

  it("is the only reader of performance in src/ (everything else takes the run's clock)", () => {
    const src = projectPath("src");
    const offenders = sourceFiles(src)
      .filter((f) => relative(src, f) !== join("core", "monotonic-clock.ts"))
      .flatMap((f) =>
        readFileSync(f, "utf8")
          .split("\n")
          .map((line, i) => ({ line, at: `${relative(src, f)}:${i + 1}` }))
          .filter(({ line }) => /\bperformance\s*\.\s*(now|timeOrigin)\b|perf_hooks/.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });
});
