/**
 * Runs nodes live over ROS 2 with rclnodejs 2.x. Every node gets a real rclnodejs node (so the ROS
 * graph, parameters and `ros2 param` work), while messages between nodes of this process go over
 * the in-process bus as objects (one-process mode: no re-serialising of decoded frames). Topics
 * published here are also published on the wire as pre-serialised CDR (encoded once); topics
 * only subscribed here come from the wire through raw subscriptions (`isRaw: true`) and are
 * decoded with the project's codec, the same code path replay uses.
 *
 * Time is the project's own (live-time-source.ts): system time, or `/clock` subscribed best effort
 * with `use_sim_time`. rcl only parses `rosArgs` (never the app's `name:=value` arguments), and
 * rclnodejs's signal handlers are removed so that SIGINT/SIGTERM let the nodes publish their last
 * outputs and dispose before the context shuts down.
 */
import { errorMessage } from "../../core/errors.js";
import { realClock, type MonotonicClock } from "../../core/monotonic-clock.js";
import { timeToNs, type Time } from "../../core/time.js";
import { codecFor } from "../../msgs/codec.js";
import { InProcessBus, type Publication, type PublicationTap } from "../bus.js";
import { disposeHostedInstances, type HostedInstance } from "../hosted-instances.js";
import { stderrLogSink, type LogSink } from "../logger.js";
import { normalizeNamespace } from "../../msgs/names.js";
import type { ClockKind, QosOptions } from "../../ros/node-api.js";
import { createNodeHandle, type HostedNode } from "../node-handle.js";
import { createRunServices } from "../run-services.js";
import type { NodeSpec } from "../../ros/node-spec.js";
import { USE_SIM_TIME } from "../../ros/parameters/parameter-store.js";
import { loadRclnodejs, type RclnodejsLoader } from "./load-rclnodejs.js";
import { CLOCK_TOPIC, LiveTimeSource, type LiveTimeStats } from "./live-time-source.js";
import { repointParameterEvents } from "./parameter-events.js";
import { clockQos, rclQos } from "./qos.js";
import { bridgeParameters } from "./rcl-parameters.js";
import type { RclNode, RclPublisher } from "./rclnodejs-api.js";

export interface LiveOptions {
  /** The nodes of this process (one process group of the launch graph). */
  nodes: NodeSpec[];
  /** Stops the run: nodes are disposed, rclnodejs shut down, and `runLive` resolves. */
  signal?: AbortSignal;
  /** Where node log lines go (default stderr, info and above). */
  logSink?: LogSink;
  /** Loads rclnodejs (default: the real module, lazily); tests inject a fake. */
  loader?: RclnodejsLoader;
  /** Environment checked for a sourced ROS 2 (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** What rcl parses: `--ros-args ...` (parameter overrides, remaps, log levels); default none. */
  rosArgs?: string[];
  /** System time in ns since the epoch (default the system clock; tests inject). */
  systemNowNs?: () => bigint;
  /** The clock measuring processing time, handed to every node (default the real one). */
  wallClock?: MonotonicClock;
  /** Called once every node is created and wired, before spinning (tests, readiness logs). */
  onReady?: (info: LiveReadyInfo) => void;
}

/** What is running once `runLive` is ready. */
export interface LiveReadyInfo {
  /** Full names of the nodes. */
  nodes: string[];
  /** Topics published on the wire. */
  wirePublications: string[];
  /** Topics taken from the wire (subscribed here, published by no node of this process). */
  wireSubscriptions: string[];
  /**
   * What `ros2 node info` cannot show in one-process mode: per node, the topics it subscribes to
   * with no DDS subscription of its own (delivered in-process, or through the one wire
   * subscription another node of this process holds).
   */
  inProcessSubscriptions: Record<string, string[]>;
  /** The clock's counters (/clock messages, time jumps), live. */
  time: () => LiveTimeStats;
}

/** Errors logged in full per node and topic; later ones are only counted. */
const LOGGED_ERRORS = 3;

/**
 * Runs until `signal` aborts. Without ROS 2 sourced or rclnodejs installed it throws one `ros`
 * PerceptionError saying how to fix it, before anything starts.
 */
