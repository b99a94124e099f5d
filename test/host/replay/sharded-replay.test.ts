/**
 * `replay --shard i/N` over a folder of bags: every bag is replayed by exactly one shard into
 * <out>/<bag id>, the assignment is the same as eval's, JOB_COMPLETION_INDEX/JOB_COMPLETIONS select
 * the shard, and a shard whose outputs exist for unchanged inputs is skipped.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openBag } from "../../../src/bag/open-bag.js";
import { runReplayCommand } from "../../../src/cli/commands/replay.js";
import { shardUnits } from "../../../src/host/replay/shard.js";
import { generateDrive } from "../../../tools/scenario/generate-drive.js";
import { imageSizeNode } from "./fixtures.js";
import { testTimeout } from "../../support/emulation.js";

const tmp = mkdtempSync(join(tmpdir(), "replay-shard-"));
const input = join(tmp, "bags");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ids = ["city/a", "city/b", "highway/c", "night/d", "night/e"];

beforeAll(async () => {
  for (const [k, id] of ids.entries()) {
    await generateDrive({
      scenario: "sample",
      seed: k + 1,
      frames: 3,
      out: join(input, id),
      camera: { width: 160, height: 90 },
      overwrite: true,
    });
  }
}, testTimeout(120_000));

const deps = { loadNodes: async () => [imageSizeNode({ remap: false })] };

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const err = vi
    .spyOn(console, "error")
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return { code: await runReplayCommand(argv, deps), stderr: lines.join("\n") };
  } finally {
    err.mockRestore();
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  }
}

describe("replay --shard", () => {
  it(
    "replays each bag in exactly one shard, resumes, and reads the Indexed Job environment",
    async () => {
      const out = join(tmp, "out");
      for (let i = 0; i < 3; i++) {
        const r = await run([input, "--shard", `${i}/3`, "--out", out, "--quiet"]);
        expect(r.code, r.stderr).toBe(0);
        const mine = shardUnits(ids, { index: i, count: 3 });
        expect(r.stderr).toContain(`shard ${i}/3: ${mine.length} of 5 bags`);
        for (const id of mine) expect(r.stderr).toContain(`replay: ${id} -> `);
      }
      for (const id of ids) {
        const reader = await openBag(join(out, id));
        expect(reader.summary.messageCount).toBeGreaterThan(0);
        await reader.close();
      }
      const again = await run([input, "--out", out, "--quiet"], {
        JOB_COMPLETION_INDEX: "1",
        JOB_COMPLETIONS: "3",
      });
      expect(again.code).toBe(0);
      expect(again.stderr).toContain("shard 1/3: outputs up to date (inputs unchanged), skipped");
      rmSync(join(out, shardUnits(ids, { index: 1, count: 3 })[0]!), { recursive: true });
      const redo = await run([input, "--shard", "1/3", "--out", out, "--quiet"]);
      expect(redo.stderr).not.toContain("skipped");
      expect(
        existsSync(join(out, shardUnits(ids, { index: 1, count: 3 })[0]!, "metadata.yaml")),
      ).toBe(true);
      expect((await run([input, "--shard", "3/3", "--out", out])).code).toBe(2);
      expect((await run([input, "--shard", "0/3"])).code).toBe(2);
    },
    testTimeout(120_000),
  );
});
