/**
 * Replays a rosbag2 bag through a node graph in one process: bag messages in log-time order are
 * decoded once and handed to every local subscriber of their topic, the sim clock follows the
 * log time, timers fire in sim time between messages, and what the nodes publish is recorded
 * into an output bag. After each message the runner waits for every callback and every node's
 * `idle()`, so the same bag and parameters give a byte-identical output bag.
 */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { realClock, type MonotonicClock } from "../../core/monotonic-clock.js";
import { sleep } from "../../core/sleep.js";
import { normalizeTypeName } from "../../msgs/type-name.js";
import { InProcessBus, type Publication } from "../bus.js";
import { SimClock, SimTimerQueue } from "../clock.js";
import { disposeHostedInstances, type HostedInstance } from "../hosted-instances.js";
import { stderrLogSink, type LogSink } from "../logger.js";
import type { QosProfile } from "../../msgs/qos-profile.js";
import { createNodeHandle, type HostedNode } from "../node-handle.js";
import { createRunServices } from "../run-services.js";
import type { NodeSpec } from "../../ros/node-spec.js";
import {
  createReplaySink,
  openReplaySource,
  type ReplaySink,
  type ReplaySource,
} from "./bag-io.js";
import { LookAhead } from "./look-ahead.js";
import { StepRecorder } from "./recorder.js";
import { RealtimePacer } from "./realtime-pacer.js";
import { isCameraType, RealtimeRecorder } from "./realtime-report.js";
import type { ReplayProgress, ReplaySummary } from "./replay-summary.js";
import { SummaryAccumulator } from "./summary-accumulator.js";

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
   * look-ahead (no frame is announced early); node clocks follow the wall clock. The summary gets `realtime`
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
  /**
   * The clock measuring processing time in this run, handed to every node, the bus, the timers, the
   * output bag and the summary (default the real one; `frozenClock()` for `--deterministic-timing`).
   */
  clock?: MonotonicClock;
}

const PASSTHROUGH_TOPICS = new Set(["/tf", "/tf_static"]);
const CAMERA_INFO = "sensor_msgs/CameraInfo";
const SENSOR_TYPES = new Set([CAMERA_INFO, "sensor_msgs/Image", "sensor_msgs/CompressedImage"]);

function isPassthrough(topic: string, type: string): boolean {
  return PASSTHROUGH_TOPICS.has(topic) || normalizeTypeName(type) === CAMERA_INFO;
}

function defaultQos(topic: string, type: string): QosProfile {
  if (topic === "/tf_static") return "transient_local";
  return SENSOR_TYPES.has(normalizeTypeName(type)) ? "sensor_data" : "reliable";
}

