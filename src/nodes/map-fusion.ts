/**
 * map_fusion node: lane markings, crosswalks and pedestrians of each camera stamp + the pose + the
 * HD map -> edge_perception_msgs/PerceptionFrame on `~/out/frame` and vision_msgs/Detection2DArray
 * (tracked pedestrians) on `~/out/pedestrians/detections`. Logic: src/fusion/.
 * Docs: docs/nodes/map_fusion.md.
 *
 * Inputs are gathered by stamp and fused in stamp order by src/fusion/input-synchroniser.ts (which
 * stamp to fuse when, late inputs, time jumps); this node fuses the frames it hands back and
 * counts and logs its events (diagnostics `frames_late_inputs`, `time_jumps`).
 *
 * Stage times come with the inputs (`latencies`, `pipeline_latency_ms` of each detector's array),
 * so a frame reports the same stages whether the detectors run in this process or another.
 */
import { errorMessage } from "../core/errors.js";
import { timeToNs, timeToSec, type Time } from "../core/time.js";
import { inputTimings } from "../fusion/input-timings.js";
import {
  InputSynchroniser,
  type FuseDecision,
  type SynchroniserInput,
} from "../fusion/input-synchroniser.js";
import { TfBuffer } from "../geometry/tf-buffer.js";
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { CameraCalibration } from "./common/camera-calibration.js";
import { createNodeDiagnostics } from "./common/node-diagnostics-setup.js";
import { mapFusionTuning } from "./map-fusion-tuning.js";
import { loadParameterSchema } from "./node-definition.js";

/** Logs the 1st, 10th, 100th, ... occurrence (and every 1000th after), so a steady stream of them stays visible but quiet. */
function isLogworthy(n: number): boolean {
  return n === 1 || n === 10 || n === 100 || n % 1000 === 0;
}

