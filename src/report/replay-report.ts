/**
 * The short report of a replay (`out/demo/report.md`): what ran on what, the figures (frames,
 * latency per stage median/p99, drops, errors, diagnostics), a few annotated frames and a
 * bird's-eye view (PNG via sharp).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import type { HdMap } from "../map/types.js";
import { DiagnosticStatus } from "../msgs/types.generated.js";
import type { RealtimeSummary } from "../host/replay/realtime-report.js";
import type { ReplaySummary } from "../host/replay/replay-summary.js";
import { renderBirdsEye } from "../viz/birds-eye.js";
import type { ReplayFigures, Spread } from "../viz/report-figures.js";

export interface ReportInput {
  /** Folder the report and its pictures are written to. */
  dir: string;
  /** Title line. */
  title: string;
  /** Lines describing the run (bag, map, models, mode). */
  setup: string[];
  summary: ReplaySummary;
  figures: ReplayFigures;
  map?: HdMap;
  /** Camera rate of the input, Hz, for the drop figures. */
  cameraHz?: number;
  /** How many annotated frames to include. */
  pictures?: number;
}

const LEVEL = ["OK", "WARN", "ERROR", "STALE"];

function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : "-";
}

function spreadRow(name: string, s: Spread): string {
  return `| ${name} | ${s.count} | ${ms(s.median)} | ${ms(s.p99)} | ${ms(s.max)} |`;
}

/** The figures of a realtime run: achieved rates and drops per model, latency per output. */
function realtimeSection(r: RealtimeSummary): string[] {
  return [
    "",
    "### Realtime",
    "",
    `Frames offered on the wall clock as the camera delivered them (x${r.rate.toFixed(2)}: ${ms(r.cameraHz * r.rate)} Hz), nothing waiting for the models; ` +
      `offers went out late by p50 ${ms(r.offerLateness.p50Ms)} ms, p99 ${ms(r.offerLateness.p99Ms)} ms (a busy event loop); CPU ${r.cpuSeconds.toFixed(1)} s (${r.cpuCores.toFixed(2)} cores on average).`,
    "",
    "| node | asked Hz | achieved Hz | processed / offered | replaced while busy | skipped by rate |",
    "|---|---|---|---|---|---|",
    ...Object.entries(r.models).map(
      ([node, m]) =>
        `| ${node} | ${m.requestedHz !== undefined ? ms(m.requestedHz) : "-"} | ${ms(m.achievedHz)} | ${m.processed} / ${m.offered} | ${m.replacedWhileBusy} (${ms(m.dropFraction * 100)} %) | ${m.skippedByRate} |`,
    ),
    "",
    "Camera stamp to publication on the wall clock (ms):",
    "",
    "| output | published | Hz | p50 | p95 | p99 | max |",
    "|---|---|---|---|---|---|---|",
    ...Object.entries(r.latency).map(
      ([topic, l]) =>
        `| ${topic} | ${l.count} | ${ms(l.hz)} | ${ms(l.p50Ms)} | ${ms(l.p95Ms)} | ${ms(l.p99Ms)} | ${ms(l.maxMs)} |`,
    ),
  ];
}

/** Picks `n` debug images spread over the run, preferring ones with detections. */
function pickImages(figures: ReplayFigures, n: number): number[] {
  const count = figures.debugImages.length;
  if (count === 0) return [];
  const picks: number[] = [];
  for (let i = 0; i < n; i++) picks.push(Math.min(count - 1, Math.floor(((i + 0.5) * count) / n)));
  return [...new Set(picks)];
}

