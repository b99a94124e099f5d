/**
 * Latency as sparse fixed-width histograms (bin index -> count) so that runs merge by adding
 * counts; percentiles are read back as the upper edge of the bin holding the nearest rank.
 */
import type { EvalConfig } from "./eval-config.js";

/** Adds one latency (ms) to a histogram. */
export function addLatency(hist: Record<string, number>, ms: number, config: EvalConfig): void {
  if (!Number.isFinite(ms)) return;
  const last = Math.ceil(config.latency.max_ms / config.latency.bin_ms);
  const bin = Math.min(last, Math.max(0, Math.floor(ms / config.latency.bin_ms)));
  hist[String(bin)] = (hist[String(bin)] ?? 0) + 1;
}

/** Summary of a histogram: count and the p50/p90/p99/max bin upper edges (ms). */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

function histogramCount(hist: Record<string, number>): number {
  return Object.values(hist).reduce((a, b) => a + b, 0);
}

/** Nearest-rank percentile (0..100) of a histogram, as the upper edge of its bin; null when empty. */
function histogramPercentile(
  hist: Record<string, number>,
  p: number,
  config: EvalConfig,
): number | null {
  const bins = Object.entries(hist)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return null;
  const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
  let seen = 0;
  for (const [bin, n] of bins) {
    seen += n;
    if (seen >= rank) return (bin + 1) * config.latency.bin_ms;
  }
  return (bins[bins.length - 1]![0] + 1) * config.latency.bin_ms;
}

export function summarizeLatency(hist: Record<string, number>, config: EvalConfig): LatencySummary {
  return {
    count: histogramCount(hist),
    p50: histogramPercentile(hist, 50, config),
    p90: histogramPercentile(hist, 90, config),
    p99: histogramPercentile(hist, 99, config),
    max: histogramPercentile(hist, 100, config),
  };
}
