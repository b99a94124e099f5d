import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { frozenClock, realClock } from "../../src/core/monotonic-clock.js";
import { NO_BAG_REASON, integrationBag, readAll, replayGraph } from "./support.js";
import { testTimeout } from "../support/emulation.js";

const bag = integrationBag();
if (!bag) console.log(`clock-isolation.test: ${NO_BAG_REASON}`);

const SECONDS = 1.2;

function bagDigest(dir: string): string {
  const h = createHash("sha256");
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest("hex");
}

/** Every `~/debug/processing_time_ms` value of a bag. */
async function processingTimes(dir: string): Promise<number[]> {
  return (await readAll(dir))
    .filter((m) => m.topic.endsWith("/debug/processing_time_ms"))
    .map((m) => m.message.data as number);
}

describe.skipIf(!bag)("the launch graph on per-run clocks", () => {
  const root = mkdtempSync(join(tmpdir(), "clock-isolation-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(
    "a frozen-clock run gives the same bytes alone and beside a real-clock run in the same process",
    async () => {
      // Same folder name (the bag's file names and metadata carry it).
      const alone = join(root, "alone", "bag");
      await replayGraph(bag!, alone, SECONDS, {}, frozenClock());
      const beside = join(root, "beside", "bag");
      const real = join(root, "real", "bag");
      const [frozenSummary, realSummary] = await Promise.all([
        replayGraph(bag!, beside, SECONDS, {}, frozenClock()),
        replayGraph(bag!, real, SECONDS, {}, realClock),
      ]);

      expect(bagDigest(beside)).toBe(bagDigest(alone));
      expect(frozenSummary.wallMs).toBe(0);
      const frozenTimes = await processingTimes(beside);
      expect(frozenTimes.length).toBeGreaterThan(0);
      expect(frozenTimes.every((ms) => ms === 0)).toBe(true);

      // The real-clock run measured real time meanwhile (it was not frozen by the other run).
      expect(realSummary.wallMs).toBeGreaterThan(0);
      const realTimes = await processingTimes(real);
      expect(realTimes.length).toBeGreaterThan(0);
      expect(realTimes.some((ms) => ms > 0)).toBe(true);
    },
    testTimeout(240_000),
  );
});
