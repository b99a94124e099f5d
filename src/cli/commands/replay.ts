/**
 * `edge-perception replay <bag> --out <dir>`: runs the launch graph over a rosbag2 bag in one
 * process (sim time = bag log time) and records what the nodes publish into an output bag.
 */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { frozenClock, realClock } from "../../core/monotonic-clock.js";
import { verifyBag } from "../../bag/verify-bag.js";
import { defaultGraphPath, graphToNodeSpecs, loadLaunchGraph } from "../../host/graph.js";
import { lastFlag, positiveNumberFlag } from "../../ros/command-line.js";
import { parseCommandArgs } from "../command-args.js";
import { stderrLogSink, type LogSink } from "../../host/logger.js";
import type { NodeSpec } from "../../ros/node-spec.js";
import { progressBar } from "../../host/replay/progress-bar.js";
import {
  errorTotal,
  formatReplaySummary,
  type ReplaySummary,
} from "../../host/replay/replay-summary.js";
import { runReplay, type RecordMode } from "../../host/replay/run-replay.js";
import { detectorChoice, detectorParamsFile, type DetectorChoice } from "../detector-choice.js";
import { stopOnSignals } from "../stop-on-signals.js";
import { shardFromArgsOrEnv, type ShardSpec } from "../../host/replay/shard.js";
import { runShardedReplay } from "../../host/replay/sharded-replay.js";

export const summary =
  "run the perception graph over a rosbag2 bag and record its outputs (sim time, deterministic; --realtime: as a camera delivers)";

const USAGE = `usage: edge-perception replay <bag> --out <dir> [options] [name:=value ...]

  --out <dir>          output bag folder (MCAP); omit to run without recording
  --overwrite          replace an existing output bag
  --params <yaml>      extra ROS 2 parameter file over each node's own (repeatable)
  --graph <file>       launch graph (default launch/perception.graph.yaml)
  --contracts <yaml>   model contracts file for the pedestrian detector (default config/models.yaml)
  --model <name>       pedestrian detector contract in that file (default yolox_nano)
  --rate <x>           pace by bag time at x times real time
  --fast               as fast as possible (default)
  --realtime           frames offered on the wall clock as a camera delivers them (at --rate, default 1);
                       nothing waits for the models: busy models drop frames (newest wins); the summary
                       gives achieved Hz, drops and camera-stamp-to-publication latency (not deterministic)
  --record <what>      outputs (default: node outputs + /tf, /tf_static, camera_info) | all
  --exclude <topic>    do not record this topic (trailing * = prefix; repeatable), e.g. wall-clock timings
  --json               print the summary as JSON on stdout
  --strict             exit 1 when any node error or undecodable input occurred (CI)
  --verify             read the output bag back (CRCs, every message decoded, as info --verify)
                       and exit 1 when it is damaged or holds other counts than were recorded
  --quiet              no node log lines below warnings
  --deterministic-timing
                       timing figures from a step clock (identical runs give identical bags; as fast
                       as possible: not with --rate or --realtime)
  --shard <i/N>        replay shard i of N of the bags under <bag> (a folder tree or .txt list) into
                       <out>/<bag id>; default from JOB_COMPLETION_INDEX/JOB_COMPLETIONS; a shard
                       whose outputs exist for unchanged inputs is skipped (docs/fleet.md)
  name:=value          launch arguments of the graph (image_transport:=raw, ...)

SIGINT/SIGTERM stop the replay, finalise the output bag and print the summary.`;

/** How the command gets its nodes (replaced in tests). */
export interface ReplayCommandDeps {
  loadNodes(
    graphPath: string,
    overrides: { paramsFiles: string[]; args: Record<string, string> },
  ): Promise<NodeSpec[]>;
}

const DEFAULT_DEPS: ReplayCommandDeps = {
  loadNodes: (graphPath, overrides) => graphToNodeSpecs(loadLaunchGraph(graphPath), overrides),
};

export function run(argv: string[]): Promise<number> {
  return runReplayCommand(argv, DEFAULT_DEPS);
}

/** What is wrong with the output bag as read back, or undefined when it holds what was recorded, intact. */
async function verifyOutput(out: string, result: ReplaySummary): Promise<string | undefined> {
  try {
    const v = await verifyBag(out);
    const problems = [...v.files.flatMap((f) => f.problems), ...v.readProblems];
    if (v.damaged)
      return `the output bag is damaged: ${problems.join("; ") || "unreadable messages"}`;
    if (v.messagesRead !== result.messagesOut)
      return `the output bag holds ${v.messagesRead} messages, ${result.messagesOut} were recorded`;
    return undefined;
  } catch (err) {
    return `cannot read the output bag back: ${errorMessage(err)}`;
  }
}

