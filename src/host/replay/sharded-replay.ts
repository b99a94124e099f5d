/**
 * `replay --shard i/N` (or JOB_COMPLETION_INDEX/JOB_COMPLETIONS): replays shard i of the bags
 * found under the input (a folder tree or a .txt list; the same deterministic assignment as
 * `eval --shard`, docs/fleet.md) into `<out>/<bag id>`. A shard whose marker
 * `<out>/.replay-shard-<i>-of-<N>.json` holds the same input hash and whose output bags all
 * exist is skipped (resumable).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { MonotonicClock } from "../../core/monotonic-clock.js";
import { findUnits, hashPath } from "./run-inputs.js";
import { shardFileName, shardUnits, type ShardSpec } from "./shard.js";
import type { NodeSpec } from "../../ros/node-spec.js";
import type { LogSink } from "../logger.js";
import { runReplay, type RecordMode } from "./run-replay.js";

export interface ShardedReplayOptions {
  /** Folder tree or .txt list of input bags. */
  input: string;
  /** Results folder: one output bag per input bag, at `<out>/<bag id>`. */
  out: string;
  shard: ShardSpec;
  /** Builds the nodes for one bag (a fresh graph per bag). */
  loadNodes(): Promise<NodeSpec[]>;
  /** What the nodes depend on besides the bag (graph and parameter files, launch arguments), for the input hash. */
  configFiles: string[];
  configText: string;
  record: RecordMode;
  excludeTopics: string[];
  logSink: LogSink;
  log(line: string): void;
  signal?: AbortSignal;
  /** The clock of every replay of the shard (`ReplayOptions.clock`; default the real one). */
  clock?: MonotonicClock;
}

/** Replays the shard's bags; returns how many were replayed (0 when skipped as up to date). */
export async function runShardedReplay(
  o: ShardedReplayOptions,
): Promise<{ replayed: number; skipped: boolean; units: string[] }> {
  const all = findUnits([o.input]).filter((u) => u.kind === "bag");
  const mine = new Set(
    shardUnits(
      all.map((u) => u.id),
      o.shard,
    ),
  );
  const units = all.filter((u) => mine.has(u.id));
  const h = createHash("sha256");
  h.update(
    `replay-shard v1\n${o.configText}\nrecord=${o.record} exclude=${o.excludeTopics.join(",")}\n`,
  );
  for (const f of o.configFiles) hashPath(h, f);
  for (const u of units) {
    h.update(`unit:${u.id}\n`);
    hashPath(h, u.path);
  }
  const hash = h.digest("hex");
  mkdirSync(o.out, { recursive: true });
  const marker = join(o.out, `.replay-${shardFileName(o.shard)}`);
  const outputs = units.map((u) => join(o.out, u.id));
  if (existsSync(marker) && outputs.every((p) => existsSync(join(p, "metadata.yaml")))) {
    try {
      if (
        (JSON.parse(readFileSync(marker, "utf8")) as { input_hash?: string }).input_hash === hash
      ) {
        o.log(
          `replay: shard ${o.shard.index}/${o.shard.count}: outputs up to date (inputs unchanged), skipped`,
        );
        return { replayed: 0, skipped: true, units: units.map((u) => u.id) };
      }
    } catch {
      // An unreadable marker: replay again.
    }
  }
  o.log(`replay: shard ${o.shard.index}/${o.shard.count}: ${units.length} of ${all.length} bags`);
  for (const [k, u] of units.entries()) {
    const out = outputs[k]!;
    mkdirSync(dirname(out), { recursive: true });
    o.log(`replay: ${u.id} -> ${out}`);
    const summary = await runReplay({
      bag: u.path,
      out,
      overwrite: true,
      nodes: await o.loadNodes(),
      fast: true,
      record: o.record,
      excludeTopics: o.excludeTopics,
      logSink: o.logSink,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    });
    if (summary.aborted) throw new Error(`replay of ${u.id} stopped early`);
  }
  writeFileSync(
    marker,
    JSON.stringify({ shard: o.shard, input_hash: hash, units: units.map((u) => u.id) }) + "\n",
  );
  return { replayed: units.length, skipped: false, units: units.map((u) => u.id) };
}
