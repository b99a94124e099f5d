/**
 * Reproducible timing for determinism checks: freezes `performance.now()` (what
 * `NodeHandle.wallMs()` and the stages read), so processing times, latencies and everything
 * derived from them (PerceptionFrame.latencies, `~/debug/*_ms`, diagnostics) are zero in every
 * run of the same replay. A stepping clock would not do: concurrent nodes interleave their reads
 * differently from run to run. Never for real runs: timing figures are meaningless under it.
 */
export interface DeterministicTimingOptions {
  /** The value `performance.now()` returns; default 0. */
  frozenAtMs?: number;
}

/** Freezes the clock; returns a function that restores the real one. */
export function useDeterministicTiming(options: DeterministicTimingOptions = {}): () => void {
  const value = options.frozenAtMs ?? 0;
  const perf = globalThis.performance;
  const real = perf.now;
  perf.now = () => value;
  return () => {
    perf.now = real;
  };
}
