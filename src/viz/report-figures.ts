/**
 * The figures of a replay, read back from its output bag with the project's reader: camera
 * frames fused, latency per stage (median, p99) from PerceptionFrame.latencies and the
 * `~/debug/*_ms` topics, the worst diagnostics state per node, and a few annotated debug images.
 * Reading the bag back is also the proof that it decodes completely.
 */
import { openBag } from "../bag/open-bag.js";
import { percentile } from "../core/percentile.js";
import {
  DiagnosticStatus,
  type CompressedImage,
  type DiagnosticArray,
  type Float32,
  type PerceptionFrame,
} from "../msgs/types.generated.js";

/** Median and 99th percentile of a sample. */
export interface Spread {
  count: number;
  median: number;
  p99: number;
  max: number;
}

function spreadOf(values: readonly number[]): Spread {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    count: s.length,
    median: percentile(s, 50),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1]! : NaN,
  };
}

/** The worst diagnostics a node reported during the run. */
export interface NodeHealth {
  worstLevel: number;
  /** The message of the first status at the worst level. */
  worstMessage: string;
  /** The last status message. */
  lastMessage: string;
  lastLevel: number;
}

export interface ReplayFigures {
  /** Messages per topic in the output bag, and undecodable ones (must be 0). */
  messagesByTopic: Record<string, number>;
  decodeErrors: number;
  /** Fused frames, in stamp order. */
  frames: PerceptionFrame[];
  /** Per stage of PerceptionFrame.latencies, plus "pipeline" (pipeline_latency_ms). */
  stageLatency: Record<string, Spread>;
  /** Per `~/debug/processing_time_ms` topic. */
  processingByTopic: Record<string, Spread>;
  health: Record<string, NodeHealth>;
  /** Debug images, in stamp order (the bytes as published). */
  debugImages: CompressedImage[];
}

export interface ReadFiguresOptions {
  /** The frame topic (default /perception/frame). */
  frameTopic?: string;
  /** The debug image topic (default /perception/viz/image/compressed). */
  debugImageTopic?: string;
}

/** Reads every message of the output bag and gathers the figures. */
export async function readReplayFigures(
  bagPath: string,
  options: ReadFiguresOptions = {},
): Promise<ReplayFigures> {
  const frameTopic = options.frameTopic ?? "/perception/frame";
  const imageTopic = options.debugImageTopic ?? "/perception/viz/image/compressed";
  const bag = await openBag(bagPath);
  const messagesByTopic: Record<string, number> = {};
  const frames: PerceptionFrame[] = [];
  const debugImages: CompressedImage[] = [];
  const stages: Record<string, number[]> = { pipeline: [] };
  const processing: Record<string, number[]> = {};
  const health: Record<string, NodeHealth> = {};
  let decodeErrors = 0;
  try {
    for await (const entry of bag.messages()) {
      if (entry.kind === "error") {
        decodeErrors++;
        continue;
      }
      messagesByTopic[entry.topic] = (messagesByTopic[entry.topic] ?? 0) + 1;
      if (entry.topic === frameTopic) {
        const frame = entry.message as PerceptionFrame;
        frames.push(frame);
        for (const l of frame.latencies) (stages[l.stage] ??= []).push(l.duration_ms);
        stages.pipeline!.push(frame.pipeline_latency_ms);
      } else if (entry.topic === imageTopic) {
        debugImages.push(entry.message as CompressedImage);
      } else if (entry.topic.endsWith("/debug/processing_time_ms")) {
        (processing[entry.topic] ??= []).push((entry.message as Float32).data);
      } else if (entry.topic === "/diagnostics") {
        for (const s of (entry.message as DiagnosticArray).status) {
          const h = (health[s.name] ??= {
            worstLevel: -1,
            worstMessage: "",
            lastMessage: "",
            lastLevel: 0,
          });
          const rank = (l: number): number => (l === DiagnosticStatus.STALE ? 1.5 : l);
          if (rank(s.level) > rank(h.worstLevel)) {
            h.worstLevel = s.level;
            h.worstMessage = s.message;
          }
          h.lastLevel = s.level;
          h.lastMessage = s.message;
        }
      }
    }
  } finally {
    await bag.close();
  }
  const stageLatency = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, spreadOf(v)]));
  const processingByTopic = Object.fromEntries(
    Object.entries(processing).map(([k, v]) => [k, spreadOf(v)]),
  );
  return {
    messagesByTopic,
    decodeErrors,
    frames,
    stageLatency,
    processingByTopic,
    health,
    debugImages,
  };
}
