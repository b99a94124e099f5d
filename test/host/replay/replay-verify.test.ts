/** `replay --verify` reads the output bag back and says whether it holds what was recorded, intact. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runReplayCommand } from "../../../src/cli/commands/replay.js";
import { sharedDir } from "../../../src/core/paths.js";
import { imageSizeNode } from "./fixtures.js";

const shared = sharedDir();
if (!shared) console.warn("skipping replay --verify: ../shared is absent");

describe.skipIf(!shared)("edge-perception replay --verify", () => {
  const tmp = mkdtempSync(join(tmpdir(), "replay-verify-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reads the output bag back and reports it intact, with as many messages as were recorded", async () => {
    const bag = join(shared!, "bags", "rosbag2", "camera_drive_mcap");
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const code = await runReplayCommand(
        [bag, "--out", join(tmp, "out"), "--verify", "--json", "image_transport:=raw"],
        { loadNodes: async () => [imageSizeNode()] },
      );
      expect(code).toBe(0);
      const summary = JSON.parse(String(log.mock.calls.at(-1)![0]));
      expect(summary.messagesOut).toBeGreaterThan(30);
      expect(err.mock.calls.map((c) => String(c[0]))).toContainEqual(
        `edge-perception replay: --verify: the output bag reads back intact (${summary.messagesOut} messages)`,
      );
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
  });
});
