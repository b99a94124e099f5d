/**
 * `edge-perception merge <shard results or folders...> --out metrics.json`: combines the shard
 * results of `eval --shard` into exactly the metrics of one unsharded run (all N shards of one
 * sharding, scored with the same thresholds; anything missing or doubled is an error).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { finalizeMetrics, metricsJson } from "../../report/metrics.js";
import { formatMetricsSummary } from "../../report/metrics-summary.js";
import { combineShards, readShardResult } from "../../report/shard-result.js";
import { lastFlag } from "../../ros/command-line.js";
import { parseCommandArgs } from "../command-args.js";
import { writeEvalReport } from "../../report/eval-report.js";

export const summary = "merge eval shard results into one metrics JSON (equal to an unsharded run)";

const USAGE = `usage: edge-perception merge <shard result files or folders...> --out <metrics.json> [--report <dir>]

  A folder stands for every shard-*.json in it.`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("merge", USAGE, argv, ["out", "report"], []);
  if (typeof parsed === "number") return parsed;
  const out = lastFlag(parsed, "out");
  if (parsed.positional.length === 0 || out === undefined) {
    console.error(`edge-perception merge: give shard results and --out\n${USAGE}`);
    return 2;
  }
  try {
    const missing = parsed.positional.find((p) => !existsSync(p));
    if (missing !== undefined)
      throw new PerceptionError("eval", "no such shard result file or folder", { path: missing });
    const files = parsed.positional.flatMap((p) =>
      statSync(p).isDirectory()
        ? readdirSync(p)
            .filter((f) => /^shard-\d+-of-\d+\.json$/.test(f))
            .sort()
            .map((f) => join(p, f))
        : [p],
    );
    const results = files.map((path) => ({ path, result: readShardResult(path) }));
    const units = combineShards(results);
    const metrics = finalizeMetrics(units, results[0]!.result.config);
    writeFileSync(out, metricsJson(metrics));
    const report = lastFlag(parsed, "report");
    if (report !== undefined)
      console.error(`merge: report: ${await writeEvalReport(metrics, report)}`);
    console.error(`merge: ${results.length} shard(s), ${units.length} run(s) -> ${out}`);
    console.log(formatMetricsSummary(metrics));
    return 0;
  } catch (err) {
    console.error(`edge-perception merge: ${errorMessage(err)}`);
    return 1;
  }
}
