/**
 * Crash safety of the recorder: `replay --rate 1` of the sample drive is killed with SIGKILL 3 s
 * into the playback; what it wrote must be readable up to at most 1 s before the kill.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/open-bag.js";
import { startCli } from "./cli-process.js";
import { NO_BAG_REASON, integrationBag } from "./support.js";

const bag = integrationBag();
if (!bag) console.log(`replay-sigkill.test: ${NO_BAG_REASON}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!bag)("SIGKILL during replay --rate 1", () => {
  it("leaves an output bag readable up to at most 1 s before the kill", async () => {
    const input = await openBag(bag!);
    const inputStart = input.summary.startTime;
    await input.close();
    const out = join(mkdtempSync(join(tmpdir(), "sigkill-")), "out");
    const { child, done, stderrSoFar } = startCli(["replay", bag!, "--out", out, "--rate", "1", "--record", "all", "--quiet"]);
    // The output file is created once every node started, just before playback begins.
    const file = join(out, "out_0.mcap");
    const deadline = Date.now() + 120_000;
    while (!existsSync(file) && Date.now() < deadline && child.exitCode === null) await sleep(10);
    expect(existsSync(file), stderrSoFar()).toBe(true);
    const playStart = performance.now();
    await sleep(3000);
    const killedAfterMs = performance.now() - playStart;
    child.kill("SIGKILL");
    const result = await done;
    expect(result.signal).toBe("SIGKILL");
    expect(readdirSync(out)).toEqual(["out_0.mcap"]); // no metadata.yaml: it is written at close

    const recovered = await openBag(out);
    let newest = 0n;
    let messages = 0;
    for await (const e of recovered.messages()) {
      if (e.kind !== "message") continue;
      messages++;
      if (e.logTime > newest) newest = e.logTime;
    }
    await recovered.close();
    // At rate 1 the playback had reached about inputStart + the time since it began.
    const atKillSec = killedAfterMs / 1000;
    const readableSec = Number(newest - inputStart) / 1e9;
    console.log(`replay-sigkill: killed ${atKillSec.toFixed(2)} s into playback; ${messages} messages readable up to ${readableSec.toFixed(2)} s (lost ${(atKillSec - readableSec).toFixed(2)} s)`);
    expect(messages).toBeGreaterThan(0);
    expect(atKillSec - readableSec).toBeLessThanOrEqual(1);
  }, 180_000);
});
