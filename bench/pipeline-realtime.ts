/**
 * The realtime half of the pipeline bench (`npm run bench -- pipeline`): the launch graph replayed
 * with `realtime: true` (frames offered on the wall clock, nothing waits for the models), several
 * runs at the rates (pedestrians 30 Hz, lanes and crosswalks 10 Hz), and the peak camera
 * rate the pipeline sustains with < 5 % drops per model, found as NVIDIA's ros2_benchmark does: the
 * input is played faster until the graph drops too much, then the rate is bisected between the
 * last rate that passed and the first that failed.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { NodeSpec } from "../src/ros/node-spec.js";
import type { RealtimeSummary } from "../src/host/replay/realtime-report.js";
import { runReplay } from "../src/host/replay/run-replay.js";

/** Node full names of the camera nodes of the launch graph. */
export const PEDESTRIANS = "/perception/pedestrian_detector";
export const LANES = "/perception/lane_detector";
export const CROSSWALKS = "/perception/crosswalk_detector";

/** Drops (replaced while busy, of the frames a model's rate asked for) a sustained rate allows. */
export const MAX_DROP_FRACTION = 0.05;

/** sha256 over a bag folder's (or file's) bytes, files in name order: which input the figures are for. */
export function inputHash(path: string): string {
  const hash = createHash("sha256");
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .sort()
        .map((f) => join(path, f))
    : [path];
  for (const f of files) {
    if (!statSync(f).isFile()) continue;
    hash.update(f.slice(path.length));
    hash.update(readFileSync(f));
  }
  return hash.digest("hex");
}

/** A realtime run's figures, with the pedestrian detector's model passes per frame it processed (whole frame + crop passes). */
export type RealtimeRunFigures = RealtimeSummary & { pedestrianPassesPerFrame: number };

/** One realtime replay of the bag with these rates (Hz on the wall clock) at `rate` times the camera's. */
export async function realtimeRun(
  bag: string,
  nodes: NodeSpec[],
  wallHz: Record<string, number>,
  rate: number,
): Promise<RealtimeRunFigures> {
  // Node clocks run at `rate` times the wall clock: rate_hz is in node time.
  const overrides = Object.fromEntries(
    Object.entries(wallHz).map(([node, hz]) => [node, { rate_hz: hz / rate }]),
  );
  const summary = await runReplay({
    bag,
    nodes,
    realtime: true,
    rate,
    parameterOverrides: overrides,
    logSink: () => undefined,
  });
  const ped = summary.nodeStats[PEDESTRIANS];
  return {
    ...summary.realtime!,
    pedestrianPassesPerFrame:
      1 + (ped?.crop_passes ?? NaN) / Math.max(1, ped?.frames_processed ?? 0),
  };
}

/** True when every camera node dropped less than MAX_DROP_FRACTION of the frames it asked for. */
export function sustained(r: RealtimeSummary): boolean {
  return Object.values(r.models).every((m) => m.dropFraction < MAX_DROP_FRACTION);
}

export interface PeakSearch {
  /** Highest camera rate (Hz, wall clock) that passed; 0 when none did. */
  peakHz: number;
  /** Every rate tried, in order. */
  tries: Array<{ cameraHz: number; passed: boolean; drops: Record<string, number> }>;
}

/**
 * Finds the peak camera rate: pedestrians take every frame, lanes and crosswalks stay at their
 * wall-clock rates; the bag is played at 1x, then doubled while it passes (up to `maxRate`), then
 * the rate is bisected `bisections` times between the last pass and the first failure.
 */
export async function peakCameraRate(
  bag: string,
  nodes: NodeSpec[],
  cameraHz: number,
  fixedWallHz: Record<string, number>,
  options: { maxRate: number; bisections: number; minRate: number },
): Promise<PeakSearch> {
  const tries: PeakSearch["tries"] = [];
  const attempt = async (rate: number): Promise<boolean> => {
    // Pedestrians at the camera's own rate: every frame; the others at their rates, or every frame
    // when the camera is slower than that.
    const wallHz = Object.fromEntries(
      Object.entries(fixedWallHz).map(([node, hz]) => [node, Math.min(hz, cameraHz * rate)]),
    );
    const r = await realtimeRun(bag, nodes, { ...wallHz, [PEDESTRIANS]: cameraHz * rate }, rate);
    const passed = sustained(r);
    tries.push({
      cameraHz: cameraHz * rate,
      passed,
      drops: Object.fromEntries(Object.entries(r.models).map(([n, m]) => [n, m.dropFraction])),
    });
    return passed;
  };
  // lo: the highest rate that passed, hi: the lowest that failed (0: none yet).
  let lo = 0;
  let hi = 0;
  // Up by doubling while it passes, down by halving while it fails.
  if (await attempt(1)) {
    lo = 1;
    while (lo * 2 <= options.maxRate) {
      if (!(await attempt(lo * 2))) {
        hi = lo * 2;
        break;
      }
      lo *= 2;
    }
  } else {
    hi = 1;
    while (hi / 2 >= options.minRate) {
      if (await attempt(hi / 2)) {
        lo = hi / 2;
        break;
      }
      hi /= 2;
    }
  }
  for (let i = 0; i < options.bisections && lo > 0 && hi > 0; i++) {
    const mid = (lo + hi) / 2;
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  return { peakHz: lo * cameraHz, tries };
}

/** CPU per run, ms (every thread: preprocessing, inference on the worker, decoding), of each model and of one JPEG decode. */
export interface CpuPerRun {
  /** Camera frame size the figures are for. */
  frame: { width: number; height: number };
  jpegDecodeMs: number;
  modelMs: Record<string, number>;
}

/**
 * CPU time per run (process.cpuUsage over `runs` runs one after another, so less sensitive to other
 * load than wall time) of JPEG decoding and each model on the bag's first camera frame: what a
 * 2-core budget is made of.
 */
export async function cpuPerRun(
  bag: string,
  models: readonly string[],
  runs: number,
): Promise<CpuPerRun | undefined> {
  const { openBag } = await import("../src/bag/open-bag.js");
  const { decodeCompressedImage } = await import("../src/image/compressed-image.js");
  const { loadModelContract } = await import("../src/models/contract.js");
  const { resolveModelDir } = await import("../src/models/model-dir.js");
  const { ModelSession } = await import("../src/models/session.js");
  const dir = resolveModelDir("");
  if (dir.dir === undefined) return undefined;
  const reader = await openBag(bag);
  let jpeg: import("../src/msgs/types.generated.js").CompressedImage | undefined;
  try {
    const topic = reader.summary.topics.find((t) => /CompressedImage$/.test(t.type))?.name;
    if (!topic) return undefined;
    for await (const e of reader.entries({ topics: [topic] })) {
      if (e.kind === "message") {
        jpeg = reader.codecFor(topic).decode(e.data) as typeof jpeg;
        break;
      }
    }
  } finally {
    await reader.close();
  }
  if (!jpeg) return undefined;
  const cpuMs = async (n: number, work: () => Promise<unknown>): Promise<number> => {
    await work(); // warm
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await work();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / n;
  };
  const view = await decodeCompressedImage(jpeg);
  const jpegDecodeMs = await cpuMs(runs, () => decodeCompressedImage(jpeg!));
  const modelMs: Record<string, number> = {};
  for (const name of models) {
    const session = await ModelSession.create(loadModelContract(name), {
      modelDir: dir.dir,
      log: () => undefined,
    });
    modelMs[name] = await cpuMs(runs, () => session.run(view));
    await session.release();
  }
  return { frame: { width: view.width, height: view.height }, jpegDecodeMs, modelMs };
}
