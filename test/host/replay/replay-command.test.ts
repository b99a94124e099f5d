import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openBag } from "../../../src/bag/open-bag.js";
import { runReplayCommand } from "../../../src/cli/commands/replay.js";
import { projectRoot, sharedDir } from "../../../src/core/paths.js";
import { IMAGE_TOPIC, imageSizeNode } from "./fixtures.js";
import { testTimeout } from "../../support/emulation.js";

const shared = sharedDir();
if (!shared) console.warn("skipping the replay command tests: ../shared is absent");

describe.skipIf(!shared)("edge-perception replay", () => {
  const tmp = mkdtempSync(join(tmpdir(), "replay-cli-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const bag = shared ? join(shared, "bags", "rosbag2", "camera_drive_mcap") : "";

  it("runs the graph with --params over the nodes' parameters and prints a summary", async () => {
    const params = join(tmp, "extra.yaml");
    writeFileSync(params, "/**:\n  ros__parameters:\n    prefix: 'size='\n");
    const out = join(tmp, "out");
    const seen: Array<{ paramsFiles: string[]; args: Record<string, string> }> = [];
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const code = await runReplayCommand(
        [bag, "--out", out, "--params", params, "--quiet", "image_transport:=raw"],
        {
          loadNodes: async (_graph, overrides) => {
            seen.push(overrides);
            const { loadParameterFiles, parametersForNode } = await import(
              "../../../src/ros/parameters/parameter-file.js"
            );
            const spec = imageSizeNode();
            return [
              {
                ...spec,
                parameters: parametersForNode(
                  loadParameterFiles(overrides.paramsFiles),
                  spec.name,
                  spec.namespace,
                ),
              },
            ];
          },
        },
      );
      expect(code).toBe(0);
      expect(seen).toEqual([{ paramsFiles: [params], args: { image_transport: "raw" } }]);
      const printed = log.mock.calls.map((c) => String(c[0])).join("\n");
      expect(printed).toMatch(/replay finished: .*camera_drive_mcap -> .*out/);
      expect(printed).toMatch(/messages in \d+, published 30, recorded \d+/);
    } finally {
      log.mockRestore();
    }
    const reader = await openBag(out);
    try {
      for await (const e of reader.entries({ topics: ["/test/image_size/sizes"] })) {
        if (e.kind !== "message") throw e.error;
        expect((reader.codecFor(e.topic).decode(e.data) as { data: string }).data).toMatch(
          /^size=320x180@/,
        );
      }
    } finally {
      await reader.close();
    }
  });

  it("--deterministic-timing runs the nodes on a frozen clock (that run only), and refuses --rate/--realtime", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    /** The node's clock at each image, around a pause. */
    const readingsOf = async (args: string[]): Promise<number[]> => {
      const seen: number[] = [];
      const spec = imageSizeNode();
      const deps = {
        loadNodes: async () => [
          {
            ...spec,
            create(handle: Parameters<typeof spec.create>[0]) {
              handle.createSubscription(
                "sensor_msgs/msg/Image",
                IMAGE_TOPIC,
                { profile: "sensor_data" },
                async () => {
                  seen.push(handle.wallMs());
                  await new Promise((r) => setTimeout(r, 2));
                  seen.push(handle.wallClock.nowMs());
                },
              );
              return spec.create(handle);
            },
          },
        ],
      };
      expect(await runReplayCommand([bag, ...args, "--quiet"], deps)).toBe(0);
      return seen;
    };
    try {
      const frozen = await readingsOf(["--deterministic-timing"]);
      expect(frozen.length).toBeGreaterThan(0);
      expect(new Set(frozen)).toEqual(new Set([0]));
      // A run without it (in the same process, after) measures real time.
      const real = await readingsOf([]);
      expect(real.length).toBe(frozen.length);
      expect(real.some((ms, i) => i % 2 === 1 && ms > real[i - 1]!)).toBe(true);
      const deps = { loadNodes: async () => [imageSizeNode()] };
      expect(await runReplayCommand([bag, "--deterministic-timing", "--rate", "2"], deps)).toBe(2);
      expect(await runReplayCommand([bag, "--deterministic-timing", "--realtime"], deps)).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join("\n")).toContain(
        "--deterministic-timing replays as fast as possible",
      );
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });

  it("rejects bad options with exit code 2 and start-up errors with 1, without a stack", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const deps = { loadNodes: async () => [imageSizeNode()] };
      expect(await runReplayCommand([bag, "--rate", "0"], deps)).toBe(2);
      expect(await runReplayCommand([bag, "--rate", "2", "--fast"], deps)).toBe(2);
      expect(await runReplayCommand([bag, "--bogus"], deps)).toBe(2);
      expect(await runReplayCommand([join(tmp, "no-such-bag")], deps)).toBe(1);
      expect(
        await runReplayCommand([bag], {
          loadNodes: async () => [{ ...imageSizeNode(), parameters: { prefix: 1 } }],
        }),
      ).toBe(1);
      const messages = err.mock.calls.map((c) => String(c[0]));
      expect(messages.at(-1)).toMatch(
        /^edge-perception replay: node \/test\/image_size: parameter 'prefix' must be string/,
      );
      expect(messages.join("\n")).not.toMatch(/\n\s+at /);
    } finally {
      err.mockRestore();
    }
  });

  it(
    "finalises the output bag and prints the summary on SIGINT",
    async () => {
      const out = join(tmp, "interrupted");
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join("test", "host", "replay", "replay-cli-child.ts"),
          bag,
          "--out",
          out,
          "--rate",
          "0.5",
        ],
        {
          cwd: projectRoot(),
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      // Wait until the output bag exists (the replay runs), then interrupt; up to 10 s, scaled
      // under emulation (a fixed count of polls ran out there before the child had started).
      const deadline = Date.now() + testTimeout(10_000);
      while (!existsSync(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      child.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) =>
        child.on("exit", (c) => resolve(c)),
      );
      expect(stderr).toMatch(/SIGINT: stopping, finalising the output bag/);
      expect(code).toBe(130);
      expect(stdout).toMatch(/replay stopped early/);
      const reader = await openBag(out);
      try {
        expect(reader.summary.messageCount).toBeGreaterThan(0);
        expect(reader.summary.messageCount).toBeLessThan(100);
      } finally {
        await reader.close();
      }
    },
    testTimeout(30_000),
  );
});
