/**
 * A shard's result file: the units it evaluated (their mergeable contributions, not rates) and
 * the hash of its inputs, so a rerun with unchanged inputs skips it and `merge` can combine shards
 * into exactly the metrics of one unsharded run.
 */
import { existsSync, readFileSync } from "node:fs";
import { PerceptionError, errorMessage } from "../core/errors.js";
import type { EvalConfig } from "./eval-config.js";
import type { EvalUnit } from "./partial.js";
import type { ShardSpec } from "../host/replay/shard.js";

export const SHARD_FORMAT = "edge_perception/eval_shard";
export const SHARD_VERSION = 1;

export interface ShardResult {
  format: typeof SHARD_FORMAT;
  version: number;
  shard: ShardSpec;
  /** sha256 of the shard's inputs (unit files, labels, thresholds, parameters). */
  input_hash: string;
  /** Hash of the thresholds file alone: shards scored with other thresholds do not merge. */
  config_hash: string;
  /** The thresholds the units were scored with (what `merge` computes the rates with). */
  config: EvalConfig;
  units: EvalUnit[];
}

export function shardResultJson(r: ShardResult): string {
  return JSON.stringify(r) + "\n";
}

/** Reads and checks a shard result; a `eval` PerceptionError names the file otherwise. */
export function readShardResult(path: string): ShardResult {
  let v: Partial<ShardResult>;
  try {
    v = JSON.parse(readFileSync(path, "utf8")) as Partial<ShardResult>;
  } catch (err) {
    throw new PerceptionError("eval", `not a shard result: ${errorMessage(err)}`, { path });
  }
  if (v.format !== SHARD_FORMAT)
    throw new PerceptionError("eval", `not a shard result (format must be '${SHARD_FORMAT}')`, {
      path,
    });
  if (v.version !== SHARD_VERSION)
    throw new PerceptionError("eval", `unsupported shard result version ${String(v.version)}`, {
      path,
    });
  if (!v.shard || !Array.isArray(v.units) || typeof v.input_hash !== "string")
    throw new PerceptionError("eval", "shard result lacks shard, units or input_hash", { path });
  return v as ShardResult;
}

/** True when `path` holds a shard result for the same shard and input hash (the shard can be skipped). */
export function shardUpToDate(path: string, shard: ShardSpec, inputHash: string): boolean {
  if (!existsSync(path)) return false;
  try {
    const r = readShardResult(path);
    return (
      r.input_hash === inputHash && r.shard.index === shard.index && r.shard.count === shard.count
    );
  } catch {
    return false;
  }
}

/** Checks that results are the complete set of one sharding (all indices of one count, same thresholds) and returns their units. */
export function combineShards(
  results: readonly { path: string; result: ShardResult }[],
): EvalUnit[] {
  if (results.length === 0) throw new PerceptionError("eval", "no shard results given");
  const count = results[0]!.result.shard.count;
  const config = results[0]!.result.config_hash;
  const seen = new Map<number, string>();
  for (const { path, result } of results) {
    if (result.shard.count !== count)
      throw new PerceptionError(
        "eval",
        `shard count ${result.shard.count} differs from ${count} of ${results[0]!.path}`,
        { path },
      );
    if (result.config_hash !== config)
      throw new PerceptionError("eval", `scored with other thresholds than ${results[0]!.path}`, {
        path,
      });
    const other = seen.get(result.shard.index);
    if (other !== undefined)
      throw new PerceptionError(
        "eval",
        `shard ${result.shard.index}/${count} given twice (also ${other})`,
        { path },
      );
    seen.set(result.shard.index, path);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length)
    throw new PerceptionError(
      "eval",
      `incomplete: shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")} missing`,
    );
  const units = results.flatMap((r) => r.result.units);
  const ids = new Set<string>();
  for (const u of units) {
    if (ids.has(u.id))
      throw new PerceptionError("eval", `unit '${u.id}' is in more than one shard`);
    ids.add(u.id);
  }
  return units;
}
