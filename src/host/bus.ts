/**
 * The in-process bus both transports share. A publish hands the same object to every local
 * subscriber (one-process mode: decoded frames are never re-serialised) and serialises it once,
 * only when a tap needs bytes (bag recording, the live wire). Each subscription has a keep-last
 * queue of its QoS depth, delivered one message at a time (a callback's promise is awaited before
 * the next); replaced messages are counted as drops. `idle()` tells when all queues are drained.
 */
import type { MonotonicClock } from "../core/monotonic-clock.js";
import type { Time } from "../core/time.js";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { codecFor } from "../msgs/codec.js";
import { normalizeTypeName } from "../msgs/type-name.js";
import type {
  MessageCallback,
  MessageInfo,
  QosOptions,
  QosProfile,
  Subscription,
} from "../ros/node-api.js";

/** The keep-last depth of each profile, as rclcpp's. */
export const PROFILE_DEPTH: Readonly<Record<QosProfile, number>> = {
  sensor_data: 5,
  reliable: 10,
  transient_local: 1,
};

/** Depth of a subscription's local queue. */
export function queueDepth(qos: QosOptions | undefined): number {
  const depth = qos?.depth ?? PROFILE_DEPTH[qos?.profile ?? "reliable"];
  if (!Number.isInteger(depth) || depth < 1)
    throw new PerceptionError("ros", `QoS depth must be an integer >= 1, got ${depth}`);
  return depth;
}

/** A local publication as a tap sees it: the object and its CDR bytes (encoded once for all taps). */
export interface Publication {
  topic: string;
  /** `pkg/msg/Type`. */
  type: string;
  message: unknown;
  cdr: Uint8Array;
  /** The publisher's clock at publish time. */
  time: Time;
  /** Full name of the publishing node. */
  publisher: string;
}

/** Something that needs the bytes of local publications (a bag recorder, a wire publisher). */
export interface PublicationTap {
  /** True when this tap wants the topic's messages (asked once per topic). */
  wants(topic: string, type: string): boolean;
  /** Receives one publication; must not keep `cdr` beyond the call unless it copies it. */
  write(publication: Publication): void;
  /**
   * Whether the tap takes a topic it `wants` now (a wire publisher: whether a subscription is
   * matched); absent: always. Asked on every `InProcessBus.hasSubscribers`, so it must be cheap.
   */
  hasSubscribers?(topic: string): boolean;
}

/**
 * Sees every local publication as the object published, before any subscriber (no bytes are
 * encoded for it): realtime replay times node outputs with it. Must not keep or change the message.
 */
export type PublicationObserver = (topic: string, message: unknown, publisher: string) => void;

/** A topic someone advertised or subscribed to. */
export interface TopicInfo {
  name: string;
  /** `pkg/msg/Type`. */
  type: string;
  /** Full names of local publishers. */
  publishers: string[];
  /** Full names of local subscribers. */
  subscribers: string[];
  /** The first publisher's QoS, when there is one. */
  qos?: QosOptions;
}

export interface BusOptions {
  /** The clock stamping local deliveries and publications. */
  now: () => Time;
  /** The run's clock timing subscriber callbacks (`stats().callbackMs`). */
  wallClock: MonotonicClock;
  /** Called when a subscriber's callback throws or rejects (the message is then dropped; the bus goes on). */
  onCallbackError: (node: string, topic: string, error: unknown) => void;
  /** Called after a node declared a publisher or subscription (live creates its wire publisher here). */
  onDeclare?: (topic: TopicInfo, role: { publisher?: string; subscriber?: string }) => void;
}

interface LocalSubscriber {
  readonly node: string;
  readonly topic: string;
  readonly depth: number;
  readonly callback: MessageCallback<unknown>;
  /** See SubscriptionOptions.upcoming. */
  readonly upcoming: ((message: unknown) => void) | undefined;
  readonly queue: Array<{ message: unknown; info: MessageInfo }>;
  running: boolean;
  destroyed: boolean;
  drops: number;
  delivered: number;
}

/** Typed counters the bus keeps. */
export interface BusStats {
  /** Messages replaced in a full subscriber queue, by `node topic`. */
  drops: Record<string, number>;
  /** Local publications by topic. */
  published: Record<string, number>;
  /** Time spent inside subscriber callbacks (until their promise settled), ms. */
  callbackMs: number;
}

