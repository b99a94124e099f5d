/**
 * Sharding of an evaluation over units (bags): `--shard i/N`, or a Kubernetes Indexed Job's
 * `JOB_COMPLETION_INDEX` with the shard count in `JOB_COMPLETIONS` (the Job manifest sets it to
 * `.spec.completions`). Assignment is deterministic: units sorted by id, unit k goes to shard k mod N.
 */
import { PerceptionError } from "../../core/errors.js";

/** Shard i of N (0 <= i < N). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Parses "i/N". */
function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count))
    throw new PerceptionError("parameter", `--shard must be i/N with 0 <= i < N, got '${text}'`);
  return { index, count };
}

/** The shard from `--shard` or, without it, from JOB_COMPLETION_INDEX / JOB_COMPLETIONS; undefined when neither. */
export function shardFromArgsOrEnv(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): ShardSpec | undefined {
  if (flag !== undefined) return parseShard(flag);
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined || index === "") return undefined;
  const count = env.JOB_COMPLETIONS;
  if (count === undefined || count === "") {
    throw new PerceptionError(
      "parameter",
      "JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not: set it to the Job's completions (the shard count)",
    );
  }
  return parseShard(`${index}/${count}`);
}

/** The ids of `ids` that belong to `shard` (sorted, every N-th from i). */
export function shardUnits(ids: readonly string[], shard: ShardSpec): string[] {
  return [...ids].sort().filter((_, k) => k % shard.count === shard.index);
}

/** The file name of a shard's result in the results folder. */
export function shardFileName(shard: ShardSpec): string {
  const w = Math.max(5, String(shard.count).length);
  return `shard-${String(shard.index).padStart(w, "0")}-of-${String(shard.count).padStart(w, "0")}.json`;
}
