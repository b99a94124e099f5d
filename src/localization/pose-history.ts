import { timeToNs, type Time } from "../core/time.js";
import { normQuat } from "../geometry/quaternion.js";
import {
  interpolateTransforms,
  isFiniteTransform,
  normalizeTransform,
} from "../geometry/transform.js";
import type { Transform } from "../geometry/types.js";

/** One pose sample as stored: valid, or with the reason it cannot be used. */
export interface PoseSample {
  ns: bigint;
  transform: Transform;
  /** Why this sample is unusable (NaN, wrong frame); undefined when valid. */
  invalid?: string;
  /** Metres travelled from the previous sample when more than the allowed jump; undefined otherwise. */
  jumpM?: number;
  /** Seconds since the previous sample (for the jump message). */
  jumpDtSec?: number;
}

/** What the history says about one time. */
export type HistoryResult =
  | { kind: "ok"; transform: Transform; ageSec: number }
  | { kind: "missing" | "stale" | "invalid"; reason: string };

/** Options of `PoseHistory`. */
export interface PoseHistoryOptions {
  /** Seconds of samples to keep back from the newest. */
  historySeconds: number;
  /** Largest plausible distance between consecutive samples, metres. */
  maxJumpM: number;
  /** A pose older than this (seconds from the nearest sample used) is stale. */
  maxAgeSec: number;
  /**
   * After a jump, poses stay invalid until they have been consistent (no further jump) for this
   * many seconds from the jump; 0: valid again from the first consistent pose after it.
   */
  jumpRecoverySec: number;
}

/** A time-ordered pose history with NaN and jump flags, interpolated at query time. */
export class PoseHistory {
  readonly #samples: PoseSample[] = [];
  readonly #o: PoseHistoryOptions;

  constructor(o: PoseHistoryOptions) {
    this.#o = o;
  }

  get size(): number {
    return this.#samples.length;
  }

  clear(): void {
    this.#samples.length = 0;
  }

  /** The newest sample's time, or undefined. */
  newestNs(): bigint | undefined {
    return this.#samples[this.#samples.length - 1]?.ns;
  }

