/** Shared helpers of the integration tests: the bag to replay, running the graph, reading outputs back. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openBag } from "../../src/bag/open-bag.js";
import type { MonotonicClock } from "../../src/core/monotonic-clock.js";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../../src/host/graph.js";
import { runReplay } from "../../src/host/replay/run-replay.js";
import type { ReplaySummary } from "../../src/host/replay/replay-summary.js";

/** The sample drive when generated, else the real camera bag from ../shared; undefined (tests skip) when neither exists. */
export function integrationBag(): string | undefined {
  const sample = projectPath("bags", "sample_drive");
  if (existsSync(join(sample, "metadata.yaml"))) return sample;
  const shared = sharedDir();
  const camera = shared ? join(shared, "bags", "rosbag2", "camera_drive_mcap") : undefined;
  return camera && existsSync(camera) ? camera : undefined;
}

export const NO_BAG_REASON =
  "skipped: neither bags/sample_drive nor ../shared/bags/rosbag2/camera_drive_mcap exists";

/** Runs the repository's graph over the first `seconds` of a bag into `out` (on `clock`, default the real one). */
export async function replayGraph(
  bag: string,
  out: string,
  seconds: number,
  args: Record<string, string> = {},
  clock?: MonotonicClock,
): Promise<ReplaySummary> {
  const graph = loadLaunchGraph();
  const map = projectPath("maps", "sample_drive.geojson");
  const nodes = await graphToNodeSpecs(graph, {
    args: { ...(existsSync(map) ? {} : { map_file: "" }), ...args },
  });
  const controller = new AbortController();
  let start: bigint | undefined;
  return runReplay({
    bag,
    out,
    overwrite: true,
    nodes,
    fast: true,
    signal: controller.signal,
    logSink: () => undefined,
    ...(clock ? { clock } : {}),
    progressIntervalMs: 0,
    onProgress: (p) => {
      start ??= p.simTimeNs;
      if (Number(p.simTimeNs - start) / 1e9 >= seconds) controller.abort();
    },
  });
}

/** Every message of a bag, decoded (error entries kept). */
export async function readAll(
  path: string,
): Promise<Array<{ topic: string; logTime: bigint; message?: any; error?: string }>> {
  const bag = await openBag(path);
  const out: Array<{ topic: string; logTime: bigint; message?: any; error?: string }> = [];
  try {
    for await (const e of bag.messages()) {
      if (e.kind === "error")
        out.push({
          topic: String(e.error.context.topic ?? "(bag)"),
          logTime: 0n,
          error: e.error.message,
        });
      else out.push({ topic: e.topic, logTime: e.logTime, message: e.message });
    }
  } finally {
    await bag.close();
  }
  return out;
}