/** The command with its dependencies injected; returns the exit code. */
export async function runReplayCommand(argv: string[], deps: ReplayCommandDeps): Promise<number> {
  const parsed = parseCommandArgs(
    "replay",
    USAGE,
    argv,
    ["out", "params", "graph", "rate", "record", "exclude", "shard", "contracts", "model"],
    ["fast", "realtime", "overwrite", "json", "quiet", "strict", "verify", "deterministic-timing"],
  );
  if (typeof parsed === "number") return parsed;
  if (parsed.positional.length !== 1) {
    console.error(
      `edge-perception replay: expected one bag, got ${parsed.positional.length}\n${USAGE}`,
    );
    return 2;
  }
  const bag = parsed.positional[0]!;
  const record = lastFlag(parsed, "record") ?? "outputs";
  let rate: number | undefined;
  let detector: DetectorChoice | undefined;
  try {
    detector = detectorChoice(lastFlag(parsed, "contracts"), lastFlag(parsed, "model"));
    rate = positiveNumberFlag(parsed, "rate");
    if (rate !== undefined && parsed.switches.has("fast"))
      throw new PerceptionError("parameter", "--rate and --fast exclude each other");
    if (parsed.switches.has("realtime") && parsed.switches.has("fast"))
      throw new PerceptionError("parameter", "--realtime and --fast exclude each other");
    if (
      parsed.switches.has("deterministic-timing") &&
      (rate !== undefined || parsed.switches.has("realtime"))
    ) {
      throw new PerceptionError(
        "parameter",
        "--deterministic-timing replays as fast as possible (no --rate or --realtime)",
      );
    }
    if (record !== "outputs" && record !== "all")
      throw new PerceptionError("parameter", `--record must be outputs or all, got '${record}'`);
  } catch (err) {
    console.error(`edge-perception replay: ${errorMessage(err)}`);
    return 2;
  }

  let shard: ShardSpec | undefined;
  try {
    shard = shardFromArgsOrEnv(lastFlag(parsed, "shard"), process.env);
    if (shard && lastFlag(parsed, "out") === undefined)
      throw new PerceptionError("parameter", "--shard needs --out <results folder>");
    if (shard && rate !== undefined)
      throw new PerceptionError("parameter", "--shard replays as fast as possible (no --rate)");
  } catch (err) {
    console.error(`edge-perception replay: ${errorMessage(err)}`);
    return 2;
  }
  // The run's clock: frozen for reproducible bags (every measured time reads 0).
  const clock = parsed.switches.has("deterministic-timing") ? frozenClock() : realClock;
  if (shard) {
    const graph = lastFlag(parsed, "graph") ?? defaultGraphPath();
    const paramsFiles = [
      ...(parsed.flags.get("params") ?? []),
      ...(detector ? [detectorParamsFile(detector)] : []),
    ];
    try {
      await runShardedReplay({
        input: bag,
        out: lastFlag(parsed, "out")!,
        shard,
        loadNodes: () => deps.loadNodes(graph, { paramsFiles, args: parsed.launchArgs }),
        configFiles: [graph, ...paramsFiles],
        configText: JSON.stringify(Object.entries(parsed.launchArgs).sort()),
        record: record as RecordMode,
        excludeTopics: parsed.flags.get("exclude") ?? [],
        logSink: stderrLogSink(parsed.switches.has("quiet") ? "warn" : "info"),
        log: (line) => console.error(line),
        clock,
      });
      return 0;
    } catch (err) {
      console.error(`edge-perception replay: ${errorMessage(err)}`);
      return 1;
    }
  }

  const bar = progressBar(process.stderr);
  const baseSink = stderrLogSink(parsed.switches.has("quiet") ? "warn" : "info");
  const logSink: LogSink = (level, source, message) => {
    bar.done();
    baseSink(level, source, message);
  };
  const stop = stopOnSignals({
    command: "replay",
    finalising: "the output bag",
    beforeMessage: () => bar.done(),
  });

  let result: ReplaySummary;
  try {
    const nodes = await deps.loadNodes(lastFlag(parsed, "graph") ?? defaultGraphPath(), {
      paramsFiles: [
        ...(parsed.flags.get("params") ?? []),
        ...(detector ? [detectorParamsFile(detector)] : []),
      ],
      args: parsed.launchArgs,
    });
    const out = lastFlag(parsed, "out");
    result = await runReplay({
      bag,
      ...(out !== undefined ? { out } : {}),
      overwrite: parsed.switches.has("overwrite"),
      nodes,
      ...(parsed.switches.has("realtime")
        ? { realtime: true, rate: rate ?? 1 }
        : rate !== undefined
          ? { rate, fast: false }
          : { fast: true }),
      record: record as RecordMode,
      excludeTopics: parsed.flags.get("exclude") ?? [],
      onProgress: (p) => bar.update(p),
      signal: stop.signal,
      logSink,
      clock,
    });
  } catch (err) {
    bar.done();
    console.error(`edge-perception replay: ${errorMessage(err)}`);
    return 1;
  } finally {
    stop.uninstall();
  }
  bar.done();
  if (parsed.switches.has("json"))
    console.log(
      JSON.stringify(result, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2),
    );
  else console.log(formatReplaySummary(result));
  const outDir = lastFlag(parsed, "out");
  if (parsed.switches.has("verify") && outDir !== undefined) {
    const problem = await verifyOutput(outDir, result);
    if (problem) {
      console.error(`edge-perception replay: --verify: ${problem}`);
      return stop.exitCode() ?? 1;
    }
    console.error(
      `edge-perception replay: --verify: the output bag reads back intact (${result.messagesOut} messages)`,
    );
  }
  const errors = errorTotal(result);
  if (parsed.switches.has("strict") && errors > 0) {
    const byNode = Object.entries(result.nodeErrors)
      .map(([node, n]) => `${node} ${n}`)
      .join(", ");
    const decode = Object.values(result.decodeErrors).reduce((a, b) => a + b, 0);
    console.error(
      `edge-perception replay: --strict: ${errors} error(s): node errors ${byNode || "0"}; decode errors ${decode}`,
    );
    return stop.exitCode() ?? 1;
  }
  return stop.exitCode() ?? 0;
}