  /** Adds a sample (in order or slightly out of order); returns it with its flags. */
  add(stamp: Time, transform: Transform, invalidReason?: string): PoseSample {
    const ns = timeToNs(stamp);
    let sample: PoseSample;
    if (invalidReason) sample = { ns, transform, invalid: invalidReason };
    else if (!isFiniteTransform(transform))
      sample = { ns, transform, invalid: "the pose contains NaN or infinite values" };
    else if (!(normQuat(transform.rotation) > 1e-6))
      sample = { ns, transform, invalid: "the pose's orientation is a zero quaternion" };
    else sample = { ns, transform: normalizeTransform(transform) };
    let i = this.#samples.length;
    while (i > 0 && this.#samples[i - 1]!.ns > ns) i--;
    if (i > 0 && this.#samples[i - 1]!.ns === ns) {
      i--;
      this.#samples[i] = sample; // same stamp: the newer message wins
    } else {
      this.#samples.splice(i, 0, sample);
    }
    this.#flagJump(i);
    if (i + 1 < this.#samples.length) this.#flagJump(i + 1);
    const cutoff =
      this.#samples[this.#samples.length - 1]!.ns -
      BigInt(Math.round(this.#o.historySeconds * 1e9));
    let drop = 0;
    while (drop < this.#samples.length - 2 && this.#samples[drop]!.ns < cutoff) drop++;
    if (drop > 0) this.#samples.splice(0, drop);
    return sample;
  }

  /** Sets the jump flag of sample i from its predecessor (the nearest valid one before it). */
  #flagJump(i: number): void {
    const s = this.#samples[i]!;
    s.jumpM = undefined;
    s.jumpDtSec = undefined;
    if (s.invalid) return;
    let j = i - 1;
    while (j >= 0 && this.#samples[j]!.invalid) j--;
    if (j < 0) return;
    const p = this.#samples[j]!;
    const d = Math.hypot(
      s.transform.translation.x - p.transform.translation.x,
      s.transform.translation.y - p.transform.translation.y,
      s.transform.translation.z - p.transform.translation.z,
    );
    if (d > this.#o.maxJumpM) {
      s.jumpM = d;
      s.jumpDtSec = Number(s.ns - p.ns) / 1e9;
    }
  }

  /** The pose at a time: interpolated between samples, held after the newest (with its age). */
  at(time: Time): HistoryResult {
    const s = this.#samples;
    if (s.length === 0) return { kind: "missing", reason: "no pose received yet" };
    const ns = timeToNs(time);
    const first = s[0]!;
    if (ns < first.ns)
      return {
        kind: "missing",
        reason: `no pose at or before t=${fmt(ns)}: the oldest kept pose is ${sec(first.ns - ns)} s later`,
      };
    let hi = 0;
    while (hi < s.length && s[hi]!.ns < ns) hi++;
    if (hi === s.length) {
      const last = s[s.length - 1]!;
      const age = Number(ns - last.ns) / 1e9;
      const bad = this.#problem(last);
      if (bad) return bad;
      const recovering = this.#recovering(s.length - 1, ns);
      if (recovering) return recovering;
      if (age > this.#o.maxAgeSec)
        return {
          kind: "stale",
          reason: `the newest pose is ${age.toFixed(3)} s old (max ${this.#o.maxAgeSec} s)`,
        };
      return { kind: "ok", transform: last.transform, ageSec: age };
    }
    const after = s[hi]!;
    if (after.ns === ns || hi === 0) {
      return (
        this.#problem(after) ??
        this.#recovering(hi, ns) ?? { kind: "ok", transform: after.transform, ageSec: 0 }
      );
    }
    const before = s[hi - 1]!;
    // A jump flagged on `before` lies behind this segment: the poses after it agree with each other.
    const bad =
      this.#problem(before, false) ?? this.#problem(after) ?? this.#recovering(hi - 1, ns);
    if (bad) return bad;
    const age = Math.min(Number(ns - before.ns), Number(after.ns - ns)) / 1e9;
    if (age > this.#o.maxAgeSec) {
      return {
        kind: "stale",
        reason: `no pose within ${this.#o.maxAgeSec} s of t=${fmt(ns)}: the nearest is ${age.toFixed(3)} s away (a ${sec(after.ns - before.ns)} s gap between poses)`,
      };
    }
    const f = Number(ns - before.ns) / Number(after.ns - before.ns);
    return {
      kind: "ok",
      transform: interpolateTransforms(before.transform, after.transform, f),
      ageSec: age,
    };
  }

  /** Invalid when the newest jump at or before sample `i` is less than `jumpRecoverySec` before `ns`. */
  #recovering(i: number, ns: bigint): HistoryResult | undefined {
    const recoveryNs = BigInt(Math.round(this.#o.jumpRecoverySec * 1e9));
    if (recoveryNs <= 0n) return undefined;
    for (let j = i; j >= 0; j--) {
      const sample = this.#samples[j]!;
      if (sample.ns + recoveryNs <= ns) return undefined;
      if (sample.jumpM !== undefined) {
        return {
          kind: "invalid",
          reason: `pose jumped ${sample.jumpM.toFixed(2)} m at t=${fmt(sample.ns)}; invalid until consistent for ${this.#o.jumpRecoverySec} s (t=${fmt(sample.ns + recoveryNs)})`,
        };
      }
    }
    return undefined;
  }

  #problem(sample: PoseSample, includeJump = true): HistoryResult | undefined {
    if (sample.invalid)
      return {
        kind: "invalid",
        reason: `pose at t=${fmt(sample.ns)} is invalid: ${sample.invalid}`,
      };
    if (includeJump && sample.jumpM !== undefined) {
      return {
        kind: "invalid",
        reason: `pose jumped ${sample.jumpM.toFixed(2)} m in ${sample.jumpDtSec!.toFixed(3)} s at t=${fmt(sample.ns)} (max ${this.#o.maxJumpM} m between consecutive poses)`,
      };
    }
    return undefined;
  }
}

function fmt(ns: bigint): string {
  return (Number(ns / 1000n) / 1e6).toFixed(6);
}

function sec(ns: bigint): string {
  return (Number(ns) / 1e9).toFixed(3);
}
