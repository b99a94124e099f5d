/**
 * Runs nodes live over ROS 2 with rclnodejs 2.x. Every node gets a real rclnodejs node (so the ROS
 * graph, parameters and `ros2 param` work), while messages between nodes of this process go over
 * the in-process bus as objects (one-process mode: no re-serialising of decoded frames). Topics
 * published here are also published on the wire as pre-serialised CDR (encoded once); topics
 * only subscribed here come from the wire through raw subscriptions (`isRaw: true`) and are
 * decoded with the project's codec, the same code path replay uses.
 */
import { errorMessage } from "../../core/errors.js";
import { nsToTime, type Time } from "../../core/time.js";
import { codecFor } from "../../msgs/codec.js";
import { InProcessBus, type Publication, type PublicationTap } from "../bus.js";
import type { TimerService } from "../clock.js";
import { disposeHostedInstances, type HostedInstance } from "../hosted-instances.js";
import { stderrLogSink, type LogSink } from "../logger.js";
import { normalizeNamespace } from "../names.js";
import type { QosOptions, Timer } from "../node-api.js";
import { createNodeHandle, type HostedNode } from "../node-handle.js";
import type { NodeSpec } from "../node-spec.js";
import { USE_SIM_TIME } from "../parameters/parameter-store.js";
import { loadRclnodejs, type RclnodejsLoader } from "./load-rclnodejs.js";
import { rclQos } from "./qos.js";
import { bridgeParameters } from "./rcl-parameters.js";
import type { RclNode, RclPublisher, RclnodejsModule } from "./rclnodejs-api.js";

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
  const log = (level: "info" | "warn" | "error", message: string): void => logSink(level, "live", message);
  const errorCounts = new Map<string, number>();
  const reportError = (key: string, message: string): void => {
    const n = (errorCounts.get(key) ?? 0) + 1;
    errorCounts.set(key, n);
    if (n <= LOGGED_ERRORS) log("error", `${message}${n === LOGGED_ERRORS ? " (further errors here are only counted)" : ""}`);
  };

  await rcl.init();
  const rclNodes = new Map<string, RclNode>();
  const hosted: HostedNode[] = [];
  const instances: HostedInstance[] = [];
  const wirePublishers = new Map<string, RclPublisher>();
  const firstNode = (): RclNode => rclNodes.values().next().value as RclNode;

  const bus = new InProcessBus({
    now: () => nsToTime(firstNode().now().nanoseconds),
    onCallbackError: (node, topic, err) => reportError(`${node} ${topic}`, `${node} failed in its ${topic} callback: ${errorMessage(err)}`),
    // A wire publisher as soon as a node creates its publisher (so publishes from create() reach the wire).
    onDeclare: (topic, role) => {
      if (role.publisher === undefined || wirePublishers.has(topic.name)) return;
      const host = rclNodes.get(role.publisher)!;
      wirePublishers.set(topic.name, host.createPublisher(topic.type, topic.name, { qos: rclQos(rcl, topic.qos) }));
    },
  });

  // Local publications go to the wire as pre-serialised CDR (encoded once by the bus).
  const wireTap: PublicationTap = {
    wants: (topic) => wirePublishers.has(topic),
    write: (p: Publication) => wirePublishers.get(p.topic)!.publish(Buffer.from(p.cdr.buffer, p.cdr.byteOffset, p.cdr.byteLength)),
  };
  bus.addTap(wireTap);

  try {
    for (const spec of options.nodes) {
      const namespace = normalizeNamespace(spec.namespace);
      let rclNode: RclNode | undefined;
      const now = (): Time => nsToTime(rclNode!.now().nanoseconds);
      const timers: TimerService = {
        create(owner, periodNs, callback): Timer {
          const timer = rclNode!.createTimer(periodNs, () => {
            try {
              const r = callback();
              if (r && typeof (r as Promise<void>).then === "function") (r as Promise<void>).catch((err: unknown) => reportError(`${owner} timer`, `${owner} failed in a timer: ${errorMessage(err)}`));
            } catch (err) {
              reportError(`${owner} timer`, `${owner} failed in a timer: ${errorMessage(err)}`);
            }
          });
          return { cancel: () => timer.cancel() };
        },
      };
      // Validate parameters first (clear error before any ROS entity exists).
      let store: HostedNode["store"] | undefined;
      const clockKind = (): "sim" | "ros" => (store?.all()[USE_SIM_TIME] === true ? "sim" : "ros");
      const node = createNodeHandle({ spec, bus, timers, now, clockKind, logSink });
      store = node.store;
      const nodeOptions = new rcl.NodeOptions();
      nodeOptions.startParameterServices = true;
      nodeOptions.automaticallyDeclareParametersFromOverrides = false;
      rclNode = new rcl.Node(spec.name, namespace, undefined, nodeOptions);
      rclNodes.set(node.fullName, rclNode);
      bridgeParameters(rcl, rclNode, node.store);
      hosted.push(node);
      instances.push({ node, instance: await spec.create(node.handle) });
    }

    // Wire subscriptions for topics subscribed here that no node of this process publishes.
    const wireSubscriptions: string[] = [];
    const decodeErrors = new Map<string, number>();
    for (const t of bus.topics()) {
      if (t.subscribers.length === 0 || t.publishers.length > 0) continue;
      const host = rclNodes.get(t.subscribers[0]!)!;
      const codec = codecFor(t.type);
      const qos = subscriberQos(hosted, t.name);
      host.createSubscription(t.type, t.name, { qos: rclQos(rcl, qos), isRaw: true }, (buffer: Buffer) => {
        let message: unknown;
        try {
          message = codec.decode(buffer);
        } catch (err) {
          const n = (decodeErrors.get(t.name) ?? 0) + 1;
          decodeErrors.set(t.name, n);
          if (n === 1) log("warn", `skipping undecodable messages on ${t.name} (${t.type}): ${errorMessage(err)}; later ones are only counted`);
          return;
        }
        bus.inject(t.name, message, { topic: t.name, receiveTime: nsToTime(host.now().nanoseconds), cdr: buffer });
      });
      wireSubscriptions.push(t.name);
    }

    options.onReady?.({ nodes: hosted.map((h) => h.fullName), wirePublications: [...wirePublishers.keys()], wireSubscriptions });
    for (const n of rclNodes.values()) n.spin();
    log("info", `running ${hosted.length} node(s): ${hosted.map((h) => h.fullName).join(", ")}`);

    await new Promise<void>((resolve) => {
      if (!options.signal) return; // runs until the process ends
      if (options.signal.aborted) return resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    await disposeHostedInstances(instances, (node, err) => log("error", `${node.fullName} failed in dispose(): ${errorMessage(err)}`));
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

/** The QoS a wire subscription uses: the first local subscriber's (recorded on the node handle). */
function subscriberQos(hosted: HostedNode[], topic: string): QosOptions | undefined {
  for (const h of hosted) {
    const q = h.subscriptionQos.get(topic);
    if (q) return q;
  }
  return undefined;
}
