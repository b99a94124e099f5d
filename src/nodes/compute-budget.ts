/**
 * compute_budget node: the fused frames (`~/in/frame`, edge_perception_msgs/PerceptionFrame: the
 * ego pose, the ego lane, the map consistency) + the HD map -> the camera models' rates as
 * std_msgs/Float32 on `~/out/pedestrian_rate_hz`, `~/out/lane_rate_hz` and `~/out/crosswalk_rate_hz`
 * (remapped to each detector's `~/in/rate_hz`), and the pedestrian detector's crop coverage on
 * `~/out/pedestrian_crop_passes_per_s` (remapped to its `~/in/crop_passes_per_s`). With `policy: fixed`
 * it publishes nothing and the detectors keep their own `rate_hz` and `crop_passes_per_s`. A value
 * is published when it changes. Logic:
 * src/nodes/common/compute-budget-rates.ts. Docs: docs/nodes/compute_budget.md.
 */
import { diffSec, type Time } from "../core/time.js";
import type { Crosswalk, HdMap } from "../map/types.js";
import type { PerceptionFrame } from "../msgs/types.generated.js";
import {
  checkComputeBudgetOptions,
  decideRates,
  LaneStability,
  reachM,
  type ComputeBudgetOptions,
  type ModelRates,
} from "./common/compute-budget-rates.js";
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { loadParameterSchema } from "./node-definition.js";
import { createNodeDiagnostics } from "./common/node-diagnostics-setup.js";

/** The node's parameter schema (`ros__parameters` of config/schema/compute_budget.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("compute_budget");
}

/** Seconds of poses the speed is measured over. */
const SPEED_WINDOW_S = 0.3;

/** Distance from the ego to the nearest mapped crossing ahead within `reach` (closest point of its polygon), or "none". */
function crossingAhead(
  map: HdMap,
  pose: { x: number; y: number; yaw: number },
  reach: number,
): number | "none" {
  let best: number | "none" = "none";
  for (const { feature, distance } of map.nearWithDistance({ x: pose.x, y: pose.y }, reach, [
    "crosswalk",
  ])) {
    const poly = (feature as Crosswalk).polygon;
    // Ahead: some corner in front of base_link (a crossing the ego is on counts, one behind does not).
    const ahead = poly.some(
      (p) => (p.x - pose.x) * Math.cos(pose.yaw) + (p.y - pose.y) * Math.sin(pose.yaw) >= 0,
    );
    if (ahead && (best === "none" || distance < best)) best = distance;
  }
  return best;
}

