/**
 * When the models actually ran: wall-clock intervals of onnxruntime's `run` on the model worker
 * threads, collected process-wide while a recording is open (benchmarks; off otherwise, so a long
 * live run keeps nothing). The pipeline bench measures its overhead against the union of these
 * intervals: wall time in which no model was running is the pipeline's own.
 */

/** One onnxruntime run, on the main thread's real clock (`realClock`, src/core/monotonic-clock.ts). */
export interface InferenceInterval {
  /** The contract's name ("yolox_nano"). */
  model: string;
  startMs: number;
  endMs: number;
}

let recording: InferenceInterval[] | undefined;

/** Starts collecting (dropping what an earlier recording held); `stop` returns the intervals and ends it. */
export function recordInferenceIntervals(): { stop(): InferenceInterval[] } {
  const mine: InferenceInterval[] = [];
  recording = mine;
  return {
    stop: () => {
      if (recording === mine) recording = undefined;
      return mine;
    },
  };
}

/** Called by `ModelSession` after each run. */
export function noteInference(model: string, startMs: number, durationMs: number): void {
  recording?.push({ model, startMs, endMs: startMs + durationMs });
}

/** Total length of the union of the intervals clipped to [fromMs, toMs]: time in which at least one model ran. */
export function coveredMs(
  intervals: readonly InferenceInterval[],
  fromMs: number,
  toMs: number,
): number {
  const clipped = intervals
    .map((i) => [Math.max(fromMs, i.startMs), Math.min(toMs, i.endMs)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [a, b] of clipped) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) curEnd = b;
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}
