import { describe, expect, it } from "vitest";
import {
  coveredMs,
  noteInference,
  recordInferenceIntervals,
} from "../../src/models/inference-timeline.js";

describe("inference timeline", () => {
  it("measures the union of overlapping runs, clipped to a window", () => {
    const runs = [
      { model: "a", startMs: 0, endMs: 10 },
      { model: "b", startMs: 5, endMs: 20 }, // overlaps a
      { model: "a", startMs: 30, endMs: 40 },
      { model: "b", startMs: 35, endMs: 38 }, // inside the one before
      { model: "a", startMs: 50, endMs: 70 }, // cut by the window
    ];
    expect(coveredMs(runs, 0, 100)).toBe(20 + 10 + 20);
    expect(coveredMs(runs, 8, 60)).toBe(12 + 10 + 10);
    expect(coveredMs([], 0, 10)).toBe(0);
  });

  it("collects only while a recording is open", () => {
    noteInference("before", 0, 1);
    const rec = recordInferenceIntervals();
    noteInference("m", 5, 2);
    expect(rec.stop()).toEqual([{ model: "m", startMs: 5, endMs: 7 }]);
    noteInference("after", 0, 1);
    expect(rec.stop()).toEqual([{ model: "m", startMs: 5, endMs: 7 }]);
  });
});
