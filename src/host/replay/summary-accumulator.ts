/**
 * What a replay run counts as it goes (messages in, decode errors, node errors, node time, the
 * bag time covered) and the summary and progress reports built from it.
 */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import type { MonotonicClock } from "../../core/monotonic-clock.js";
import type { BusStats } from "../bus.js";
import type { SimTimerQueue } from "../clock.js";
import type { HostedInstance } from "../hosted-instances.js";
import type { HostedNode } from "../node-handle.js";
import type { RealtimeRecorder } from "./realtime-report.js";
import type { ReplayProgress, ReplaySummary } from "./replay-summary.js";

/** Node errors logged in full per node; later ones are only counted. */
const LOGGED_ERRORS_PER_NODE = 3;

export interface SummaryAccumulatorOptions {
  /** The input bag's path, first and last log time and message count. */
  bag: { path: string; startTime: bigint; endTime: bigint; messageCount: number };
  /** Where the first node error per node and the first decode error per topic are logged. */
  log: (level: "warn" | "error", message: string) => void;
  /** The run's clock (wall time of the run, progress rates). */
  clock: MonotonicClock;
}

/** What the summary takes from the end of the run. */
export interface SummaryInputs {
  /** The input bag, as given. */
  bag: string;
  /** The output bag folder, when one was asked for. */
  out?: string;
  /** True when the run stopped before the end of the bag. */
  aborted: boolean;
  /** Wall time of the run, ms (from `stop()`). */
  wallMs: number;
  /** Each node's `stats()`, by node full name. */
  nodeStats: Record<string, Record<string, number>>;
  /** The bus's counts at the end. */
  bus: BusStats;
  /** The timers (ticks fired and skipped, callback time). */
  timers: SimTimerQueue;
  /** The hosted nodes (their requested `rate_hz`). */
  hosted: readonly HostedNode[];
  /** Messages recorded by topic; absent without an output bag. */
  recorded?: ReadonlyMap<string, number>;
  /** Realtime runs only: the realtime figures. */
  realtime?: RealtimeRecorder;
}

function bump(r: Record<string, number>, key: string, by = 1): void {
  r[key] = (r[key] ?? 0) + by;
}

/** Counts one replay run and reports it; see the module comment. */
export class SummaryAccumulator {
  readonly #options: SummaryAccumulatorOptions;
  readonly #inByTopic: Record<string, number> = {};
  readonly #decodeErrors: Record<string, number> = {};
  readonly #decodeErrorsByTopic: Record<string, Record<string, number>> = {};
  readonly #uncaughtErrors: Record<string, number> = {};
  #nodeErrorsByKind: Record<string, Record<string, number>> = {};
  #wallStart = 0;
  #messagesIn = 0;
  #firstLogTime: bigint | undefined;
  #lastLogTime: bigint;
  /** Node work measured by the runner (settling and look-ahead after each message), ms. */
  settleMs = 0;

  constructor(options: SummaryAccumulatorOptions) {
    this.#options = options;
    this.#lastLogTime = options.bag.startTime;
  }

  /** When the run starts, on the run's clock. */
  get wallStart(): number {
    return this.#wallStart;
  }

  /** The first message's log time, undefined before it. */
  get firstLogTime(): bigint | undefined {
    return this.#firstLogTime;
  }

  /** Marks the start of the run. */
  start(): void {
    this.#wallStart = this.#options.clock.nowMs();
  }

  /** Wall time since `start()`, ms. */
  stop(): number {
    return this.#options.clock.nowMs() - this.#wallStart;
  }

  /** A callback, timer, idle() or dispose() of the node threw. */
  nodeError(node: string, where: string, err: unknown): void {
    bump(this.#uncaughtErrors, node);
    const n = this.#uncaughtErrors[node]!;
    if (n <= LOGGED_ERRORS_PER_NODE) {
      this.#options.log(
        "error",
        `${node} failed in ${where}: ${errorMessage(err)}${n === LOGGED_ERRORS_PER_NODE ? " (further errors of this node are only counted)" : ""}`,
      );
    }
  }

