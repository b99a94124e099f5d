import { describe, expect, it } from "vitest";
import {
  lanesFromInstanceMask,
  tusimpleFrameScore,
  TUSIMPLE_H_SAMPLES,
} from "../../../src/perception/lanes/tusimple-metric.js";

const H = TUSIMPLE_H_SAMPLES;
const lane = (f: (row: number) => number, from = 300): number[] =>
  H.map((r) => (r >= from ? f(r) : -2));

describe("TuSimple metric (LaneEval.bench semantics)", () => {
  const gt = [lane((r) => 600 - (r - 300)), lane((r) => 700 + (r - 300))];

  it("scores a perfect prediction 1 with no FP/FN", () => {
    expect(tusimpleFrameScore(gt, gt)).toMatchObject({ accuracy: 1, fp: 0, fn: 0 });
  });

  it("counts points within 20 px / cos(angle) only", () => {
    // 45-degree lanes: threshold 20 / cos(45) = 28.3 px.
    const near = gt.map((l) => l.map((x) => (x >= 0 ? x + 25 : x)));
    const far = gt.map((l) => l.map((x) => (x >= 0 ? x + 30 : x)));
    expect(tusimpleFrameScore(near, gt).accuracy).toBe(1);
    const s = tusimpleFrameScore(far, gt);
    // Rows above 300 are absent in both and count as right (official behaviour): 14 of 56.
    expect(s.accuracy).toBeCloseTo(14 / 56, 6);
    expect(s).toMatchObject({ fp: 1, fn: 1 });
  });

  it("a missing lane is a false negative, an extra lane a false positive", () => {
    const extra = lane(() => 100);
    expect(tusimpleFrameScore([gt[0]!, extra], gt)).toMatchObject({
      accuracy: (1 + 14 / 56) / 2,
      fp: 0.5,
      fn: 0.5,
    });
  });

  it("reads per-lane x at h_samples from an instance mask", () => {
    const w = 64;
    const h = 720;
    const data = new Uint8Array(w * h * 3);
    for (let v = 200; v < 720; v++) {
      for (const u of [10, 11, 12]) data[(v * w + u) * 3] = 20;
      data[(v * w + 40) * 3] = 70;
    }
    const lanes = lanesFromInstanceMask(data, w, h, 3);
    expect(lanes).toHaveLength(2);
    expect(lanes[0]![H.indexOf(200)]).toBe(11);
    expect(lanes[0]![H.indexOf(190)]).toBe(-2);
    expect(lanes[1]![H.indexOf(710)]).toBe(40);
  });
});
