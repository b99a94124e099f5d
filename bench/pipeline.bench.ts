/**
 * End-to-end replay of the sample drive through the launch graph (one process, the real models
 * from ../shared/models when present): frames per second, latency per stage (median, p99), drops
 * against the 30 Hz camera, and the pipeline's own overhead beyond model inference.
 *
 * Overhead: the wall time of the replay in which no model was running. Every onnxruntime run is
 * timed on its worker thread (start and duration, src/models/inference-timeline.ts); the union of
 * those intervals is the time the models kept the machine busy, and everything else in the wall
 * time is the pipeline's own (bag I/O, JPEG decode, preprocessing, hand-over to the workers,
 * post-processing, crosswalks, fusion, rendering, recording, and waiting between them). Target
 * < 10 %. Replay announces the next camera frames, so each model starts its next frame the moment
 * it is free (ModelSession.runAhead) while the main thread finishes earlier frames.
 *
 * Also printed: the strictest bound, max(sum of pedestrian-model time, sum of lane-model time),
 * which a free-running pipeline with both models on their own core could reach; and how much
 * slower the models ran here than alone, since the pipeline's own work shares the two cores with them.
 *
 * BENCH_PIPELINE_BAG replaces the sample drive (e.g. a generated 1280x720 drive).
 *
 * Debug images: the visualizer draws its debug image only while someone subscribes to it (as on the
 * vehicle, where nobody watches it); the bench's output bag leaves it out, so none is drawn, and
 * says so. BENCH_DEBUG_IMAGES=1 records it (a debug tap subscribes): the figures then include drawing.
 *
 * CPU of the main thread (the event loop: everything but the models' workers and libuv/libvips
 * threads) per camera frame is printed beside the wall-time overhead: it depends far less on other
 * work on the machine.
 *
 * Then the realtime figures (bench/pipeline-realtime.ts): the same graph with frames offered on the
 * wall clock, pedestrians at 30 Hz, lanes and crosswalks at 10 Hz, BENCH_REALTIME_RUNS runs
 * (default 3): achieved Hz, drops and camera-stamp-to-publication latency per model, CPU; and the
 * peak camera rate sustained with < 5 % drops. Everything goes to out/bench/pipeline.json with the
 * input bag's sha256 and the machine's load average (figures from a loaded machine are rough).
 * A difference that comes out negative (run-to-run noise) is printed as such, never as a figure.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../src/core/paths.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../src/host/graph.js";
import { runReplay } from "../src/host/replay/run-replay.js";
import { readReplayFigures } from "../src/viz/report-figures.js";
import { defaultDemoBag } from "../src/cli/commands/demo.js";
import {
  coveredMs,
  recordInferenceIntervals,
  type InferenceInterval,
} from "../src/models/inference-timeline.js";
import { loadModelContract } from "../src/models/contract.js";
import { resolveModelDir } from "../src/models/model-dir.js";
import { ModelSession } from "../src/models/session.js";
import {
  CROSSWALKS,
  LANES,
  PEDESTRIANS,
  cpuPerRun,
  inputHash,
  peakCameraRate,
  realtimeRun,
  type PeakSearch,
  type RealtimeRunFigures,
} from "./pipeline-realtime.js";

function f1(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : "-";
}

/**
 * `a - b` in words: the value when positive, else says it is within the noise of the two
 * measurements (a subtraction of two noisy figures is never printed as a negative cost).
 */
function positiveDifference(a: number, b: number, unit: string, scale = 1): string {
  const d = a - b;
  return d >= 0
    ? `${f1(d * scale)} ${unit}`
    : `none measurable (${f1(a * scale)} vs ${f1(b * scale)} ${unit}: within run-to-run noise)`;
}

