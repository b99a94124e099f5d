import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/open-bag.js";
import { startCli } from "./cli-process.js";
import { NO_BAG_REASON, integrationBag, readAll } from "./support.js";
import { testTimeout } from "../support/emulation.js";

const bag = integrationBag();
if (!bag) console.log(`signals.test: ${NO_BAG_REASON}`);

/** Resolves once `ready()` is true (or rejects after `ms`; give it `testTimeout(...)`, emulation is slower). */
async function waitFor(ready: () => boolean, ms: number, what: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > until) throw new Error(`timed out; child stderr:\n${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!bag)("SIGINT / SIGTERM during replay", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s finalises the output bag and the report",
    async (signal) => {
      const out = mkdtempSync(join(tmpdir(), `demo-${signal}-`));
      // Paced at real time so the signal lands mid-run.
      const run = startCli(["demo", "--bag", bag!, "--out", out, "--rate", "1", "--quiet"]);
      // The output bag folder appears when the nodes are up and the replay starts.
      await waitFor(() => existsSync(join(out, "bag")), testTimeout(90_000), run.stderrSoFar);
      await new Promise((r) => setTimeout(r, 1500));
      run.child.kill(signal);
      const r = await run.done;
      // Finalised, and still says it was interrupted (130/143), as replay does.
      expect(r.code, r.stderr).toBe(signal === "SIGINT" ? 130 : 143);
      expect(r.stderr).toMatch(new RegExp(`${signal}: stopping`));
      expect(r.stderr).toMatch(/stopped early/);
      expect(existsSync(join(out, "bag", "metadata.yaml"))).toBe(true);
      expect(existsSync(join(out, "report.md"))).toBe(true);
      const reader = await openBag(join(out, "bag"));
      const count = reader.summary.messageCount;
      await reader.close();
      const msgs = await readAll(join(out, "bag"));
      expect(msgs.filter((m) => m.error)).toEqual([]);
      expect(msgs.length).toBe(count);
      expect(msgs.some((m) => m.topic === "/perception/frame")).toBe(true);
    },
    testTimeout(120_000),
  );

  it(
    "a Ctrl-C relayed again by a wrapper (npm run: a second SIGINT at once) still finalises",
    async () => {
      const out = mkdtempSync(join(tmpdir(), "demo-ctrl-c-"));
      const run = startCli(["demo", "--bag", bag!, "--out", out, "--rate", "1", "--quiet"]);
      await waitFor(() => existsSync(join(out, "bag")), testTimeout(90_000), run.stderrSoFar);
      await new Promise((r) => setTimeout(r, 1500));
      run.child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 50));
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).not.toMatch(/quitting without finalising/);
      expect(existsSync(join(out, "bag", "metadata.yaml"))).toBe(true);
      const msgs = await readAll(join(out, "bag"));
      expect(msgs.filter((m) => m.error)).toEqual([]);
    },
    testTimeout(120_000),
  );
});