  /** An unreadable bag record or an undecodable message on the topic. */
  decodeError(topic: string, err: unknown, where: string): void {
    const kind = err instanceof PerceptionError ? err.kind : "cdr";
    bump(this.#decodeErrors, kind);
    const byTopic = (this.#decodeErrorsByTopic[topic] ??= {});
    if (Object.keys(byTopic).length === 0) {
      this.#options.log(
        "warn",
        `skipping undecodable messages on ${topic} (bag ${this.#options.bag.path}, ${where}): ${errorMessage(err)}; later ones on this topic are only counted`,
      );
    }
    bump(byTopic, kind);
  }

  /** Notes the log time of the message about to be delivered (before its pacing). */
  reached(logTime: bigint): void {
    this.#firstLogTime ??= logTime;
  }

  /** A bag message fed to the graph. */
  messageIn(topic: string, logTime: bigint): void {
    this.#lastLogTime = logTime;
    this.#messagesIn++;
    bump(this.#inByTopic, topic);
  }

  /** Progress so far. */
  progress(): ReplayProgress {
    const { startTime, endTime, messageCount } = this.#options.bag;
    const span = endTime - startTime;
    const wallMs = this.#options.clock.nowMs() - this.#wallStart;
    return {
      messages: this.#messagesIn,
      totalMessages: messageCount,
      fraction: span > 0n ? Math.min(1, Number(this.#lastLogTime - startTime) / Number(span)) : 1,
      simTimeNs: this.#lastLogTime,
      wallMs,
      messagesPerSec: wallMs > 0 ? (this.#messagesIn * 1000) / wallMs : 0,
    };
  }

  /** Collects the errors the nodes counted, once they are disposed (a final flush may fail too). */
  countNodeErrors(instances: readonly HostedInstance[]): void {
    this.#nodeErrorsByKind = collectNodeErrors(instances, this.#uncaughtErrors);
  }

  /** The run's summary. */
  summary(s: SummaryInputs): ReplaySummary {
    const nodeErrors: Record<string, number> = {};
    for (const [node, kinds] of Object.entries(this.#nodeErrorsByKind))
      nodeErrors[node] = Object.values(kinds).reduce((a, b) => a + b, 0);
    const drops: Record<string, number> = { ...s.bus.drops };
    for (const [name, stats] of Object.entries(s.nodeStats)) {
      for (const [k, v] of Object.entries(stats))
        if (/drop/i.test(k) && v > 0) drops[`${name} ${k}`] = v;
    }
    // Node work: callbacks and idle() waits (all inside settle) plus timer callbacks.
    const nodeMs = this.settleMs + s.timers.callbackMs;
    const messagesIn = this.#messagesIn;
    const wallMs = s.wallMs;
    const simSeconds =
      this.#firstLogTime === undefined ? 0 : Number(this.#lastLogTime - this.#firstLogTime) / 1e9;
    const requestedHz: Record<string, number> = {};
    for (const h of s.hosted) {
      const hz = h.store.all().rate_hz;
      if (typeof hz === "number") requestedHz[h.fullName] = hz;
    }
    const recordedByTopic = Object.fromEntries(
      [...(s.recorded ?? new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    return {
      bag: s.bag,
      ...(s.out !== undefined ? { out: s.out } : {}),
      aborted: s.aborted,
      messagesIn,
      inByTopic: this.#inByTopic,
      publishedByTopic: s.bus.published,
      recordedByTopic,
      messagesOut: Object.values(recordedByTopic).reduce((a, b) => a + b, 0),
      decodeErrors: this.#decodeErrors,
      decodeErrorsByTopic: this.#decodeErrorsByTopic,
      nodeErrors,
      nodeErrorsByKind: this.#nodeErrorsByKind,
      drops,
      nodeStats: s.nodeStats,
      timerTicks: s.timers.fired,
      timerTicksSkipped: s.timers.skippedTicks,
      wallMs,
      simSeconds,
      messagesPerSec: wallMs > 0 ? (messagesIn * 1000) / wallMs : 0,
      realtimeFactor: wallMs > 0 ? simSeconds / (wallMs / 1000) : 0,
      nodeMs,
      overheadMsPerMessage: messagesIn > 0 ? Math.max(0, wallMs - nodeMs) / messagesIn : 0,
      startedAtMs: this.#wallStart,
      ...(s.realtime ? { realtime: s.realtime.finish(wallMs, s.nodeStats, requestedHz) } : {}),
    };
  }
}

/** Node errors by node and kind: what each node counted (`errorCounts()`) and what threw out of it (`uncaught`). */
function collectNodeErrors(
  instances: readonly HostedInstance[],
  uncaught: Record<string, number>,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const { node, instance } of instances) {
    for (const [kind, n] of Object.entries(instance.errorCounts?.() ?? {}))
      if (n > 0) bump((out[node.fullName] ??= {}), kind, n);
  }
  for (const [node, n] of Object.entries(uncaught)) bump((out[node] ??= {}), "uncaught", n);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
