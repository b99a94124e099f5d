/**
 * Replays a rosbag2 bag through a node graph in one process: bag messages in log-time order are
 * decoded once and handed to every local subscriber of their topic, the sim clock follows the
 * log time, timers fire in sim time between messages, and what the nodes publish is recorded
 * into an output bag. After each message the runner waits for every callback and every node's
 * `idle()`, so the same bag and parameters give a byte-identical output bag.
 */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { sleep } from "../../core/sleep.js";
import { normalizeTypeName } from "../../msgs/type-name.js";
import { InProcessBus, type Publication } from "../bus.js";
import { SimClock, SimTimerQueue } from "../clock.js";
import { disposeHostedInstances, type HostedInstance } from "../hosted-instances.js";
import { stderrLogSink, type LogSink } from "../logger.js";
import type { QosProfile } from "../../msgs/qos-profile.js";
import { createNodeHandle, type HostedNode } from "../node-handle.js";
import type { NodeSpec } from "../../ros/node-spec.js";
import { createReplaySink, openReplaySource, type ReplaySink, type ReplaySource, type SourceEntry } from "./bag-io.js";
import { StepRecorder } from "./recorder.js";
import { RealtimePacer } from "./realtime-pacer.js";
import { isCameraType, RealtimeRecorder } from "./realtime-report.js";
import type { ReplayProgress, ReplaySummary } from "./replay-summary.js";

/** Which messages go into the output bag. */
export type RecordMode =
  /** Node outputs plus a passthrough of /tf, /tf_static and every sensor_msgs/CameraInfo topic. */
  | "outputs"
  /** Node outputs plus every input message read. */
  | "all";

export interface ReplayOptions {
  /** The input bag (folder with metadata.yaml, or a single .mcap / .db3). */
  bag: string;
  /** Output bag folder; no output bag when absent. */
  out?: string;
  /** Replace an existing output bag (default false: an existing one is an error). */
  overwrite?: boolean;
  /** The graph to run. */
  nodes: NodeSpec[];
  /** Pace by sim time at this multiple of real time (1 = real time). Ignored when `fast`. */
  rate?: number;
  /** As fast as possible (default true unless `rate` is set); replay is deterministic either way. */
  fast?: boolean;
  /**
   * Camera-like delivery instead of deterministic steps (default false): each message is offered
   * when its log time comes due on the wall clock (at `rate` times real time, default 1) and nothing
   * waits for the nodes, so a busy model drops frames (newest frame wins) as on the vehicle; no
   * frame is announced ahead; node clocks follow the wall clock. The summary gets `realtime`
   * figures (achieved Hz, drops, camera-stamp-to-publication latency). Outputs depend on timing.
   */
  realtime?: boolean;
  /** What to record (default "outputs"). */
  record?: RecordMode;
  /**
   * Topics never recorded (node outputs or inputs); an entry ending in a star matches a prefix
   * (`/perception/pedestrian_detector/debug/` plus a star), there are no other wildcards. Use it
   * for outputs carrying wall-clock measurements, which differ between runs.
   */
  excludeTopics?: string[];
  /** Only read these input topics (default: the ones subscribed or recorded). */
  topics?: string[];
  /** Called at most every `progressIntervalMs` and once at the end. */
  onProgress?: (progress: ReplayProgress) => void;
  /** Minimum wall time between progress calls, ms (default 100). */
  progressIntervalMs?: number;
  /** Stops the run early: the output bag is finalised and the summary returned with `aborted`. */
  signal?: AbortSignal;
  /** Where node and runner log lines go (default stderr, info and above). */
  logSink?: LogSink;
  /** Extra parameter values by node full name ("/perception/detector"), over the specs'. */
  parameterOverrides?: Record<string, NodeSpec["parameters"]>;
  /** Use this source instead of opening `bag` (tests, in-memory bags). */
  source?: ReplaySource;
  /** Use this sink instead of creating `out` (tests). */
  sink?: ReplaySink;
}

const PASSTHROUGH_TOPICS = new Set(["/tf", "/tf_static"]);
const CAMERA_INFO = "sensor_msgs/CameraInfo";
const SENSOR_TYPES = new Set([CAMERA_INFO, "sensor_msgs/Image", "sensor_msgs/CompressedImage"]);
/** Node errors logged in full per node; later ones are only counted. */
const LOGGED_ERRORS_PER_NODE = 3;
/** How many bag entries the runner reads ahead, at most, to find messages to announce. */
const LOOK_AHEAD_ENTRIES = 64;
/**
 * How many upcoming messages are announced (on topics that want it): four camera frames (133 ms
 * at 30 Hz), so that a model at 10 Hz already has its next frame queued while it works on this
 * one, and starts it the moment this one is done.
 */
