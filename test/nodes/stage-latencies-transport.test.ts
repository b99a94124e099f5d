/**
 * Stage times travel in the detector arrays, so map_fusion reports the same stages whether the
 * detectors share its process or not. The launch graph's detectors and map_fusion run twice on the
 * same camera frames: in one process (one bus: map_fusion gets the published objects) and as the
 * `multi_process` process groups (one bus and one set of run services per group; what a group
 * publishes reaches the others only as CDR bytes, decoded there, as over DDS). In both, each
 * PerceptionFrame holds exactly the stages the detectors put in their arrays for its stamp.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { realClock } from "../../src/core/monotonic-clock.js";
import { nsToTime, timeToNs } from "../../src/core/time.js";
import { InProcessBus } from "../../src/host/bus.js";
import { SimClock, SimTimerQueue } from "../../src/host/clock.js";
import { graphToNodeSpecs, loadLaunchGraph, processGroups } from "../../src/host/graph.js";
import { createNodeHandle } from "../../src/host/node-handle.js";
import { createRunServices } from "../../src/host/run-services.js";
import { codecFor } from "../../src/msgs/codec.js";
import type { DetectorArray } from "../../src/msgs/detector-arrays.js";
import type {
  CompressedImage,
  PerceptionFrame,
  StageLatency,
} from "../../src/msgs/types.generated.js";
import type { NodeInstance } from "../../src/ros/node-spec.js";
import { CAMERA_FRAME, cameraMount, smallCameraInfo } from "./camera-fixtures.js";
import { START } from "./harness.js";
import { testTimeout } from "../support/emulation.js";

const NODES = ["pedestrian_detector", "lane_detector", "crosswalk_detector", "map_fusion"];
const DETECTOR_OUTPUTS = ["/perception/pedestrians", "/perception/lanes", "/perception/crosswalks"];
const FRAME_TOPIC = "/perception/frame";
/** 4 Hz: slower than every detector's rate_hz, so each detector takes every frame. */
const PERIOD = 250_000_000n;
const FRAMES = 3;

interface Process {
  bus: InProcessBus;
  instances: NodeInstance[];
}

interface Run {
  /** What the detectors published (the objects they sent), by stamp. */
  published: Map<bigint, DetectorArray[]>;
  frames: PerceptionFrame[];
  /** Detector arrays that crossed between processes as CDR bytes. */
  bridged: number;
}

