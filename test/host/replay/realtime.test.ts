import { describe, expect, it } from "vitest";
import { FrameScheduler } from "../../../src/nodes/common/frame-scheduler.js";
import type { NodeSpec } from "../../../src/ros/node-spec.js";
import { RealtimePacer } from "../../../src/host/replay/realtime-pacer.js";
import { formatReplaySummary } from "../../../src/host/replay/replay-summary.js";
import { runReplay } from "../../../src/host/replay/run-replay.js";
import { imageEntries, memorySink, memorySource } from "./fixtures.js";

const quiet = () => {};
const T0 = 1_700_000_000_000_000_000n;
const CAMERA_PERIOD = 33_333_333n;

/**
 * A camera node as the real ones are scheduled (FrameScheduler, newest frame wins, rate_hz in node
 * time): each frame "infers" for `work_ms` of wall time, then publishes a PoseStamped with the
 * frame's stamp on ~/out. Its stats are the camera nodes' counters.
 */
function modelNode(name: string): NodeSpec {
  return {
    name,
    namespace: "/test",
    parameterSchema: {
      type: "object",
      additionalProperties: false,
      properties: {
        rate_hz: { type: "number", default: 30 },
        work_ms: { type: "number", default: 1 },
      },
    },
    parameters: {},
    remappings: { "~/in/image": "/camera/front/image_raw" },
    create(node) {
      const pub = node.createPublisher("geometry_msgs/msg/PoseStamped", "~/out");
      const scheduler = new FrameScheduler<null>({
        models: [
          {
            name,
            rateHz: node.parameters.get<number>("rate_hz"),
            run: async (_frame, stamp) => {
              await new Promise((r) => setTimeout(r, node.parameters.get<number>("work_ms")));
              pub.publish({
                header: { stamp, frame_id: "base_link" },
                pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
              });
            },
          },
        ],
      });
      node.createSubscription(
        "sensor_msgs/msg/Image",
        "~/in/image",
        { profile: "sensor_data" },
        (img) => scheduler.offer(null, img.header.stamp),
      );
      return {
        idle: () => scheduler.idle(),
        stats: () => {
          const c = scheduler.counters()[name]!;
          return {
            frames_offered: c.offered,
            frames_processed: c.completed,
            drops_rate: c.skippedRate,
            drops_busy: c.droppedReplaced,
          };
        },
      };
    },
  };
}

describe("RealtimePacer", () => {
  it("maps bag time onto the wall clock from the first message, at its rate, and records how late offers went out", async () => {
    let wall = 1000;
    const sleeps: number[] = [];
    const pacer = new RealtimePacer({
      rate: 2,
      clock: { nowMs: () => wall },
      sleep: async (ms) => {
        sleeps.push(ms);
        wall += ms;
      },
    });
    expect(await pacer.waitFor(T0)).toBe(0);
    expect(pacer.wallMsOf(T0 + 100_000_000n)).toBe(1050); // 100 ms of bag at x2
    expect(await pacer.waitFor(T0 + 100_000_000n)).toBe(0);
    expect(sleeps).toEqual([50]);
    wall = 1200; // the event loop was busy: the next message is due at 1100
    expect(await pacer.waitFor(T0 + 200_000_000n)).toBe(100);
    expect(sleeps).toEqual([50]);
    expect(pacer.bagNowNs()).toBe(T0 + 400_000_000n);
    expect(pacer.lateness()).toEqual({ offers: 3, p50Ms: 0, p99Ms: 100, maxMs: 100 });
    expect(() => new RealtimePacer({ rate: 0, clock: { nowMs: () => wall } })).toThrow(
      /realtime rate must be a positive number, got 0/,
    );
  });
});

