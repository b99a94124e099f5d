/**
 * `npm run demo`: replays the sample drive (bags/sample_drive/) through the same node graph the
 * launch file starts (launch/perception.graph.yaml -> NodeSpecs -> runReplay) with the sample HD
 * map and the default models, writes an output bag under out/demo/bag (ros2 bag play, RViz,
 * Foxglove) and out/demo/report.md with pictures and figures.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { detectorChoice, detectorParamsFile, type DetectorChoice } from "../detector-choice.js";
import { stopOnSignals } from "../stop-on-signals.js";
import { errorMessage } from "../../core/errors.js";
import { projectPath, sharedDir } from "../../core/paths.js";
import { frozenClock, realClock } from "../../core/monotonic-clock.js";
import { loadHdMap } from "../../map/loader.js";
import type { HdMap } from "../../map/types.js";
import { loadModelContracts } from "../../models/contract.js";
import { resolveModelDir } from "../../models/model-dir.js";
import {
  defaultGraphPath,
  graphToNodeSpecs,
  loadLaunchGraph,
  resolveGraphPath,
  resolveLaunchArguments,
} from "../../host/graph.js";
import { lastFlag, positiveNumberFlag } from "../../ros/command-line.js";
import { parseCommandArgs } from "../command-args.js";
import { stderrLogSink } from "../../host/logger.js";
import { formatReplaySummary, type ReplaySummary } from "../../host/replay/replay-summary.js";
import { runReplay } from "../../host/replay/run-replay.js";
import { readReplayFigures } from "../../viz/report-figures.js";
import { writeReplayReport } from "../../report/replay-report.js";

export const summary =
  "replay the sample drive through the full graph: output bag + report with pictures in out/demo/";

const USAGE = `usage: edge-perception demo [options] [name:=value ...]

  --bag <dir>            input bag (default bags/sample_drive, else ../shared/bags/rosbag2/camera_drive_mcap)
  --out <dir>            output folder (default out/demo): bag/ and report.md with pictures
  --duration <s>         replay only the first <s> seconds of the bag
  --contracts <yaml>     model contracts file for the pedestrian detector (default config/models.yaml)
  --model <name>         pedestrian detector contract in that file (default yolox_nano)
  --rate <x>             pace by bag time at x times real time (default: as fast as possible)
  --realtime             frames offered on the wall clock as the camera delivers them (at --rate, default 1);
                         models drop what they cannot take; the report gives achieved Hz, drops, latency
  --deterministic-timing timing figures from a step clock (identical runs give identical bags; tests)
  --no-report            skip the report (the bag is still read back and checked)
  --quiet                no node log lines below warnings
  name:=value            launch arguments of the graph (map_file:=..., model_dir:=..., image_transport:=raw)

SIGINT/SIGTERM stop the replay and finalise the output bag and report.`;

/** The bag the demo replays: the sample drive, else the real camera bag from ../shared. */
export function defaultDemoBag(): { path: string; note: string } | undefined {
  const sample = projectPath("bags", "sample_drive");
  if (existsSync(join(sample, "metadata.yaml")))
    return { path: sample, note: "the sample drive (bags/sample_drive)" };
  const shared = sharedDir();
  const camera = shared ? join(shared, "bags", "rosbag2", "camera_drive_mcap") : undefined;
  if (camera && existsSync(camera))
    return {
      path: camera,
      note: "../shared camera_drive_mcap (bags/sample_drive not generated yet: npm run cli -- generate)",
    };
  return undefined;
}

