import { describe, expect, it } from "vitest";
import { codecFor } from "../../../src/msgs/codec.js";
import { timeToNs } from "../../../src/core/time.js";
import type { String as StringMsg } from "../../../src/msgs/types.generated.js";
import {
  LIVE_TESTS_ENV,
  importRclnodejs,
  loadRclnodejs,
  rclnodejsImportRefusal,
} from "../../../src/host/live/load-rclnodejs.js";
import { runLive, type LiveReadyInfo } from "../../../src/host/live/run-live.js";
import type { NodeSpec } from "../../../src/ros/node-spec.js";
import { mapFusionFileParameters } from "../../fusion/support/map-fusion-tuning.js";
import type { Publisher } from "../../../src/ros/node-api.js";
import { fakeRclnodejs, notInstalledLoader } from "./fake-rclnodejs.js";
import {
  createMapFusionNode,
  parameterSchema as mapFusionSchema,
} from "../../../src/nodes/map-fusion.js";
import type { DiagnosticArray } from "../../../src/msgs/types.generated.js";
import { imageCdr, imageSizeNode } from "../replay/fixtures.js";
import { testTimeout } from "../../support/emulation.js";

/**
 * Waits for runLive's ready report, polling every 5 ms for up to 2 s (scaled under emulation, where
 * a fixed number of polls ran out before the node had started).
 */
async function untilReady(ready: () => LiveReadyInfo | undefined): Promise<void> {
  const deadline = Date.now() + testTimeout(2000);
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  if (!ready()) throw new Error(`runLive did not report ready within ${testTimeout(2000)} ms`);
}

const ROS_ENV = { AMENT_PREFIX_PATH: "/opt/ros/jazzy" };

describe("loading rclnodejs", () => {
  it("fails with one message saying how to source ROS 2 when it is not sourced", async () => {
    await expect(loadRclnodejs(undefined, {})).rejects.toThrow(
      /^ROS 2 is not sourced \(AMENT_PREFIX_PATH is not set\): .*source \/opt\/ros\/jazzy\/setup\.bash.*npm_config_yes=true npm install rclnodejs@2/,
    );
  });

  it("fails with one message when rclnodejs is not installed", async () => {
    await expect(loadRclnodejs(notInstalledLoader, ROS_ENV)).rejects.toThrow(
      /^rclnodejs is not installed: .*npm install rclnodejs@2 --foreground-scripts.*doctor/,
    );
  });

  it("says how to see why when an installed rclnodejs fails to load", async () => {
    const broken = async (): Promise<never> => {
      throw new Error("Could not locate the bindings file. Tried:\n → /x/build/rclnodejs.node");
    };
    await expect(loadRclnodejs(broken, ROS_ENV)).rejects.toThrow(
      /^rclnodejs failed to load \(Could not locate the bindings file\. Tried:\): .*npm rebuild rclnodejs --foreground-scripts/,
    );
  });

  it("never imports the installed rclnodejs from a test run unless it is explicitly live with ROS 2 sourced", async () => {
    // The real loader, here: refused before any import (an installed rclnodejs imported without
    // ROS 2 sourced rebuilds itself and deletes its addon).
    await expect(importRclnodejs()).rejects.toThrow(
      new RegExp(`tests never load the installed rclnodejs .*${LIVE_TESTS_ENV}=1`),
    );
    await expect(loadRclnodejs(undefined, ROS_ENV)).rejects.toThrow(
      /tests never load the installed rclnodejs/,
    );
    expect(rclnodejsImportRefusal({ VITEST: "true", [LIVE_TESTS_ENV]: "1" })).toMatch(
      /needs ROS 2 sourced/,
    );
    expect(
      rclnodejsImportRefusal({
        VITEST: "true",
        [LIVE_TESTS_ENV]: "1",
        AMENT_PREFIX_PATH: "/opt/ros/jazzy",
      }),
    ).toBeUndefined();
    expect(rclnodejsImportRefusal({})).toBeUndefined(); // outside tests: the CLI loads it
  });

  it("rejects a module that is not rclnodejs", async () => {
    await expect(loadRclnodejs(async () => ({ default: {} }), ROS_ENV)).rejects.toThrow(
      /does not look like rclnodejs 2.x/,
    );
  });
});

