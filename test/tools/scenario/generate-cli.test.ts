import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run, summary } from "../../../src/cli/commands/generate.js";

const dir = mkdtempSync(join(tmpdir(), "generate-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(argv: string[]): Promise<{ code: number; err: string; out: string }> {
  const errs: string[] = [];
  const outs: string[] = [];
  const e = vi
    .spyOn(console, "error")
    .mockImplementation((...a: unknown[]) => void errs.push(a.join(" ")));
  const o = vi
    .spyOn(console, "log")
    .mockImplementation((...a: unknown[]) => void outs.push(a.join(" ")));
  const w = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await run(argv);
    return { code, err: errs.join("\n"), out: outs.join("\n") };
  } finally {
    e.mockRestore();
    o.mockRestore();
    w.mockRestore();
  }
}

describe("edge-perception generate", () => {
  it("has a summary", () => expect(summary).toMatch(/synthetic drive/));

  it("explains bad input with exit code 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--scenario", "moon", "--out", join(dir, "a")], /unknown scenario 'moon'; known: highway/],
      [
        ["--scenario", "highway", "--out", join(dir, "a"), "--frames", "0"],
        /--frames must be a positive integer/,
      ],
      [
        ["--scenario", "highway", "--out", join(dir, "a"), "--speed=-5"],
        /--speed must be positive/,
      ],
      [["--scenario", "highway", "--out", join(dir, "a"), "--pitch=-35"], /does not see the road/],
      [["--scenario", "highway"], /--out <dir> is required/],
      [
        ["--scenario", "highway", "--out", join(dir, "a"), "--width", "640"],
        /--width and --height go together/,
      ],
      [["--bogus"], /Unknown option/],
    ];
    for (const [argv, message] of cases) {
      const r = await capture(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(existsSync(join(dir, "a"))).toBe(false);
  });

  it("lists the scenarios", async () => {
    const r = await capture(["--list"]);
    expect(r.code).toBe(0);
    for (const n of [
      "highway",
      "curve",
      "urban_intersection",
      "night",
      "rain",
      "map_mismatch",
      "sample",
    ])
      expect(r.out).toContain(n);
  });

  it("generates a small drive", async () => {
    const out = join(dir, "ok");
    const r = await capture([
      "--scenario",
      "curve",
      "--seed",
      "2",
      "--frames",
      "2",
      "--out",
      out,
      "--compressed",
      "--width",
      "160",
      "--height",
      "90",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/frames:\s+2 in/);
    for (const f of [
      "ok_0.mcap",
      "metadata.yaml",
      "ground_truth.jsonl",
      "map.geojson",
      "scenario.json",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
  });
});
