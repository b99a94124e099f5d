import { afterEach, describe, expect, it, vi } from "vitest";
import { parseCommandArgs } from "../../src/cli/command-args.js";

describe("parseCommandArgs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("returns the parsed command line", () => {
    const parsed = parseCommandArgs(
      "merge",
      "usage: merge",
      ["a.json", "--out", "m.json", "--quiet"],
      ["out"],
      ["quiet"],
    );
    expect(typeof parsed).toBe("object");
    if (typeof parsed === "number") return;
    expect(parsed.positional).toEqual(["a.json"]);
    expect(parsed.flags.get("out")).toEqual(["m.json"]);
    expect([...parsed.switches]).toEqual(["quiet"]);
  });

  it("--help: the usage on stdout, exit 0", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(parseCommandArgs("merge", "usage: merge", ["--help"], ["out"], [])).toBe(0);
    expect(log).toHaveBeenCalledWith("usage: merge");
  });

  it("bad usage: the command, the problem and the usage on stderr, exit 2", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(parseCommandArgs("merge", "usage: merge", ["--bogus"], ["out"], [])).toBe(2);
    expect(parseCommandArgs("merge", "usage: merge", ["--out"], ["out"], [])).toBe(2);
    expect(error.mock.calls.map((c) => c[0])).toEqual([
      "edge-perception merge: unknown option '--bogus'\nusage: merge",
      "edge-perception merge: option --out needs a value\nusage: merge",
    ]);
  });
});
