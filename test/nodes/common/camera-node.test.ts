import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { realClock } from "../../../src/core/monotonic-clock.js";
import { nsToTime, timeToNs, type Time } from "../../../src/core/time.js";
import type { DetectorTiming } from "../../../src/msgs/detector-arrays.js";
import type {
  CompressedImage,
  DiagnosticArray,
  Float32,
  StageLatency,
} from "../../../src/msgs/types.generated.js";
import { cameraMount, smallCameraInfo } from "../camera-fixtures.js";
import {
  CameraNode,
  withRelease,
  type CameraFrame,
} from "../../../src/nodes/common/camera-node.js";
import { DECODED_FRAMES } from "../../../src/nodes/common/decoded-frames.js";
import { DecodedFrameCache } from "../../../src/host/decoded-frame-cache.js";
import { RunServices } from "../../../src/host/run-services.js";
import { loadParameterSchema } from "../../../src/nodes/node-definition.js";
import type { ImageView } from "../../../src/image/image-view.js";
import { InProcessBus } from "../../../src/host/bus.js";
import { SimClock, SimTimerQueue } from "../../../src/host/clock.js";
import { createNodeHandle, type HostedNode } from "../../../src/host/node-handle.js";
import { laneDetectorFileParameters } from "../../../src/nodes/lane-detector-tuning.js";

const START = 1_700_000_000_000_000_000n;
let jpeg: Uint8Array;

beforeAll(async () => {
  const buf = await sharp({
    create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 90, b: 90 } },
  })
    .jpeg()
    .toBuffer();
  jpeg = new Uint8Array(buf);
});

function image(stamp: Time): CompressedImage {
  return { header: { stamp, frame_id: "camera_front_optical_frame" }, format: "jpeg", data: jpeg };
}

/** One CameraNode on the transport's real bus and sim clock, with a `process` that records what it got. */
function harness(
  parameters: Record<string, unknown> = {},
  requireGeometry = true,
  extra: {
    gate?: () => Promise<void>;
    prepare?: (view: ImageView) => void;
    stages?: StageLatency[];
  } = {},
) {
  const clock = new SimClock(START);
  const timers = new SimTimerQueue(clock, realClock);
  const bus = new InProcessBus({
    now: () => clock.now(),
    wallClock: realClock,
    onCallbackError: (_n, _t, e) => {
      throw e;
    },
  });
  const seen: CameraFrame[] = [];
  /** What `frame.timing(extra.stages)` gave, per processed frame (when `extra.stages` is set). */
  const timings: DetectorTiming[] = [];
  let failOn: bigint | undefined;
  const frames = new DecodedFrameCache();
  const hosted: HostedNode = createNodeHandle({
    spec: {
      name: "lane_detector",
      namespace: "/perception",
      create: () => ({}),
      parameterSchema: loadParameterSchema("lane_detector"),
      parameters: {
        // The file's tuning (the node requires it), then this harness's own settings.
        ...laneDetectorFileParameters(),
        rate_hz: 15,
        rate_phase_s: 0,
        processing_budget_ms: 100,
        base_frame: "base_link",
        model_dir: "",
        model: "twinlitenet_320x320",
        min_confidence: 0.3,
        image_transport: "compressed",
        ...parameters,
      } as never,
      remappings: { "~/in/image/compressed": "/cam/compressed", "~/in/camera_info": "/cam/info" },
    },
    bus,
    timers,
    now: () => clock.now(),
    wallClock: realClock,
    clockKind: "sim",
    logSink: () => undefined,
    services: new RunServices().provide(DECODED_FRAMES, frames),
  });
  const node = new CameraNode(hosted.handle, {
    stage: "lane_detector",
    requireGeometry,
    ...(extra.prepare ? { prepare: extra.prepare } : {}),
    async process(frame) {
      await extra.gate?.();
      if (failOn !== undefined && timeToNs(frame.header.stamp) === failOn)
        throw new Error("inference failed");
      await frame.view();
      seen.push(frame);
      if (extra.stages) timings.push(frame.timing(extra.stages));
    },
  });
  const outputs: Record<string, unknown[]> = {};
  for (const topic of [
    "/perception/lane_detector/debug/processing_time_ms",
    "/perception/lane_detector/debug/pipeline_latency_ms",
    "/diagnostics",
  ]) {
    outputs[topic] = [];
    bus.subscribe("test", topic, 100, (m) => void outputs[topic]!.push(m));
  }
  const feed = async (topic: string, message: unknown, ns: bigint): Promise<void> => {
    await timers.fireUntil(ns, {
      settle: async () => {
        await bus.idle();
        await node.idle();
      },
      onError: (_o, e) => {
        throw e;
      },
    });
    clock.set(ns);
    bus.inject(topic, message, { topic, receiveTime: clock.now() });
    await bus.idle();
    await node.idle();
  };
  /** Delivers without waiting for the node (a camera does not wait). */
  const offer = async (topic: string, message: unknown, ns: bigint): Promise<void> => {
    clock.set(ns);
    bus.inject(topic, message, { topic, receiveTime: clock.now() });
    await bus.idle();
  };
  return {
    node,
    hosted,
    frames,
    seen,
    timings,
    outputs,
    feed,
    offer,
    failAt: (ns: bigint) => (failOn = ns),
  };
}

