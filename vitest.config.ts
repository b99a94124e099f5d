import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { testTimeout, timeoutScale } from "./test/support/emulation.js";

/**
 * Under emulation (EP_TEST_TIMEOUT_SCALE > 1: hours for the whole suite, docs/arm.md) the quickest
 * files of the last run first, so that a run cut short has covered as many files as it could;
 * natively vitest's own order (longest first).
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const duration = (f: TestSpecification): number =>
      this.ctx.cache.getFileTestResults(
        `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`,
      )?.duration ?? Number.POSITIVE_INFINITY;
    return [...files].sort((a, b) => duration(a) - duration(b));
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Scaled only where EP_TEST_TIMEOUT_SCALE is set (the arm64 suite under emulation, docs/arm.md).
    testTimeout: testTimeout(60_000),
    hookTimeout: testTimeout(60_000),
    // Model inference is CPU-bound; two workers match CI's two cores.
    maxWorkers: 2,
    pool: "forks",
    ...(timeoutScale() > 1 ? { sequence: { sequencer: QuickestFirst } } : {}),
  },
});
