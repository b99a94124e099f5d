/**
 * What a realtime replay measures: per camera node the rate it asked for and the rate it achieved,
 * and the frames it dropped because it was busy (newest frame wins); per output topic the latency
 * from the camera stamp to the publication on the wall clock (p50/p95/p99); how late the runner
 * itself offered frames; and the process's CPU use. Outputs are timed by a bus observer when they
 * are published (no bytes encoded for it); only messages whose header stamp is a camera frame's
 * count (a frame's detections, its fused frame, its debug image).
 */
import type { OfferLateness, RealtimePacer } from "./realtime-pacer.js";
import { percentile } from "../../core/percentile.js";

/** One camera node's rates and drops. */
export interface RealtimeModelFigures {
  /** `rate_hz` the node was configured with (node-clock Hz), when it has one (compute_budget's adaptive policy may set other rates at run time). */
  requestedHz?: number;
  /** Frames processed per second of camera stream on the wall clock. */
  achievedHz: number;
  /** Frames offered to the node (every camera frame). */
  offered: number;
  /** Frames processed. */
  processed: number;
  /** Frames the node's rate did not ask for (by design, not a loss). */
  skippedByRate: number;
  /** Frames its rate asked for that a newer frame replaced while the node was busy (lost). */
  replacedWhileBusy: number;
  /** replacedWhileBusy / frames its rate asked for, 0..1. */
  dropFraction: number;
}

/** Camera stamp to publication, ms, of one output topic. */
export interface RealtimeLatency {
  count: number;
  /** Publications per second of camera stream on the wall clock. */
  hz: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RealtimeSummary {
  /** Bag seconds per wall second (1 = real time). */
  rate: number;
  /** Camera frames offered and their rate in the bag (Hz of bag time; `x rate` on the wall clock). */
  cameraFrames: number;
  cameraHz: number;
  /** Wall seconds of camera stream the rates are per (frames / camera Hz / rate). */
  streamSeconds: number;
  /** How late the runner offered messages against their due time (a busy event loop delays them). */
  offerLateness: OfferLateness;
  /** Per camera node (full name). */
  models: Record<string, RealtimeModelFigures>;
  /** Per output topic whose messages carry camera stamps. */
  latency: Record<string, RealtimeLatency>;
  /** Process CPU (every thread) over the run, seconds, and as cores busy on average. */
  cpuSeconds: number;
  cpuCores: number;
}

const MAX_STAMPS = 4096;
const CAMERA_TYPES = /^sensor_msgs\/(msg\/)?(Image|CompressedImage)$/;

/** True for camera image types (`sensor_msgs/msg/Image`, `.../CompressedImage`). */
export function isCameraType(type: string): boolean {
  return CAMERA_TYPES.test(type);
}

function stampNsOf(message: unknown): bigint | undefined {
  const stamp = (message as { header?: { stamp?: { sec?: unknown; nanosec?: unknown } } } | null)
    ?.header?.stamp;
  if (!stamp || typeof stamp.sec !== "number" || typeof stamp.nanosec !== "number")
    return undefined;
  return BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec);
}

/** Collects the figures during a realtime run. */
export class RealtimeRecorder {
  readonly #pacer: RealtimePacer;
  /** Camera stamps offered (bounded, oldest forgotten). */
  readonly #cameraStamps = new Set<bigint>();
  readonly #latencies = new Map<string, number[]>();
  #frames = 0;
  #firstNs?: bigint;
  #lastNs?: bigint;
  readonly #cpuStart = process.cpuUsage();

  constructor(pacer: RealtimePacer) {
    this.#pacer = pacer;
  }