/** Which models the graph's detectors will use, in words. */
function modelsInWords(modelDir: string): string {
  try {
    const resolved = resolveModelDir(modelDir || undefined);
    if (resolved.source === "none")
      return "no model directory: fallbacks (HOG people detector, classical lanes)";
    const contracts = loadModelContracts();
    const files = [...contracts.values()]
      .filter((c) => existsSync(join(resolved.dir, c.file)))
      .map((c) => c.name);
    return `${resolved.dir} (${resolved.source}); present: ${files.join(", ") || "none (fallbacks)"}`;
  } catch (err) {
    return `model directory problem: ${errorMessage(err)}`;
  }
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    "demo",
    USAGE,
    argv,
    ["bag", "out", "duration", "rate", "contracts", "model"],
    ["deterministic-timing", "no-report", "quiet", "realtime"],
  );
  if (typeof parsed === "number") return parsed;
  const given = lastFlag(parsed, "bag");
  const bag = given ? { path: resolve(given), note: given } : defaultDemoBag();
  if (!bag) {
    console.error(
      "edge-perception demo: no bag: bags/sample_drive is missing (npm run cli -- generate) and ../shared is absent",
    );
    return 1;
  }
  let duration: number | undefined;
  let rate: number | undefined;
  let detector: DetectorChoice | undefined;
  try {
    detector = detectorChoice(lastFlag(parsed, "contracts"), lastFlag(parsed, "model"));
    duration = positiveNumberFlag(parsed, "duration");
    rate = positiveNumberFlag(parsed, "rate");
  } catch (err) {
    console.error(`edge-perception demo: ${errorMessage(err)}`);
    return 2;
  }
  const outDir = resolve(lastFlag(parsed, "out") ?? projectPath("out", "demo"));
  const deterministic = parsed.switches.has("deterministic-timing");
  // The run's clock: frozen for reproducible bags (every measured time reads 0).
  const clock = deterministic ? frozenClock() : realClock;

  const graph = loadLaunchGraph(defaultGraphPath());
  const args = { ...parsed.launchArgs };
  const setup: string[] = [`bag: ${bag.note}`];
  // The sample map goes with the sample drive; without it the graph runs map-less.
  const mapArg = args.map_file ?? resolveLaunchArguments(graph).map_file!;
  const mapPath = resolveGraphPath(graph, mapArg);
  let map: HdMap | undefined;
  if (mapArg && existsSync(mapPath)) {
    map = loadHdMap(mapPath);
    setup.push(`HD map: ${mapPath}`);
  } else {
    args.map_file = "";
    setup.push(
      `HD map: none (${mapArg || "map_file empty"} not found): vehicle-frame outputs only`,
    );
  }
  const values = resolveLaunchArguments(graph, args);
  setup.push(`models: ${modelsInWords(values.model_dir!)}`);
  if (detector)
    setup.push(
      `pedestrian detector: contract ${detector.model} from ${detector.contractsPath} (${detector.contract.file})`,
    );
  setup.push(
    `graph: ${graph.path} (${graph.nodes.map((n) => n.name).join(", ")}), one process, sim time`,
  );
  if (deterministic) setup.push("timing: deterministic step clock (figures are not milliseconds)");
  if (parsed.switches.has("realtime"))
    setup.push(
      `mode: realtime (frames offered on the wall clock at x${rate ?? 1}; models drop what they cannot take)`,
    );

  const stop = stopOnSignals({ command: "demo", finalising: "the output bag and report" });
  mkdirSync(outDir, { recursive: true });
  const bagOut = join(outDir, "bag");
  let result: ReplaySummary;
  try {
    const nodes = await graphToNodeSpecs(graph, {
      args,
      paramsFiles: detector ? [detectorParamsFile(detector)] : [],
    });
    let startNs: bigint | undefined;
    result = await runReplay({
      bag: bag.path,
      out: bagOut,
      overwrite: true,
      nodes,
      ...(parsed.switches.has("realtime")
        ? { realtime: true, rate: rate ?? 1 }
        : rate !== undefined
          ? { rate, fast: false }
          : { fast: true }),
      signal: stop.signal,
      clock,
      logSink: stderrLogSink(parsed.switches.has("quiet") ? "warn" : "info"),
      ...(duration !== undefined
        ? {
            progressIntervalMs: 0,
            onProgress: (p) => {
              startNs ??= p.simTimeNs;
              if (Number(p.simTimeNs - startNs) / 1e9 >= duration!) stop.abort();
            },
          }
        : {}),
    });
  } catch (err) {
    console.error(`edge-perception demo: ${errorMessage(err)}`);
    return 1;
  } finally {
    stop.uninstall();
  }
  console.error(formatReplaySummary(result));
  const figures = await readReplayFigures(bagOut);
  if (figures.decodeErrors > 0) {
    console.error(
      `edge-perception demo: the output bag has ${figures.decodeErrors} undecodable messages`,
    );
    return 1;
  }
  const cameraTopic = Object.keys(result.inByTopic).find((t) => /image/.test(t));
  const cameraHz =
    cameraTopic && result.simSeconds > 0
      ? Math.round(result.inByTopic[cameraTopic]! / result.simSeconds)
      : undefined;
  if (!parsed.switches.has("no-report")) {
    const report = await writeReplayReport({
      dir: outDir,
      title: "edge-perception demo",
      setup,
      summary: result,
      figures,
      map,
      cameraHz,
    });
    console.log(`report: ${report}`);
  }
  console.log(
    `output bag: ${bagOut} (ros2 bag play ${bagOut}; Foxglove opens ${join(bagOut, "bag_0.mcap")} or the folder)`,
  );
  if (stop.stoppedBy()) console.log(`stopped by ${stop.stoppedBy()}: outputs finalised`);
  // Like replay (and any well-behaved command): a run stopped by a signal exits 128 + its number.
  return stop.exitCode() ?? 0;
}
