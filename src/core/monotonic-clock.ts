/**
 * The one clock that measures durations (processing times, latencies, wall time of a run): never
 * sim or ROS time. The host creates one per run and hands it down (node handles, sessions,
 * detectors, the fusion engine, the bag writer, the replay runner), so two runs in one process
 * may use different clocks. This module is the only place in `src/` that reads
 * `performance.now()` (test/core/monotonic-clock.test.ts checks it).
 */

/** Monotonic milliseconds for measuring how long something took. */
export interface MonotonicClock {
  /** Milliseconds since an arbitrary origin; never decreases. */
  nowMs(): number;
}

/** The real clock: `performance.now()`. */
export const realClock: MonotonicClock = { nowMs: () => performance.now() };

/**
 * Reproducible timing for determinism checks (`--deterministic-timing`): a clock that never moves,
 * so processing times, latencies and everything derived from them (PerceptionFrame.latencies,
 * `~/debug/*_ms`, diagnostics) are zero in every run of the same replay. A stepping clock would not
 * do: concurrent nodes interleave their reads differently from run to run. Never for real runs:
 * timing figures are meaningless under it.
 */
export function frozenClock(atMs = 0): MonotonicClock {
  return { nowMs: () => atMs };
}

/**
 * A `realClock` reading as milliseconds since the epoch, comparable between threads (each worker
 * thread's real clock has its own origin).
 */
export function realToEpochMs(realMs: number): number {
  return performance.timeOrigin + realMs;
}

/** An epoch time from `realToEpochMs` (any thread) on this thread's `realClock`. */
export function epochToRealMs(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}