  /** A camera frame was offered to the nodes. */
  noteCameraFrame(message: unknown): void {
    const ns = stampNsOf(message);
    if (ns === undefined) return;
    this.#frames++;
    if (this.#firstNs === undefined || ns < this.#firstNs) this.#firstNs = ns;
    if (this.#lastNs === undefined || ns > this.#lastNs) this.#lastNs = ns;
    this.#cameraStamps.add(ns);
    if (this.#cameraStamps.size > MAX_STAMPS)
      this.#cameraStamps.delete(this.#cameraStamps.values().next().value!);
  }

  /** A bus observer: times publications stamped with an offered camera frame's stamp. */
  readonly observe = (topic: string, message: unknown): void => {
    const ns = stampNsOf(message);
    if (ns === undefined || !this.#cameraStamps.has(ns)) return;
    let list = this.#latencies.get(topic);
    if (!list) this.#latencies.set(topic, (list = []));
    list.push(this.#pacer.wallNowMs() - this.#pacer.wallMsOf(ns));
  };

  /**
   * The figures, from the nodes' counters (`frames_offered`, `frames_processed`, `drops_rate`,
   * `drops_busy`, `frames_skipped_no_calibration` of camera nodes) and their `rate_hz`.
   */
  finish(
    wallMs: number,
    nodeStats: Record<string, Record<string, number>>,
    requestedHz: Record<string, number>,
  ): RealtimeSummary {
    const cpu = process.cpuUsage(this.#cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const spanS =
      this.#firstNs !== undefined && this.#lastNs !== undefined
        ? Number(this.#lastNs - this.#firstNs) / 1e9
        : 0;
    const cameraHz = this.#frames > 1 && spanS > 0 ? (this.#frames - 1) / spanS : 0;
    const streamSeconds = cameraHz > 0 ? this.#frames / cameraHz / this.#pacer.rate : 0;
    const perSecond = (n: number): number => (streamSeconds > 0 ? n / streamSeconds : 0);
    const models: Record<string, RealtimeModelFigures> = {};
    for (const [node, st] of Object.entries(nodeStats).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (st.frames_offered === undefined || st.frames_processed === undefined) continue;
      const skipped = st.drops_rate ?? 0;
      const busy = st.drops_busy ?? 0;
      const asked = st.frames_offered - skipped - (st.frames_skipped_no_calibration ?? 0);
      models[node] = {
        ...(requestedHz[node] !== undefined ? { requestedHz: requestedHz[node] } : {}),
        achievedHz: perSecond(st.frames_processed),
        offered: st.frames_offered,
        processed: st.frames_processed,
        skippedByRate: skipped,
        replacedWhileBusy: busy,
        dropFraction: asked > 0 ? busy / asked : 0,
      };
    }
    const latency: Record<string, RealtimeLatency> = {};
    for (const [topic, list] of [...this.#latencies].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const sorted = [...list].sort((a, b) => a - b);
      latency[topic] = {
        count: sorted.length,
        hz: perSecond(sorted.length),
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.at(-1)!,
      };
    }
    return {
      rate: this.#pacer.rate,
      cameraFrames: this.#frames,
      cameraHz,
      streamSeconds,
      offerLateness: this.#pacer.lateness(),
      models,
      latency,
      cpuSeconds,
      cpuCores: wallMs > 0 ? cpuSeconds / (wallMs / 1000) : 0,
    };
  }
}

function f1(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : "-";
}

/** The realtime part of the terminal summary. */
export function formatRealtimeSummary(r: RealtimeSummary): string[] {
  const lines = [
    `realtime at x${r.rate.toFixed(2)}: ${r.cameraFrames} camera frames at ${f1(r.cameraHz * r.rate)} Hz on the wall clock; ` +
      `offers late p50 ${f1(r.offerLateness.p50Ms)} ms, p99 ${f1(r.offerLateness.p99Ms)} ms; CPU ${r.cpuSeconds.toFixed(2)} s (${r.cpuCores.toFixed(2)} cores)`,
    `  ${"node".padEnd(36)} ${"asked Hz".padStart(8)} ${"achieved".padStart(8)} ${"processed".padStart(10)} ${"replaced while busy".padStart(20)} ${"skipped by rate".padStart(15)}`,
  ];
  for (const [node, m] of Object.entries(r.models)) {
    lines.push(
      `  ${node.padEnd(36)} ${(m.requestedHz !== undefined ? f1(m.requestedHz) : "-").padStart(8)} ${f1(m.achievedHz).padStart(8)} ${`${m.processed}/${m.offered}`.padStart(10)} ` +
        `${`${m.replacedWhileBusy} (${f1(m.dropFraction * 100)} %)`.padStart(20)} ${String(m.skippedByRate).padStart(15)}`,
    );
  }
  lines.push(
    `  camera stamp -> publication, ms (wall clock): ${"p50".padStart(7)} ${"p95".padStart(7)} ${"p99".padStart(7)} ${"max".padStart(7)} ${"Hz".padStart(6)}`,
  );
  for (const [topic, l] of Object.entries(r.latency)) {
    lines.push(
      `    ${topic.padEnd(44)} ${f1(l.p50Ms).padStart(7)} ${f1(l.p95Ms).padStart(7)} ${f1(l.p99Ms).padStart(7)} ${f1(l.maxMs).padStart(7)} ${f1(l.hz).padStart(6)}`,
    );
  }
  return lines;
}