const PERIOD = 33_333_333n;

describe("CameraNode", () => {
  it("takes frames at rate_hz in stamp time, counts the rest as drops, and publishes the debug topics", async () => {
    // START (a whole second) is on the 15 Hz grid of phase 0: every other 30 Hz frame from it.
    const h = harness({ rate_phase_s: 0 });
    await h.feed("/tf_static", cameraMount(nsToTime(START), 0.05), START);
    for (let i = 0n; i < 12n; i++) {
      const ns = START + i * PERIOD;
      await h.feed("/cam/info", smallCameraInfo(nsToTime(ns)), ns);
      await h.feed("/cam/compressed", image(nsToTime(ns)), ns);
    }
    expect(h.seen.map((f) => Number((timeToNs(f.header.stamp) - START) / PERIOD))).toEqual([
      0, 2, 4, 6, 8, 10,
    ]);
    expect(h.seen.every((f) => f.geometry !== undefined)).toBe(true);
    expect(h.node.stats()).toMatchObject({
      frames_offered: 12,
      frames_processed: 6,
      drops_rate: 6,
      drops_busy: 0,
    });
    expect(h.outputs["/perception/lane_detector/debug/processing_time_ms"]).toHaveLength(6);
    const latencies = h.outputs["/perception/lane_detector/debug/pipeline_latency_ms"] as Float32[];
    expect(latencies.every((l) => l.data >= 0)).toBe(true);
  });

  it("times a frame for its output array: the model's stages and its own, float32 like the wire, and reports the same figures on its debug topics", async () => {
    const h = harness({ rate_hz: 30 }, true, {
      stages: [{ stage: "lane_model", duration_ms: 12.3 }],
    });
    await h.feed("/tf_static", cameraMount(nsToTime(START), 0.05), START);
    await h.feed("/cam/info", smallCameraInfo(nsToTime(START)), START);
    // The frame arrives 40 ms after its stamp (node clock): the pipeline latency counts from the stamp.
    await h.feed("/cam/compressed", image(nsToTime(START)), START + 40_000_000n);
    expect(h.timings).toHaveLength(1);
    const t = h.timings[0]!;
    expect(t.latencies.map((l) => l.stage)).toEqual(["lane_model", "lane_detector"]);
    expect(t.latencies[0]!.duration_ms).toBe(Math.fround(12.3));
    const own = t.latencies[1]!.duration_ms;
    expect(own).toBeGreaterThanOrEqual(0);
    expect(t.pipeline_latency_ms).toBeGreaterThanOrEqual(40);
    for (const v of [own, t.pipeline_latency_ms]) expect(v).toBe(Math.fround(v));
    expect(
      (h.outputs["/perception/lane_detector/debug/processing_time_ms"] as Float32[]).map(
        (m) => m.data,
      ),
    ).toEqual([own]);
    expect(
      (h.outputs["/perception/lane_detector/debug/pipeline_latency_ms"] as Float32[]).map(
        (m) => m.data,
      ),
    ).toEqual([t.pipeline_latency_ms]);
  });

  it("decodes each camera message once however many nodes read it", async () => {
    const h = harness({ rate_hz: 30 });
    await h.feed("/tf_static", cameraMount(nsToTime(START), 0.05), START);
    await h.feed("/cam/info", smallCameraInfo(nsToTime(START)), START);
    const before = h.frames.counters();
    await h.feed("/cam/compressed", image(nsToTime(START)), START);
    const view1 = await h.seen[0]!.view();
    const view2 = await h.seen[0]!.view();
    expect(view1).toBe(view2);
    expect(h.frames.counters().decodes - before.decodes).toBe(1);
    expect(view1).toMatchObject({ width: 64, height: 48 });
  });

  it("decodes a frame announced ahead once, and the node then reuses it", async () => {
    const h = harness({ rate_hz: 30 });
    await h.feed("/tf_static", cameraMount(nsToTime(START), 0.05), START);
    await h.feed("/cam/info", smallCameraInfo(nsToTime(START)), START);
    const msg = image(nsToTime(START));
    const before = h.frames.counters();
    h.frames.prefetch({ kind: "compressed", message: msg });
    h.frames.prefetch({ kind: "compressed", message: msg });
    await h.feed("/cam/compressed", msg, START);
    const view = await h.seen[0]!.view();
    expect(view).toBe(await h.frames.view({ kind: "compressed", message: msg }));
    expect(h.frames.counters().decodes - before.decodes).toBe(1);
    expect(h.frames.counters().prefetches - before.prefetches).toBe(1);
  });

  it("skips frames without calibration and says why in /diagnostics", async () => {
    const h = harness({ rate_hz: 30 });
    for (let i = 0n; i < 40n; i++)
      await h.feed("/cam/compressed", image(nsToTime(START + i * PERIOD)), START + i * PERIOD);
    expect(h.seen).toHaveLength(0);
    expect(h.node.stats().frames_skipped_no_calibration).toBe(40);
    const diag = (h.outputs["/diagnostics"] as DiagnosticArray[]).flatMap((d) => d.status);
    expect(diag.length).toBeGreaterThan(0);
    expect(diag[diag.length - 1]).toMatchObject({ name: "/perception/lane_detector", level: 1 });
    expect(diag[diag.length - 1]!.message).toMatch(
      /calibration missing: no CameraInfo yet on \/cam\/info/,
    );
  });

  it("applies a run-time rate change and reports a failing frame as ERROR while going on", async () => {
    const h = harness();
    await h.feed("/tf_static", cameraMount(nsToTime(START), 0.05), START);
    await h.feed("/cam/info", smallCameraInfo(nsToTime(START)), START);
    expect(h.hosted.store.set({ rate_hz: 30 }).successful).toBe(true);
    h.failAt(START + 2n * PERIOD);
    for (let i = 0n; i < 45n; i++)
      await h.feed("/cam/compressed", image(nsToTime(START + i * PERIOD)), START + i * PERIOD);
    expect(h.seen).toHaveLength(44);
    expect(h.node.stats()).toMatchObject({ frames_failed: 1, drops_rate: 0 });
    const levels = (h.outputs["/diagnostics"] as DiagnosticArray[]).flatMap((d) =>
      d.status.map((s) => s.level),
    );
    expect(levels).toContain(2);
    expect(h.hosted.store.set({ rate_hz: -1 }).successful).toBe(false);
  });

  it("decodes the frame waiting for its busy model at once and prepares the model's next input with it, while it still waits", async () => {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const prepared: ImageView[] = [];
    const h = harness({ rate_hz: 30 }, false, {
      gate: () => opened,
      prepare: (v) => void prepared.push(v),
    });
    const frames = [0n, 1n, 2n].map((i) => image(nsToTime(START + i * PERIOD)));
    const before = h.frames.counters();
    await h.offer("/cam/compressed", frames[0], START); // starts, then waits on the gate
    await h.offer("/cam/compressed", frames[1], START + PERIOD); // waits for the busy model
    const settle = async (m: CompressedImage): Promise<ImageView> => {
      const v = await h.frames.view({ kind: "compressed", message: m });
      await new Promise((r) => setTimeout(r, 0));
      return v;
    };
    const view1 = await settle(frames[1]!);
    expect(prepared).toEqual([view1]);
    await h.offer("/cam/compressed", frames[2], START + 2n * PERIOD); // replaces frame 1
    const view2 = await settle(frames[2]!);
    expect(prepared).toEqual([view1, view2]);
    open();
    await h.node.idle();
    expect(h.seen.map((f) => Number((timeToNs(f.header.stamp) - START) / PERIOD))).toEqual([0, 2]);
    // The frame processed is the one decoded while it waited: one decode per frame.
    expect(await h.seen[1]!.view()).toBe(view2);
    expect(h.frames.counters().decodes - before.decodes).toBe(3);
    expect(h.node.stats()).toMatchObject({
      frames_processed: 2,
      drops_busy: 1,
      frames_prefetched_while_busy: 2,
    });
    // Not prepared once it no longer waits: a frame the idle model takes at once is not prefetched.
    await h.offer("/cam/compressed", image(nsToTime(START + 3n * PERIOD)), START + 3n * PERIOD);
    await h.node.idle();
    expect(prepared).toHaveLength(2);
    expect(h.node.stats()).toMatchObject({ frames_processed: 3, frames_prefetched_while_busy: 2 });
  });

  it("takes its rate from ~/in/rate_hz (compute_budget) and ignores and counts rates out of range", async () => {
    const h = harness({ rate_hz: 10 }, false);
    const frameAt = async (i: bigint) =>
      h.feed("/cam/compressed", image(nsToTime(START + i * PERIOD)), START + i * PERIOD);
    for (let i = 0n; i < 6n; i++) await frameAt(i);
    await h.feed("/perception/lane_detector/in/rate_hz", { data: 30 }, START + 6n * PERIOD);
    for (let i = 6n; i < 12n; i++) await frameAt(i);
    await h.feed("/perception/lane_detector/in/rate_hz", { data: 0 }, START + 12n * PERIOD);
    await h.feed("/perception/lane_detector/in/rate_hz", { data: 120 }, START + 12n * PERIOD);
    for (let i = 12n; i < 15n; i++) await frameAt(i);
    // 10 Hz: frames 0 and 3; then every frame from 6 (the rejected rates change nothing).
    expect(h.seen.map((f) => Number((timeToNs(f.header.stamp) - START) / PERIOD))).toEqual([
      0, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    ]);
    expect(h.node.stats()).toMatchObject({ rate_commands: 1, rate_commands_rejected: 2 });
  });
});

describe("withRelease", () => {
  it("forwards the node's calls and runs the release after the node's own dispose", async () => {
    const h = harness();
    const order: string[] = [];
    const dispose = h.node.dispose.bind(h.node);
    h.node.dispose = async () => {
      await dispose();
      order.push("node");
    };
    const wrapped = withRelease(h.node, async () => void order.push("release"));
    await h.feed("/tf_static", cameraMount(nsToTime(START), 0.05), START);
    await h.feed("/cam/info", smallCameraInfo(nsToTime(START)), START);
    await h.feed("/cam/compressed", image(nsToTime(START)), START);
    await wrapped.idle!();
    expect(wrapped.stats!()).toEqual(h.node.stats());
    expect(wrapped.stats!().frames_processed).toBe(1);
    expect(wrapped.errorCounts!()).toEqual(h.node.errorCounts());
    await wrapped.dispose!();
    expect(order).toEqual(["node", "release"]);
  });
});
