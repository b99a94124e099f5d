import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath, projectRoot } from "../../src/core/paths.js";
import { testTimeout } from "../support/emulation.js";

describe("the edge-perception command (package.json bin)", () => {
  const bin = (
    JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as { bin: Record<string, string> }
  ).bin["edge-perception"]!;

  it("points at an executable launcher that exists without a build", () => {
    expect(bin).toBe("bin/edge-perception.mjs");
    accessSync(projectPath(bin), constants.X_OK);
    expect(readFileSync(projectPath(bin), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it(
    "`npx edge-perception --help` runs the CLI from the sources (no dist/ needed)",
    () => {
      const r = spawnSync("npx", ["--no-install", "edge-perception", "--help"], {
        cwd: projectRoot(),
        encoding: "utf8",
        timeout: testTimeout(60_000),
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: edge-perception <command>/);
      expect(r.stdout).toMatch(/\n {2}doctor {5}check this machine for live use/);
    },
    testTimeout(60_000),
  );
});
