import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run as replay } from "../../../src/cli/commands/replay.js";
import { projectPath } from "../../../src/core/paths.js";
import type { ReplaySummary } from "../../../src/host/replay/replay-summary.js";

const bag = projectPath("bags", "sample_drive");
const haveBag = existsSync(join(bag, "metadata.yaml"));
if (!haveBag)
  console.warn(
    "skipping the replay --realtime command test: bags/sample_drive is absent (npm run cli -- generate)",
  );

describe.skipIf(!haveBag)("edge-perception replay --realtime", () => {
  const tmp = mkdtempSync(join(tmpdir(), "replay-realtime-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("runs the launch graph on the sample drive with pedestrians asked at 30 Hz and reports achieved Hz, drops and latency per model", async () => {
    const params = join(tmp, "ped30.yaml");
    writeFileSync(
      params,
      "/perception/pedestrian_detector:\n  ros__parameters:\n    rate_hz: 30.0\n",
    );
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    let printed: string;
    try {
      expect(await replay([bag, "--realtime", "--params", params, "--json", "--quiet"])).toBe(0);
      printed = log.mock.calls.map((c) => String(c[0])).join("\n");
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const summary = JSON.parse(printed) as ReplaySummary;
    const rt = summary.realtime!;
    expect(rt.rate).toBe(1);
    expect(rt.cameraFrames).toBe(summary.inByTopic["/camera/front/image_raw/compressed"]);
    const ped = rt.models["/perception/pedestrian_detector"]!;
    expect(ped.requestedHz).toBe(30);
    expect(ped.offered).toBe(rt.cameraFrames);
    expect(ped.skippedByRate).toBe(0);
    expect(ped.processed).toBeGreaterThan(0);
    expect(ped.processed + ped.replacedWhileBusy).toBeLessThanOrEqual(ped.offered);
    expect(ped.achievedHz).toBeCloseTo(ped.processed / rt.streamSeconds, 6);
    // The other models keep their own rates from their parameter files.
    expect(rt.models["/perception/lane_detector"]!.requestedHz).toBe(10);
    expect(rt.models["/perception/crosswalk_detector"]).toBeDefined();
    // Latency from the camera stamp for each detector's output and the fused frame.
    for (const topic of [
      "/perception/pedestrians",
      "/perception/lanes",
      "/perception/crosswalks",
      "/perception/frame",
    ]) {
      const l = rt.latency[topic]!;
      expect(l.count).toBeGreaterThan(0);
      expect(l.p50Ms).toBeGreaterThan(0);
      expect(l.p99Ms).toBeGreaterThanOrEqual(l.p95Ms);
    }
    expect(rt.latency["/perception/pedestrians"]!.count).toBe(ped.processed);
  });
});