/** The main thread's CPU time (user + system), ms, from /proc; NaN where there is no /proc. */
function mainThreadCpuMs(): number {
  try {
    // Fields after the command name: state is field 3, utime 14, stime 15 (clock ticks, 100 Hz on Linux).
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** The visualizer's debug image topic in the launch graph (its `~/out/image/compressed` remapped). */
const DEBUG_IMAGE_TOPIC = "/perception/viz/image/compressed";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/**
 * The models alone: the same number of runs of each model as the replay made, each model on its
 * own worker one run after another and the models concurrently (as in the pipeline), on a grey
 * 960x540 frame, with nothing else to do. Its wall time is what the models need on this machine
 * for this replay; what the replay takes beyond it is the pipeline's (its CPU work also slows the
 * models down: the two cores are shared).
 */
async function modelsAlone(
  intervals: readonly InferenceInterval[],
): Promise<{ wallMs: number; cpuMs: number; medianMs: Record<string, number> } | undefined> {
  const dir = resolveModelDir("");
  if (dir.source === "none") return undefined;
  const frame = {
    width: 960,
    height: 540,
    step: 960 * 3,
    format: "rgb8" as const,
    data: new Uint8Array(960 * 540 * 3).fill(110),
  };
  const names = [...new Set(intervals.map((i) => i.model))].sort();
  const sessions = await Promise.all(
    names.map((name) =>
      ModelSession.create(loadModelContract(name), { modelDir: dir.dir, log: () => undefined }),
    ),
  );
  const runsOf = (name: string): number => intervals.filter((i) => i.model === name).length;
  const times: Record<string, number[]> = {};
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    sessions.map(async (session, k) => {
      const name = names[k]!;
      const mine: number[] = (times[name] = []);
      for (let i = 0; i < runsOf(name); i++)
        mine.push((await session.run(frame)).timings.inferenceMs);
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(sessions.map((s) => s.release()));
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    medianMs: Object.fromEntries(Object.entries(times).map(([n, t]) => [n, median(t)])),
  };
}

export async function run(): Promise<void> {
  // BENCH_PIPELINE_BAG: another bag (a generated 1280x720 drive: its map.geojson is used when beside it).
  const given = process.env.BENCH_PIPELINE_BAG;
  const bag = given ? { path: given, note: given } : defaultDemoBag();
  if (!bag) {
    console.log("  skipped: no bags/sample_drive and no ../shared camera bag");
    return;
  }
  const graph = loadLaunchGraph();
  const map = given ? join(given, "map.geojson") : projectPath("maps", "sample_drive.geojson");
  const args: Record<string, string> = existsSync(map)
    ? given
      ? { map_file: map }
      : {}
    : { map_file: "" };
  const nodes = await graphToNodeSpecs(graph, { args });
  const load0 = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), "pipeline-bench-"));
  try {
    const debugImages = process.env.BENCH_DEBUG_IMAGES === "1";
    console.log(
      debugImages
        ? `  debug images: drawn (BENCH_DEBUG_IMAGES=1: the output bag records ${DEBUG_IMAGE_TOPIC}, a debug tap)`
        : `  debug images: not drawn (nobody subscribes to ${DEBUG_IMAGE_TOPIC}: the output bag leaves it out, as on the vehicle; BENCH_DEBUG_IMAGES=1 records and draws them)`,
    );
    const inference = recordInferenceIntervals();
    let cpuAtStart: NodeJS.CpuUsage | undefined;
    let mainCpuAtStart = NaN;
    let mainCpuMs = NaN;
    const memory = {
      first: process.memoryUsage(),
      last: process.memoryUsage(),
      peakRss: 0,
      peakExternal: 0,
    };
    let replayCpuMs = NaN;
    const summary = await runReplay({
      bag: bag.path,
      out: join(dir, "bag"),
      nodes,
      fast: true,
      excludeTopics: debugImages ? [] : [DEBUG_IMAGE_TOPIC],
      logSink: () => undefined,
      // Process CPU (every thread) from the first message to the last; memory at the first message and its peak.
      onProgress: (p) => {
        const m = process.memoryUsage();
        memory.peakRss = Math.max(memory.peakRss, m.rss);
        memory.peakExternal = Math.max(memory.peakExternal, m.external + m.arrayBuffers);
        memory.last = m;
        if (!cpuAtStart) {
          cpuAtStart = process.cpuUsage();
          mainCpuAtStart = mainThreadCpuMs();
          memory.first = m;
        } else if (p.fraction >= 1) {
          const c = process.cpuUsage(cpuAtStart);
          replayCpuMs = (c.user + c.system) / 1000;
          mainCpuMs = mainThreadCpuMs() - mainCpuAtStart;
        }
      },
      progressIntervalMs: 0,
    });
    const intervals = inference.stop();
    const figures = await readReplayFigures(join(dir, "bag"));
    const cameraTopic = Object.keys(summary.inByTopic).find((t) => /image/.test(t))!;
    const cameraFrames = summary.inByTopic[cameraTopic]!;
    const wallS = summary.wallMs / 1000;
    console.log(
      `  bag: ${bag.note}; ${cameraFrames} camera frames over ${summary.simSeconds.toFixed(2)} s (${(cameraFrames / summary.simSeconds).toFixed(1)} Hz)`,
    );
    console.log(
      `  wall ${wallS.toFixed(2)} s: camera frames ${f1(cameraFrames / wallS)} /s, perception frames ${f1(figures.frames.length / wallS)} /s, x${summary.realtimeFactor.toFixed(2)} real time`,
    );
    console.log("  latency per stage, ms (median / p99 / n):");
    for (const [stage, s] of Object.entries(figures.stageLatency).sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      console.log(
        `    ${stage.padEnd(24)} ${f1(s.median).padStart(7)} ${f1(s.p99).padStart(7)} ${String(s.count).padStart(5)}`,
      );
    }
    console.log("  drops against the camera (skipped by rate / replaced while busy), processed:");
    for (const [node, st] of Object.entries(summary.nodeStats).sort()) {
      if (st.frames_offered === undefined) continue;
      console.log(
        `    ${node.padEnd(34)} ${st.drops_rate} / ${st.drops_busy}, processed ${st.frames_processed} of ${st.frames_offered}`,
      );
    }
    // Model time per stamp (each stamp's stage is recorded once).
    const sumStage = (name: string): number =>
      figures.frames.reduce(
        (a, f) => a + (f.latencies.find((l) => l.stage === name)?.duration_ms ?? 0),
        0,
      );
    const seen = new Set<string>();
    const unique = figures.frames.filter((f) => {
      const k = `${f.header.stamp.sec}.${f.header.stamp.nanosec}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    const sumUnique = (name: string): number =>
      unique.reduce((a, f) => a + (f.latencies.find((l) => l.stage === name)?.duration_ms ?? 0), 0);
    const ped = sumUnique("pedestrian_model");
    const lane = sumUnique("lane_model");
    const busy = coveredMs(intervals, summary.startedAtMs, summary.startedAtMs + summary.wallMs);
    const freeBound = Math.max(ped, lane);
    console.log(
      `  model inference (onnxruntime run on the model's worker): pedestrian ${f1(ped / 1000)} s, lane ${f1(lane / 1000)} s (sum over frames); at least one model running ${f1(busy / 1000)} s of the ${wallS.toFixed(2)} s`,
    );
    console.log(
      `  pipeline overhead beyond model inference: ${f1(((summary.wallMs - busy) / summary.wallMs) * 100)} % of wall with no model running (target < 10 %); ${f1(((summary.wallMs - freeBound) / summary.wallMs) * 100)} % against the free-running bound max(pedestrian, lane) = ${f1(freeBound / 1000)} s`,
    );
    console.log(
      `  CPU per camera frame: main thread ${f1(mainCpuMs / cameraFrames)} ms, process (every thread) ${f1(replayCpuMs / cameraFrames)} ms (${f1(mainCpuMs / 1000)} s and ${f1(replayCpuMs / 1000)} s over ${cameraFrames} frames)`,
    );
    const alone = await modelsAlone(intervals);
    if (alone) {
      const perModel = Object.entries(alone.medianMs).map(
        ([name, ms]) =>
          `${name} ${f1(median(intervals.filter((i) => i.model === name).map((i) => i.endMs - i.startMs)))} ms in the pipeline vs ${f1(ms)} ms alone`,
      );
      console.log(
        `  the same model runs alone (each model on its worker, both at once, nothing else): ${(alone.wallMs / 1000).toFixed(2)} s; median run ${perModel.join(", ")}`,
      );
      console.log(
        `  pipeline overhead against the models alone: ${positiveDifference(1, alone.wallMs / summary.wallMs, "% of wall", 100)} (includes the models' slow-down from sharing the two cores with the pipeline's own work)`,
      );
      console.log(
        `  CPU (all threads): replay ${f1(replayCpuMs / 1000)} s, the models alone ${f1(alone.cpuMs / 1000)} s: the pipeline's own ${positiveDifference(replayCpuMs, alone.cpuMs, "s", 1 / 1000)}`,
      );
    }
    const mib = (b: number): string => (b / 1048576).toFixed(0);
    console.log(
      `  memory: RSS ${mib(memory.first.rss)} MiB at the first message, ${mib(memory.last.rss)} MiB at the end, peak ${mib(memory.peakRss)} MiB; ` +
        `JS heap ${mib(memory.first.heapUsed)} -> ${mib(memory.last.heapUsed)} MiB; buffers outside the heap peak ${mib(memory.peakExternal)} MiB`,
    );
    const stages = ["pedestrian_detector", "lane_detector", "crosswalk_detector", "fusion"].map(
      (s) => `${s} ${f1(sumStage(s) / 1000)} s`,
    );
    console.log(
      `  where the time goes (sum over frames): ${stages.join(", ")}; transport ${f1((summary.overheadMsPerMessage * summary.messagesIn) / 1000)} s`,
    );
    const deterministic = {
      wallS,
      cameraFramesPerS: cameraFrames / wallS,
      perceptionFramesPerS: figures.frames.length / wallS,
      realtimeFactor: summary.realtimeFactor,
      cpuS: replayCpuMs / 1000,
      mainThreadCpuS: mainCpuMs / 1000,
      debugImagesDrawn: debugImages,
      stageLatencyMs: figures.stageLatency,
      modelsAloneWallS: alone ? alone.wallMs / 1000 : undefined,
      // Model passes per pedestrian frame (whole frame + horizon-band and crosswalk crops).
      pedestrianPassesPerFrame:
        intervals.filter((i) => i.model === "yolox_nano").length /
        Math.max(1, summary.nodeStats["/perception/pedestrian_detector"]?.frames_processed ?? 0),
    };
    await realtimeFigures(
      bag.path,
      nodes,
      { path: bag.path, note: bag.note },
      deterministic,
      load0,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The issue's realtime rates, Hz on the wall clock. */
const BAR_RATES = { [PEDESTRIANS]: 30, [LANES]: 10, [CROSSWALKS]: 10 };

function spread(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 1 ? f1(s[0]!) : `${f1(s[0]!)} / ${f1(median(s))} / ${f1(s.at(-1)!)}`;
}

/** Realtime runs, the peak camera rate, and the JSON file. */
async function realtimeFigures(
  bag: string,
  nodes: Awaited<ReturnType<typeof graphToNodeSpecs>>,
  input: { path: string; note: string },
  deterministic: Record<string, unknown>,
  load0: number,
): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_REALTIME_RUNS ?? 3));
  console.log(
    `  realtime (frames offered on the wall clock, nothing waits for the models), ${runs} runs, asking pedestrians 30 Hz, lanes 10 Hz, crosswalks 10 Hz:`,
  );
  const results: RealtimeRunFigures[] = [];
  for (let i = 0; i < runs; i++) results.push(await realtimeRun(bag, nodes, BAR_RATES, 1));
  const label = runs === 1 ? "" : " (min / median / max over runs)";
  console.log(`    ${"node".padEnd(34)} achieved Hz${label}; replaced while busy %`);
  for (const node of Object.keys(BAR_RATES)) {
    const ms = results.map((r) => r.models[node]).filter((m) => m !== undefined);
    if (ms.length === 0) continue;
    console.log(
      `    ${node.padEnd(34)} ${spread(ms.map((m) => m.achievedHz))}; ${spread(ms.map((m) => m.dropFraction * 100))} %`,
    );
  }
  console.log(
    `    camera stamp -> publication, ms: p50 / p95 / p99${runs === 1 ? "" : " (median over runs; p99 max over runs)"}`,
  );
  for (const topic of [
    "/perception/pedestrians",
    "/perception/lanes",
    "/perception/crosswalks",
    "/perception/frame",
  ]) {
    const ls = results.map((r) => r.latency[topic]).filter((l) => l !== undefined);
    if (ls.length === 0) continue;
    console.log(
      `    ${topic.padEnd(34)} ${f1(median(ls.map((l) => l.p50Ms)))} / ${f1(median(ls.map((l) => l.p95Ms)))} / ${f1(median(ls.map((l) => l.p99Ms)))} (${f1(Math.max(...ls.map((l) => l.p99Ms)))})`,
    );
  }
  console.log(
    `    CPU: ${spread(results.map((r) => r.cpuCores))} cores; offers late p99 ${spread(results.map((r) => r.offerLateness.p99Ms))} ms (the event loop busy)`,
  );

  // The 2-core budget at those rates, from CPU per run (lane model variants side by side).
  const lanesModels = ["twinlitenet_320x320", "twinlitenet_640x360"];
  const cpu = await cpuPerRun(bag, ["yolox_nano", ...lanesModels], 15);
  const crosswalkMs =
    (deterministic.stageLatencyMs as Record<string, { median: number }> | undefined)
      ?.crosswalk_detector?.median ?? NaN;
  // Passes at the asked 30 Hz (the crop pass budget spreads thinner than at the deterministic run's rate_hz).
  const passes = median(results.map((r) => r.pedestrianPassesPerFrame));
  let budget: Record<string, number> | undefined;
  if (cpu) {
    const perModel = Object.entries(cpu.modelMs)
      .map(([m, ms]) => `${m} ${f1(ms)}`)
      .join(", ");
    console.log(
      `  CPU per run (every thread, ${cpu.frame.width}x${cpu.frame.height}): JPEG decode ${f1(cpu.jpegDecodeMs)} ms, ${perModel} ms; crosswalk detector ~${f1(crosswalkMs)} ms (its median processing time)`,
    );
    const pedestrianFrameMs = cpu.jpegDecodeMs + passes * cpu.modelMs.yolox_nano!;
    console.log(
      `    a pedestrian frame at 30 Hz: ${passes.toFixed(2)} model passes on average (whole frame + crosswalk and band crops; ${(deterministic.pedestrianPassesPerFrame as number).toFixed(2)} in the deterministic run at rate_hz) = ${f1(pedestrianFrameMs)} ms with its decode`,
    );
    budget = Object.fromEntries(
      lanesModels.map((lane) => [
        lane,
        (30 * pedestrianFrameMs + 10 * cpu.modelMs[lane]! + 10 * crosswalkMs) / 1000,
      ]),
    );
    console.log(
      `    models + decoding at pedestrians 30 Hz, lanes 10 Hz, crosswalks 10 Hz: ${Object.entries(
        budget,
      )
        .map(([m, cores]) => `with ${m} ${cores.toFixed(2)} cores`)
        .join(", ")} (of 2; fusion, recording and Node's own work come on top)`,
    );
  }
  const cameraHz = results[0]!.cameraHz;
  const maxRate = Number(process.env.BENCH_PEAK_MAX_RATE ?? 4);
  // BENCH_PEAK_MAX_RATE=0 skips the search.
  const peak: PeakSearch =
    maxRate > 0
      ? await peakCameraRate(
          bag,
          nodes,
          cameraHz,
          { [LANES]: 10, [CROSSWALKS]: 10 },
          { maxRate, bisections: 3, minRate: 1 / 4 },
        )
      : { peakHz: NaN, tries: [] };
  if (maxRate > 0)
    console.log(
      `  peak camera rate with < 5 % drops per model (pedestrians every frame, lanes and crosswalks 10 Hz; ros2_benchmark's method: play faster until it drops, then bisect): ${f1(peak.peakHz)} Hz` +
        (peak.peakHz >= maxRate * cameraHz
          ? ` (the most tried, x${maxRate})`
          : peak.peakHz === 0
            ? " (none of the rates tried)"
            : ""),
    );
  if (maxRate > 0)
    console.log(
      `    tried: ${peak.tries.map((t) => `${f1(t.cameraHz)} Hz ${t.passed ? "ok" : "drops"}`).join(", ")}`,
    );
  const load1 = loadavg()[0]!;
  const cores = cpus().length;
  console.log(
    `  machine: ${cores} cores, load average (1 min) ${load0.toFixed(2)} before, ${load1.toFixed(2)} after${Math.max(load0, load1) > cores * 0.5 ? ": the machine was busy with other work, figures are rough (run on a quiet machine for claims)" : ""}`,
  );

  const json = {
    when: new Date().toISOString(),
    machine: {
      cores,
      cpu: cpus()[0]?.model ?? "",
      node: process.version,
      loadAverage1m: { before: load0, after: load1 },
    },
    input: { bag: input.note, sha256: inputHash(input.path), cameraHz },
    deterministic,
    realtime: { askedHz: BAR_RATES, runs: results },
    cpuPerRun: cpu
      ? { ...cpu, crosswalkDetectorMs: crosswalkMs, coresAtAskedRates: budget }
      : undefined,
    peakCameraRate: { maxDropFraction: 0.05, ...peak },
  };
  const out = join(projectPath("out", "bench"));
  mkdirSync(out, { recursive: true });
  const file = join(out, "pipeline.json");
  writeFileSync(file, JSON.stringify(json, null, 2));
  console.log(`  JSON: ${file} (input sha256 ${json.input.sha256.slice(0, 16)}...)`);
}