/** Runs the graph over the bag; see the module comment. Throws before reading when a node fails to start. */
export async function runReplay(options: ReplayOptions): Promise<ReplaySummary> {
  const logSink = options.logSink ?? stderrLogSink();
  const log = (level: "info" | "warn" | "error", message: string): void =>
    logSink(level, "replay", message);
  const record = options.record ?? "outputs";
  const wallClock = options.clock ?? realClock;
  const pacer = options.realtime
    ? new RealtimePacer({ rate: options.rate ?? 1, clock: wallClock })
    : undefined;
  const fast = !pacer && (options.fast ?? options.rate === undefined);
  if (
    !fast &&
    !pacer &&
    !(options.rate !== undefined && Number.isFinite(options.rate) && options.rate > 0)
  ) {
    throw new PerceptionError(
      "parameter",
      `replay rate must be a positive number, got ${String(options.rate)}`,
    );
  }

  const source = options.source ?? (await openReplaySource(options.bag));
  const stats = new SummaryAccumulator({ bag: source.summary, log, clock: wallClock });
  const reportNodeError = (node: string, where: string, err: unknown): void =>
    stats.nodeError(node, where, err);

  const clock = new SimClock(source.summary.startTime);
  const timers = new SimTimerQueue(clock, wallClock);
  // Realtime: the node clock follows the wall clock between messages, as a live ROS clock does.
  const now = pacer
    ? () => {
        if (pacer.started) clock.set(pacer.bagNowNs());
        return clock.now();
      }
    : () => clock.now();
  const realtimeFigures = pacer ? new RealtimeRecorder(pacer) : undefined;
  const bus = new InProcessBus({
    now,
    wallClock,
    onCallbackError: (node, topic, err) => reportNodeError(node, `its ${topic} callback`, err),
  });
  const hosted: HostedNode[] = [];
  const instances: HostedInstance[] = [];
  let sink: ReplaySink | undefined;

  const dispose = (): Promise<void> =>
    disposeHostedInstances(instances, (node, err) =>
      reportNodeError(node.fullName, "dispose()", err),
    );

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
    // After start-up the recorder (a tap of its own) takes the recorded topics.
    hasSubscribers: () => collectingStartup,
  });

  try {
    // This run's services (the decoded-frame cache): shared by its nodes, by no other run.
    const services = createRunServices();
    // Start every node before reading: a bad parameter fails here, naming the node.
    for (const spec of options.nodes) {
      const node = createNodeHandle({
        spec,
        bus,
        timers,
        now,
        wallClock,
        clockKind: "sim",
        logSink,
        services,
        // Replay is sim time: use_sim_time is true for every node, as with `ros2 bag play --clock`.
        parameterOverrides: {
          use_sim_time: true,
          ...options.parameterOverrides?.[fullNameOf(spec)],
        },
      });
      hosted.push(node);
      instances.push({ node, instance: await spec.create(node.handle) });
    }

    const bagTopics = new Map(source.summary.topics.map((t) => [t.name, t.type]));
    const subscribed = new Set(
      bus
        .topics()
        .filter((t) => t.subscribers.length > 0)
        .map((t) => t.name),
    );
    const unrecordable = new Set<string>();
    const recordInput = (topic: string, type: string): boolean =>
      !excluded(topic) &&
      !unrecordable.has(topic) &&
      (record === "all" || isPassthrough(topic, type));
    const wanted =
      options.topics ??
      [...bagTopics]
        .filter(([name, type]) => subscribed.has(name) || (recording && recordInput(name, type)))
        .map(([n]) => n);

    // Subscribed topics nothing feeds (a remapping mistake shows here).
    for (const t of bus.topics()) {
      if (t.subscribers.length > 0 && t.publishers.length === 0 && !bagTopics.has(t.name)) {
        log(
          "warn",
          `${t.subscribers.join(", ")} subscribe to ${t.name}, which neither the bag nor a node publishes`,
        );
      }
    }

    // Subscribers whose type differs from the bag's: warned about and not fed.
    const mismatched = new Set<string>();
    for (const t of bus.topics()) {
      const bagType = bagTopics.get(t.name);
      if (
        bagType &&
        t.subscribers.length > 0 &&
        normalizeTypeName(bagType) !== normalizeTypeName(t.type)
      ) {
        mismatched.add(t.name);
        log(
          "warn",
          `${t.subscribers.join(", ")} subscribe to ${t.name} as ${t.type}, but the bag has ${bagType}: not delivered`,
        );
      }
    }

    let recorder: StepRecorder | undefined;
    if (recording) {
      sink =
        options.sink ??
        (await createReplaySink(options.out!, options.overwrite ?? false, wallClock));
      const qosByTopic = new Map(
        bus
          .topics()
          .filter((t) => t.publishers.length > 0)
          .map((t) => [t.name, t.qos?.profile]),
      );
      recorder = new StepRecorder({
        sink,
        wantsOutput: (topic) => !excluded(topic),
        qosOf: (topic, type) => qosByTopic.get(topic) ?? defaultQos(topic, type),
      });
      bus.addTap(recorder);
      for (const t of bus.topics())
        if (t.publishers.length > 0 && !excluded(t.name)) recorder.addTopic(t.name, t.type);
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

    // Settled: the bus drained and every node idle, with no message exchanged while waiting (a
    // node idle when asked may have been handed work by another node since, e.g. the visualizer a
    // frame from fusion while the lane detector finished).
    const settle = async (): Promise<void> => {
      const begin = wallClock.nowMs();
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
      stats.settleMs += wallClock.nowMs() - begin;
    };
    const timerHooks = {
      settle,
      onError: (owner: string, err: unknown) => reportNodeError(owner, "a timer", err),
    };
    if (realtimeFigures) bus.addObserver(realtimeFigures.observe);

    // The run.
    const codecs = new Map<string, { decode(b: Uint8Array): unknown }>();
    const decode = (topic: string, data: Uint8Array): unknown => {
      let codec = codecs.get(topic);
      if (!codec) codecs.set(topic, (codec = source.codecFor(topic)));
      return codec.decode(data);
    };
    const progressEvery = options.progressIntervalMs ?? 100;
    stats.start();
    let lastProgress = stats.wallStart;
    let aborted = false;
    const lookAhead = new LookAhead({
      entries: source.entries({ topics: wanted })[Symbol.asyncIterator](),
      wants: (e) => bus.wantsUpcoming(e.topic) && !mismatched.has(e.topic),
      decode,
      announce: (topic, message) => bus.announce(topic, message),
    });

    // Look-ahead: the first frames are announced before anything is delivered, so their work starts at once.
    if (!pacer) await lookAhead.fill();
    for (let entry = await lookAhead.next(); entry !== undefined; entry = await lookAhead.next()) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      if (entry.kind === "error") {
        const topic =
          typeof entry.error.context.topic === "string" ? entry.error.context.topic : "(bag)";
        stats.decodeError(topic, entry.error, "bag record");
        continue;
      }
      const { topic, logTime } = entry;
      stats.reached(logTime);
      if (pacer) {
        await pacer.waitFor(logTime, options.signal);
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
      } else if (!fast) {
        const due = stats.wallStart + Number(logTime - stats.firstLogTime!) / 1e6 / options.rate!;
        const wait = due - wallClock.nowMs();
        if (wait > 1) await sleep(wait, options.signal);
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
      }
      // Realtime: timers fire on time without waiting for the nodes.
      await timers.fireUntil(
        logTime,
        pacer ? { ...timerHooks, settle: () => Promise.resolve() } : timerHooks,
      );
      await recorder?.flush();
      clock.set(logTime);
      stats.messageIn(topic, logTime);
      if (recorder && recordInput(topic, entry.type))
        recorder.passThrough(topic, entry.type, logTime, entry.publishTime, entry.data);
      if (bus.subscriberCount(topic) > 0 && !mismatched.has(topic)) {
        let message: unknown;
        try {
          const lookedAhead = lookAhead.decoded(entry);
          message = lookedAhead ? lookedAhead.message : decode(topic, entry.data);
        } catch (err) {
          stats.decodeError(
            topic,
            err,
            `${entry.file}${entry.offset !== undefined ? ` offset ${entry.offset}` : ""}`,
          );
        }
        if (message !== undefined && pacer) {
          // Realtime: offered and left to the nodes, as a camera driver does.
          if (isCameraType(entry.type)) realtimeFigures!.noteCameraFrame(message);
          bus.inject(topic, message, { topic, receiveTime: now(), cdr: entry.data });
        } else if (message !== undefined) {
          bus.inject(topic, message, { topic, receiveTime: clock.now(), cdr: entry.data });
          // The nodes work on the message meanwhile: node time, as the settle that follows.
          const lookAheadStart = wallClock.nowMs();
          await lookAhead.fill();
          stats.settleMs += wallClock.nowMs() - lookAheadStart;
          await settle();
        }
      }
      await recorder?.flush();
      if (options.onProgress && wallClock.nowMs() - lastProgress >= progressEvery) {
        lastProgress = wallClock.nowMs();
        options.onProgress(stats.progress());
      }
    }
    await lookAhead.close();
    await settle();
    await recorder?.flush();
    options.onProgress?.(stats.progress());
    const wallMs = stats.stop();

    const nodeStats: Record<string, Record<string, number>> = {};
    for (const { node, instance } of instances) {
      const s = instance.stats?.();
      if (s) nodeStats[node.fullName] = { ...s };
    }
    const counted = [...instances];
    await dispose();
    instances.length = 0;
    // After dispose (a final flush may fail too): errors the nodes caught, plus what threw.
    stats.countNodeErrors(counted);
    // What nodes publish while shutting down (a final flush of a pending frame) is recorded too.
    await recorder?.flush();
    if (sink) await sink.close();
    sink = undefined;

    return stats.summary({
      bag: options.bag,
      ...(options.out !== undefined ? { out: options.out } : {}),
      aborted,
      wallMs,
      nodeStats,
      bus: bus.stats(),
      timers,
      hosted,
      ...(recorder ? { recorded: recorder.counts } : {}),
      ...(realtimeFigures ? { realtime: realtimeFigures } : {}),
    });
  } finally {
    // On an error (or after an abort that threw), still finalise what was opened.
    if (instances.length > 0) await dispose();
    if (sink)
      await sink
        .close()
        .catch((err: unknown) =>
          log("error", `cannot finalise the output bag: ${errorMessage(err)}`),
        );
    await source.close();
  }
}

/** Exact names, or prefixes written with a trailing `*`. */
function topicMatcher(patterns: readonly string[]): (topic: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith("*")));
  const prefixes = patterns.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
  return (topic) => exact.has(topic) || prefixes.some((p) => topic.startsWith(p));
}

function fullNameOf(spec: NodeSpec): string {
  const ns =
    !spec.namespace || spec.namespace === "/"
      ? ""
      : spec.namespace.startsWith("/")
        ? spec.namespace
        : `/${spec.namespace}`;
  return `${ns}/${spec.name}`;
}
