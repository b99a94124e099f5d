/**
 * map_fusion node: lane markings, crosswalks and pedestrians of each camera stamp + the pose + the
 * HD map -> edge_perception_msgs/PerceptionFrame on `~/out/frame` and vision_msgs/Detection2DArray
 * (tracked pedestrians) on `~/out/pedestrians/detections`. Logic: src/fusion/.
 * Docs: docs/nodes/map_fusion.md.
 *
 * A stamp is fused once its inputs are in: when a detection with a newer stamp arrives, or when the
 * node clock is `max_input_age_s` past it (so replay, which delivers in stamp order, is
 * deterministic whatever order concurrent detectors finish in).
 *
 * An input stamped at or before the last fused stamp is a late input (kept for later frames when
 * newer than what they would use, counted, warned about). One more than `time_jump_threshold_s`
 * before it is either very late (a slow model under load: counted as late like the others) or a
 * sign that time went back (a bag loop, a second `ros2 bag play`). Time went back when the node
 * clock itself is more than half the threshold before the last fused stamp (sim time follows the
 * bag), or, on a wall clock that does not go back, when after such an input only late inputs came,
 * none newer than the last fused stamp, for `time_jump_threshold_s` of node time. Then what is pending is fused, the state is
 * reset, the jump is logged and counted (diagnostics `time_jumps`), and fusion starts again on the
 * new time line.
 */
import { errorMessage } from "../core/errors.js";
import { compareTime, diffSec, nsToTime, timeToNs, timeToSec, type Time } from "../core/time.js";
import { TfBuffer } from "../geometry/tf-buffer.js";
import type { CrosswalkArray, LaneMarkingArray, PedestrianArray } from "../msgs/types.generated.js";
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { CameraCalibration } from "./common/camera-calibration.js";
import { createNodeDiagnostics } from "./common/node-diagnostics-setup.js";
import { pipelineLatencyOf, stagesOf } from "./stage-timings.js";
import { loadParameterSchema } from "./node-definition.js";

/** One stamp's inputs, gathered until the stamp is fused. */
interface PendingStamp {
  stamp: Time;
  lanes?: LaneMarkingArray;
  crosswalks?: CrosswalkArray;
  pedestrians?: PedestrianArray;
  /** Wall ms when the last of its inputs arrived. */
  lastArrivalWallMs: number;
}


/** Logs the 1st, 10th, 100th, ... occurrence (and every 1000th after), so a steady stream of them stays visible but quiet. */
function isLogworthy(n: number): boolean {
  return n === 1 || n === 10 || n === 100 || n % 1000 === 0;
}

