import { describe, expect, it } from "vitest";
import { runCli } from "./cli-process.js";

describe("live entry point without ROS 2", () => {
  it("exits with one clear message and no stack trace", async () => {
    // A clean environment: no ROS 2 sourced (no AMENT_PREFIX_PATH, ROS_DISTRO, LD_LIBRARY_PATH).
    const r = await runCli(["launch"], {});
    expect(r.code).not.toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/ROS 2/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe("");
  });
});