/** A node that checks a parameter and a timer, and records what it receives. */
const clockKinds: string[] = [];
function consumerNode(received: unknown[], changes: unknown[]): NodeSpec {
  return {
    name: "consumer",
    namespace: "/perception",
    parameterSchema: {
      type: "object",
      additionalProperties: false,
      properties: {
        threshold: { type: "number", minimum: 0, maximum: 1, default: 0.5, description: "cut" },
        count: { type: "integer", default: 3 },
        topic: { type: "string", default: "/in", readOnly: true },
        use_sim_time: { type: "boolean", default: false },
      },
    },
    parameters: {},
    create(node) {
      node.parameters.onChange((c) => void changes.push({ ...c }));
      node.createSubscription(
        "std_msgs/msg/String",
        "/test/image_size/sizes",
        { profile: "reliable" },
        (m) => void received.push(m),
      );
      node.createTimer(0.25, () => {});
      clockKinds.push(node.clockKind);
      const pub = node.createPublisher("std_msgs/msg/String", "~/hello", {
        profile: "transient_local",
      });
      pub.publish({ data: "published during create" });
      return { dispose: () => void received.push("disposed") };
    },
  };
}

describe("runLive over a fake rclnodejs", () => {
  it("wires nodes: raw wire subscriptions decoded once, local delivery by object, CDR to the wire", async () => {
    const world = fakeRclnodejs();
    world.cliOverrides["/perception/consumer"] = { threshold: 0.7 };
    const received: unknown[] = [];
    const changes: unknown[] = [];
    const controller = new AbortController();
    let ready: LiveReadyInfo | undefined;
    const published: StringMsg[] = [];
    const producer = imageSizeNode();
    const spy: NodeSpec = {
      ...producer,
      create: (h) => {
        const orig = h.createPublisher.bind(h);
        h.createPublisher = ((type: "std_msgs/msg/String", topic: string, qos?: object) => {
          const p = orig(type, topic, qos);
          return {
            ...p,
            publish: (m: StringMsg) => {
              published.push(m);
              p.publish(m);
            },
          };
        }) as typeof h.createPublisher;
        return producer.create(h);
      },
    };
    const running = runLive({
      nodes: [spy, consumerNode(received, changes)],
      loader: async () => world.module,
      env: ROS_ENV,
      systemNowNs: () => world.nowNs,
      signal: controller.signal,
      logSink: () => {},
      onReady: (info) => (ready = info),
    });
    await untilReady(() => ready);
    expect(ready).toMatchObject({
      nodes: ["/test/image_size", "/perception/consumer"],
      wirePublications: ["/test/image_size/sizes", "/perception/consumer/hello"],
      wireSubscriptions: ["/camera/front/image_raw"],
      // What the ROS graph cannot show: the consumer gets the sizes in-process.
      inProcessSubscriptions: { "/perception/consumer": ["/test/image_size/sizes"] },
    });
    // rcl parses no application arguments (only --ros-args, none here); rclnodejs's signal handlers are gone.
    expect(world.initArgv).toEqual(["edge-perception"]);
    expect(world.calls.slice(0, 2)).toEqual(["removeSignalHandlers", "init"]);
    // The wire subscription is raw, best effort depth 5 (sensor data), hosted by the subscribing node; no /clock without sim time.
    expect(world.subscriptions).toHaveLength(1);
    const sub = world.subscriptions[0]!;
    expect(sub).toMatchObject({
      node: "/test/image_size",
      type: "sensor_msgs/msg/Image",
      topic: "/camera/front/image_raw",
      options: { isRaw: true, qos: { depth: 5, reliabilityPolicy: 2, durability: 2 } },
    });
    expect(
      world.publishers.find((p) => p.topic === "/perception/consumer/hello")?.qos,
    ).toMatchObject({ depth: 1, durability: 1 });
    // Parameter events go to /parameter_events (rclnodejs's namespaced publisher is replaced).
    const events = world.publishers.filter((p) => p.type === "rcl_interfaces/msg/ParameterEvent");
    expect(events.map((p) => [p.node, p.topic, p.destroyed])).toEqual([
      ["/test/image_size", "/test/parameter_events", true],
      ["/test/image_size", "/parameter_events", false],
      ["/perception/consumer", "/perception/parameter_events", true],
      ["/perception/consumer", "/parameter_events", false],
    ]);
    expect(events[1]!.qos).toMatchObject({ depth: 1000, reliabilityPolicy: 1, durability: 2 });
    // What was published during create() reached the wire.
    expect(
      world.publishers.find((p) => p.topic === "/perception/consumer/hello")!.published,
    ).toHaveLength(1);

    sub.callback(Buffer.from(imageCdr(64, 48, 0n)));
    await new Promise((r) => setTimeout(r, 5));
    expect(published).toHaveLength(1);
    expect(received[0]).toBe(published[0]); // the same object, not a copy
    const wire = world.publishers.find((p) => p.topic === "/test/image_size/sizes")!.published;
    expect(wire).toHaveLength(1);
    expect(Buffer.isBuffer(wire[0])).toBe(true);
    expect(codecFor<StringMsg>("std_msgs/msg/String").decode(wire[0]!).data).toBe(
      published[0]!.data,
    );
    expect(published[0]!.data).toMatch(/^64x48@1700000000\.0 cdr=yes$/);

    // Undecodable wire data is skipped.
    sub.callback(Buffer.from([0, 1, 0, 0, 9]));
    await new Promise((r) => setTimeout(r, 5));
    expect(published).toHaveLength(1);

    // Parameters: declared with types, CLI override validated into the store, ros2 param set validated.
    const consumer = world.nodes.find((n) => n.fullName === "/perception/consumer")!;
    expect(consumer.getParameter("threshold").value).toBe(0.7);
    expect(consumer.getParameter("count")).toMatchObject({ type: 2, value: 3n });
    expect(consumer.getParameter("use_sim_time").value).toBe(false); // declared by rclnodejs, not twice by us
    const Parameter = world.module.Parameter as new (
      n: string,
      t: number,
      v: unknown,
    ) => { name: string; type: number; value: unknown };
    expect(consumer.setParameter(new Parameter("threshold", 3, 0.2))).toEqual({
      successful: true,
      reason: "",
    });
    expect(changes).toEqual([{ threshold: 0.2 }]);
    const rejected = consumer.setParameter(new Parameter("threshold", 3, 2.0));
    expect(rejected.successful).toBe(false);
    expect(rejected.reason).toMatch(/'threshold' must be <= 1, found 2/);
    expect(consumer.setParameter(new Parameter("count", 2, 7n)).successful).toBe(true);
    expect(changes.at(-1)).toEqual({ count: 7 });
    const eventsOut = events[3]!.published as unknown as Array<{
      node: string;
      changed_parameters: Array<{ name: string }>;
    }>;
    expect(eventsOut.map((e) => e.changed_parameters[0]!.name)).toEqual(["threshold", "count"]);
    expect(events[2]!.published).toHaveLength(0);
    // Refusals carry the project's reasons, not rclnodejs's texts.
    expect(consumer.setParameter(new Parameter("count", 4, "many"))).toEqual({
      successful: false,
      reason: "parameter 'count' is a number, cannot set a string (\"many\")",
    });
    expect(consumer.setParameter(new Parameter("topic", 4, "/x")).reason).toMatch(
      /^parameter 'topic' is read-only: it is applied when \/perception\/consumer starts/,
    );
    expect(consumer.setParameter(new Parameter("nope", 3, 1)).reason).toMatch(
      /^node \/perception\/consumer has no parameter 'nope' \(declared: count, .*threshold/,
    );
    expect(consumer.setParameter(new Parameter("use_sim_time", 1, true)).reason).toMatch(
      /^parameter 'use_sim_time' is fixed when \/perception\/consumer starts .*restart it with use_sim_time:=true/,
    );
    expect(consumer.getParameter("topic").value).toBe("/in");

    // use_sim_time through ros2 param / --ros-args follows into clockKind.
    expect(clockKinds).toEqual(["ros"]);

    // Timers run on the project's clock (system time here), not rclnodejs's.
    expect(world.timers).toHaveLength(0);
    expect(world.nodes.every((n) => n.spinning)).toBe(true);

    controller.abort();
    await running;
    expect(received.at(-1)).toBe("disposed");
    expect(world.nodes.every((n) => n.destroyed)).toBe(true);
    expect(world.calls.at(-1)).toBe("shutdown");
  });

  it("a publisher has subscribers while a subscription on the wire is matched to it or a local node subscribes", async () => {
    const world = fakeRclnodejs();
    const controller = new AbortController();
    let ready: LiveReadyInfo | undefined;
    const publishers: Record<string, Publisher<StringMsg>> = {};
    const node: NodeSpec = {
      name: "talker",
      namespace: "/test",
      parameterSchema: { type: "object", additionalProperties: false, properties: {} },
      parameters: {},
      create(h) {
        publishers.debug = h.createPublisher("std_msgs/msg/String", "~/debug");
        publishers.local = h.createPublisher("std_msgs/msg/String", "~/local");
        h.createSubscription("std_msgs/msg/String", "~/local", { profile: "reliable" }, () => {});
        return {};
      },
    };
    const running = runLive({
      nodes: [node],
      loader: async () => world.module,
      env: ROS_ENV,
      systemNowNs: () => world.nowNs,
      signal: controller.signal,
      logSink: () => {},
      onReady: (info) => (ready = info),
    });
    await untilReady(() => ready);
    expect(ready).toBeDefined();
    expect(publishers.debug!.hasSubscribers()).toBe(false);
    expect(publishers.local!.hasSubscribers()).toBe(true);
    world.publishers.find((p) => p.topic === "/test/talker/debug")!.remoteSubscriptions = 1;
    expect(publishers.debug!.hasSubscribers()).toBe(true);
    controller.abort();
    await running;
  });

  it("fails before creating ROS entities when a parameter is invalid, and shuts rclnodejs down", async () => {
    const world = fakeRclnodejs();
    const spec = { ...consumerNode([], []), parameters: { threshold: "high" } };
    await expect(
      runLive({ nodes: [spec], loader: async () => world.module, env: ROS_ENV, logSink: () => {} }),
    ).rejects.toThrow(
      /node \/perception\/consumer: parameter 'threshold' must be number, found "high"/,
    );
    expect(world.nodes).toHaveLength(0);
    expect(world.calls).toEqual(["removeSignalHandlers", "init", "shutdown"]);
  });

  it("rejects an invalid command-line override", async () => {
    const world = fakeRclnodejs();
    world.cliOverrides["/perception/consumer"] = { threshold: 5 };
    await expect(
      runLive({
        nodes: [consumerNode([], [])],
        loader: async () => world.module,
        env: ROS_ENV,
        logSink: () => {},
      }),
    ).rejects.toThrow(/--ros-args parameter override is invalid: .*'threshold' must be <= 1/);
  });
});

describe("runLive clock", () => {
  it("reports sim time when use_sim_time is set by a --ros-args override", async () => {
    const world = fakeRclnodejs();
    world.cliOverrides["/sim"] = { use_sim_time: true };
    const kinds: string[] = [];
    const controller = new AbortController();
    const spec: NodeSpec = {
      name: "sim",
      parameterSchema: {
        type: "object",
        properties: { use_sim_time: { type: "boolean", default: false } },
      },
      parameters: {},
      create(node) {
        kinds.push(node.clockKind);
        return {};
      },
    };
    controller.abort();
    await runLive({
      nodes: [spec],
      loader: async () => world.module,
      env: ROS_ENV,
      signal: controller.signal,
      logSink: () => {},
    });
    expect(kinds).toEqual(["sim"]);
  });
});

/** CDR of a rosgraph_msgs/Clock at `ns`, as `ros2 bag play --clock` publishes it. */
function clockCdr(ns: bigint): Buffer {
  const sec = Number(ns / 1_000_000_000n);
  const nanosec = Number(ns % 1_000_000_000n);
  return Buffer.from(codecFor("rosgraph_msgs/msg/Clock").encode({ clock: { sec, nanosec } }));
}

describe("runLive sim time from /clock", () => {
  it("subscribes to /clock best effort (as rclcpp), follows it, fires timers in sim time and counts a jump back", async () => {
    const world = fakeRclnodejs();
    const ticks: Array<[number, number]> = [];
    const nows: number[] = [];
    const controller = new AbortController();
    let ready: LiveReadyInfo | undefined;
    const spec: NodeSpec = {
      name: "ticker",
      namespace: "/perception",
      parameterSchema: {
        type: "object",
        properties: { use_sim_time: { type: "boolean", default: false } },
      },
      parameters: { use_sim_time: true },
      create(node) {
        nows.push(node.now().sec);
        node.createTimer(1.0, () => void ticks.push([node.now().sec, node.now().nanosec]));
        return {};
      },
    };
    const running = runLive({
      nodes: [spec],
      loader: async () => world.module,
      env: ROS_ENV,
      signal: controller.signal,
      logSink: () => {},
      onReady: (i) => (ready = i),
    });
    await untilReady(() => ready);
    // Zero before the first /clock (rclcpp's behaviour), not the system time.
    expect(nows).toEqual([0]);
    const clock = world.subscriptions.find((s) => s.topic === "/clock")!;
    // Best effort, keep last 1, volatile: matches `ros2 bag play --clock` (best effort) and reliable publishers.
    expect(clock).toMatchObject({
      node: "/perception/ticker",
      type: "rosgraph_msgs/msg/Clock",
      options: { isRaw: true, qos: { depth: 1, reliabilityPolicy: 2, durability: 2 } },
    });
    // The player publishes /clock at 40 Hz from 100 s to 103.5 s: the 1 s timer fires at 101, 102, 103.
    for (let t = 100_000n; t <= 103_500n; t += 25n) clock.callback(clockCdr(t * 1_000_000n));
    await new Promise((r) => setTimeout(r, 10));
    expect(ticks).toEqual([
      [101, 0],
      [102, 0],
      [103, 0],
    ]);
    expect(ready!.time()).toMatchObject({ clockMessages: 141, timeJumps: 0, simTicks: 3 });
    // A second play (or -l) starts again at 100 s: counted, and the timer fires again one period later.
    for (let t = 100_000n; t <= 101_500n; t += 25n) clock.callback(clockCdr(t * 1_000_000n));
    await new Promise((r) => setTimeout(r, 10));
    expect(ticks.slice(3)).toEqual([[101, 0]]);
    expect(ready!.time()).toMatchObject({ timeJumps: 1, simTicks: 4 });
    // No rclnodejs timer: rclnodejs's own time source (reliable /clock) would never fire it.
    expect(world.timers).toHaveLength(0);
    controller.abort();
    await running;
  });
});

describe("runLive with a real node under `ros2 bag play --clock`", () => {
  it("map_fusion's /diagnostics appear within 2 s of sim time, and its final diagnostics at Ctrl-C", async () => {
    const world = fakeRclnodejs();
    const controller = new AbortController();
    let ready: LiveReadyInfo | undefined;
    const spec: NodeSpec = {
      name: "map_fusion",
      namespace: "/perception",
      create: createMapFusionNode,
      parameterSchema: mapFusionSchema(),
      parameters: {
        ...mapFusionFileParameters(),
        map_file: "",
        base_frame: "base_link",
        map_frame: "map",
        pose_source: "tf",
        pose_timeout_s: 0.2,
        max_input_age_s: 0.5,
        max_pose_jump_m: 5,
        time_jump_threshold_s: 1,
        processing_budget_ms: 10,
        use_sim_time: true,
        pose_jump_recovery_s: 1,
      },
    };
    const running = runLive({
      nodes: [spec],
      loader: async () => world.module,
      env: ROS_ENV,
      signal: controller.signal,
      logSink: () => {},
      onReady: (i) => (ready = i),
    });
    await untilReady(() => ready);
    const clock = world.subscriptions.find((sub) => sub.topic === "/clock")!;
    const diagnostics = (): DiagnosticArray[] =>
      world.publishers
        .find((p) => p.topic === "/diagnostics")!
        .published.map((b) =>
          codecFor<DiagnosticArray>("diagnostic_msgs/msg/DiagnosticArray").decode(b),
        );
    expect(diagnostics()).toHaveLength(0);
    const T0 = 1_700_000_100n * 1_000_000_000n;
    for (let ms = 0n; ms <= 2000n; ms += 25n) clock.callback(clockCdr(T0 + ms * 1_000_000n));
    await new Promise((r) => setTimeout(r, 20));
    const within2s = diagnostics();
    expect(within2s.length).toBeGreaterThanOrEqual(1);
    expect(within2s[0]!.status.map((st) => st.name)).toEqual(["/perception/map_fusion"]);
    expect(timeToNs(within2s[0]!.header.stamp) - T0).toBeLessThanOrEqual(2_000_000_000n);
    controller.abort();
    await running;
    // Disposed before rclnodejs shut down: the final diagnostics went out.
    expect(diagnostics().length).toBe(within2s.length + 1);
  });
});