export async function createComputeBudgetNode(handle: NodeHandle): Promise<NodeInstance> {
  const { loadHdMap } = await import("../map/loader.js");
  const p = handle.parameters;
  const { diagnostics, publisher: diagPublisher } = createNodeDiagnostics(handle);
  const policy = p.get<"fixed" | "adaptive">("policy");
  const mapFile = p.get<string>("map_file");
  const map = mapFile ? loadHdMap(mapFile) : undefined;
  const options = (): ComputeBudgetOptions => ({
    pedestrianNearCrossingHz: p.get<number>("pedestrian_rate_near_crossing_hz"),
    pedestrianHz: p.get<number>("pedestrian_rate_hz"),
    laneHz: p.get<number>("lane_rate_hz"),
    laneStableHz: p.get<number>("lane_rate_stable_hz"),
    crosswalkNearCrossingHz: p.get<number>("crosswalk_rate_near_crossing_hz"),
    crosswalkHz: p.get<number>("crosswalk_rate_hz"),
    reactionTimeS: p.get<number>("reaction_time_s"),
    decelerationMps2: p.get<number>("deceleration_mps2"),
    crossingMarginM: p.get<number>("crossing_margin_m"),
    cpuBudgetCores: p.get<number>("cpu_budget_cores"),
    costMs: {
      pedestrians: p.get<number>("pedestrian_cost_ms"),
      lanes: p.get<number>("lane_cost_ms"),
      crosswalks: p.get<number>("crosswalk_cost_ms"),
    },
    minHz: {
      pedestrians: p.get<number>("pedestrian_min_hz"),
      lanes: p.get<number>("lane_min_hz"),
      crosswalks: p.get<number>("crosswalk_min_hz"),
    },
    pedestrianCropPassesNearCrossingPerS: p.get<number>(
      "pedestrian_crop_passes_near_crossing_per_s",
    ),
    pedestrianCropPassesPerS: p.get<number>("pedestrian_crop_passes_per_s"),
    pedestrianPassCostMs: p.get<number>("pedestrian_pass_cost_ms"),
    pedestrianWorkerMaxLoad: p.get<number>("pedestrian_worker_max_load"),
  });
  // The schema bounds each value; run-time changes (rates, costs, budget) apply at the next frame.
  checkComputeBudgetOptions(options());
  if (policy === "adaptive" && !map)
    diagnostics.set(
      "map",
      "warn",
      "no HD map (map_file empty): crossings unknown, pedestrians at the crossing rate",
    );

  const publishers = {
    pedestrians: handle.createPublisher("std_msgs/msg/Float32", "~/out/pedestrian_rate_hz", {
      profile: "reliable",
    }),
    lanes: handle.createPublisher("std_msgs/msg/Float32", "~/out/lane_rate_hz", {
      profile: "reliable",
    }),
    crosswalks: handle.createPublisher("std_msgs/msg/Float32", "~/out/crosswalk_rate_hz", {
      profile: "reliable",
    }),
  };
  const cropPublisher = handle.createPublisher(
    "std_msgs/msg/Float32",
    "~/out/pedestrian_crop_passes_per_s",
    { profile: "reliable" },
  );
  let publishedCrops: number | undefined;
  let cropChanges = 0;
  const stability = new LaneStability({
    frames: p.get<number>("lane_stable_frames"),
    maxLateralStdM: p.get<number>("lane_stable_max_std_m"),
    minMapConsistency: p.get<number>("lane_stable_min_map_consistency"),
  });
  const poses: Array<{ stamp: Time; x: number; y: number }> = [];
  let published: Partial<ModelRates> = {};
  let lastReason = "";
  let decisions = 0;
  let nearCrossingFrames = 0;
  let budgetLimited = 0;
  let timeJumps = 0;
  const rateChanges: Record<keyof ModelRates, number> = { pedestrians: 0, lanes: 0, crosswalks: 0 };

  const onFrame = (f: PerceptionFrame): void => {
    const stamp = f.header.stamp;
    // Time went back (bag loop, new play): forget the history, say so and count it.
    if (poses.length > 0 && diffSec(stamp, poses.at(-1)!.stamp) < 0) {
      timeJumps++;
      diagnostics.setCounter("time_jumps", timeJumps);
      handle.logger.warn(
        `frame stamp went back ${diffSec(poses.at(-1)!.stamp, stamp).toFixed(3)} s: speed and lane stability history dropped (${timeJumps} so far)`,
      );
      poses.length = 0;
      stability.reset();
    }
    let speed: number | undefined;
    let pose: { x: number; y: number; yaw: number } | undefined;
    if (f.pose_valid) {
      const q = f.pose.orientation;
      pose = {
        x: f.pose.position.x,
        y: f.pose.position.y,
        yaw: Math.atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z)),
      };
      poses.push({ stamp, x: pose.x, y: pose.y });
      while (poses.length > 2 && diffSec(stamp, poses[1]!.stamp) >= SPEED_WINDOW_S) poses.shift();
      const first = poses[0]!;
      const dt = diffSec(stamp, first.stamp);
      if (dt >= SPEED_WINDOW_S / 2) speed = Math.hypot(pose.x - first.x, pose.y - first.y) / dt;
    } else {
      poses.length = 0;
    }
    const laneStable = stability.update({
      egoLaneValid: f.ego_lane.valid,
      lateralOffsetStd: f.ego_lane.lateral_offset_std,
      mapConsistency: f.map_consistency_score,
    });
    if (policy !== "adaptive") return;
    const o = options();
    const crossing =
      map && pose && speed !== undefined ? crossingAhead(map, pose, reachM(o, speed)) : undefined;
    const d = decideRates(o, { speedMps: speed, crossingDistanceM: crossing, laneStable });
    decisions++;
    if (d.nearCrossing) nearCrossingFrames++;
    if (d.limitedByBudget) budgetLimited++;
    for (const m of ["pedestrians", "lanes", "crosswalks"] as const) {
      if (published[m] === d.rates[m]) continue;
      published = { ...published, [m]: d.rates[m] };
      rateChanges[m]++;
      publishers[m].publish({ data: d.rates[m] });
    }
    if (publishedCrops !== d.pedestrianCropPassesPerS) {
      publishedCrops = d.pedestrianCropPassesPerS;
      cropChanges++;
      cropPublisher.publish({ data: d.pedestrianCropPassesPerS });
    }
    if (lastReason !== d.reason)
      handle.logger.debug(
        `rates ${JSON.stringify(d.rates)}, pedestrian crop passes ${d.pedestrianCropPassesPerS.toFixed(1)}/s: ${d.reason}`,
      );
    lastReason = d.reason;
    diagnostics.setCounter("near_crossing", d.nearCrossing ? 1 : 0);
    diagnostics.setCounter("planned_cpu_cores_x100", Math.round(d.plannedCores * 100));
    diagnostics.setCounter("budget_limited", budgetLimited);
  };
  handle.createSubscription(
    "edge_perception_msgs/msg/PerceptionFrame",
    "~/in/frame",
    { profile: "reliable" },
    onFrame,
  );

  return {
    stats: () => ({
      decisions,
      near_crossing_frames: nearCrossingFrames,
      budget_limited: budgetLimited,
      time_jumps: timeJumps,
      pedestrian_rate_changes: rateChanges.pedestrians,
      lane_rate_changes: rateChanges.lanes,
      crosswalk_rate_changes: rateChanges.crosswalks,
      pedestrian_crop_budget_changes: cropChanges,
    }),
    dispose: () => {
      diagPublisher.publish();
      diagPublisher.stop();
    },
  };
}
