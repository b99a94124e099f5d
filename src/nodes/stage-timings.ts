/**
 * Per-frame stage times shared between the nodes of one process: each detector records how long
 * its stages took for a camera stamp; map_fusion copies them into PerceptionFrame.latencies. Across
 * processes (mode multi_process) the frame carries only the stages of its own process.
 */
import { timeToNs, type Time } from "../core/time.js";
import type { StageLatency } from "../msgs/types.generated.js";

const MAX_STAMPS = 256;
const byStamp = new Map<bigint, StageLatency[]>();
const pipelineByStamp = new Map<bigint, number>();

/** Records one stage's duration for a camera stamp (stage names: "pedestrian_model", "lane_model", ...). */
export function recordStage(stamp: Time, stage: string, durationMs: number): void {
  const key = timeToNs(stamp);
  let list = byStamp.get(key);
  if (!list) {
    list = [];
    byStamp.set(key, list);
    if (byStamp.size > MAX_STAMPS) byStamp.delete(byStamp.keys().next().value!);
  }
  const existing = list.find((s) => s.stage === stage);
  if (existing) existing.duration_ms = durationMs;
  else list.push({ stage, duration_ms: durationMs });
}

/** The stages recorded for a stamp, sorted by name (a copy). */
export function stagesOf(stamp: Time): StageLatency[] {
  return (byStamp.get(timeToNs(stamp)) ?? []).map((s) => ({ ...s })).sort((a, b) => (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0));
}

/** Records a detector's camera-stamp-to-publication latency for a stamp (the largest of the detectors is kept). */
export function recordPipelineLatency(stamp: Time, latencyMs: number): void {
  const key = timeToNs(stamp);
  pipelineByStamp.set(key, Math.max(pipelineByStamp.get(key) ?? 0, latencyMs));
  if (pipelineByStamp.size > MAX_STAMPS) pipelineByStamp.delete(pipelineByStamp.keys().next().value!);
}

/** The largest detector latency recorded for a stamp, if any. */
export function pipelineLatencyOf(stamp: Time): number | undefined {
  return pipelineByStamp.get(timeToNs(stamp));
}

/** Forgets everything (tests, a new replay in the same process). */
export function clearStageTimings(): void {
  byStamp.clear();
  pipelineByStamp.clear();
}
