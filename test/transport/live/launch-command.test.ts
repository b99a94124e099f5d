import { spawnSync } from "node:child_process";
import { describe, expect, it, vi } from "vitest";
import { runLaunchCommand } from "../../../src/cli/commands/launch.js";
import { projectRoot } from "../../../src/core/paths.js";
import { fakeRclnodejs, notInstalledLoader } from "./fake-rclnodejs.js";
import { imageSizeNode } from "../replay/fixtures.js";

describe("edge-perception launch", () => {
  it("without ROS 2 exits 1 with the one clear message and no stack trace (real process)", () => {
    const env = { ...process.env };
    delete env.AMENT_PREFIX_PATH;
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "launch"], { cwd: projectRoot(), env, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^edge-perception launch: ROS 2 is not sourced .*source \/opt\/ros\/jazzy\/setup\.bash.*npm install rclnodejs@2/);
  }, 60_000);

  it("with ROS 2 sourced but no rclnodejs says so", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const code = await runLaunchCommand([], {
        loader: notInstalledLoader,
        env: { AMENT_PREFIX_PATH: "/opt/ros/jazzy" },
        loadNodes: async () => expect.unreachable("the graph is not loaded without rclnodejs"),
      });
      expect(code).toBe(1);
      expect(String(err.mock.calls[0]![0])).toMatch(/^edge-perception launch: rclnodejs is not installed/);
    } finally {
      err.mockRestore();
    }
  });

  it("passes --process, --params and launch arguments to the graph, and stops on SIGTERM", async () => {
    const world = fakeRclnodejs();
    const seen: unknown[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const done = runLaunchCommand(["--process", "pedestrians", "--params", "x.yaml", "mode:=multi_process", "--quiet", "--ros-args", "-p", "a:=1"], {
        loader: async () => world.module,
        env: { AMENT_PREFIX_PATH: "/opt/ros/jazzy" },
        loadNodes: async (graph, overrides) => {
          seen.push(graph.endsWith("perception.graph.yaml"), overrides);
          return [imageSizeNode()];
        },
      });
      for (let i = 0; i < 100 && !world.nodes.every((n) => n.spinning) ; i++) await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 100 && world.nodes.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
      process.emit("SIGTERM", "SIGTERM");
      expect(await done).toBe(0);
    } finally {
      stderr.mockRestore();
    }
    expect(seen).toEqual([true, { paramsFiles: ["x.yaml"], args: { mode: "multi_process" }, processGroup: "pedestrians" }]);
    expect(world.nodes.map((n) => n.fullName)).toEqual(["/test/image_size"]);
    expect(world.calls.at(-1)).toBe("shutdown");
  });
});
