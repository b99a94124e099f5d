import type { Transform } from "../geometry/types.js";
import type { PoseResult } from "./contracts.js";
import { planarPoseOf, wrapAngle, type PlanarPose } from "./planar-pose.js";

/** What makes a pose implausible. */
export interface PoseGateOptions {
  /** Fastest plausible vehicle speed between two poses, m/s. */
  maxSpeed: number;
  /** Fastest plausible yaw rate between two poses, rad/s. */
  maxYawRate: number;
  /** Poses further apart in time than this are not compared for jumps, seconds. */
  maxCompareGapSec: number;
  /**
   * After a jump, poses stay degraded for this many seconds (each further jump starts it again):
   * the pose after a jump agrees with the jumped one, which does not make either right.
   */
  jumpRecoverySec: number;
}

/** A usable pose, or why there is none (with a counting key). */
export type GatedPose =
  | { kind: "valid"; pose: PlanarPose; mapFromBase: Transform }
  | { kind: "degraded"; reason: string; counted?: string };

/**
 * Turns the pose source's answer into a planar pose fusion may use: rejects non-finite transforms
 * and jumps (implied speed or yaw rate beyond what a car does) with a reason.
 */
export class PoseGate {
  readonly #o: PoseGateOptions;
  #last: { pose: PlanarPose; timeSec: number } | undefined;
  /** Time of the last jump, while its recovery runs. */
  #jumpSec: number | undefined;

  constructor(options: PoseGateOptions) {
    this.#o = { ...options };
  }

  /** Forgets the previous pose (time went backwards). */
  reset(): void {
    this.#last = undefined;
    this.#jumpSec = undefined;
  }

  check(result: PoseResult, timeSec: number): GatedPose {
    if (result.kind !== "ok")
      return { kind: "degraded", reason: `pose ${result.kind}: ${result.reason}` };
    const pose = planarPoseOf(result.mapFromBase);
    if (!pose)
      return {
        kind: "degraded",
        reason: "pose invalid: non-finite or zero-norm transform",
        counted: "pose(s): non-finite",
      };
    const last = this.#last;
    this.#last = { pose, timeSec };
    if (last) {
      const dt = timeSec - last.timeSec;
      if (dt > 0 && dt <= this.#o.maxCompareGapSec) {
        const dist = Math.hypot(pose.x - last.pose.x, pose.y - last.pose.y);
        const turn = Math.abs(wrapAngle(pose.yaw - last.pose.yaw));
        if (dist / dt > this.#o.maxSpeed || turn / dt > this.#o.maxYawRate) {
          this.#jumpSec = timeSec;
          return {
            kind: "degraded",
            reason: `pose jumped ${dist.toFixed(2)} m / ${((turn * 180) / Math.PI).toFixed(1)} deg in ${dt.toFixed(3)} s`,
            counted: "pose(s): jump",
          };
        }
      }
    }
    if (this.#jumpSec !== undefined) {
      const since = timeSec - this.#jumpSec;
      if (since >= 0 && since < this.#o.jumpRecoverySec) {
        return {
          kind: "degraded",
          reason: `pose jumped ${since.toFixed(3)} s ago: invalid until consistent for ${this.#o.jumpRecoverySec} s`,
          counted: "pose(s): recovering from a jump",
        };
      }
      this.#jumpSec = undefined;
    }
    return { kind: "valid", pose, mapFromBase: result.mapFromBase };
  }
}
