import { describe, expect, it } from "vitest";
import { nsToTime } from "../../src/core/time.js";
import { inputTimings } from "../../src/fusion/input-timings.js";
import type {
  CrosswalkArray,
  LaneMarkingArray,
  PedestrianArray,
} from "../../src/msgs/types.generated.js";

const T0 = 1_700_000_000_000_000_000n;
const header = (ns: bigint) => ({ stamp: nsToTime(ns), frame_id: "base_link" });

const lanes: LaneMarkingArray = {
  header: header(T0),
  markings: [],
  status: "",
  latencies: [
    { stage: "lane_model", duration_ms: 9 },
    { stage: "lane_detector", duration_ms: 14 },
  ],
  pipeline_latency_ms: 30,
};
const peds: PedestrianArray = {
  header: header(T0),
  pedestrians: [],
  status: "",
  latencies: [{ stage: "pedestrian_detector", duration_ms: 21 }],
  pipeline_latency_ms: 45,
};
/** Carried over from the previous frame: timed for that one. */
const oldCrosswalks: CrosswalkArray = {
  header: header(T0 - 66_666_667n),
  crosswalks: [],
  status: "",
  latencies: [{ stage: "crosswalk_detector", duration_ms: 5 }],
  pipeline_latency_ms: 80,
};

describe("inputTimings", () => {
  it("collects the stages of the inputs of this stamp, sorted by name, and the slowest detector's latency", () => {
    const t = inputTimings(nsToTime(T0), [lanes, oldCrosswalks, peds]);
    expect(t.latencies).toEqual([
      { stage: "lane_detector", duration_ms: 14 },
      { stage: "lane_model", duration_ms: 9 },
      { stage: "pedestrian_detector", duration_ms: 21 },
    ]);
    expect(t.pipelineLatencyMs).toBe(45);
    // Copies: the frame's list is its own.
    t.latencies[0]!.duration_ms = 0;
    expect(lanes.latencies[1]!.duration_ms).toBe(14);
  });

  it("has no stages and no latency when no input is of this stamp", () => {
    expect(inputTimings(nsToTime(T0), [undefined, oldCrosswalks, undefined])).toEqual({
      latencies: [],
      pipelineLatencyMs: undefined,
    });
  });
});
