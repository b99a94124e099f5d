import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Model inference is CPU-bound; two workers match CI's two cores.
    maxWorkers: 2,
    pool: "forks",
  },
});