/** Writes report.md and its PNGs; returns the report's path. */
export async function writeReplayReport(input: ReportInput): Promise<string> {
  const { figures, summary } = input;
  const lines: string[] = [`# ${input.title}`, "", ...input.setup.map((s) => `- ${s}`), ""];

  const frames = figures.frames;
  const cameraFrames = Object.entries(summary.inByTopic)
    .filter(([t]) => /image/.test(t))
    .reduce((a, [, n]) => a + n, 0);
  const tracks = new Set(
    frames.flatMap((f) => f.pedestrians.map((p) => p.track_id)).filter((id) => id > 0),
  );
  lines.push(
    "## Figures",
    "",
    `| what | value |`,
    `|---|---|`,
    `| bag time replayed | ${summary.simSeconds.toFixed(1)} s${summary.aborted ? " (stopped early)" : ""} |`,
    `| wall time | ${(summary.wallMs / 1000).toFixed(1)} s (x${summary.realtimeFactor.toFixed(2)} real time) |`,
    `| camera frames in | ${cameraFrames} (${(cameraFrames / Math.max(1e-9, summary.wallMs / 1000)).toFixed(1)} per wall second) |`,
    `| perception frames out | ${frames.length} (${frames.filter((f) => f.pose_valid).length} with a valid pose) |`,
    `| lane markings / crosswalks / pedestrian detections | ${frames.reduce((a, f) => a + f.lanes.length, 0)} / ${frames.reduce((a, f) => a + f.crosswalks.length, 0)} / ${frames.reduce((a, f) => a + f.pedestrians.length, 0)} |`,
    `| pedestrian tracks | ${tracks.size} |`,
    `| map disagreements (last frame) | ${frames.length ? frames[frames.length - 1]!.disagreements.length : 0} |`,
    `| output bag | ${Object.values(figures.messagesByTopic).reduce((a, b) => a + b, 0)} messages on ${Object.keys(figures.messagesByTopic).length} topics, ${figures.decodeErrors} undecodable |`,
    `| decode errors (input) | ${Object.values(summary.decodeErrors).reduce((a, b) => a + b, 0)} |`,
    `| node errors | ${Object.values(summary.nodeErrors).reduce((a, b) => a + b, 0)} |`,
    "",
    "### Latency per stage (ms)",
    "",
    "From `PerceptionFrame.latencies` (per frame; `pipeline` = `pipeline_latency_ms`, camera stamp to frame publication). " +
      "`*_model` is onnxruntime's own run on the model's worker thread. Replay announces the next frames, so the models start on a frame before its turn: " +
      "detector stages and `pipeline` count from the frame's turn and are shorter than live, where a frame's work starts when it arrives.",
    "",
    "| stage | frames | median | p99 | max |",
    "|---|---|---|---|---|",
    ...Object.entries(figures.stageLatency)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, s]) => spreadRow(k, s)),
    "",
    "### Drops",
    "",
    `Each model runs at its configured rate (node-clock time), newest frame wins; frames it does not take are drops against the ${input.cameraHz ?? "camera"}${input.cameraHz ? " Hz" : ""} camera.`,
    "",
    "| node | offered | processed | skipped by rate | replaced while busy |",
    "|---|---|---|---|---|",
  );
  for (const [node, st] of Object.entries(summary.nodeStats).sort()) {
    if (st.frames_offered === undefined) continue;
    lines.push(
      `| ${node} | ${st.frames_offered} | ${st.frames_processed} | ${st.drops_rate ?? 0} | ${st.drops_busy ?? 0} |`,
    );
  }
  if (summary.realtime) lines.push(...realtimeSection(summary.realtime));
  lines.push(
    "",
    "### Diagnostics (`/diagnostics`)",
    "",
    "| node | worst | worst message | last |",
    "|---|---|---|---|",
  );
  for (const [name, h] of Object.entries(figures.health).sort()) {
    lines.push(
      `| ${name} | ${LEVEL[h.worstLevel] ?? h.worstLevel} | ${h.worstMessage.replace(/\|/g, "/")} | ${LEVEL[h.lastLevel] ?? h.lastLevel}: ${h.lastMessage.replace(/\|/g, "/")} |`,
    );
  }
  const errors = Object.entries(figures.health).filter(
    ([, h]) => h.worstLevel === DiagnosticStatus.ERROR,
  );
  if (errors.length) lines.push("", `ERROR reported by: ${errors.map(([n]) => n).join(", ")}`);

  lines.push("", "## Pictures", "");
  const birds = await renderBirdsEye(frames, input.map);
  writeFileSync(join(input.dir, "birds_eye.png"), birds);
  lines.push(
    "Bird's-eye view: HD map (grey boundaries, green crosswalks), vehicle path (blue), lane markings seen (by type), pedestrian track trails (yellow, ids).",
    "",
    "![bird's-eye view](birds_eye.png)",
    "",
  );
  const picks = pickImages(figures, input.pictures ?? 4);
  if (picks.length === 0) lines.push("No debug images were published.");
  for (const [i, idx] of picks.entries()) {
    const img = figures.debugImages[idx]!;
    const file = `frame_${i + 1}.png`;
    await sharp(Buffer.from(img.data)).png().toFile(join(input.dir, file));
    lines.push(
      `![annotated frame ${img.header.stamp.sec}.${String(img.header.stamp.nanosec).padStart(9, "0")}](${file})`,
      "",
    );
  }
  lines.push(
    "Annotated frames are the visualizer's debug image as published (legend at the top): pedestrians pixelated (privacy) with their box and a `person #id range` label kept visible, lane lines projected with the calibration (outlined, so white lines show on white paint), crossings the camera saw filled (green: in the map, orange: not in it), crossings only in the HD map dashed magenta; the status line counts seen crossings and map-only ones apart.",
    "",
  );
  const path = join(input.dir, "report.md");
  writeFileSync(path, lines.join("\n"));
  return path;
}
