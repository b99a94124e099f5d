import { spawnSync } from "node:child_process";
import { describe, expect, it, vi } from "vitest";
import { runLaunchCommand } from "../../../src/cli/commands/launch.js";
import { projectRoot } from "../../../src/core/paths.js";
import { fakeRclnodejs, notInstalledLoader, type FakeWorld } from "./fake-rclnodejs.js";
import { imageSizeNode } from "../replay/fixtures.js";
import { testTimeout } from "../../support/emulation.js";

/** Waits until the launched nodes exist and spin: up to 500 ms, scaled under emulation. */
async function untilRunning(world: FakeWorld): Promise<void> {
  const deadline = Date.now() + testTimeout(500);
  const running = () => world.nodes.length > 0 && world.nodes.every((n) => n.spinning);
  while (!running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
}

describe("edge-perception launch", () => {
  it(
    "without ROS 2 exits 1 with the one clear message and no stack trace (real process)",
    () => {
      const env = { ...process.env };
      delete env.AMENT_PREFIX_PATH;
      const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "launch"], {
        cwd: projectRoot(),
        env,
        encoding: "utf8",
        timeout: testTimeout(60_000),
      });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^edge-perception launch: ROS 2 is not sourced .*source \/opt\/ros\/jazzy\/setup\.bash.*npm install rclnodejs@2/,
      );
    },
    testTimeout(60_000),
  );

  it("with ROS 2 sourced but no rclnodejs says so", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const code = await runLaunchCommand([], {
        loader: notInstalledLoader,
        env: { AMENT_PREFIX_PATH: "/opt/ros/jazzy" },
        loadNodes: async () => expect.unreachable("the graph is not loaded without rclnodejs"),
      });
      expect(code).toBe(1);
      expect(String(err.mock.calls[0]![0])).toMatch(
        /^edge-perception launch: rclnodejs is not installed/,
      );
    } finally {
      err.mockRestore();
    }
  });

  it("passes --process, --params and launch arguments to the graph, and stops on SIGTERM", async () => {
    const world = fakeRclnodejs();
    const seen: unknown[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const done = runLaunchCommand(
        [
          "--process",
          "pedestrians",
          "--params",
          "x.yaml",
          "mode:=multi_process",
          "--quiet",
          "--ros-args",
          "-p",
          "a:=1",
        ],
        {
          loader: async () => world.module,
          env: { AMENT_PREFIX_PATH: "/opt/ros/jazzy" },
          loadNodes: async (graph, overrides) => {
            seen.push(graph.endsWith("perception.graph.yaml"), overrides);
            return [imageSizeNode()];
          },
        },
      );
      await untilRunning(world);
      process.emit("SIGTERM", "SIGTERM");
      expect(await done).toBe(0);
    } finally {
      stderr.mockRestore();
    }
    expect(seen).toEqual([
      true,
      { paramsFiles: ["x.yaml"], args: { mode: "multi_process" }, processGroup: "pedestrians" },
    ]);
    expect(world.nodes.map((n) => n.fullName)).toEqual(["/test/image_size"]);
    expect(world.calls.at(-1)).toBe("shutdown");
    // rcl sees only --ros-args: launch arguments (mode:=multi_process) are not taken for remap rules.
    expect(world.initArgv).toEqual(["edge-perception", "--ros-args", "-p", "a:=1"]);
  });

  it("on Ctrl-C publishes the last output and final diagnostics before rclnodejs shuts down, with no error line", async () => {
    const world = fakeRclnodejs();
    const lines: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const finalNode = {
      ...imageSizeNode(),
      name: "final",
      create: (h: Parameters<ReturnType<typeof imageSizeNode>["create"]>[0]) => {
        const pub = h.createPublisher("std_msgs/msg/String", "~/last", { profile: "reliable" });
        return { dispose: () => pub.publish({ data: `last at ${h.now().sec}` }) };
      },
    };
    const env: NodeJS.ProcessEnv = {
      AMENT_PREFIX_PATH: "/opt/ros/jazzy",
      RMW_IMPLEMENTATION: "rmw_cyclonedds_cpp",
    };
    try {
      const done = runLaunchCommand([], {
        loader: async () => world.module,
        env,
        loadNodes: async () => [finalNode],
      });
      await untilRunning(world);
      process.emit("SIGINT", "SIGINT");
      expect(await done).toBe(0);
    } finally {
      stderr.mockRestore();
    }
    expect(world.calls).not.toContain("rclnodejs signal handler");
    expect(world.publishers.find((p) => p.topic === "/test/final/last")!.published).toHaveLength(1);
    expect(lines.join("")).not.toMatch(/failed in dispose|\[ERROR\]/);
    expect(world.calls.at(-1)).toBe("shutdown");
    // The shipped DDS config was applied to the process environment before rcl started.
    expect(env.CYCLONEDDS_URI).toMatch(/^file:\/\/.*launch\/cyclonedds\.xml$/);
  });
});