export class InProcessBus {
  readonly #options: BusOptions;
  readonly #subscribers = new Map<string, LocalSubscriber[]>();
  readonly #topics = new Map<string, TopicInfo>();
  readonly #taps: PublicationTap[] = [];
  readonly #observers: PublicationObserver[] = [];
  readonly #tapsByTopic = new Map<string, PublicationTap[]>();
  readonly #published = new Map<string, number>();
  readonly #allSubscribers: LocalSubscriber[] = [];
  #pending = 0;
  #enqueued = 0;
  #idleWaiters: Array<() => void> = [];
  #callbackMs = 0;

  constructor(options: BusOptions) {
    this.#options = options;
  }

  /** Declares a topic with its type; throws a `ros` PerceptionError when it already has another type. */
  declareTopic(
    topic: string,
    type: string,
    role: { publisher?: string; subscriber?: string; qos?: QosOptions },
  ): TopicInfo {
    let info = this.#topics.get(topic);
    if (!info) {
      info = { name: topic, type, publishers: [], subscribers: [] };
      this.#topics.set(topic, info);
    } else if (normalizeTypeName(info.type) !== normalizeTypeName(type)) {
      throw new PerceptionError(
        "ros",
        `topic ${topic} already has type ${info.type}, cannot use it as ${type}`,
        {
          node: role.publisher ?? role.subscriber,
        },
      );
    }
    if (role.publisher !== undefined) {
      info.publishers.push(role.publisher);
      if (!info.qos) info.qos = role.qos ?? {};
      this.#tapsByTopic.delete(topic);
    }
    if (role.subscriber !== undefined) info.subscribers.push(role.subscriber);
    this.#options.onDeclare?.(info, role);
    this.#tapsByTopic.delete(topic);
    return info;
  }

