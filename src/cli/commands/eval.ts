/**
 * `edge-perception eval <run...> --truth <labels> [--out metrics.json] [--report dir]`: scores
 * perception output against ground truth into one metrics JSON (docs/eval.md). Runs are output
 * bags of `replay` (or folders of them), input drives with `--replay`, or `detect --json` output.
 * `--shard i/N` (or JOB_COMPLETION_INDEX/JOB_COMPLETIONS) evaluates one shard into a result file
 * that `merge` combines; `--jobs N` runs N local worker processes and merges them.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { defaultEvalConfigPath, loadEvalConfig } from "../../report/eval-config.js";
import { LABEL_FORMATS } from "../../report/labels/load-labels.js";
import type { LabelFormat } from "../../report/labels/still-labels.js";
import { finalizeMetrics, metricsJson, type Metrics } from "../../report/metrics.js";
import { evaluateUnits, inputHash, readText, type EvalRunOptions } from "../../report/run-eval.js";
import { findUnits } from "../../host/replay/run-inputs.js";
import {
  shardFileName,
  shardFromArgsOrEnv,
  shardUnits,
  type ShardSpec,
} from "../../host/replay/shard.js";
import {
  combineShards,
  readShardResult,
  SHARD_FORMAT,
  SHARD_VERSION,
  shardResultJson,
  shardUpToDate,
} from "../../report/shard-result.js";
import { defaultGraphPath } from "../../host/graph.js";
import { lastFlag } from "../../ros/command-line.js";
import { parseCommandArgs } from "../command-args.js";
import { stderrLogSink } from "../../host/logger.js";
import { formatMetricsSummary } from "../../report/metrics-summary.js";
import { writeEvalReport } from "../../report/eval-report.js";

export const summary =
  "score perception output (replay bags, detect --json) against ground truth: metrics JSON + report";

const USAGE = `usage: edge-perception eval <run...> [--truth <labels>] [options] [name:=value ...]

  <run>                 an output bag of replay, a folder of bags (searched), a .txt list of bags,
                        or detect --json output (.json); with --replay: input drives
  --truth <path>        labels: a generated drive (ground_truth.jsonl) or a folder mirroring the runs;
                        for detect output: TuSimple/CULane/KITTI/COCO/YOLO/presence labels
                        (comma-separated for several); default: the bag's own ground_truth.jsonl
  --truth-format <f>    ${LABEL_FORMATS.join("|")} (default: recognised)
  --out <file>          metrics JSON (default: print a summary only); with --shard: results folder
  --report <dir>        a readable report (report.md with charts)
  --config <yaml>       thresholds (default config/eval/eval.yaml)
  --replay              the runs are input drives: replay each through the graph, then score
  --params <yaml>       with --replay: extra parameter file over each node's own (repeatable)
  --graph <file>        with --replay: launch graph (default launch/perception.graph.yaml)
  --work <dir>          with --replay: keep the output bags here (default: a temporary folder, removed)
  --deterministic-timing  with --replay: frozen wall clock (reproducible outputs; latency reads 0)
  --shard <i/N>         evaluate shard i of N (default from JOB_COMPLETION_INDEX and JOB_COMPLETIONS);
                        writes <out>/shard-<i>-of-<N>.json; skipped when it exists for unchanged inputs
  --jobs <N>            run N local worker processes (shards) and merge them
  --quiet               no progress lines
  name:=value           with --replay: launch arguments of the graph

Exit 0 when scored, 1 on an error (named), 2 on bad usage.`;

/** Runs `edge-perception <args>` as a child of this process (same Node, same loader flags). */
function runChild(args: string[]): Promise<number> {
  return new Promise((resolveExit) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("close", (code) => resolveExit(code ?? 1));
  });
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    "eval",
    USAGE,
    argv,
    [
      "truth",
      "truth-format",
      "out",
      "report",
      "config",
      "params",
      "graph",
      "work",
      "shard",
      "jobs",
    ],
    ["replay", "deterministic-timing", "quiet"],
  );
  if (typeof parsed === "number") return parsed;
  if (parsed.positional.length === 0) {
    console.error(`edge-perception eval: no run given\n${USAGE}`);
    return 2;
  }
  const quiet = parsed.switches.has("quiet");
  const log = (line: string): void => {
    if (!quiet) process.stderr.write(line + "\n");
  };
  try {
    const format = lastFlag(parsed, "truth-format");
    if (format !== undefined && !LABEL_FORMATS.includes(format as never))
      throw new PerceptionError(
        "parameter",
        `--truth-format must be one of ${LABEL_FORMATS.join(", ")}, got '${format}'`,
      );
    const configPath = resolve(lastFlag(parsed, "config") ?? defaultEvalConfigPath());
    const config = loadEvalConfig(configPath);
    const configText = readText(configPath);
    const units = findUnits(parsed.positional);
    const shard = shardFromArgsOrEnv(lastFlag(parsed, "shard"), process.env);
    const jobsText = lastFlag(parsed, "jobs");
    const jobs = jobsText === undefined ? 1 : Number(jobsText);
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new PerceptionError(
        "parameter",
        `--jobs must be a positive integer, got '${jobsText}'`,
      );
    if (jobs > 1 && shard)
      throw new PerceptionError(
        "parameter",
        "--jobs and --shard exclude each other (a shard runs in one process)",
      );
    const out = lastFlag(parsed, "out");
    const replay = parsed.switches.has("replay");
    const workFlag = lastFlag(parsed, "work");
    const workDir = replay
      ? resolve(workFlag ?? mkdtempSync(join(tmpdir(), "edge-perception-eval-")))
      : "";
    const options: EvalRunOptions = {
      truth: lastFlag(parsed, "truth"),
      truthFormat: format as LabelFormat | undefined,
      config,
      configText,
      replay: replay
        ? {
            workDir,
            keep: workFlag !== undefined,
            graph: lastFlag(parsed, "graph") ?? defaultGraphPath(),
            paramsFiles: parsed.flags.get("params") ?? [],
            launchArgs: parsed.launchArgs,
            deterministicTiming: parsed.switches.has("deterministic-timing"),
            logSink: stderrLogSink("warn"),
          }
        : undefined,
      log,
    };
    const configHash = createHash("sha256").update(configText).digest("hex");

    if (shard) {
      if (out === undefined)
        throw new PerceptionError("parameter", "--shard needs --out <results folder>");
      mkdirSync(out, { recursive: true });
      const mine = new Set(
        shardUnits(
          units.map((u) => u.id),
          shard,
        ),
      );
      const selected = units.filter((u) => mine.has(u.id));
      const hash = inputHash(selected, options, units.length);
      const file = join(out, shardFileName(shard));
      if (shardUpToDate(file, shard, hash)) {
        log(
          `eval: shard ${shard.index}/${shard.count}: ${file} is up to date (inputs unchanged), skipped`,
        );
        return 0;
      }
      log(`eval: shard ${shard.index}/${shard.count}: ${selected.length} of ${units.length} runs`);
      const scored = await evaluateUnits(selected, options, units.length);
      writeFileSync(
        file,
        shardResultJson({
          format: SHARD_FORMAT,
          version: SHARD_VERSION,
          shard,
          input_hash: hash,
          config_hash: configHash,
          config,
          units: scored,
        }),
      );
      log(`eval: shard result: ${file}`);
      if (replay && workFlag === undefined) rmSync(workDir, { recursive: true, force: true });
      return 0;
    }

    let metrics: Metrics;
    if (jobs > 1) {
      const shardDir = mkdtempSync(join(tmpdir(), "edge-perception-eval-shards-"));
      const childArgs = argv.filter(
        (a, i) =>
          !["--jobs", "--out", "--report"].includes(a) &&
          !["--jobs", "--out", "--report"].includes(argv[i - 1] ?? "") &&
          !/^--(jobs|out|report)=/.test(a),
      );
      log(`eval: ${units.length} runs on ${jobs} worker processes`);
      const codes = await Promise.all(
        Array.from({ length: jobs }, (_, k) =>
          runChild(["eval", ...childArgs, "--shard", `${k}/${jobs}`, "--out", shardDir]),
        ),
      );
      if (codes.some((c) => c !== 0))
        throw new PerceptionError(
          "eval",
          `worker process(es) ${codes
            .map((c, k) => (c !== 0 ? `${k}/${jobs}` : ""))
            .filter(Boolean)
            .join(", ")} failed`,
        );
      const results = Array.from({ length: jobs }, (_, k) => {
        const path = join(shardDir, shardFileName({ index: k, count: jobs } satisfies ShardSpec));
        return { path, result: readShardResult(path) };
      });
      metrics = finalizeMetrics(combineShards(results), config);
      rmSync(shardDir, { recursive: true, force: true });
    } else {
      metrics = finalizeMetrics(await evaluateUnits(units, options, units.length), config);
    }
    if (replay && workFlag === undefined && existsSync(workDir))
      rmSync(workDir, { recursive: true, force: true });
    if (out !== undefined) {
      writeFileSync(out, metricsJson(metrics));
      log(`eval: metrics: ${out}`);
    }
    const report = lastFlag(parsed, "report");
    if (report !== undefined) log(`eval: report: ${await writeEvalReport(metrics, report)}`);
    console.log(formatMetricsSummary(metrics));
    return 0;
  } catch (err) {
    console.error(`edge-perception eval: ${errorMessage(err)}`);
    return err instanceof PerceptionError && err.kind === "parameter" ? 2 : 1;
  }
}
