import { describe, expect, it } from "vitest";
import { frozenClock, type MonotonicClock } from "../../../src/core/monotonic-clock.js";
import { runReplay } from "../../../src/host/replay/run-replay.js";
import type { NodeSpec } from "../../../src/ros/node-spec.js";
import { IMAGE_TOPIC, imageEntries, memorySink, memorySource } from "./fixtures.js";

/** Publishes, per image, the node's clock before and after an awaited pause: what a node measures. */
function timingNode(): NodeSpec {
  return {
    name: "timing",
    namespace: "/test",
    parameterSchema: { type: "object", additionalProperties: false, properties: {} },
    parameters: {},
    remappings: { "~/in/image": IMAGE_TOPIC },
    create(node) {
      const pub = node.createPublisher("std_msgs/msg/String", "~/ms");
      node.createSubscription(
        "sensor_msgs/msg/Image",
        "~/in/image",
        { profile: "sensor_data" },
        async () => {
          const before = node.wallMs();
          // Yield so the other run's callbacks interleave with this one.
          await new Promise((r) => setTimeout(r, 2));
          pub.publish({ data: `${before} ${node.wallClock.nowMs()}` });
        },
      );
      return {};
    },
  };
}

/** A clock that counts its reads: 1, 2, 3, ... */
function countingClock(): MonotonicClock & { reads: number } {
  const c = { reads: 0, nowMs: () => ++c.reads };
  return c;
}

describe("runReplay: the run's clock", () => {
  it("two runs in one process with different clocks do not interfere", async () => {
    const frozenSink = memorySink();
    const countingSink = memorySink();
    const counting = countingClock();
    const run = (clock: MonotonicClock, sink: ReturnType<typeof memorySink>) =>
      runReplay({
        bag: "memory",
        nodes: [timingNode()],
        source: memorySource(imageEntries(6)),
        sink,
        logSink: () => undefined,
        clock,
      });
    const [frozen, counted] = await Promise.all([
      run(frozenClock(7), frozenSink),
      run(counting, countingSink),
    ]);

    // The frozen run reads 7 everywhere, in its node and its summary, while the other run's clock moved.
    expect(frozenSink.messages.map((m) => m.text)).toEqual(Array(6).fill("7 7"));
    expect(frozen.startedAtMs).toBe(7);
    expect(frozen.wallMs).toBe(0);
    expect(frozen.nodeMs).toBe(0);

    // The other run's node read only its own clock: every read one later than the one before.
    const readings = countingSink.messages.map((m) => m.text!.split(" ").map(Number));
    expect(readings).toHaveLength(6);
    const flat = readings.flat();
    for (let i = 1; i < flat.length; i++) expect(flat[i]).toBeGreaterThan(flat[i - 1]!);
    // Its bus, runner and summary read it too (more reads than the node's), and saw it move.
    expect(counting.reads).toBeGreaterThan(flat.length);
    expect(counted.wallMs).toBeGreaterThan(0);
    expect(counted.nodeMs).toBeGreaterThan(0);
  });
});