  /** Every declared topic, in declaration order. */
  topics(): TopicInfo[] {
    return [...this.#topics.values()];
  }

  /** Registers a tap for local publications. */
  addTap(tap: PublicationTap): void {
    this.#taps.push(tap);
    this.#tapsByTopic.clear();
  }

  /** Registers an observer of local publications (see PublicationObserver). */
  addObserver(observer: PublicationObserver): void {
    this.#observers.push(observer);
  }

  /** Subscribes a local callback with a keep-last queue of `depth`. */
  subscribe(
    node: string,
    topic: string,
    depth: number,
    callback: MessageCallback<unknown>,
    upcoming?: (message: unknown) => void,
  ): Subscription {
    const sub: LocalSubscriber = {
      node,
      topic,
      depth,
      callback,
      upcoming,
      queue: [],
      running: false,
      destroyed: false,
      drops: 0,
      delivered: 0,
    };
    let list = this.#subscribers.get(topic);
    if (!list) this.#subscribers.set(topic, (list = []));
    list.push(sub);
    this.#allSubscribers.push(sub);
    return {
      topic,
      destroy: () => {
        if (sub.destroyed) return;
        sub.destroyed = true;
        this.#pending -= sub.queue.length;
        sub.queue.length = 0;
        const l = this.#subscribers.get(topic)!;
        l.splice(l.indexOf(sub), 1);
        this.#checkIdle();
      },
    };
  }

  /** Number of local subscribers of a topic. */
  subscriberCount(topic: string): number {
    return this.#subscribers.get(topic)?.length ?? 0;
  }

  /**
   * True when a publication on the topic would reach someone: a local subscriber, or a tap that
   * wants the topic and takes it now (see PublicationTap.hasSubscribers). Observers do not count.
   */
  hasSubscribers(topic: string, type: string): boolean {
    if (this.subscriberCount(topic) > 0) return true;
    for (const tap of this.#tapsFor(topic, type))
      if (tap.hasSubscribers?.(topic) ?? true) return true;
    return false;
  }

  /**
   * Delivers a message that came from outside (a bag, the wire) to the local subscribers, with its
   * bytes in `info.cdr`. Taps are not called (the message is not a local publication).
   */
  inject(topic: string, message: unknown, info: MessageInfo): void {
    const subs = this.#subscribers.get(topic);
    if (!subs) return;
    for (const sub of subs) this.#enqueue(sub, message, info);
  }

  /** True when a subscriber of the topic wants to hear of messages before they are delivered. */
  wantsUpcoming(topic: string): boolean {
    return this.#subscribers.get(topic)?.some((s) => s.upcoming !== undefined) ?? false;
  }

  /**
   * Tells the topic's subscribers of a message that `inject` will deliver later (the same object):
   * see SubscriptionOptions.upcoming. Their errors are ignored.
   */
  announce(topic: string, message: unknown): void {
    for (const sub of this.#subscribers.get(topic) ?? []) {
      if (!sub.upcoming || sub.destroyed) continue;
      try {
        sub.upcoming(message);
      } catch {
        // Early work only: the delivery does it again and reports.
      }
    }
  }

  /** A local publication: same object to local subscribers, encoded once if any tap wants the topic. */
  publish(publisher: string, topic: string, type: string, message: unknown): void {
    this.#published.set(topic, (this.#published.get(topic) ?? 0) + 1);
    for (const observe of this.#observers) observe(topic, message, publisher);
    const time = this.#options.now();
    const taps = this.#tapsFor(topic, type);
    if (taps.length > 0) {
      const cdr = codecFor(type).encode(message);
      const publication: Publication = { topic, type, message, cdr, time, publisher };
      for (const tap of taps) tap.write(publication);
    }
    const subs = this.#subscribers.get(topic);
    if (!subs) return;
    const info: MessageInfo = { topic, receiveTime: time };
    for (const sub of subs) this.#enqueue(sub, message, info);
  }

  /** True while any queue holds a message or a callback runs. */
  get busy(): boolean {
    return this.#pending > 0;
  }

  /**
   * Messages handed to subscribers so far (a count that only grows): a waiter compares it before
   * and after waiting to learn whether nodes exchanged messages meanwhile (and may have started
   * work that an earlier `idle()` of theirs did not cover).
   */
  get deliveries(): number {
    return this.#enqueued;
  }

  /** Resolves when every queue is empty and no callback runs. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stats(): BusStats {
    const drops: Record<string, number> = {};
    for (const s of this.#allSubscribers)
      if (s.drops > 0)
        drops[`${s.node} ${s.topic}`] = (drops[`${s.node} ${s.topic}`] ?? 0) + s.drops;
    return { drops, published: Object.fromEntries(this.#published), callbackMs: this.#callbackMs };
  }

  #tapsFor(topic: string, type: string): PublicationTap[] {
    let taps = this.#tapsByTopic.get(topic);
    if (!taps) {
      taps = this.#taps.filter((t) => t.wants(topic, type));
      this.#tapsByTopic.set(topic, taps);
    }
    return taps;
  }

  #enqueue(sub: LocalSubscriber, message: unknown, info: MessageInfo): void {
    if (sub.destroyed) return;
    if (sub.queue.length >= sub.depth) {
      sub.queue.shift();
      sub.drops++;
      this.#pending--;
    }
    sub.queue.push({ message, info });
    this.#pending++;
    this.#enqueued++;
    if (!sub.running) {
      sub.running = true;
      queueMicrotask(() => void this.#pump(sub));
    }
  }

  async #pump(sub: LocalSubscriber): Promise<void> {
    while (sub.queue.length > 0 && !sub.destroyed) {
      const { message, info } = sub.queue.shift()!;
      const start = this.#options.wallClock.nowMs();
      try {
        const result = sub.callback(message, info);
        if (result && typeof (result as Promise<void>).then === "function") await result;
      } catch (err) {
        this.#reportError(sub, err);
      }
      this.#callbackMs += this.#options.wallClock.nowMs() - start;
      sub.delivered++;
      this.#pending--;
    }
    sub.running = false;
    this.#checkIdle();
  }

  #reportError(sub: LocalSubscriber, err: unknown): void {
    try {
      this.#options.onCallbackError(sub.node, sub.topic, err);
    } catch (reportErr) {
      process.stderr.write(
        `edge-perception: error while reporting a callback error: ${errorMessage(reportErr)}\n`,
      );
    }
  }

  #checkIdle(): void {
    if (this.#pending !== 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
