import { describe, expect, it } from "vitest";
import { lastFlag, parseCommandLine, positiveNumberFlag } from "../../src/ros/command-line.js";
import { formatProgress } from "../../src/host/replay/progress-bar.js";

describe("command line", () => {
  it("parses value flags, repeated flags, switches and name:=value launch arguments", () => {
    const p = parseCommandLine(
      [
        "bag",
        "--out",
        "o",
        "--params=a.yaml",
        "--params",
        "b.yaml",
        "--fast",
        "mode:=multi_process",
        "x:=",
      ],
      ["out", "params"],
      ["fast"],
    );
    expect(p.positional).toEqual(["bag"]);
    expect(lastFlag(p, "out")).toBe("o");
    expect(p.flags.get("params")).toEqual(["a.yaml", "b.yaml"]);
    expect(p.switches.has("fast")).toBe(true);
    expect(p.launchArgs).toEqual({ mode: "multi_process", x: "" });
  });

  it("names unknown options, missing values and bad numbers", () => {
    expect(() => parseCommandLine(["--nope"], [], [])).toThrow(/unknown option '--nope'/);
    expect(() => parseCommandLine(["--out"], ["out"], [])).toThrow(/--out needs a value/);
    expect(() => parseCommandLine(["--out", "--fast"], ["out"], ["fast"])).toThrow(
      /--out needs a value/,
    );
    expect(() =>
      positiveNumberFlag(parseCommandLine(["--rate", "-1"], ["rate"], []), "rate"),
    ).toThrow(/--rate must be a positive number, got '-1'/);
    expect(positiveNumberFlag(parseCommandLine(["--rate", "2.5"], ["rate"], []), "rate")).toBe(2.5);
  });
});

describe("progress bar", () => {
  it("shows the share of the bag, the message count and the rate", () => {
    const text = formatProgress({
      messages: 1234,
      totalMessages: 3210,
      fraction: 0.385,
      simTimeNs: 0n,
      wallMs: 1000,
      messagesPerSec: 5230.4,
    });
    expect(text).toBe("[#########---------------]  38%  1234/3210 msgs  5230 msg/s");
  });
});
