/**
 * Reproducible timing for determinism checks: replaces `performance.now()` (what
 * `NodeHandle.wallMs()` and the stages read) with a clock that advances a fixed step per call, so
 * processing times, latencies and everything derived from them (PerceptionFrame.latencies,
 * `~/debug/*_ms`, diagnostics) are the same in every run of the same replay. Never for real runs:
 * the figures it gives are call counts, not milliseconds.
 */
export interface DeterministicTimingOptions {
  /** Milliseconds the clock advances per call; default 0.25. */
  stepMs?: number;
}

/** Installs the clock; returns a function that restores the real one. */
export function useDeterministicTiming(options: DeterministicTimingOptions = {}): () => void {
  const step = options.stepMs ?? 0.25;
  const perf = globalThis.performance;
  const real = perf.now;
  let t = 0;
  perf.now = () => (t += step);
  return () => {
    perf.now = real;
  };
}
