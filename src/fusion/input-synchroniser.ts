/**
 * Gathers map_fusion's inputs (lane markings, crosswalks, pedestrians) by stamp and decides which
 * stamp to fuse when. Pure: no ROS, no clock of its own, no logging; it returns the frames to fuse
 * and the events (late input, time jump) the node acts on, counts and logs.
 *
 * A stamp is fused once its inputs are in: when an input with a newer stamp arrives, or when the
 * node clock is `maxInputAgeSec` past it ({@link InputSynchroniser.flushStale}), so replay, which
 * delivers in stamp order, is deterministic whatever order concurrent detectors finish in.
 *
 * An input stamped at or before the last fused stamp is a late input (kept for later frames when
 * newer than what they would use, counted). One more than `timeJumpThresholdSec` before it is
 * either very late (a slow model under load: counted as late like the others) or a sign that time
 * went back (a bag loop, a second `ros2 bag play`). Time went back when the node clock itself is
 * more than half the threshold before the last fused stamp (sim time follows the bag), or, on a
 * wall clock that does not go back, when after such an input only late inputs came, none newer
 * than the last fused stamp, for `timeJumpThresholdSec` of node time. Then what is pending is
 * fused, the state is reset, a time jump is reported and counted, and fusion starts again on the
 * new time line.
 */
import { compareTime, diffSec, nsToTime, timeToNs, type Time } from "../core/time.js";
import type { CrosswalkArray, LaneMarkingArray, PedestrianArray } from "../msgs/types.generated.js";

export interface InputSynchroniserOptions {
  /** Seconds: lanes and crosswalks older than this are not carried over to a later stamp, and a pending stamp this far behind the clock is fused. Read at each use (a parameter change applies at once). */
  maxInputAgeSec: () => number;
  /** Seconds: an input this far before the last fused stamp may mean time went back (see the module comment). Read at each use. */
  timeJumpThresholdSec: () => number;
}

/** One input message, by topic. */
export type SynchroniserInput =
  | { kind: "lanes"; msg: LaneMarkingArray }
  | { kind: "crosswalks"; msg: CrosswalkArray }
  | { kind: "pedestrians"; msg: PedestrianArray };

/** A stamp to fuse now, with its inputs (lanes and crosswalks carried over from an earlier stamp when it has none). */
export interface FuseDecision {
  stamp: Time;
  /** This stamp's lanes, else the newest earlier ones within maxInputAgeSec. */
  lanes?: LaneMarkingArray;
  /** This stamp's crosswalks, else the newest earlier ones within maxInputAgeSec. */
  crosswalks?: CrosswalkArray;
  /** This stamp's pedestrians only (never carried over: the tracker predicts). */
  pedestrians?: PedestrianArray;
  /** Wall ms when the last of its inputs arrived (as given to {@link InputSynchroniser.markArrival}). */
  lastArrivalWallMs: number;
}

/** What happened to an input besides the frames it made ready. */
export type SynchroniserEvent =
  /** Arrived after its stamp was fused: left out of its frame, kept for the next ones (when newer than theirs). */
  | { kind: "late_input"; stamp: Time; backSec: number; lateInputs: number }
  /** Time went back: pending stamps were fused (in `fuse`), the state was reset and the input starts the new time line. */
  | { kind: "time_jump"; stamp: Time; backSec: number; timeJumps: number };

/** The result of offering one input: the frames to fuse now (oldest first), then the event, if any. */
export interface OfferResult {
  fuse: FuseDecision[];
  event?: SynchroniserEvent;
  /** True when the input was put in a pending stamp (then the node calls markArrival); false for a late input. */
  pending: boolean;
}

/** One stamp's inputs, gathered until the stamp is fused. */
interface PendingStamp {
  stamp: Time;
  lanes?: LaneMarkingArray;
  crosswalks?: CrosswalkArray;
  pedestrians?: PedestrianArray;
  lastArrivalWallMs: number;
}

/** A late array replaces the one carried over only when it is newer. */
function newer<T extends { header: { stamp: Time } }>(late: T, latest: T | undefined): T {
  return latest && compareTime(latest.header.stamp, late.header.stamp) >= 0 ? latest : late;
}

export class InputSynchroniser {
  readonly #o: InputSynchroniserOptions;
  readonly #pending = new Map<bigint, PendingStamp>();
  #lastFused: Time | undefined;
  #latestLanes: LaneMarkingArray | undefined;
  #latestCrosswalks: CrosswalkArray | undefined;
  #lateInputs = 0;
  #timeJumps = 0;
  /** Node time of the first input far back (past the threshold) since the last on-time one. */
  #farBackSince: Time | undefined;

  constructor(options: InputSynchroniserOptions) {
    this.#o = options;
  }