describe("runReplay --realtime", () => {
  it("does not wait for a busy model: frames it cannot take are replaced and counted, and achieved Hz and latencies are reported", async () => {
    // 24 frames at 30 Hz (0.8 s); the model asks for 30 Hz but needs 150 ms a frame.
    const frames = 24;
    const slow = { "/test/slow": { rate_hz: 30, work_ms: 150 } };
    // Deterministic replay waits for it: every frame processed.
    const deterministic = await runReplay({
      bag: "memory",
      nodes: [modelNode("slow")],
      source: memorySource(imageEntries(6, T0, CAMERA_PERIOD)),
      parameterOverrides: slow,
      logSink: quiet,
    });
    expect(deterministic.nodeStats["/test/slow"]).toMatchObject({
      frames_offered: 6,
      frames_processed: 6,
      drops_busy: 0,
    });
    expect(deterministic.realtime).toBeUndefined();

    const sink = memorySink();
    const s = await runReplay({
      bag: "memory",
      nodes: [modelNode("slow"), modelNode("fast")],
      source: memorySource(imageEntries(frames, T0, CAMERA_PERIOD)),
      sink,
      realtime: true,
      parameterOverrides: slow,
      logSink: quiet,
    });
    const rt = s.realtime!;
    expect(rt.rate).toBe(1);
    expect(rt.cameraFrames).toBe(frames);
    expect(rt.cameraHz).toBeCloseTo(30, 3);
    const m = rt.models["/test/slow"]!;
    expect(m.requestedHz).toBe(30);
    expect(m.offered).toBe(frames);
    // Every frame is either processed or replaced while the model was busy (none skipped by rate).
    expect(m.skippedByRate).toBe(0);
    expect(m.processed + m.replacedWhileBusy).toBe(frames);
    // Runs of 150 ms one after another: no more than the run's wall time holds (0.8 s of camera,
    // longer when a loaded machine delays the offers), so most frames were replaced.
    expect(m.processed).toBeLessThanOrEqual(Math.floor(s.wallMs / 150) + 1);
    expect(m.replacedWhileBusy).toBeGreaterThan(frames / 2);
    expect(m.dropFraction).toBeCloseTo(m.replacedWhileBusy / frames, 9);
    expect(m.achievedHz).toBeCloseTo(m.processed / (frames / 30), 6);
    // Each output publication is timed from its frame's camera stamp, at least the model's work late.
    const lat = rt.latency["/test/slow/out"]!;
    expect(lat.count).toBe(m.processed);
    expect(lat.p50Ms).toBeGreaterThanOrEqual(140);
    expect(lat.p50Ms).toBeLessThanOrEqual(lat.p95Ms);
    expect(lat.p95Ms).toBeLessThanOrEqual(lat.p99Ms);
    expect(lat.p99Ms).toBeLessThanOrEqual(lat.maxMs);
    expect(rt.latency["/test/fast/out"]!.count).toBe(rt.models["/test/fast"]!.processed);
    expect(rt.cpuSeconds).toBeGreaterThan(0);
    // Outputs are recorded as in deterministic replay.
    expect(sink.messages.filter((x) => x.topic === "/test/slow/out")).toHaveLength(m.processed);
    // The terminal summary lists the figures per node and per output.
    const text = formatReplaySummary(s);
    expect(text).toMatch(/realtime at x1\.00: 24 camera frames at 30\.0 Hz on the wall clock/);
    expect(text).toMatch(
      new RegExp(
        `/test/slow\\s+30\\.0\\s+\\d+\\.\\d\\s+${m.processed}/24\\s+${m.replacedWhileBusy} \\(`,
      ),
    );
    expect(text).toMatch(/\/test\/slow\/out\s+\d+\.\d/);
  });

  it("times only outputs stamped with an offered camera frame, and paces at its rate", async () => {
    const frames = 6;
    const sink = memorySink();
    const start = performance.now();
    const s = await runReplay({
      bag: "memory",
      nodes: [modelNode("m")],
      source: memorySource(imageEntries(frames, T0, 100_000_000n)),
      sink,
      realtime: true,
      rate: 4,
      logSink: quiet,
    });
    // 0.5 s of bag at x4: at least 125 ms of wall time.
    expect(performance.now() - start).toBeGreaterThanOrEqual(120);
    expect(s.realtime!.rate).toBe(4);
    expect(s.realtime!.cameraHz).toBeCloseTo(10, 6);
    expect(s.realtime!.streamSeconds).toBeCloseTo(frames / 10 / 4, 6);
    expect(Object.keys(s.realtime!.latency)).toEqual(["/test/m/out"]);
    expect(sink.messages.filter((x) => x.topic === "/test/m/out")).toHaveLength(
      s.realtime!.models["/test/m"]!.processed,
    );
  });
});
