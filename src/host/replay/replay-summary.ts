/** What a replay run reports, and its human-readable form. */
import { formatRealtimeSummary, type RealtimeSummary } from "./realtime-report.js";

export interface ReplaySummary {
  /** The input bag. */
  bag: string;
  /** The output bag, when one was written. */
  out?: string;
  /** True when the run was stopped (SIGINT/SIGTERM, AbortSignal) before the end of the bag. */
  aborted: boolean;
  /** Bag messages fed to the graph (read and passed on, whether or not anyone subscribed). */
  messagesIn: number;
  /** Messages read from the bag, by topic. */
  inByTopic: Record<string, number>;
  /** Messages the nodes published, by topic. */
  publishedByTopic: Record<string, number>;
  /** Messages written to the output bag (node outputs and passed-through inputs), by topic. */
  recordedByTopic: Record<string, number>;
  /** Messages written to the output bag in all. */
  messagesOut: number;
  /** Unreadable bag records and undecodable messages (skipped), by error kind (`cdr`, `bag`, `schema`). */
  decodeErrors: Record<string, number>;
  /** The same, by topic then kind (`(bag)` for records without a topic). */
  decodeErrorsByTopic: Record<string, Record<string, number>>;
  /**
   * Node errors by node full name: callbacks, timers and idle() calls that threw, plus the errors
   * nodes caught and went on from (`NodeInstance.errorCounts()`, failed frames).
   */
  nodeErrors: Record<string, number>;
  /** The same, by node then error kind (`model`, `image`, ...; `uncaught` for a callback, timer or idle() that threw). */
  nodeErrorsByKind: Record<string, Record<string, number>>;
  /** Messages replaced in full subscriber queues (`node topic`) and node-reported drops (`node key`). */
  drops: Record<string, number>;
  /** Every counter the nodes report through `NodeInstance.stats()`, by node full name. */
  nodeStats: Record<string, Record<string, number>>;
  /** Timer callbacks run, and ticks skipped after long gaps. */
  timerTicks: number;
  timerTicksSkipped: number;
  /** Wall-clock duration of the run (after the nodes were created), ms. */
  wallMs: number;
  /** Bag time covered, seconds. */
  simSeconds: number;
  /** Input messages per wall-clock second. */
  messagesPerSec: number;
  /** Bag seconds per wall-clock second. */
  realtimeFactor: number;
  /** Node work: time waiting for callbacks and nodes' idle() after each message, and in timer callbacks, ms. */
  nodeMs: number;
  /** Transport overhead per input message: (wall - node work) / messages, ms (bag read, decode, dispatch, record). */
  overheadMsPerMessage: number;
  /** When the first message was read, on the run's clock (`ReplayOptions.clock`; the run covers `wallMs` from there). */
  startedAtMs: number;
  /** Realtime runs only: achieved rates, drops and latencies (see realtime-report.ts). */
  realtime?: RealtimeSummary;
}

/** Progress during a run. */
export interface ReplayProgress {
  /** Messages fed so far. */
  messages: number;
  /** Of the bag's messages on the topics read (an upper bound from the bag summary). */
  totalMessages: number;
  /** Share of the bag's time span done, 0..1. */
  fraction: number;
  /** Current sim time (log time), ns. */
  simTimeNs: bigint;
  /** Wall time since the start, ms. */
  wallMs: number;
  /** Messages per wall-clock second so far. */
  messagesPerSec: number;
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function table(title: string, r: Record<string, number>): string[] {
  const keys = Object.keys(r).sort();
  if (keys.length === 0) return [];
  return [`${title}:`, ...keys.map((k) => `  ${k.padEnd(48)} ${r[k]}`)];
}

/** Every error of the run: node errors and unreadable or undecodable input (what `replay --strict` fails on). */
export function errorTotal(s: Pick<ReplaySummary, "nodeErrors" | "decodeErrors">): number {
  return sum(s.nodeErrors) + sum(s.decodeErrors);
}

/** A multi-line summary for the terminal. */
export function formatReplaySummary(s: ReplaySummary): string {
  const lines = [
    `replay ${s.aborted ? "stopped early" : "finished"}: ${s.bag}${s.out ? ` -> ${s.out}` : ""}`,
    `  messages in ${s.messagesIn}, published ${sum(s.publishedByTopic)}, recorded ${s.messagesOut}`,
    `  decode errors ${sum(s.decodeErrors)}, node errors ${sum(s.nodeErrors)}, drops ${sum(s.drops)}`,
    `  wall ${(s.wallMs / 1000).toFixed(2)} s for ${s.simSeconds.toFixed(2)} s of bag (x${s.realtimeFactor.toFixed(1)}), ` +
      `${s.messagesPerSec.toFixed(0)} msg/s` +
      (s.realtime
        ? ", realtime"
        : `, overhead ${(s.overheadMsPerMessage * 1000).toFixed(1)} us/msg`),
    ...table("frames in by topic", s.inByTopic),
    ...table("published by topic", s.publishedByTopic),
    ...table("decode errors by kind", s.decodeErrors),
    ...table(
      "node errors by node and kind",
      Object.fromEntries(
        Object.entries(s.nodeErrorsByKind).flatMap(([node, kinds]) =>
          Object.entries(kinds).map(([kind, n]) => [`${node} ${kind}`, n]),
        ),
      ),
    ),
    ...table("drops", s.drops),
    ...(s.realtime ? formatRealtimeSummary(s.realtime) : []),
  ];
  return lines.join("\n");
}
