/**
 * Replays one recorded drive through the launch graph for `eval --replay` (the same graph,
 * parameters and runner as `edge-perception replay`), with the drive's own HD map
 * (`<drive>/map.geojson`) unless a `map_file:=` launch argument says otherwise.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { frozenClock, realClock } from "../core/monotonic-clock.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../host/graph.js";
import type { LogSink } from "../host/logger.js";
import { runReplay } from "../host/replay/run-replay.js";

export interface ReplayDriveOptions {
  /** The input drive (bag folder). */
  drive: string;
  /** Output bag folder (replaced). */
  out: string;
  /** Launch graph file. */
  graph: string;
  /** Extra ROS 2 parameter files over each node's own. */
  paramsFiles: string[];
  /** Launch arguments (`name:=value`). */
  launchArgs: Record<string, string>;
  /** Freeze the wall clock so timing figures (and the output bag) are reproducible; latency reads 0. */
  deterministicTiming: boolean;
  logSink: LogSink;
}

/** Replays the drive; resolves when the output bag is finalised. Throws when the replay fails. */
export async function replayDrive(o: ReplayDriveOptions): Promise<void> {
  const args = { ...o.launchArgs };
  if (args.map_file === undefined)
    args.map_file = existsSync(join(o.drive, "map.geojson")) ? join(o.drive, "map.geojson") : "";
  const clock = o.deterministicTiming ? frozenClock() : realClock;
  const nodes = await graphToNodeSpecs(loadLaunchGraph(o.graph), {
    paramsFiles: o.paramsFiles,
    args,
  });
  const summary = await runReplay({
    bag: o.drive,
    out: o.out,
    overwrite: true,
    nodes,
    fast: true,
    logSink: o.logSink,
    clock,
  });
  if (summary.aborted) throw new Error(`replay of ${o.drive} stopped early`);
}
