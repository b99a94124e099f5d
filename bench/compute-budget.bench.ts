/**
 * The compute budget (src/nodes/common/compute-budget-rates.ts, node compute_budget) against fixed rates on
 * generated drives: CPU-seconds per camera frame and per km (the energy proxy) and the perception
 * metric that must not get worse, pedestrian recall near crossings.
 *
 * Each drive (urban_intersection and highway, seed 3, 300 frames = 10 s at 30 Hz, 640x360 JPEG,
 * cached under the OS temp folder) is replayed deterministically through the launch graph without
 * the visualizer (rendering is not perception), once with fixed rates (pedestrians 30 Hz, lanes
 * 10 Hz, crosswalks 10 Hz: the realtime target; the pedestrian detector's own crop pass budget,
 * crop_passes_per_s) and once with `compute_budget:=adaptive` (its parameter file: rates and crop
 * passes per second). Deterministic replay processes every frame the rates ask for, so the CPU
 * difference is the policy's; CPU is the process's (every thread: models, decoding, fusion),
 * measured with process.cpuUsage (CPU time, not wall time, so less sensitive to other load).
 *
 * Pedestrian recall near crossings: ground-truth pedestrians on a crossing, crossing or waiting at
 * the kerb, in the image, at least half visible, visible box >= 24 px tall, within 40 m; per camera
 * frame, found when the newest /perception/pedestrians output not older than 100 ms (the latency
 * bar) has a box with IoU >= 0.5 against that pedestrian's visible box at the output's stamp.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timeToNs } from "../src/core/time.js";
import { iou } from "../src/models/detection.js";
import type { PedestrianArray } from "../src/msgs/types.generated.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../src/host/graph.js";
import { loadGroundTruth, type GroundTruthFrame } from "../src/report/ground-truth.js";
import type { NodeSpec } from "../src/ros/node-spec.js";
import { runReplay } from "../src/host/replay/run-replay.js";
import { cachedGeneratedDrive } from "../test/support/generated-drive-cache.js";

const CACHE = join(tmpdir(), "edge-perception-budget-bench");
const FRAMES = Number(process.env.BUDGET_BENCH_FRAMES ?? 300);
const FIXED = {
  "/perception/pedestrian_detector": 30,
  "/perception/lane_detector": 10,
  "/perception/crosswalk_detector": 10,
};
const MAX_AGE_NS = 100_000_000n;

/** Collects what the pedestrian detector publishes. */
function collector(into: PedestrianArray[]): NodeSpec {
  return {
    name: "bench_collector",
    namespace: "/",
    parameterSchema: { type: "object" },
    parameters: {},
    create(node) {
      node.createSubscription(
        "edge_perception_msgs/msg/PedestrianArray",
        "/perception/pedestrians",
        { profile: "reliable", depth: 100 },
        (m) => void into.push(m),
      );
      return {};
    },
  };
}

function nearCrossing(p: GroundTruthFrame["pedestrians"][number]): boolean {
  return (
    (p.crosswalk_id !== "" || p.role === "crossing" || p.role === "waiting_at_kerb") &&
    p.in_image &&
    p.visible_fraction >= 0.5 &&
    p.range <= 40 &&
    p.visible_box !== undefined &&
    p.visible_box.v1 - p.visible_box.v0 + 1 >= 24
  );
}

/** Recall near crossings (see the module comment): found / eligible (frame, pedestrian) pairs. */
function recallNearCrossings(
  gt: GroundTruthFrame[],
  outputs: PedestrianArray[],
): { found: number; eligible: number } {
  const byStamp = new Map(gt.map((f) => [timeToNs(f.stamp), f]));
  const outs = outputs
    .map((o) => ({ ns: timeToNs(o.header.stamp), o }))
    .sort((a, b) => (a.ns < b.ns ? -1 : 1));
  let found = 0;
  let eligible = 0;
  for (const f of gt) {
    const t = timeToNs(f.stamp);
    const peds = f.pedestrians.filter(nearCrossing);
    if (peds.length === 0) continue;
    let newest: (typeof outs)[number] | undefined;
    for (const x of outs) if (x.ns <= t) newest = x;
    for (const p of peds) {
      eligible++;
      if (!newest || t - newest.ns > MAX_AGE_NS) continue;
      const then = byStamp.get(newest.ns)?.pedestrians.find((q) => q.id === p.id)?.visible_box;
      if (!then) continue;
      const truth = { x1: then.u0, y1: then.v0, x2: then.u1 + 1, y2: then.v1 + 1 };
      const hit = newest.o.pedestrians.some(
        (d) =>
          iou(
            {
              x1: d.image_box.x_offset,
              y1: d.image_box.y_offset,
              x2: d.image_box.x_offset + d.image_box.width,
              y2: d.image_box.y_offset + d.image_box.height,
            },
            truth,
          ) >= 0.5,
      );
      if (hit) found++;
    }
  }
  return { found, eligible };
}

