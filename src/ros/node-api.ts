/**
 * The one API every node is written against. Two real implementations exist: live over rclnodejs
 * (src/host/live/) and replay over rosbag2 files (src/host/replay/). Node code must not
 * know which one it runs on.
 */
import type { QosProfile } from "../msgs/qos-profile.js";
import type { MonotonicClock } from "../core/monotonic-clock.js";
import type { Time } from "../core/time.js";
import type { MessageTypeMap, MessageTypeName } from "../msgs/types.generated.js";

export type { QosProfile } from "../msgs/qos-profile.js";

export interface QosOptions {
  /** The profile; defaults to "reliable". */
  profile?: QosProfile;
  /** History depth (keep last N); defaults to the profile's. */
  depth?: number;
}

/** What a subscription callback gets besides the decoded message. */
export interface MessageInfo {
  /** Fully resolved topic name. */
  topic: string;
  /** When the transport received the message (bag log time in replay; ROS clock live). */
  receiveTime: Time;
  /**
   * The message's CDR bytes when the transport had them (always in replay and with raw live
   * subscriptions; undefined for intra-process deliveries of an object).
   */
  cdr?: Uint8Array;
}

/** Called for each message. May return a promise: replay waits for it before the next message. */
export type MessageCallback<T> = (message: T, info: MessageInfo) => void | Promise<void>;

/** Extras of a subscription. */
export interface SubscriptionOptions<T> {
  /**
   * Called with a message before it is delivered, by a transport that knows messages ahead (replay
   * reads the bag one message ahead on these topics; live never calls it). For work whose result
   * does not depend on when it runs (decoding a camera frame), started early so that it overlaps
   * the current step. Must not change the node's state or publish; the message object is the one
   * the callback later receives. Errors are ignored.
   */
  upcoming?: (message: T) => void;
}

export interface Subscription {
  readonly topic: string;
  /** Stops delivery. */
  destroy(): void;
}

export interface Publisher<T> {
  /** Fully resolved topic name. */
  readonly topic: string;
  /** ROS 2 type name (`pkg/msg/Type`). */
  readonly type: string;
  /** Publishes a message object (delivered in-process without serialising, serialised once for the wire or the bag). */
  publish(message: T): void;
  /**
   * True when someone takes the topic's messages now: a subscriber in this process, a matched
   * subscription on the wire (live), the output bag recording the topic (replay). A node may skip
   * building a costly message nobody takes (a debug image), as ROS image publishers do; outputs
   * other nodes depend on are always published.
   */
  hasSubscribers(): boolean;
}

export interface Timer {
  /** Stops the timer. */
  cancel(): void;
}

export type ParameterValue = boolean | number | string | boolean[] | number[] | string[];

/** Parameters of one node: typed values from YAML (validated against the node's JSON Schema), changeable at run time. */
export interface ParameterStore {
  /** The current value of a declared parameter. Throws a `parameter` PerceptionError for undeclared names. */
  get<V extends ParameterValue = ParameterValue>(name: string): V;
  /** All current values. */
  all(): Readonly<Record<string, ParameterValue>>;
  /**
   * Registers a callback for run-time changes (ros2 param set). It gets the changed names and values;
   * it may throw a `parameter` PerceptionError to reject them (the change is then not applied).
   */
  onChange(callback: (changes: Readonly<Record<string, ParameterValue>>) => void): void;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Names a service the host creates once per run and hands to every node of that run (what the
 * nodes of one process share, as they share an rclcpp Context: the decoded-frame cache). The
 * service's interface `T` is declared beside the nodes that use it (src/nodes/common/) and the
 * host implements it; two runs in one process never share an instance.
 */
export interface RunServiceKey<T> {
  /** The service's name, for errors ("decoded_frames"). */
  readonly name: string;
  /** Type witness only: never set. */
  readonly service?: T;
}

/** Which clock `now()` reads. */
export type ClockKind = "ros" | "sim";

export interface NodeHandle {
  /** Node name without namespace, e.g. "pedestrian_detector". */
  readonly name: string;
  /** Namespace, e.g. "/perception" ("/" for none). */
  readonly namespace: string;
  readonly parameters: ParameterStore;
  readonly logger: Logger;
  /** "sim" when use_sim_time is true (always in replay): now() follows the bag / /clock. */
  readonly clockKind: ClockKind;

  /** Resolves `~/x`, relative and absolute names and applies the launch remappings. */
  resolveTopic(name: string): string;

  createSubscription<K extends MessageTypeName>(
    type: K,
    topic: string,
    qos: QosOptions,
    callback: MessageCallback<MessageTypeMap[K]>,
    options?: SubscriptionOptions<MessageTypeMap[K]>,
  ): Subscription;

  createPublisher<K extends MessageTypeName>(
    type: K,
    topic: string,
    qos?: QosOptions,
  ): Publisher<MessageTypeMap[K]>;

  /** A timer on the node's clock (sim time in replay). */
  createTimer(periodSec: number, callback: () => void | Promise<void>): Timer;

  /** The node's clock. */
  now(): Time;

  /**
   * The run's clock for measuring processing time (never sim time): the host's, real or frozen
   * (`--deterministic-timing`). Hand it to what the node builds that measures time (sessions,
   * detectors, the fusion engine).
   */
  readonly wallClock: MonotonicClock;

  /** `wallClock.nowMs()`: monotonic milliseconds, for measuring processing time. */
  wallMs(): number;

  /** This run's instance of a service (see RunServiceKey); a `ros` PerceptionError when the host provides none. */
  service<T>(key: RunServiceKey<T>): T;
}