/** The node's parameter schema (`ros__parameters` of config/schema/map_fusion.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("map_fusion");
}

export async function createMapFusionNode(handle: NodeHandle): Promise<NodeInstance> {
  const [{ FusionEngine }, { pedestriansToDetection2DArray }, { PoseSource }, { loadHdMap }] =
    await Promise.all([
      import("../fusion/fusion-engine.js"),
      import("../fusion/detection2d.js"),
      import("../localization/pose-source.js"),
      import("../map/loader.js"),
    ]);
  const p = handle.parameters;
  const { diagnostics, publisher: diagPublisher } = createNodeDiagnostics(handle);
  const baseFrame = p.get<string>("base_frame");
  const mapFile = p.get<string>("map_file");
  const map = mapFile ? loadHdMap(mapFile) : undefined;
  if (!map)
    diagnostics.set("map", "warn", "no HD map (map_file empty): vehicle-frame outputs only");
  else {
    handle.logger.info(
      `HD map '${map.name}' from ${mapFile}: ${map.lanes.size} lanes, ${map.crosswalks.size} crosswalks`,
    );
    for (const w of map.warnings) handle.logger.warn(`HD map ${mapFile}: ${w}`);
    if (map.lanes.size === 0 && map.crosswalks.size === 0)
      diagnostics.set(
        "map",
        "warn",
        `HD map ${mapFile} has no lanes and no crosswalks: nothing to match detections against`,
      );
  }

  const engine = new FusionEngine({
    ...mapFusionTuning((name) => p.get(name)),
    map,
    clock: handle.wallClock,
  });
  const mode = p.get<"tf" | "pose_stamped" | "odometry">("pose_source");
  // Rejected transforms (NaN, zero quaternion, bad frame ids) are logged and counted by reason;
  // the buffer then refuses lookups of that link until its next valid transform.
  const tfRejected = { non_finite: 0, zero_quaternion: 0, frame_id: 0 };
  // The TF buffer and the pose source take time_jump_threshold_s once, at start-up: a later change
  // of the parameter applies to the node's own late-input check only (they keep the start-up value).
  const timeJumpSec = p.get<number>("time_jump_threshold_s");
  const tf = new TfBuffer({
    maxExtrapolationSec: p.get<number>("tf_timeout_s"),
    timeJumpToleranceSec: timeJumpSec,
    onEvent: (e) => {
      if (e.kind === "time_jump") {
        diagnostics.setCounter("tf_time_jumps", tf.stats.timeJumps);
        handle.logger.warn(
          `/tf stamp of ${e.frame} went back ${e.backSec.toFixed(3)} s (to ${timeToSec(e.stamp).toFixed(3)}): the dynamic transforms were dropped (${tf.stats.timeJumps} so far)`,
        );
        return;
      }
      if (e.kind !== "rejected") return;
      const n = ++tfRejected[e.reason];
      diagnostics.setCounter(`tf_rejected_${e.reason}`, n);
      if (isLogworthy(n))
        handle.logger.warn(
          `${e.error.message} at t=${e.error.context.stamp} (${n} ${e.reason} so far)`,
        );
    },
  });
  const pose = new PoseSource({
    mode,
    maxAgeSec: p.get<number>("pose_timeout_s"),
    maxJumpM: p.get<number>("max_pose_jump_m"),
    jumpRecoverySec: p.get<number>("pose_jump_recovery_s"),
    mapFrame: p.get<string>("map_frame"),
    baseFrame,
    tfBuffer: tf,
    timeJumpSec,
  });
  const calibration = new CameraCalibration(handle, tf, baseFrame, diagnostics);

  const framePub = handle.createPublisher(
    "edge_perception_msgs/msg/PerceptionFrame",
    "~/out/frame",
    { profile: "reliable" },
  );
  const detectionsPub = handle.createPublisher(
    "vision_msgs/msg/Detection2DArray",
    "~/out/pedestrians/detections",
    { profile: "reliable" },
  );
  const processingPub = handle.createPublisher(
    "std_msgs/msg/Float32",
    "~/debug/processing_time_ms",
    { profile: "reliable" },
  );
  const latencyPub = handle.createPublisher("std_msgs/msg/Float32", "~/debug/pipeline_latency_ms", {
    profile: "reliable",
  });

  // A pose stamp going back more than 1 s drops the pose history (a looped bag, a restarted
  // localiser): said and counted, never silent.
  let poseTimeJumps = 0;
  const afterPose = (stamp: Time): void => {
    if (pose.timeJumps === poseTimeJumps) return;
    poseTimeJumps = pose.timeJumps;
    diagnostics.setCounter("pose_time_jumps", poseTimeJumps);
    handle.logger.warn(
      `pose stamp went back to ${timeToSec(stamp).toFixed(3)} s: the pose history was dropped (${poseTimeJumps} so far)`,
    );
  };
  handle.createSubscription(
    "tf2_msgs/msg/TFMessage",
    "/tf",
    { profile: "reliable", depth: 100 },
    (m) => {
      pose.addTf(m, false);
      if (m.transforms[0]) afterPose(m.transforms[0].header.stamp);
    },
  );
  handle.createSubscription(
    "tf2_msgs/msg/TFMessage",
    "/tf_static",
    { profile: "transient_local", depth: 100 },
    (m) => void pose.addTf(m, true),
  );
  if (mode === "pose_stamped")
    handle.createSubscription(
      "geometry_msgs/msg/PoseStamped",
      "~/in/pose",
      { profile: "reliable" },
      (m) => (pose.addPoseStamped(m), afterPose(m.header.stamp)),
    );
  if (mode === "odometry")
    handle.createSubscription(
      "nav_msgs/msg/Odometry",
      "~/in/odometry",
      { profile: "reliable" },
      (m) => (pose.addOdometry(m), afterPose(m.header.stamp)),
    );

  const sync = new InputSynchroniser({
    maxInputAgeSec: () => p.get<number>("max_input_age_s"),
    timeJumpThresholdSec: () => p.get<number>("time_jump_threshold_s"),
  });
  let frames = 0;

  const fuse = (entry: FuseDecision): void => {
    const started = handle.wallMs();
    const stamp = entry.stamp;
    try {
      const timings = inputTimings(stamp, [entry.lanes, entry.crosswalks, entry.pedestrians]);
      const poseResult = pose.poseAt(stamp);
      if (poseResult.kind === "ok") diagnostics.clear("pose");
      else
        diagnostics.set(
          "pose",
          "warn",
          `pose ${poseResult.kind}: ${poseResult.reason}; vehicle-frame outputs only`,
        );
      const frame = engine.update({
        stamp,
        pose: poseResult,
        lanes: entry.lanes,
        crosswalks: entry.crosswalks,
        pedestrians: entry.pedestrians,
        geometry: calibration.geometryAt(stamp),
        latencies: timings.latencies,
      });
      frame.header = { stamp, frame_id: baseFrame };
      const fusionMs = handle.wallMs() - started;
      frame.pipeline_latency_ms =
        (timings.pipelineLatencyMs ?? 0) + (handle.wallMs() - entry.lastArrivalWallMs);
      framePub.publish(frame);
      detectionsPub.publish({
        ...pedestriansToDetection2DArray(frame),
        header: { stamp, frame_id: frame.header.frame_id },
      });
      processingPub.publish({ data: fusionMs });
      latencyPub.publish({ data: frame.pipeline_latency_ms });
      frames++;
      diagnostics.recordFrame(fusionMs);
      diagnostics.setCounter(
        "map_consistency_score_x100",
        Number.isFinite(frame.map_consistency_score)
          ? Math.round(frame.map_consistency_score * 100)
          : -1,
      );
    } catch (err) {
      diagnostics.recordError(err);
      handle.logger.error(`fusion of ${timeToNs(stamp)} failed: ${errorMessage(err)}`);
    }
    diagnostics.setCounter("frames_late_inputs", sync.lateInputs);
  };

  /** Hands one input to the synchroniser, fuses the frames it makes ready, then reports its event. */
  const onInput = (input: SynchroniserInput): void => {
    const step = sync.offer(input, handle.now());
    for (const d of step.fuse) fuse(d);
    const e = step.event;
    if (e?.kind === "late_input") {
      diagnostics.setCounter("frames_late_inputs", e.lateInputs);
      if (isLogworthy(e.lateInputs)) {
        handle.logger.warn(
          `late input: stamped ${e.backSec.toFixed(3)} s before the last fused frame, left out of its frame and kept for the next (${e.lateInputs} so far)`,
        );
      }
    } else if (e?.kind === "time_jump") {
      diagnostics.setCounter("time_jumps", e.timeJumps);
      handle.logger.warn(
        `input stamped ${timeToSec(e.stamp).toFixed(3)} s is ${e.backSec.toFixed(3)} s before the last fused frame: time went back (bag loop or a new play); fusion restarted (time jump ${e.timeJumps})`,
      );
    }
    if (step.pending) sync.markArrival(input.msg.header.stamp, handle.wallMs());
  };

  handle.createSubscription(
    "edge_perception_msgs/msg/LaneMarkingArray",
    "~/in/lanes",
    { profile: "reliable" },
    (m) => onInput({ kind: "lanes", msg: m }),
  );
  handle.createSubscription(
    "edge_perception_msgs/msg/CrosswalkArray",
    "~/in/crosswalks",
    { profile: "reliable" },
    (m) => onInput({ kind: "crosswalks", msg: m }),
  );
  handle.createSubscription(
    "edge_perception_msgs/msg/PedestrianArray",
    "~/in/pedestrians",
    { profile: "reliable" },
    (m) => onInput({ kind: "pedestrians", msg: m }),
  );
  // A stamp whose inputs stopped coming is fused once the clock is max_input_age_s past it.
  handle.createTimer(0.05, () => {
    for (const d of sync.flushStale(handle.now())) fuse(d);
  });
  p.onChange((changes) => {
    if (typeof changes.processing_budget_ms === "number")
      diagnostics.setBudget(changes.processing_budget_ms);
  });

  return {
    errorCounts: () => diagnostics.errorCounts(),
    stats: () => ({
      frames,
      late_inputs: sync.lateInputs,
      time_jumps: sync.timeJumps,
      pending: sync.pendingCount,
      tf_rejected: tf.stats.rejected,
    }),
    dispose: () => {
      for (const d of sync.flushAll()) fuse(d);
      diagPublisher.publish();
      diagPublisher.stop();
    },
  };
}