function km(gt: GroundTruthFrame[]): number {
  let m = 0;
  for (let i = 1; i < gt.length; i++)
    m += Math.hypot(gt[i]!.ego.x - gt[i - 1]!.ego.x, gt[i]!.ego.y - gt[i - 1]!.ego.y);
  return m / 1000;
}

interface Result {
  cpuS: number;
  runs: Record<string, number>;
  /** Model passes per pedestrian frame: the whole frame and its crop passes. */
  passesPerFrame: number;
  recall: { found: number; eligible: number };
}

async function replayDrive(dir: string, policy: "fixed" | "adaptive"): Promise<Result> {
  const graph = loadLaunchGraph();
  const specs = (
    await graphToNodeSpecs(graph, {
      args: { map_file: join(dir, "map.geojson"), compute_budget: policy },
    })
  ).filter((s) => s.name !== "visualizer");
  const outputs: PedestrianArray[] = [];
  const overrides = Object.fromEntries(
    Object.entries(FIXED).map(([node, hz]) => [node, { rate_hz: hz }]),
  );
  const cpu0 = process.cpuUsage();
  const summary = await runReplay({
    bag: dir,
    nodes: [...specs, collector(outputs)],
    parameterOverrides: overrides,
    logSink: () => undefined,
  });
  const cpu = process.cpuUsage(cpu0);
  const runs = Object.fromEntries(
    Object.keys(FIXED).map((n) => [
      n.split("/").at(-1)!,
      summary.nodeStats[n]?.frames_processed ?? 0,
    ]),
  );
  const ped = summary.nodeStats["/perception/pedestrian_detector"];
  const passesPerFrame = 1 + (ped?.crop_passes ?? NaN) / Math.max(1, ped?.frames_processed ?? 0);
  return {
    cpuS: (cpu.user + cpu.system) / 1e6,
    runs,
    passesPerFrame,
    recall: recallNearCrossings(loadGroundTruth(dir), outputs),
  };
}

export async function run(): Promise<void> {
  console.log(
    `  drives: seed 3, ${FRAMES} frames at 30 Hz, 640x360 JPEG; deterministic replay without the visualizer; fixed = pedestrians 30, lanes 10, crosswalks 10 Hz; adaptive = config/compute_budget.param.yaml`,
  );
  console.log(
    `  ${"drive".padEnd(20)} ${"policy".padEnd(9)} ${"CPU s".padStart(6)} ${"ms/frame".padStart(9)} ${"CPU s/km".padStart(9)}  runs ped/lane/cw   passes/ped frame  ped recall near crossings`,
  );
  for (const scenario of ["urban_intersection", "highway"]) {
    const dir = await cachedGeneratedDrive({
      cache: CACHE,
      scenario,
      frames: FRAMES,
      variant: "640x360-jpeg-",
      generate: { camera: { width: 640, height: 360 }, compressed: true },
    });
    const gt = loadGroundTruth(dir);
    const dist = km(gt);
    const results: Partial<Record<"fixed" | "adaptive", Result>> = {};
    for (const policy of ["fixed", "adaptive"] as const) {
      const r = (results[policy] = await replayDrive(dir, policy));
      const recall =
        r.recall.eligible > 0
          ? `${((100 * r.recall.found) / r.recall.eligible).toFixed(1)} % (${r.recall.found}/${r.recall.eligible})`
          : "- (no pedestrian near a crossing)";
      console.log(
        `  ${scenario.padEnd(20)} ${policy.padEnd(9)} ${r.cpuS.toFixed(2).padStart(6)} ${((r.cpuS * 1000) / gt.length).toFixed(1).padStart(9)} ${(dist > 0 ? r.cpuS / dist : NaN).toFixed(1).padStart(9)}  ` +
          `${`${r.runs.pedestrian_detector}/${r.runs.lane_detector}/${r.runs.crosswalk_detector}`.padEnd(17)}  ${r.passesPerFrame.toFixed(2).padEnd(16)} ${recall}`,
      );
    }
    const saved = 1 - results.adaptive!.cpuS / results.fixed!.cpuS;
    console.log(
      `  ${scenario}: ${(dist * 1000).toFixed(0)} m driven; adaptive uses ${(100 * saved).toFixed(1)} % ${saved >= 0 ? "less" : "more"} CPU than fixed`,
    );
  }
}