  /** Late inputs so far. */
  get lateInputs(): number {
    return this.#lateInputs;
  }
  /** Time jumps so far. */
  get timeJumps(): number {
    return this.#timeJumps;
  }
  /** Stamps waiting to be fused. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Takes one input at node time `now`: the frames it makes ready (older stamps), and a late-input or time-jump event. */
  offer(input: SynchroniserInput, now: Time): OfferResult {
    const stamp = input.msg.header.stamp;
    const fuse: FuseDecision[] = [];
    let event: SynchroniserEvent | undefined;
    if (this.#lastFused && compareTime(stamp, this.#lastFused) <= 0) {
      const backSec = diffSec(this.#lastFused, stamp);
      if (this.#timeWentBack(backSec, now)) {
        this.#farBackSince = undefined;
        this.#flush(undefined, fuse);
        this.#pending.clear();
        this.#lastFused = undefined;
        this.#latestLanes = undefined;
        this.#latestCrosswalks = undefined;
        this.#timeJumps++;
        event = { kind: "time_jump", stamp, backSec, timeJumps: this.#timeJumps };
      } else {
        this.#lateInputs++;
        if (input.kind === "lanes") this.#latestLanes = newer(input.msg, this.#latestLanes);
        else if (input.kind === "crosswalks")
          this.#latestCrosswalks = newer(input.msg, this.#latestCrosswalks);
        return {
          fuse,
          event: { kind: "late_input", stamp, backSec, lateInputs: this.#lateInputs },
          pending: false,
        };
      }
    }
    this.#farBackSince = undefined;
    this.#flush(stamp, fuse);
    const key = timeToNs(stamp);
    const entry = this.#pending.get(key) ?? { stamp, lastArrivalWallMs: 0 };
    if (input.kind === "lanes") entry.lanes = input.msg;
    else if (input.kind === "crosswalks") entry.crosswalks = input.msg;
    else entry.pedestrians = input.msg;
    this.#pending.set(key, entry);
    return event ? { fuse, event, pending: true } : { fuse, pending: true };
  }

  /** Records the wall ms at which an input of the pending `stamp` arrived (the last one counts). */
  markArrival(stamp: Time, wallMs: number): void {
    const entry = this.#pending.get(timeToNs(stamp));
    if (entry) entry.lastArrivalWallMs = wallMs;
  }

  /** The pending stamps more than maxInputAgeSec before `now` (and all older ones), oldest first: their inputs stopped coming. */
  flushStale(now: Time): FuseDecision[] {
    const age = this.#o.maxInputAgeSec();
    const stale = [...this.#pending.values()]
      .filter((e) => diffSec(now, e.stamp) > age)
      .map((e) => timeToNs(e.stamp));
    const fuse: FuseDecision[] = [];
    if (stale.length > 0) this.#flush(nsToTime(stale.reduce((a, b) => (a > b ? a : b)) + 1n), fuse);
    return fuse;
  }

  /** Every pending stamp, oldest first (shutdown). */
  flushAll(): FuseDecision[] {
    const fuse: FuseDecision[] = [];
    this.#flush(undefined, fuse);
    return fuse;
  }

  /** Moves every pending stamp older than `before` (all when undefined), oldest first, to `out` as fused. */
  #flush(before: Time | undefined, out: FuseDecision[]): void {
    const ready = [...this.#pending.values()]
      .filter((e) => !before || compareTime(e.stamp, before) < 0)
      .sort((a, b) => compareTime(a.stamp, b.stamp));
    for (const e of ready) {
      this.#pending.delete(timeToNs(e.stamp));
      out.push(this.#fused(e));
    }
  }

  /** The decision for `entry`, which is now the last fused stamp. */
  #fused(entry: PendingStamp): FuseDecision {
    const stamp = entry.stamp;
    const decision: FuseDecision = {
      stamp,
      lanes: entry.lanes ?? this.#carried(this.#latestLanes, stamp),
      crosswalks: entry.crosswalks ?? this.#carried(this.#latestCrosswalks, stamp),
      pedestrians: entry.pedestrians,
      lastArrivalWallMs: entry.lastArrivalWallMs,
    };
    if (entry.lanes) this.#latestLanes = entry.lanes;
    if (entry.crosswalks) this.#latestCrosswalks = entry.crosswalks;
    this.#lastFused = stamp;
    return decision;
  }

  /** The newest earlier array within maxInputAgeSec of the stamp. */
  #carried<T extends { header: { stamp: Time } }>(
    latest: T | undefined,
    stamp: Time,
  ): T | undefined {
    return latest &&
      compareTime(latest.header.stamp, stamp) <= 0 &&
      diffSec(stamp, latest.header.stamp) <= this.#o.maxInputAgeSec()
      ? latest
      : undefined;
  }

  /** For a late input `backSec` before the last fused stamp: time went back (see the module comment) rather than inputs arriving late. */
  #timeWentBack(backSec: number, now: Time): boolean {
    const threshold = this.#o.timeJumpThresholdSec();
    if (backSec > threshold) {
      if (diffSec(this.#lastFused!, now) > threshold / 2) return true;
      this.#farBackSince ??= now;
    }
    return this.#farBackSince !== undefined && diffSec(now, this.#farBackSince) >= threshold;
  }
}
