/**
 * The NodeHandle both transports give a node: names resolved like rcl, parameters from the store,
 * subscriptions and publishers on the in-process bus, timers from the transport's timer service.
 */
import type { MonotonicClock } from "../core/monotonic-clock.js";
import type { Time } from "../core/time.js";
import { codecFor } from "../msgs/codec.js";
import { ros2TypeName } from "../msgs/type-name.js";
import type { MessageTypeMap, MessageTypeName } from "../msgs/types.generated.js";
import type { InProcessBus } from "./bus.js";
import type { RunServices } from "./run-services.js";
import { queueDepth } from "./bus.js";
import { periodToNs, type TimerService } from "./clock.js";
import { createLogger, type LogSink } from "./logger.js";
import {
  fullNodeName,
  normalizeNamespace,
  topicResolver,
  validateNodeName,
} from "../msgs/names.js";
import type {
  ClockKind,
  MessageCallback,
  NodeHandle,
  Publisher,
  QosOptions,
  Subscription,
  SubscriptionOptions,
  Timer,
} from "../ros/node-api.js";
import { SchemaParameterStore } from "../ros/parameters/parameter-store.js";
import type { NodeSpec } from "../ros/node-spec.js";

export interface NodeHandleOptions {
  /** The node's description (name, namespace, remappings, parameters). */
  spec: NodeSpec;
  /** The bus its subscriptions and publishers use. */
  bus: InProcessBus;
  /** Its timers. */
  timers: TimerService;
  /** Its clock. */
  now: () => Time;
  /** The run's clock for measuring processing time (`NodeHandle.wallClock`). */
  wallClock: MonotonicClock;
  /** "sim" in replay and with use_sim_time; a function when it depends on the node's parameters. */
  clockKind: ClockKind | (() => ClockKind);
  /** Where its log lines go. */
  logSink: LogSink;
  /** The run's services (one set per run, shared by the run's nodes: `createRunServices()`). */
  services: RunServices;
  /** Extra parameter values applied over the spec's (for example from --params files). */
  parameterOverrides?: Record<string, ParameterValueLike>;
}

type ParameterValueLike = NodeSpec["parameters"][string];

/** A handle plus what the transport keeps about it. */
export interface HostedNode {
  readonly handle: NodeHandle;
  /** The node's parameter store (for run-time changes: `store.set`). */
  readonly store: SchemaParameterStore;
  /** Fully qualified name, "/perception/detector". */
  readonly fullName: string;
  /** Every subscription and timer the node created, to stop them at shutdown. */
  readonly subscriptions: Subscription[];
  readonly timers: Timer[];
  /** The QoS each subscribed topic was asked with (live uses it for wire subscriptions). */
  readonly subscriptionQos: Map<string, QosOptions>;
}

/**
 * Builds the handle; validates the node name, namespace, remappings and parameters first (a
 * `parameter` or `ros` PerceptionError names the node and the problem).
 */
export function createNodeHandle(options: NodeHandleOptions): HostedNode {
  const { spec, bus } = options;
  validateNodeName(spec.name);
  const namespace = normalizeNamespace(spec.namespace);
  const fullName = fullNodeName(spec.name, namespace);
  const resolve = topicResolver({ nodeName: spec.name, namespace, remappings: spec.remappings });
  const store = new SchemaParameterStore({
    node: fullName,
    schema: spec.parameterSchema,
    values: { ...spec.parameters, ...options.parameterOverrides },
  });
  const logger = createLogger(fullName, options.logSink);
  const subscriptions: Subscription[] = [];
  const timers: Timer[] = [];
  const subscriptionQos = new Map<string, QosOptions>();

  const handle: NodeHandle = {
    name: spec.name,
    namespace,
    parameters: store,
    logger,
    get clockKind(): ClockKind {
      return typeof options.clockKind === "function" ? options.clockKind() : options.clockKind;
    },
    resolveTopic: resolve,
    createSubscription<K extends MessageTypeName>(
      type: K,
      topic: string,
      qos: QosOptions,
      callback: MessageCallback<MessageTypeMap[K]>,
      subOptions?: SubscriptionOptions<MessageTypeMap[K]>,
    ): Subscription {
      const resolved = resolve(topic);
      codecFor(type); // fails early for a type the registry lacks
      bus.declareTopic(resolved, ros2TypeName(type), { subscriber: fullName });
      const sub = bus.subscribe(
        fullName,
        resolved,
        queueDepth(qos),
        callback as MessageCallback<unknown>,
        subOptions?.upcoming as ((m: unknown) => void) | undefined,
      );
      if (!subscriptionQos.has(resolved)) subscriptionQos.set(resolved, qos);
      subscriptions.push(sub);
      return sub;
    },
    createPublisher<K extends MessageTypeName>(
      type: K,
      topic: string,
      qos?: QosOptions,
    ): Publisher<MessageTypeMap[K]> {
      const resolved = resolve(topic);
      const rosType = ros2TypeName(type);
      codecFor(type);
      bus.declareTopic(resolved, rosType, { publisher: fullName, qos: qos ?? {} });
      return {
        topic: resolved,
        type: rosType,
        publish: (message) => bus.publish(fullName, resolved, rosType, message),
        hasSubscribers: () => bus.hasSubscribers(resolved, rosType),
      };
    },
    createTimer(periodSec: number, callback: () => void | Promise<void>): Timer {
      const timer = options.timers.create(fullName, periodToNs(periodSec), callback);
      timers.push(timer);
      return timer;
    },
    now: options.now,
    wallClock: options.wallClock,
    wallMs: () => options.wallClock.nowMs(),
    service: (key) => options.services.get(key),
  };
  return { handle, store, fullName, subscriptions, timers, subscriptionQos };
}
