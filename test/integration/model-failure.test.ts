import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { compareTime } from "../../src/core/time.js";
import { DiagnosticStatus } from "../../src/msgs/types.generated.js";
import { LaneDetector } from "../../src/perception/lanes/lane-detector.js";
import { NO_BAG_REASON, integrationBag, readAll, replayGraph } from "./support.js";

const bag = integrationBag();
if (!bag) console.log(`model-failure.test: ${NO_BAG_REASON}`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!bag)("a model that throws mid-run", () => {
  it("turns its node's diagnostics to ERROR while the other nodes keep publishing", async () => {
    const real = LaneDetector.prototype.detect;
    let calls = 0;
    vi.spyOn(LaneDetector.prototype, "detect").mockImplementation(function (
      this: LaneDetector,
      ...args
    ) {
      calls++;
      if (calls >= 3)
        return Promise.reject(
          new PerceptionError("model", "onnxruntime: simulated inference failure"),
        );
      return real.apply(this, args);
    });
    const out = join(mkdtempSync(join(tmpdir(), "model-failure-")), "bag");
    const summary = await replayGraph(bag!, out, 1.5);
    expect(calls).toBeGreaterThan(4);
    expect(summary.nodeStats["/perception/lane_detector"]!.frames_failed).toBe(calls - 2);

    const msgs = await readAll(out);
    expect(msgs.filter((m) => m.error)).toEqual([]);
    const laneDiag = msgs
      .filter((m) => m.topic === "/diagnostics")
      .flatMap((m) => m.message.status)
      .filter((s: { name: string }) => s.name === "/perception/lane_detector");
    expect(
      laneDiag.some(
        (s: { level: number; message: string }) =>
          s.level === DiagnosticStatus.ERROR &&
          /model error.*simulated inference failure/.test(s.message),
      ),
    ).toBe(true);

    // Failed lane frames are still answered (empty, with the reason), and the others continue after the failure.
    const lanes = msgs.filter((m) => m.topic === "/perception/lanes").map((m) => m.message);
    const firstFailure = lanes.find((l) => /model error/.test(l.status));
    expect(firstFailure).toBeDefined();
    const after = (topic: string) =>
      msgs.filter(
        (m) =>
          m.topic === topic && compareTime(m.message.header.stamp, firstFailure.header.stamp) > 0,
      ).length;
    expect(after("/perception/crosswalks")).toBeGreaterThan(0);
    expect(after("/perception/frame")).toBeGreaterThan(2);
    const others = msgs
      .filter((m) => m.topic === "/diagnostics")
      .flatMap((m) => m.message.status)
      .filter((s: { name: string }) => s.name === "/perception/crosswalk_detector");
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((s: { level: number }) => s.level !== DiagnosticStatus.ERROR)).toBe(true);
  });
});