export async function runLive(options: LiveOptions): Promise<void> {
  const rcl = await loadRclnodejs(options.loader, options.env);
  const logSink = options.logSink ?? stderrLogSink();
  const log = (level: "info" | "warn" | "error", message: string): void =>
    logSink(level, "live", message);
  const errorCounts = new Map<string, number>();
  const reportError = (key: string, message: string): void => {
    const n = (errorCounts.get(key) ?? 0) + 1;
    errorCounts.set(key, n);
    if (n <= LOGGED_ERRORS)
      log(
        "error",
        `${message}${n === LOGGED_ERRORS ? " (further errors here are only counted)" : ""}`,
      );
  };

  // rcl parses only --ros-args: the app's own name:=value arguments are not remap rules.
  await rcl.init(undefined, ["edge-perception", ...(options.rosArgs ?? [])]);
  // loadRclnodejs removed rclnodejs's SIGINT handler (it shuts the context down at once, before
  // the nodes publish their last frame and final diagnostics); the caller's signal stops the run.
  if (typeof rcl.removeSignalHandlers !== "function")
    log(
      "warn",
      "this rclnodejs has no removeSignalHandlers(): on Ctrl-C it may shut down before the nodes' last outputs",
    );

  const wallClock = options.wallClock ?? realClock;
  const time = new LiveTimeSource({
    log,
    wallClock,
    ...(options.systemNowNs ? { systemNowNs: options.systemNowNs } : {}),
  });
  const rclNodes = new Map<string, RclNode>();
  const hosted: HostedNode[] = [];
  const instances: HostedInstance[] = [];
  const wirePublishers = new Map<string, RclPublisher>();
  const clockKindOf = (node: HostedNode | undefined): ClockKind =>
    node?.store.all()[USE_SIM_TIME] === true ? "sim" : "ros";

  const bus = new InProcessBus({
    now: () => time.now(clockKindOf(hosted[0])),
    wallClock,
    onCallbackError: (node, topic, err) =>
      reportError(
        `${node} ${topic}`,
        `${node} failed in its ${topic} callback: ${errorMessage(err)}`,
      ),
    // A wire publisher as soon as a node creates its publisher (so publishes from create() reach the wire).
    onDeclare: (topic, role) => {
      if (role.publisher === undefined || wirePublishers.has(topic.name)) return;
      const host = rclNodes.get(role.publisher)!;
      wirePublishers.set(
        topic.name,
        host.createPublisher(topic.type, topic.name, { qos: rclQos(rcl, topic.qos) }),
      );
    },
  });

  // Local publications go to the wire as pre-serialised CDR (encoded once by the bus).
  const wireTap: PublicationTap = {
    wants: (topic) => wirePublishers.has(topic),
    write: (p: Publication) =>
      wirePublishers
        .get(p.topic)!
        .publish(Buffer.from(p.cdr.buffer, p.cdr.byteOffset, p.cdr.byteLength)),
    // A matched subscription on the wire (an rclnodejs without the count: assumed).
    hasSubscribers: (topic) => (wirePublishers.get(topic)?.subscriptionCount ?? 1) > 0,
  };
  bus.addTap(wireTap);

  try {
    // This process's services (the decoded-frame cache): shared by its nodes.
    const services = createRunServices();
    for (const spec of options.nodes) {
      const namespace = normalizeNamespace(spec.namespace);
      // Validate parameters first (clear error before any ROS entity exists).
      let self: HostedNode | undefined;
      const clockKind = (): ClockKind => clockKindOf(self);
      const node = createNodeHandle({
        spec,
        bus,
        timers: time.timersFor(clockKind),
        now: () => time.now(clockKind()),
        wallClock,
        clockKind,
        logSink,
        services,
      });
      self = node;
      const nodeOptions = new rcl.NodeOptions();
      nodeOptions.startParameterServices = true;
      nodeOptions.automaticallyDeclareParametersFromOverrides = false;
      const rclNode = new rcl.Node(spec.name, namespace, undefined, nodeOptions);
      rclNodes.set(node.fullName, rclNode);
      const events = repointParameterEvents(rcl, rclNode);
      if (events.kind === "unsupported")
        log(
          "warn",
          `${node.fullName}: parameter events stay where rclnodejs publishes them (not /parameter_events)`,
        );
      bridgeParameters(rcl, rclNode, node.store);
      hosted.push(node);
      instances.push({ node, instance: await spec.create(node.handle) });
    }

    // /clock, best effort (matches `ros2 bag play --clock` and reliable publishers alike), for sim time.
    const simHost = hosted.find((h) => clockKindOf(h) === "sim");
    if (simHost) {
      const clockCodec = codecFor<{ clock: Time }>("rosgraph_msgs/msg/Clock");
      rclNodes
        .get(simHost.fullName)!
        .createSubscription(
          "rosgraph_msgs/msg/Clock",
          CLOCK_TOPIC,
          { qos: clockQos(rcl), isRaw: true },
          (buffer: Buffer) => {
            let ns: bigint;
            try {
              ns = timeToNs(clockCodec.decode(buffer).clock);
            } catch (err) {
              reportError(
                CLOCK_TOPIC,
                `skipping an undecodable ${CLOCK_TOPIC} message: ${errorMessage(err)}`,
              );
              return;
            }
            void time.onClock(ns);
          },
        );
    }

    // Wire subscriptions for topics subscribed here that no node of this process publishes.
    const wireSubscriptions: string[] = [];
    const decodeErrors = new Map<string, number>();
    for (const t of bus.topics()) {
      if (t.subscribers.length === 0 || t.publishers.length > 0) continue;
      const hostName = t.subscribers[0]!;
      const host = rclNodes.get(hostName)!;
      const hostClock = (): ClockKind => clockKindOf(hosted.find((h) => h.fullName === hostName));
      const codec = codecFor(t.type);
      const qos = subscriberQos(hosted, t.name);
      host.createSubscription(
        t.type,
        t.name,
        { qos: rclQos(rcl, qos), isRaw: true },
        (buffer: Buffer) => {
          let message: unknown;
          try {
            message = codec.decode(buffer);
          } catch (err) {
            const n = (decodeErrors.get(t.name) ?? 0) + 1;
            decodeErrors.set(t.name, n);
            if (n === 1)
              log(
                "warn",
                `skipping undecodable messages on ${t.name} (${t.type}): ${errorMessage(err)}; later ones are only counted`,
              );
            return;
          }
          bus.inject(t.name, message, {
            topic: t.name,
            receiveTime: time.now(hostClock()),
            cdr: buffer,
          });
        },
      );
      wireSubscriptions.push(t.name);
    }

    const inProcessSubscriptions = inProcessOnly(bus, wireSubscriptions);
    options.onReady?.({
      nodes: hosted.map((h) => h.fullName),
      wirePublications: [...wirePublishers.keys()],
      wireSubscriptions,
      inProcessSubscriptions,
      time: () => time.stats(),
    });
    for (const n of rclNodes.values()) n.spin();
    log(
      "info",
      `running ${hosted.length} node(s): ${hosted.map((h) => h.fullName).join(", ")}${simHost ? ` (sim time from ${CLOCK_TOPIC}, best effort)` : ""}`,
    );
    if (hosted.length > 1) {
      const hidden = Object.entries(inProcessSubscriptions).filter(
        ([, topics]) => topics.length > 0,
      );
      if (hidden.length > 0) {
        log(
          "info",
          `one process: subscriptions delivered in-process are not on the ROS graph (ros2 node info): ${hidden.map(([n, topics]) => `${n} <- ${topics.join(", ")}`).join("; ")}`,
        );
      }
    }

    await new Promise<void>((resolve) => {
      if (!options.signal) return; // runs until the process ends
      if (options.signal.aborted) return resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    // Nodes first (their last frame and final diagnostics still reach the wire), then rclnodejs.
    await disposeHostedInstances(instances, (node, err) =>
      log("error", `${node.fullName} failed in dispose(): ${errorMessage(err)}`),
    );
    time.dispose();
    for (const n of rclNodes.values()) {
      try {
        n.destroy();
      } catch (err) {
        log("warn", `destroying ${n.name()}: ${errorMessage(err)}`);
      }
    }
    try {
      if (!rcl.isShutdown?.()) rcl.shutdown();
    } catch (err) {
      log("warn", `rclnodejs shutdown: ${errorMessage(err)}`);
    }
  }
}

/**
 * Per node, the topics it subscribes to without a DDS subscription of its own: topics published in
 * this process (delivered by object) and wire topics whose one subscription another node holds.
 */
function inProcessOnly(bus: InProcessBus, wireSubscriptions: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of bus.topics()) {
    t.subscribers.forEach((node, i) => {
      const own = wireSubscriptions.includes(t.name) && i === 0;
      if (!own) (out[node] ??= []).push(t.name);
    });
  }
  for (const topics of Object.values(out)) topics.sort();
  return out;
}

/** The QoS a wire subscription uses: the first local subscriber's (recorded on the node handle). */
function subscriberQos(hosted: HostedNode[], topic: string): QosOptions | undefined {
  for (const h of hosted) {
    const q = h.subscriptionQos.get(topic);
    if (q) return q;
  }
  return undefined;
}
