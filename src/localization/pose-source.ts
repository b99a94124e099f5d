import { PerceptionError } from "../core/errors.js";
import { timeToNs, timeToSec, type Time } from "../core/time.js";
import { TfBuffer } from "../geometry/tf-buffer.js";
import type { Transform } from "../geometry/types.js";
import type { Odometry, PoseStamped, TFMessage } from "../msgs/types.generated.js";
import { PoseHistory } from "./pose-history.js";

/** Where the vehicle pose (map <- base_link) comes from. */
export type PoseMode = "tf" | "pose_stamped" | "odometry";

/** The pose at a time, or why there is none. */
export type PoseResult =
  | {
      kind: "ok";
      /** p_map = mapFromBase * p_base. */
      mapFromBase: Transform;
      /** Seconds between the query time and the nearest pose sample used (0 at a sample). */
      ageSec: number;
    }
  | {
      /** missing: nothing at that time; stale: too old (age in the reason); invalid: NaN, wrong frame or a jump. */
      kind: "missing" | "stale" | "invalid";
      reason: string;
    };

/** Options of `PoseSource`. */
export interface PoseSourceOptions {
  /** Which input is the pose: the TF tree (map -> base_link), geometry_msgs/PoseStamped or nav_msgs/Odometry. */
  mode: PoseMode;
  /** A pose more than this many seconds from the query time is `stale`; default 0.5. */
  maxAgeSec?: number;
  /** Consecutive poses farther apart than this (metres) are `invalid` (relocalisation jump, bad fix); default 5. */
  maxJumpM?: number;
  /** The map frame id; default "map". */
  mapFrame?: string;
  /** The vehicle frame id; default "base_link". */
  baseFrame?: string;
  /**
   * After a jump, poses stay `invalid` until they have been consistent for this many seconds from
   * the jump (parameter `pose_jump_recovery_s`); default 0: valid from the next consistent pose.
   */
  jumpRecoverySec?: number;
  /** Seconds of pose history kept for interpolation; default 10. */
  historySeconds?: number;
  /** For mode "tf": a TF buffer shared with other users (default: a private one fed by addTf). */
  tfBuffer?: TfBuffer;
  /**
   * A pose stamp more than this many seconds before the newest one means time went back (a looped
   * bag, a restarted localiser): the history is dropped and counted in `timeJumps`; default 1.
   */
  timeJumpSec?: number;
}

/**
 * The vehicle pose in the map at any stamp, from one of three inputs, with staleness, NaN and
 * jump checks. Poses are interpolated (translation linearly, rotation by slerp) between samples
 * and held after the newest for up to `maxAgeSec`.
 */
export class PoseSource {
  readonly mode: PoseMode;
  readonly mapFrame: string;
  readonly baseFrame: string;
  readonly maxAgeSec: number;
  readonly maxJumpM: number;
  /** The TF buffer used in mode "tf" (and fed by addTf in every mode). */
  readonly tf: TfBuffer;
  readonly #history: PoseHistory;
  /** Times the pose history was dropped because a pose stamp went more than `timeJumpSec` back (a looped bag, a restarted localiser). */
  timeJumps = 0;
  readonly #timeJumpNs: bigint;