/** Runs the graph's detectors and map_fusion on FRAMES camera frames, in the given mode. */
async function run(mode: "one_process" | "multi_process", jpeg: Uint8Array): Promise<Run> {
  const graph = loadLaunchGraph();
  const args = { mode, map_file: "" };
  const specs = (await graphToNodeSpecs(graph, { args })).filter((s) => NODES.includes(s.name));
  const clock = new SimClock(START);
  const timers = new SimTimerQueue(clock, realClock);
  const result: Run = { published: new Map(), frames: [], bridged: 0 };
  const processes: Process[] = [];
  for (const members of processGroups(graph, args).values()) {
    const bus = new InProcessBus({
      now: () => clock.now(),
      wallClock: realClock,
      onCallbackError: (_n, _t, e) => {
        throw e;
      },
    });
    const services = createRunServices();
    const instances: NodeInstance[] = [];
    for (const spec of specs.filter((s) => members.includes(s.name))) {
      const hosted = createNodeHandle({
        spec,
        bus,
        timers,
        now: () => clock.now(),
        wallClock: realClock,
        clockKind: "sim",
        logSink: () => undefined,
        services,
        parameterOverrides: { use_sim_time: true },
      });
      instances.push(await spec.create(hosted.handle));
    }
    if (instances.length > 0) processes.push({ bus, instances });
  }
  expect(processes).toHaveLength(mode === "one_process" ? 1 : 3);
  for (const p of processes) {
    const others = processes.filter((o) => o !== p);
    // Another process gets a local publication as CDR bytes only, decoded on its side.
    p.bus.addTap({
      wants: (topic) => others.some((o) => o.bus.subscriberCount(topic) > 0),
      write: (pub) => {
        for (const o of others) {
          if (o.bus.subscriberCount(pub.topic) === 0) continue;
          const cdr = pub.cdr.slice();
          o.bus.inject(pub.topic, codecFor(pub.type).decode(cdr), {
            topic: pub.topic,
            receiveTime: pub.time,
            cdr,
          });
          if (DETECTOR_OUTPUTS.includes(pub.topic)) result.bridged++;
        }
      },
    });
    for (const topic of DETECTOR_OUTPUTS) {
      if (p.bus.topics().some((t) => t.name === topic && t.publishers.length > 0)) {
        p.bus.subscribe("test", topic, 100, (m) => {
          const msg = m as DetectorArray;
          const key = timeToNs(msg.header.stamp);
          result.published.set(key, [...(result.published.get(key) ?? []), msg]);
        });
      }
    }
    if (p.bus.topics().some((t) => t.name === FRAME_TOPIC && t.publishers.length > 0))
      p.bus.subscribe(
        "test",
        FRAME_TOPIC,
        100,
        (m) => void result.frames.push(m as PerceptionFrame),
      );
  }
  const settle = async (): Promise<void> => {
    for (;;) {
      const before = processes.reduce((n, p) => n + p.bus.deliveries, 0);
      for (const p of processes) {
        await p.bus.idle();
        for (const i of p.instances) await i.idle?.();
      }
      if (processes.reduce((n, p) => n + p.bus.deliveries, 0) === before) return;
    }
  };
  const deliver = async (topic: string, message: unknown, ns: bigint): Promise<void> => {
    await timers.fireUntil(ns, {
      settle,
      onError: (_o, e) => {
        throw e;
      },
    });
    clock.set(ns);
    // Inputs reach every process (each subscribes on its own).
    for (const p of processes) p.bus.inject(topic, message, { topic, receiveTime: clock.now() });
    await settle();
  };
  await deliver("/tf_static", cameraMount(nsToTime(START), 0.05), START);
  for (let i = 0n; i < BigInt(FRAMES); i++) {
    const ns = START + i * PERIOD;
    await deliver("/camera/front/camera_info", smallCameraInfo(nsToTime(ns)), ns + 1n);
    const image: CompressedImage = {
      header: { stamp: nsToTime(ns), frame_id: CAMERA_FRAME },
      format: "jpeg",
      data: jpeg,
    };
    await deliver("/camera/front/image_raw/compressed", image, ns + 2n);
  }
  // Past max_input_age_s: the last stamp is fused too.
  await timers.fireUntil(START + BigInt(FRAMES + 8) * PERIOD, {
    settle,
    onError: (_o, e) => {
      throw e;
    },
  });
  for (const p of processes) for (const i of [...p.instances].reverse()) await i.dispose?.();
  return result;
}

const byStage = (a: StageLatency, b: StageLatency): number =>
  a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0;

/** Checks every frame against what the detectors published for its stamp; returns each frame's stage names. */
function checkFrames(r: Run): string[][] {
  expect(r.frames).toHaveLength(FRAMES);
  return r.frames.map((frame) => {
    const inputs = r.published.get(timeToNs(frame.header.stamp)) ?? [];
    expect(
      inputs
        .map((m) =>
          Object.keys(m).find((k) => ["markings", "crosswalks", "pedestrians"].includes(k)),
        )
        .sort(),
    ).toEqual(["crosswalks", "markings", "pedestrians"]);
    const sent = inputs.flatMap((m) => m.latencies).sort(byStage);
    const fused = frame.latencies.filter((l) => l.stage !== "fusion");
    // Exactly the values the detectors measured (float32 on both paths), not re-measured or lost.
    expect(fused).toEqual(sent);
    expect(fused.find((l) => l.stage === "crosswalk_detector")!.duration_ms).toBeGreaterThan(0);
    expect(frame.latencies.at(-1)!.stage).toBe("fusion");
    expect(frame.pipeline_latency_ms).toBeGreaterThanOrEqual(
      Math.fround(Math.max(...inputs.map((m) => m.pipeline_latency_ms))),
    );
    return frame.latencies.map((l) => l.stage);
  });
}

describe("stage latencies across processes", () => {
  it(
    "reach map_fusion in the detector arrays alike in one process and through CDR between process groups",
    async () => {
      const jpeg = new Uint8Array(
        await sharp({
          create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 90, b: 90 } },
        })
          .jpeg()
          .toBuffer(),
      );
      const one = await run("one_process", jpeg);
      const multi = await run("multi_process", jpeg);
      expect(one.bridged).toBe(0);
      expect(multi.bridged).toBe(3 * FRAMES);
      const stages = checkFrames(one);
      expect(checkFrames(multi)).toEqual(stages);
      expect(stages[0]).toEqual([
        "crosswalk_detector",
        "lane_detector",
        "lane_model",
        "lane_postprocess",
        "pedestrian_detector",
        "pedestrian_model",
        "pedestrian_postprocess",
        "fusion",
      ]);
    },
    testTimeout(120_000),
  );
});