/** The node's parameter schema (`ros__parameters` of config/schema/map_fusion.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("map_fusion");
}

export async function createMapFusionNode(handle: NodeHandle): Promise<NodeInstance> {
  const [{ FusionEngine }, { pedestriansToDetection2DArray }, { PoseSource }, { loadHdMap }] = await Promise.all([
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
  if (!map) diagnostics.set("map", "warn", "no HD map (map_file empty): vehicle-frame outputs only");
  else {
    handle.logger.info(`HD map '${map.name}' from ${mapFile}: ${map.lanes.size} lanes, ${map.crosswalks.size} crosswalks`);
    for (const w of map.warnings) handle.logger.warn(`HD map ${mapFile}: ${w}`);
    if (map.lanes.size === 0 && map.crosswalks.size === 0) diagnostics.set("map", "warn", `HD map ${mapFile} has no lanes and no crosswalks: nothing to match detections against`);
  }

  const engine = new FusionEngine({ map, poseGate: { jumpRecoverySec: p.get<number>("pose_jump_recovery_s") } });
  const mode = p.get<"tf" | "pose_stamped" | "odometry">("pose_source");
  // Rejected transforms (NaN, zero quaternion, bad frame ids) are logged and counted by reason;
  // the buffer then refuses lookups of that link until its next valid transform.
  const tfRejected = { non_finite: 0, zero_quaternion: 0, frame_id: 0 };
  // The TF buffer and the pose source take time_jump_threshold_s once, at start-up: a later change
  // of the parameter applies to the node's own late-input check only (they keep the start-up value).
  const timeJumpSec = p.get<number>("time_jump_threshold_s");
  const tf = new TfBuffer({
    maxExtrapolationSec: 0.5,
    timeJumpToleranceSec: timeJumpSec,
    onEvent: (e) => {
      if (e.kind === "time_jump") {
        diagnostics.setCounter("tf_time_jumps", tf.stats.timeJumps);
        handle.logger.warn(`/tf stamp of ${e.frame} went back ${e.backSec.toFixed(3)} s (to ${timeToSec(e.stamp).toFixed(3)}): the dynamic transforms were dropped (${tf.stats.timeJumps} so far)`);
        return;
      }
      if (e.kind !== "rejected") return;
      const n = ++tfRejected[e.reason];
      diagnostics.setCounter(`tf_rejected_${e.reason}`, n);
      if (isLogworthy(n)) handle.logger.warn(`${e.error.message} at t=${e.error.context.stamp} (${n} ${e.reason} so far)`);
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

  const framePub = handle.createPublisher("edge_perception_msgs/msg/PerceptionFrame", "~/out/frame", { profile: "reliable" });
  const detectionsPub = handle.createPublisher("vision_msgs/msg/Detection2DArray", "~/out/pedestrians/detections", { profile: "reliable" });
  const processingPub = handle.createPublisher("std_msgs/msg/Float32", "~/debug/processing_time_ms", { profile: "reliable" });
  const latencyPub = handle.createPublisher("std_msgs/msg/Float32", "~/debug/pipeline_latency_ms", { profile: "reliable" });

  // A pose stamp going back more than 1 s drops the pose history (a looped bag, a restarted
  // localiser): said and counted, never silent.
  let poseTimeJumps = 0;
  const afterPose = (stamp: Time): void => {
    if (pose.timeJumps === poseTimeJumps) return;
    poseTimeJumps = pose.timeJumps;
    diagnostics.setCounter("pose_time_jumps", poseTimeJumps);
    handle.logger.warn(`pose stamp went back to ${timeToSec(stamp).toFixed(3)} s: the pose history was dropped (${poseTimeJumps} so far)`);
  };
  handle.createSubscription("tf2_msgs/msg/TFMessage", "/tf", { profile: "reliable", depth: 100 }, (m) => {
    pose.addTf(m, false);
    if (m.transforms[0]) afterPose(m.transforms[0].header.stamp);
  });
  handle.createSubscription("tf2_msgs/msg/TFMessage", "/tf_static", { profile: "transient_local", depth: 100 }, (m) => void pose.addTf(m, true));
  if (mode === "pose_stamped") handle.createSubscription("geometry_msgs/msg/PoseStamped", "~/in/pose", { profile: "reliable" }, (m) => (pose.addPoseStamped(m), afterPose(m.header.stamp)));
  if (mode === "odometry") handle.createSubscription("nav_msgs/msg/Odometry", "~/in/odometry", { profile: "reliable" }, (m) => (pose.addOdometry(m), afterPose(m.header.stamp)));

  const pending = new Map<bigint, PendingStamp>();
  let lastFused: Time | undefined;
  let latestLanes: LaneMarkingArray | undefined;
  let latestCrosswalks: CrosswalkArray | undefined;
  let frames = 0;
  let lateInputs = 0;
  let timeJumps = 0;
  /** Node time of the first input far back (past the threshold) since the last on-time one. */
  let farBackSince: Time | undefined;

  /** The newest earlier array within max_input_age_s of the stamp (lanes and crosswalks are carried over; pedestrians are not, the tracker predicts). */
  const carried = <T extends { header: { stamp: Time } }>(latest: T | undefined, stamp: Time): T | undefined =>
    latest && compareTime(latest.header.stamp, stamp) <= 0 && diffSec(stamp, latest.header.stamp) <= p.get<number>("max_input_age_s") ? latest : undefined;

  const fuse = (entry: PendingStamp): void => {
    const started = handle.wallMs();
    const stamp = entry.stamp;
    try {
      const poseResult = pose.poseAt(stamp);
      if (poseResult.kind === "ok") diagnostics.clear("pose");
      else diagnostics.set("pose", "warn", `pose ${poseResult.kind}: ${poseResult.reason}; vehicle-frame outputs only`);
      const frame = engine.update({
        stamp,
        pose: poseResult,
        lanes: entry.lanes ?? carried(latestLanes, stamp),
        crosswalks: entry.crosswalks ?? carried(latestCrosswalks, stamp),
        pedestrians: entry.pedestrians,
        geometry: calibration.geometryAt(stamp),
        latencies: stagesOf(stamp),
      });
      frame.header = { stamp, frame_id: baseFrame };
      const fusionMs = handle.wallMs() - started;
      const detectorLatency = pipelineLatencyOf(stamp);
      frame.pipeline_latency_ms = (detectorLatency ?? 0) + (handle.wallMs() - entry.lastArrivalWallMs);
      framePub.publish(frame);
      detectionsPub.publish({ ...pedestriansToDetection2DArray(frame), header: { stamp, frame_id: frame.header.frame_id } });
      processingPub.publish({ data: fusionMs });
      latencyPub.publish({ data: frame.pipeline_latency_ms });
      frames++;
      diagnostics.recordFrame(fusionMs);
      diagnostics.setCounter("map_consistency_score_x100", Number.isFinite(frame.map_consistency_score) ? Math.round(frame.map_consistency_score * 100) : -1);
    } catch (err) {
      diagnostics.recordError(err);
      handle.logger.error(`fusion of ${timeToNs(stamp)} failed: ${errorMessage(err)}`);
    }
    if (entry.lanes) latestLanes = entry.lanes;
    if (entry.crosswalks) latestCrosswalks = entry.crosswalks;
    lastFused = stamp;
    diagnostics.setCounter("frames_late_inputs", lateInputs);
  };

  /** Fuses every pending stamp older than `before` (all when undefined), oldest first. */
  const flush = (before?: Time): void => {
    const ready = [...pending.values()].filter((e) => !before || compareTime(e.stamp, before) < 0).sort((a, b) => compareTime(a.stamp, b.stamp));
    for (const e of ready) {
      pending.delete(timeToNs(e.stamp));
      fuse(e);
    }
  };

  /** Time went back past the threshold: finish the old time line, then start again. */
  const restartAfterJump = (stamp: Time, backSec: number): void => {
    farBackSince = undefined;
    flush();
    pending.clear();
    lastFused = undefined;
    latestLanes = undefined;
    latestCrosswalks = undefined;
    timeJumps++;
    diagnostics.setCounter("time_jumps", timeJumps);
    handle.logger.warn(
      `input stamped ${timeToSec(stamp).toFixed(3)} s is ${backSec.toFixed(3)} s before the last fused frame: time went back (bag loop or a new play); fusion restarted (time jump ${timeJumps})`,
    );
  };

  /** For a late input `backSec` before the last fused stamp: time went back (see the module comment) rather than inputs arriving late. */
  const timeWentBack = (backSec: number): boolean => {
    const threshold = p.get<number>("time_jump_threshold_s");
    const now = handle.now();
    if (backSec > threshold) {
      if (diffSec(lastFused!, now) > threshold / 2) return true;
      farBackSince ??= now;
    }
    return farBackSince !== undefined && diffSec(now, farBackSince) >= threshold;
  };

  const onInput = (stamp: Time, put: (e: PendingStamp) => void, keepAsLatest: () => void): void => {
    if (lastFused && compareTime(stamp, lastFused) <= 0) {
      const backSec = diffSec(lastFused, stamp);
      if (timeWentBack(backSec)) {
        restartAfterJump(stamp, backSec);
      } else {
        // Arrived after its stamp was fused: kept for the next frames only.
        lateInputs++;
        keepAsLatest();
        diagnostics.setCounter("frames_late_inputs", lateInputs);
        if (isLogworthy(lateInputs)) {
          handle.logger.warn(`late input: stamped ${backSec.toFixed(3)} s before the last fused frame, left out of its frame and kept for the next (${lateInputs} so far)`);
        }
        return;
      }
    }
    farBackSince = undefined;
    flush(stamp);
    const key = timeToNs(stamp);
    const entry = pending.get(key) ?? { stamp, lastArrivalWallMs: 0 };
    put(entry);
    entry.lastArrivalWallMs = handle.wallMs();
    pending.set(key, entry);
  };

  /** A late array replaces the one carried over only when it is newer. */
  const newer = <T extends { header: { stamp: Time } }>(late: T, latest: T | undefined): T => (latest && compareTime(latest.header.stamp, late.header.stamp) >= 0 ? latest : late);
  handle.createSubscription("edge_perception_msgs/msg/LaneMarkingArray", "~/in/lanes", { profile: "reliable" }, (m) =>
    onInput(m.header.stamp, (e) => (e.lanes = m), () => (latestLanes = newer(m, latestLanes))),
  );
  handle.createSubscription("edge_perception_msgs/msg/CrosswalkArray", "~/in/crosswalks", { profile: "reliable" }, (m) =>
    onInput(m.header.stamp, (e) => (e.crosswalks = m), () => (latestCrosswalks = newer(m, latestCrosswalks))),
  );
  handle.createSubscription("edge_perception_msgs/msg/PedestrianArray", "~/in/pedestrians", { profile: "reliable" }, (m) =>
    onInput(m.header.stamp, (e) => (e.pedestrians = m), () => undefined),
  );
  // A stamp whose inputs stopped coming is fused once the clock is max_input_age_s past it.
  handle.createTimer(0.05, () => {
    const now = handle.now();
    const age = p.get<number>("max_input_age_s");
    const stale = [...pending.values()].filter((e) => diffSec(now, e.stamp) > age).map((e) => timeToNs(e.stamp));
    if (stale.length > 0) flush(nsToTime(stale.reduce((a, b) => (a > b ? a : b)) + 1n));
  });
  p.onChange((changes) => {
    if (typeof changes.processing_budget_ms === "number") diagnostics.setBudget(changes.processing_budget_ms);
  });

  return {
    errorCounts: () => diagnostics.errorCounts(),
    stats: () => ({ frames, late_inputs: lateInputs, time_jumps: timeJumps, pending: pending.size, tf_rejected: tf.stats.rejected }),
    dispose: () => {
      flush();
      diagPublisher.publish();
      diagPublisher.stop();
    },
  };
}