  constructor(o: PoseSourceOptions) {
    if (!["tf", "pose_stamped", "odometry"].includes(o.mode))
      throw new PerceptionError(
        "parameter",
        `unknown pose mode "${o.mode}": expected tf, pose_stamped or odometry`,
      );
    this.mode = o.mode;
    this.mapFrame = o.mapFrame ?? "map";
    this.baseFrame = o.baseFrame ?? "base_link";
    this.maxAgeSec = o.maxAgeSec ?? 0.5;
    this.maxJumpM = o.maxJumpM ?? 5;
    if (!(this.maxAgeSec >= 0))
      throw new PerceptionError("parameter", `maxAgeSec must be >= 0, got ${o.maxAgeSec}`);
    if (!(this.maxJumpM > 0))
      throw new PerceptionError("parameter", `maxJumpM must be > 0, got ${o.maxJumpM}`);
    const timeJumpSec = o.timeJumpSec ?? 1;
    if (!(timeJumpSec > 0))
      throw new PerceptionError("parameter", `timeJumpSec must be > 0, got ${o.timeJumpSec}`);
    this.#timeJumpNs = BigInt(Math.round(timeJumpSec * 1e9));
    const jumpRecoverySec = o.jumpRecoverySec ?? 0;
    if (!(jumpRecoverySec >= 0))
      throw new PerceptionError(
        "parameter",
        `jumpRecoverySec must be >= 0, got ${o.jumpRecoverySec}`,
      );
    this.tf = o.tfBuffer ?? new TfBuffer({ cacheSeconds: Math.max(10, o.historySeconds ?? 10) });
    this.#history = new PoseHistory({
      historySeconds: o.historySeconds ?? 10,
      maxJumpM: this.maxJumpM,
      maxAgeSec: this.maxAgeSec,
      jumpRecoverySec,
    });
  }

  /**
   * Feeds /tf or /tf_static; returns the transforms the buffer rejected (non-finite, zero
   * quaternion, bad frame ids: they make the link unusable until its next valid transform). In mode
   * "tf" each dynamic stamp's map <- base_link is also checked for jumps.
   */
  addTf(msg: TFMessage, isStatic: boolean): PerceptionError[] {
    const rejected = this.tf.addMessage(msg, isStatic);
    if (this.mode !== "tf" || isStatic) return rejected;
    const stamps = new Map<bigint, Time>();
    for (const t of msg.transforms) stamps.set(timeToNs(t.header.stamp), t.header.stamp);
    for (const stamp of stamps.values()) {
      const newest = this.#history.newestNs();
      if (newest !== undefined && timeToNs(stamp) < newest - this.#timeJumpNs) this.#restart(); // looped bag
      const r = this.tf.tryLookup(this.mapFrame, this.baseFrame, stamp);
      if (r.kind === "ok" && r.ageSec <= this.maxAgeSec) this.#history.add(stamp, r.transform);
    }
    return rejected;
  }

  #restart(): void {
    this.#history.clear();
    this.timeJumps++;
  }

  /** Feeds a PoseStamped (mode "pose_stamped"); its frame_id must be the map frame (or empty). */
  addPoseStamped(msg: PoseStamped): void {
    this.#addPose(
      msg.header.stamp,
      msg.header.frame_id,
      undefined,
      msg.pose.position,
      msg.pose.orientation,
      "PoseStamped",
    );
  }

  /** Feeds an Odometry (mode "odometry"); header.frame_id must be the map frame, child_frame_id the base frame (or empty). */
  addOdometry(msg: Odometry): void {
    this.#addPose(
      msg.header.stamp,
      msg.header.frame_id,
      msg.child_frame_id,
      msg.pose.pose.position,
      msg.pose.pose.orientation,
      "Odometry",
    );
  }

  #addPose(
    stamp: Time,
    frame: string,
    child: string | undefined,
    position: Transform["translation"],
    orientation: Transform["rotation"],
    what: string,
  ): void {
    const newest = this.#history.newestNs();
    if (newest !== undefined && timeToNs(stamp) < newest - this.#timeJumpNs) this.#restart(); // looped bag
    const strip = (f: string): string => (f.startsWith("/") ? f.slice(1) : f);
    let invalid: string | undefined;
    if (frame && strip(frame) !== this.mapFrame)
      invalid = `${what} is in frame "${frame}", expected "${this.mapFrame}"`;
    else if (child && strip(child) !== this.baseFrame)
      invalid = `${what} child_frame_id is "${child}", expected "${this.baseFrame}"`;
    this.#history.add(
      stamp,
      {
        translation: { x: position.x, y: position.y, z: position.z },
        rotation: { x: orientation.x, y: orientation.y, z: orientation.z, w: orientation.w },
      },
      invalid,
    );
  }

  /**
   * The pose at `time` (a message stamp), or why there is none. In mode "tf" the pose is valid only
   * when every link of map <- base_link has a valid sample within `maxAgeSec` of `time` (none
   * rejected since), and no jump is recovering.
   */
  poseAt(time: Time): PoseResult {
    if (this.mode !== "tf") return toPoseResult(this.#history.at(time));
    // The transform comes from the TF tree (exact per-link interpolation, the age of its worst
    // link); the map <- base_link samples recorded at each /tf stamp carry the jump checks.
    const checked = this.#history.at(time);
    const jumped = checked.kind === "invalid" ? checked : undefined;
    const r = this.tf.tryLookup(this.mapFrame, this.baseFrame, time);
    if (r.kind === "ok") {
      if (r.ageSec > this.maxAgeSec)
        return {
          kind: "stale",
          reason: `the ${this.mapFrame} <- ${this.baseFrame} transform at t=${timeToSec(time).toFixed(6)} rests on a sample ${r.ageSec.toFixed(3)} s old (max ${this.maxAgeSec} s)`,
        };
      return jumped ?? { kind: "ok", mapFromBase: r.transform, ageSec: r.ageSec };
    }
    const message = r.error.message;
    if (r.error.context.rejected === "true") return { kind: "invalid", reason: message };
    if (/extrapolation into the future/.test(message)) {
      const by = Number(r.error.context.by_sec ?? Infinity);
      if (by <= this.maxAgeSec) {
        const latest = this.tf.tryLookup(this.mapFrame, this.baseFrame, { sec: 0, nanosec: 0 });
        if (latest.kind === "ok")
          return jumped ?? { kind: "ok", mapFromBase: latest.transform, ageSec: by };
      }
      return {
        kind: "stale",
        reason: `the newest ${this.mapFrame} <- ${this.baseFrame} transform is ${by.toFixed(3)} s old (max ${this.maxAgeSec} s): ${message}`,
      };
    }
    return { kind: "missing", reason: message };
  }
}

function toPoseResult(r: ReturnType<PoseHistory["at"]>): PoseResult {
  return r.kind === "ok" ? { kind: "ok", mapFromBase: r.transform, ageSec: r.ageSec } : r;
}
