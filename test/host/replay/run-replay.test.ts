import { describe, expect, it } from "vitest";
import { codecFor } from "../../../src/msgs/codec.js";
import type { NodeSpec } from "../../../src/ros/node-spec.js";
import { runReplay } from "../../../src/host/replay/run-replay.js";
import {
  IMAGE_TOPIC,
  INFO_TOPIC,
  imageEntries,
  imageSizeNode,
  memorySink,
  memorySource,
} from "./fixtures.js";

const quiet = () => {};

describe("runReplay over an in-memory bag", () => {
  it("feeds messages in log-time order, stamps outputs with sim time and records them", async () => {
    const entries = imageEntries(5);
    const sink = memorySink();
    const source = memorySource(entries);
    const summary = await runReplay({
      bag: "memory",
      nodes: [imageSizeNode()],
      source,
      sink,
      logSink: quiet,
    });
    expect(summary.messagesIn).toBe(5);
    expect(summary.inByTopic).toEqual({ [IMAGE_TOPIC]: 5 });
    expect(summary.publishedByTopic).toEqual({ "/test/image_size/sizes": 5 });
    expect(sink.topics).toEqual([
      { name: "/test/image_size/sizes", type: "std_msgs/msg/String", qos: "reliable" },
    ]);
    expect(sink.messages.map((m) => m.text)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${8 + i}x4@1700000000.${String(i * 100_000_000)} cdr=yes`),
    );
    expect(sink.messages.map((m) => m.logTime)).toEqual(
      entries.map((e) => (e.kind === "message" ? e.logTime : 0n)),
    );
    expect(sink.closed).toBe(1);
    expect(source.closed).toBe(true);
    expect(summary.aborted).toBe(false);
    expect(summary.simSeconds).toBeCloseTo(0.4, 9);
  });

  it("announces upcoming messages to subscribers that ask, then delivers the same objects in order", async () => {
    const events: string[] = [];
    const announced = new Set<unknown>();
    let sameObjects = 0;
    const node: NodeSpec = {
      name: "ahead",
      namespace: "/test",
      parameterSchema: { type: "object", additionalProperties: false, properties: {} },
      parameters: {},
      remappings: { "~/in/image": IMAGE_TOPIC },
      create(handle) {
        handle.createSubscription(
          "sensor_msgs/msg/Image",
          "~/in/image",
          { profile: "sensor_data" },
          (img) => {
            events.push(`deliver ${img.width}`);
            if (announced.has(img)) sameObjects++;
          },
          { upcoming: (img) => (events.push(`upcoming ${img.width}`), announced.add(img)) },
        );
        return {};
      },
    };
    const summary = await runReplay({
      bag: "memory",
      nodes: [node],
      source: memorySource(imageEntries(4)),
      logSink: quiet,
    });
    expect(summary.messagesIn).toBe(4);
    // Four messages are announced ahead, the first ones before anything is delivered.
    expect(events).toEqual([
      "upcoming 8",
      "upcoming 9",
      "upcoming 10",
      "upcoming 11",
      "deliver 8",
      "deliver 9",
      "deliver 10",
      "deliver 11",
    ]);
    expect(sameObjects).toBe(4);
  });

  it("waits for async callbacks so output order does not depend on their timing", async () => {
    const run = async (delay: (w: number) => number) => {
      const sink = memorySink();
      // Two nodes on the same input; the slow one finishes last or first depending on delay.
      await runReplay({
        bag: "memory",
        nodes: [
          imageSizeNode({ name: "a", delayMs: delay }),
          imageSizeNode({ name: "b", delayMs: (w) => 6 - delay(w) }),
        ],
        source: memorySource(imageEntries(4)),
        sink,
        logSink: quiet,
      });
      return sink.messages;
    };
    const first = await run((w) => (w % 2 === 0 ? 5 : 0));
    const second = await run((w) => (w % 2 === 0 ? 0 : 5));
    expect(first).toEqual(second);
    expect(first.map((m) => m.topic)).toEqual(
      Array.from({ length: 4 }, () => ["/test/a/sizes", "/test/b/sizes"]).flat(),
    );
  });

  it("settles only once no node got new work while the others were waited for", async () => {
    // relay answers each image late (work outside its callback, covered by its idle()); late starts
    // its own work on relay's message, after its idle() was already asked for once. Both answers
    // belong to the image's step, so they carry its log time.
    const worker = (
      name: string,
      input: string,
      inputType: "sensor_msgs/msg/Image" | "std_msgs/msg/String",
    ): NodeSpec => ({
      name,
      namespace: "/test",
      parameterSchema: { type: "object", additionalProperties: false, properties: {} },
      parameters: {},
      remappings: {},
      create(node) {
        const pub = node.createPublisher("std_msgs/msg/String", "~/out");
        let pending = Promise.resolve();
        node.createSubscription(inputType, input, { profile: "reliable" }, () => {
          pending = new Promise((r) => setTimeout(r, 3)).then(() => pub.publish({ data: name }));
        });
        return { idle: () => pending };
      },
    });
    const sink = memorySink();
    const entries = imageEntries(3);
    await runReplay({
      bag: "memory",
      nodes: [
        worker("relay", IMAGE_TOPIC, "sensor_msgs/msg/Image"),
        worker("late", "/test/relay/out", "std_msgs/msg/String"),
      ],
      source: memorySource(entries),
      sink,
      logSink: quiet,
    });
    const stepTimes = entries.map((e) => (e.kind === "message" ? e.logTime : 0n));
    expect(sink.messages.map((m) => [m.topic, m.logTime])).toEqual(
      stepTimes.flatMap((t) => [
        ["/test/late/out", t],
        ["/test/relay/out", t],
      ]),
    );
  });

  it("fires timers in sim time between messages, in order", async () => {
    const ticks: string[] = [];
    const timerNode: NodeSpec = {
      name: "ticker",
      parameterSchema: { type: "object" },
      parameters: {},
      create(node) {
        node.createSubscription("sensor_msgs/msg/Image", IMAGE_TOPIC, {}, () => {
          const t = node.now();
          ticks.push(`msg@${t.nanosec / 1e6}`);
        });
        node.createTimer(0.04, () => {
          const t = node.now();
          ticks.push(`tick@${t.nanosec / 1e6}`);
        });
        expect(node.clockKind).toBe("sim");
        expect(node.parameters.get("use_sim_time")).toBe(true);
        return {};
      },
    };
    const summary = await runReplay({
      bag: "memory",
      nodes: [timerNode],
      source: memorySource(imageEntries(3, 0n)),
      logSink: quiet,
    });
    expect(ticks).toEqual([
      "msg@0",
      "tick@40",
      "tick@80",
      "msg@100",
      "tick@120",
      "tick@160",
      "tick@200",
      "msg@200",
    ]); // a tick due at a message time fires first
    expect(summary.timerTicks).toBe(5);
  });

  it("skips undecodable messages, counts them by topic and kind, and goes on", async () => {
    const entries = imageEntries(4);
    const broken = entries[1]!;
    if (broken.kind === "message") broken.data = broken.data.slice(0, 20);
    const logs: string[] = [];
    const sink = memorySink();
    const summary = await runReplay({
      bag: "memory",
      nodes: [imageSizeNode()],
      source: memorySource(entries),
      sink,
      logSink: (level, source, message) => logs.push(`${level} ${source} ${message}`),
    });
    expect(summary.decodeErrors).toEqual({ cdr: 1 });
    expect(summary.decodeErrorsByTopic).toEqual({ [IMAGE_TOPIC]: { cdr: 1 } });
    expect(sink.messages).toHaveLength(3);
    expect(logs.filter((l) => l.includes("undecodable"))).toHaveLength(1);
    expect(logs[0]).toMatch(/\/camera\/front\/image_raw \(bag memory, memory offset 1\)/);
  });

  it("counts node errors per node and keeps running", async () => {
    const failing: NodeSpec = {
      name: "failing",
      parameterSchema: {},
      parameters: {},
      create(node) {
        node.createSubscription("sensor_msgs/msg/Image", IMAGE_TOPIC, {}, (img) => {
          if (img.width % 2 === 0) throw new Error(`cannot handle width ${img.width}`);
        });
        return {};
      },
    };
    const sink = memorySink();
    const summary = await runReplay({
      bag: "memory",
      nodes: [failing, imageSizeNode()],
      source: memorySource(imageEntries(6)),
      sink,
      logSink: quiet,
    });
    expect(summary.nodeErrors).toEqual({ "/failing": 3 });
    expect(sink.messages).toHaveLength(6);
  });

  it("passes /tf, /tf_static and CameraInfo through into the output bag", async () => {
    const info = codecFor("sensor_msgs/msg/CameraInfo").encode({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "cam" },
      height: 4,
      width: 8,
      distortion_model: "plumb_bob",
      d: new Float64Array(5),
      k: new Float64Array(9),
      r: new Float64Array(9),
      p: new Float64Array(12),
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    });
    const entries = imageEntries(2);
    entries.splice(1, 0, {
      kind: "message",
      topic: INFO_TOPIC,
      type: "sensor_msgs/msg/CameraInfo",
      logTime: 1_700_000_000_050_000_000n,
      publishTime: 0n,
      data: info,
      file: "memory",
    });
    const sink = memorySink();
    await runReplay({
      bag: "memory",
      nodes: [imageSizeNode()],
      source: memorySource(entries, [
        { name: IMAGE_TOPIC, type: "sensor_msgs/msg/Image" },
        { name: INFO_TOPIC, type: "sensor_msgs/msg/CameraInfo" },
      ]),
      sink,
      logSink: quiet,
    });
    expect(sink.messages.map((m) => m.topic)).toEqual([
      "/test/image_size/sizes",
      INFO_TOPIC,
      "/test/image_size/sizes",
    ]);
    expect(sink.topics.find((t) => t.name === INFO_TOPIC)?.qos).toBe("sensor_data");
  });

  it("records what nodes publish while they start, stamped with the bag's start time", async () => {
    const latched: NodeSpec = {
      name: "latched",
      parameterSchema: {},
      parameters: {},
      create(node) {
        node
          .createPublisher("std_msgs/msg/String", "/map_version", { profile: "transient_local" })
          .publish({ data: "v1" });
        return {};
      },
    };
    const sink = memorySink();
    const entries = imageEntries(2);
    await runReplay({
      bag: "memory",
      nodes: [latched, imageSizeNode()],
      source: memorySource(entries),
      sink,
      logSink: quiet,
    });
    expect(sink.messages[0]).toMatchObject({
      topic: "/map_version",
      text: "v1",
      logTime: entries[0]!.kind === "message" ? entries[0]!.logTime : 0n,
    });
    expect(sink.topics.find((t) => t.name === "/map_version")?.qos).toBe("transient_local");
    expect(sink.messages).toHaveLength(3);
  });

  it("does not record excluded topics (exact or prefix*)", async () => {
    const sink = memorySink();
    const summary = await runReplay({
      bag: "memory",
      nodes: [imageSizeNode({ name: "a" }), imageSizeNode({ name: "b" })],
      source: memorySource(imageEntries(2)),
      sink,
      excludeTopics: ["/test/a/*"],
      logSink: quiet,
    });
    expect(sink.topics.map((t) => t.name)).toEqual(["/test/b/sizes"]);
    expect(summary.recordedByTopic).toEqual({ "/test/b/sizes": 2 });
    expect(summary.publishedByTopic).toEqual({ "/test/a/sizes": 2, "/test/b/sizes": 2 });
  });

  it("stops on abort, finalising the output", async () => {
    const controller = new AbortController();
    const stopper: NodeSpec = {
      name: "stopper",
      parameterSchema: {},
      parameters: {},
      create(node) {
        let n = 0;
        node.createSubscription("sensor_msgs/msg/Image", IMAGE_TOPIC, {}, () => {
          if (++n === 3) controller.abort();
        });
        return {};
      },
    };
    const sink = memorySink();
    const summary = await runReplay({
      bag: "memory",
      nodes: [stopper, imageSizeNode()],
      source: memorySource(imageEntries(10)),
      sink,
      signal: controller.signal,
      logSink: quiet,
    });
    expect(summary.aborted).toBe(true);
    expect(summary.messagesIn).toBe(3);
    expect(sink.closed).toBe(1);
  });

  it("fails before reading when a node's parameters are invalid", async () => {
    const source = memorySource(imageEntries(2));
    const spec = { ...imageSizeNode(), parameters: { prefix: 3 } };
    await expect(
      runReplay({ bag: "memory", nodes: [spec], source, logSink: quiet }),
    ).rejects.toThrow(/node \/test\/image_size: parameter 'prefix' must be string, found 3/);
    expect(source.closed).toBe(true);
  });

  it("paces by sim time with rate", async () => {
    const start = performance.now();
    const summary = await runReplay({
      bag: "memory",
      nodes: [imageSizeNode()],
      source: memorySource(imageEntries(3)),
      rate: 4,
      logSink: quiet,
    });
    // 0.2 s of bag at 4x takes at least 50 ms of wall time.
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    expect(summary.messagesIn).toBe(3);
  });
});