const LOOK_AHEAD_MESSAGES = 4;

function isPassthrough(topic: string, type: string): boolean {
  return PASSTHROUGH_TOPICS.has(topic) || normalizeTypeName(type) === CAMERA_INFO;
}

function defaultQos(topic: string, type: string): QosProfile {
  if (topic === "/tf_static") return "transient_local";
  return SENSOR_TYPES.has(normalizeTypeName(type)) ? "sensor_data" : "reliable";
}

function bump(r: Record<string, number>, key: string, by = 1): void {
  r[key] = (r[key] ?? 0) + by;
}

/** Runs the graph over the bag; see the module comment. Throws before reading when a node fails to start. */
export async function runReplay(options: ReplayOptions): Promise<ReplaySummary> {
  const logSink = options.logSink ?? stderrLogSink();
  const log = (level: "info" | "warn" | "error", message: string): void => logSink(level, "replay", message);
  const record = options.record ?? "outputs";
  const pacer = options.realtime ? new RealtimePacer({ rate: options.rate ?? 1 }) : undefined;
  const fast = !pacer && (options.fast ?? options.rate === undefined);
  if (!fast && !pacer && !(options.rate !== undefined && Number.isFinite(options.rate) && options.rate > 0)) {
    throw new PerceptionError("parameter", `replay rate must be a positive number, got ${String(options.rate)}`);
  }

  const source = options.source ?? (await openReplaySource(options.bag));
  const nodeErrors: Record<string, number> = {};
  const uncaughtErrors: Record<string, number> = {};
  const reportNodeError = (node: string, where: string, err: unknown): void => {
    bump(uncaughtErrors, node);
    const n = uncaughtErrors[node]!;
    if (n <= LOGGED_ERRORS_PER_NODE) {
      log("error", `${node} failed in ${where}: ${errorMessage(err)}${n === LOGGED_ERRORS_PER_NODE ? " (further errors of this node are only counted)" : ""}`);
    }
  };

  const clock = new SimClock(source.summary.startTime);
  const timers = new SimTimerQueue(clock);
  // Realtime: the node clock follows the wall clock between messages, as a live ROS clock does.
  const now = pacer
    ? () => {
        if (pacer.started) clock.set(pacer.bagNowNs());
        return clock.now();
      }
    : () => clock.now();
  const realtimeFigures = pacer ? new RealtimeRecorder(pacer) : undefined;
  const bus = new InProcessBus({ now, onCallbackError: (node, topic, err) => reportNodeError(node, `its ${topic} callback`, err) });
  const hosted: HostedNode[] = [];
  const instances: HostedInstance[] = [];
  let sink: ReplaySink | undefined;

  const dispose = (): Promise<void> => disposeHostedInstances(instances, (node, err) => reportNodeError(node.fullName, "dispose()", err));

  const recording = options.out !== undefined || options.sink !== undefined;
  const excluded = topicMatcher(options.excludeTopics ?? []);
  // What nodes publish while they start (static transforms, latched maps) is kept for the output bag,
  // which is only created once every node started (a bad parameter leaves no empty bag behind).
  const startupPublications: Publication[] = [];
  let collectingStartup = recording;
  bus.addTap({
    wants: (topic) => recording && !excluded(topic),
    write: (p) => {
      if (collectingStartup) startupPublications.push(p);
    },
  });

  try {
    // Start every node before reading: a bad parameter fails here, naming the node.
    for (const spec of options.nodes) {
      const node = createNodeHandle({
        spec,
        bus,
        timers,
        now,
        clockKind: "sim",
        logSink,
        // Replay is sim time: use_sim_time is true for every node, as with `ros2 bag play --clock`.
        parameterOverrides: { use_sim_time: true, ...options.parameterOverrides?.[fullNameOf(spec)] },
      });
      hosted.push(node);
      instances.push({ node, instance: await spec.create(node.handle) });
    }

    const bagTopics = new Map(source.summary.topics.map((t) => [t.name, t.type]));
    const subscribed = new Set(bus.topics().filter((t) => t.subscribers.length > 0).map((t) => t.name));
    const unrecordable = new Set<string>();
    const recordInput = (topic: string, type: string): boolean => !excluded(topic) && !unrecordable.has(topic) && (record === "all" || isPassthrough(topic, type));
    const wanted = options.topics ?? [...bagTopics].filter(([name, type]) => subscribed.has(name) || (recording && recordInput(name, type))).map(([n]) => n);

    // Subscribed topics nothing feeds (a remapping mistake shows here).
    for (const t of bus.topics()) {
      if (t.subscribers.length > 0 && t.publishers.length === 0 && !bagTopics.has(t.name)) {
        log("warn", `${t.subscribers.join(", ")} subscribe to ${t.name}, which neither the bag nor a node publishes`);
      }
    }

    // Subscribers whose type differs from the bag's: warned about and not fed.
    const mismatched = new Set<string>();
    for (const t of bus.topics()) {
      const bagType = bagTopics.get(t.name);
      if (bagType && t.subscribers.length > 0 && normalizeTypeName(bagType) !== normalizeTypeName(t.type)) {
        mismatched.add(t.name);
        log("warn", `${t.subscribers.join(", ")} subscribe to ${t.name} as ${t.type}, but the bag has ${bagType}: not delivered`);
      }
    }

    let recorder: StepRecorder | undefined;
    if (recording) {
      sink = options.sink ?? (await createReplaySink(options.out!, options.overwrite ?? false));
      const qosByTopic = new Map(bus.topics().filter((t) => t.publishers.length > 0).map((t) => [t.name, t.qos?.profile]));
      recorder = new StepRecorder({
        sink,
        wantsOutput: (topic) => !excluded(topic),
        qosOf: (topic, type) => qosByTopic.get(topic) ?? defaultQos(topic, type),
      });
      bus.addTap(recorder);
      for (const t of bus.topics()) if (t.publishers.length > 0 && !excluded(t.name)) recorder.addTopic(t.name, t.type);
      for (const name of wanted) {
        const type = bagTopics.get(name);
        if (type && recordInput(name, type)) {
          try {
            recorder.addTopic(name, type);
          } catch (err) {
            // A type the writer has no definition for (service events, other packages): not recorded, said once.
            if (!(err instanceof PerceptionError && err.kind === "schema")) throw err;
            unrecordable.add(name);
            log("warn", `${errorMessage(err)}; the topic is not recorded`);
          }
        }
      }
      collectingStartup = false;
      for (const p of startupPublications) recorder.write(p);
      startupPublications.length = 0;
    }

    let settleMs = 0;
    // Settled: the bus drained and every node idle, with no message exchanged while waiting (a
    // node idle when asked may have been handed work by another node since, e.g. the visualizer a
    // frame from fusion while the lane detector finished).
    const settle = async (): Promise<void> => {
      const begin = performance.now();
      let deliveries: number;
      do {
        deliveries = bus.deliveries;
        await bus.idle();
        await Promise.all(
          instances.map(async ({ node, instance }) => {
            try {
              await instance.idle?.();
            } catch (err) {
              reportNodeError(node.fullName, "idle()", err);
            }
          }),
        );
      } while (bus.busy || bus.deliveries !== deliveries);
      settleMs += performance.now() - begin;
    };
    const timerHooks = { settle, onError: (owner: string, err: unknown) => reportNodeError(owner, "a timer", err) };
    if (realtimeFigures) bus.addObserver(realtimeFigures.observe);

    // The run.
    const inByTopic: Record<string, number> = {};
    const decodeErrors: Record<string, number> = {};
    const decodeErrorsByTopic: Record<string, Record<string, number>> = {};
    const codecs = new Map<string, { decode(b: Uint8Array): unknown }>();
    const countDecodeError = (topic: string, err: unknown, where: string): void => {
      const kind = err instanceof PerceptionError ? err.kind : "cdr";
      bump(decodeErrors, kind);
      const byTopic = (decodeErrorsByTopic[topic] ??= {});
      if (Object.keys(byTopic).length === 0) log("warn", `skipping undecodable messages on ${topic} (bag ${source.summary.path}, ${where}): ${errorMessage(err)}; later ones on this topic are only counted`);
      bump(byTopic, kind);
    };
    const totalMessages = source.summary.messageCount;
    const span = source.summary.endTime - source.summary.startTime;
    const progressEvery = options.progressIntervalMs ?? 100;
    const wallStart = performance.now();
    let lastProgress = wallStart;
    let messagesIn = 0;
    let firstLogTime: bigint | undefined;
    let lastLogTime = source.summary.startTime;
    let aborted = false;
    const progress = (): ReplayProgress => {
      const wallMs = performance.now() - wallStart;
      return {
        messages: messagesIn,
        totalMessages,
        fraction: span > 0n ? Math.min(1, Number(lastLogTime - source.summary.startTime) / Number(span)) : 1,
        simTimeNs: lastLogTime,
        wallMs,
        messagesPerSec: wallMs > 0 ? (messagesIn * 1000) / wallMs : 0,
      };
    };

    // Look-ahead: after delivering a message, the runner reads on to the next messages on topics
    // whose subscribers asked to hear of messages early (camera frames, so that decoding the next
    // frame overlaps this step's inference), decodes each once and announces it; the same object
    // is delivered in its turn. The order of delivery, and so every output, is unchanged.
    const iterator = source.entries({ topics: wanted })[Symbol.asyncIterator]();
    const buffered: SourceEntry[] = [];
    const announced = new WeakMap<SourceEntry, unknown>();
    let exhausted = false;
    const nextEntry = async (): Promise<SourceEntry | undefined> => {
      if (buffered.length > 0) return buffered.shift();
      if (exhausted) return undefined;
      const r = await iterator.next();
      if (r.done) exhausted = true;
      return r.done ? undefined : r.value;
    };
    const announceNext = async (): Promise<void> => {
      let found = 0;
      for (let i = 0; i < LOOK_AHEAD_ENTRIES && found < LOOK_AHEAD_MESSAGES; i++) {
        if (i === buffered.length) {
          if (exhausted) return;
          const r = await iterator.next();
          if (r.done) {
            exhausted = true;
            return;
          }
          buffered.push(r.value);
        }
        const e = buffered[i]!;
        if (e.kind !== "message" || !bus.wantsUpcoming(e.topic) || mismatched.has(e.topic)) continue;
        found++;
        if (announced.has(e)) continue;
        let message: unknown;
        try {
          let codec = codecs.get(e.topic);
          if (!codec) codecs.set(e.topic, (codec = source.codecFor(e.topic)));
          message = codec.decode(e.data);
        } catch {
          return; // decoded (and counted) again in its turn
        }
        announced.set(e, message);
        bus.announce(e.topic, message);
      }
    };

    // The first frames are announced before anything is delivered, so their work starts at once.
    if (!pacer) await announceNext();
    for (let entry = await nextEntry(); entry !== undefined; entry = await nextEntry()) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      if (entry.kind === "error") {
        const topic = typeof entry.error.context.topic === "string" ? entry.error.context.topic : "(bag)";
        countDecodeError(topic, entry.error, "bag record");
        continue;
      }
      const { topic, logTime } = entry;
      firstLogTime ??= logTime;
      if (pacer) {
        await pacer.waitFor(logTime, options.signal);
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
      } else if (!fast) {
        const due = wallStart + Number(logTime - firstLogTime) / 1e6 / options.rate!;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait, options.signal);
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
      }
      // Realtime: timers fire on time without waiting for the nodes.
      await timers.fireUntil(logTime, pacer ? { ...timerHooks, settle: () => Promise.resolve() } : timerHooks);
      await recorder?.flush();
      clock.set(logTime);
      lastLogTime = logTime;
      messagesIn++;
      bump(inByTopic, topic);
      if (recorder && recordInput(topic, entry.type)) recorder.passThrough(topic, entry.type, logTime, entry.publishTime, entry.data);
      if (bus.subscriberCount(topic) > 0 && !mismatched.has(topic)) {
        let codec = codecs.get(topic);
        let message: unknown;
        try {
          if (announced.has(entry)) message = announced.get(entry);
          else {
            if (!codec) codecs.set(topic, (codec = source.codecFor(topic)));
            message = codec.decode(entry.data);
          }
        } catch (err) {
          countDecodeError(topic, err, `${entry.file}${entry.offset !== undefined ? ` offset ${entry.offset}` : ""}`);
        }
        if (message !== undefined && pacer) {
          // Realtime: offered and left to the nodes, as a camera driver does.
          if (isCameraType(entry.type)) realtimeFigures!.noteCameraFrame(message);
          bus.inject(topic, message, { topic, receiveTime: now(), cdr: entry.data });
        } else if (message !== undefined) {
          bus.inject(topic, message, { topic, receiveTime: clock.now(), cdr: entry.data });
          // The nodes work on the message meanwhile: node time, as the settle that follows.
          const aheadStart = performance.now();
          await announceNext();
          settleMs += performance.now() - aheadStart;
          await settle();
        }
      }
      await recorder?.flush();
      if (options.onProgress && performance.now() - lastProgress >= progressEvery) {
        lastProgress = performance.now();
        options.onProgress(progress());
      }
    }
    await iterator.return?.();
    await settle();
    await recorder?.flush();
    options.onProgress?.(progress());
    const wallMs = performance.now() - wallStart;

    const nodeStats: Record<string, Record<string, number>> = {};
    for (const { node, instance } of instances) {
      const stats = instance.stats?.();
      if (stats) nodeStats[node.fullName] = { ...stats };
    }
    const counted = [...instances];
    await dispose();
    instances.length = 0;
    // After dispose (a final flush may fail too): errors the nodes caught, plus what threw.
    const nodeErrorsByKind = collectNodeErrors(counted, uncaughtErrors);
    for (const [node, kinds] of Object.entries(nodeErrorsByKind)) nodeErrors[node] = Object.values(kinds).reduce((a, b) => a + b, 0);
    // What nodes publish while shutting down (a final flush of a pending frame) is recorded too.
    await recorder?.flush();
    if (sink) await sink.close();
    sink = undefined;

    const busStats = bus.stats();
    const drops: Record<string, number> = { ...busStats.drops };
    for (const [name, stats] of Object.entries(nodeStats)) {
      for (const [k, v] of Object.entries(stats)) if (/drop/i.test(k) && v > 0) drops[`${name} ${k}`] = v;
    }
    // Node work: callbacks and idle() waits (all inside settle) plus timer callbacks.
    const nodeMs = settleMs + timers.callbackMs;
    const simSeconds = firstLogTime === undefined ? 0 : Number(lastLogTime - firstLogTime) / 1e9;
    const requestedHz: Record<string, number> = {};
    for (const h of hosted) {
      const hz = h.store.all().rate_hz;
      if (typeof hz === "number") requestedHz[h.fullName] = hz;
    }
    const recordedByTopic = Object.fromEntries([...(recorder?.counts ?? new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1)));
    return {
      bag: options.bag,
      ...(options.out !== undefined ? { out: options.out } : {}),
      aborted,
      messagesIn,
      inByTopic,
      publishedByTopic: busStats.published,
      recordedByTopic,
      messagesOut: Object.values(recordedByTopic).reduce((a, b) => a + b, 0),
      decodeErrors,
      decodeErrorsByTopic,
      nodeErrors,
      nodeErrorsByKind,
      drops,
      nodeStats,
      timerTicks: timers.fired,
      timerTicksSkipped: timers.skippedTicks,
      wallMs,
      simSeconds,
      messagesPerSec: wallMs > 0 ? (messagesIn * 1000) / wallMs : 0,
      realtimeFactor: wallMs > 0 ? simSeconds / (wallMs / 1000) : 0,
      nodeMs,
      overheadMsPerMessage: messagesIn > 0 ? Math.max(0, wallMs - nodeMs) / messagesIn : 0,
      startedAtMs: wallStart,
      ...(realtimeFigures ? { realtime: realtimeFigures.finish(wallMs, nodeStats, requestedHz) } : {}),
    };
  } finally {
    // On an error (or after an abort that threw), still finalise what was opened.
    if (instances.length > 0) await dispose();
    if (sink) await sink.close().catch((err: unknown) => log("error", `cannot finalise the output bag: ${errorMessage(err)}`));
    await source.close();
  }
}

/** Node errors by node and kind: what each node counted (`errorCounts()`) and what threw out of it (`uncaught`). */
function collectNodeErrors(instances: readonly HostedInstance[], uncaught: Record<string, number>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const { node, instance } of instances) {
    for (const [kind, n] of Object.entries(instance.errorCounts?.() ?? {})) if (n > 0) bump((out[node.fullName] ??= {}), kind, n);
  }
  for (const [node, n] of Object.entries(uncaught)) bump((out[node] ??= {}), "uncaught", n);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Exact names, or prefixes written with a trailing `*`. */
function topicMatcher(patterns: readonly string[]): (topic: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith("*")));
  const prefixes = patterns.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
  return (topic) => exact.has(topic) || prefixes.some((p) => topic.startsWith(p));
}

function fullNameOf(spec: NodeSpec): string {
  const ns = !spec.namespace || spec.namespace === "/" ? "" : spec.namespace.startsWith("/") ? spec.namespace : `/${spec.namespace}`;
  return `${ns}/${spec.name}`;
}
