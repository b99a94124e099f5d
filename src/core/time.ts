/** A ROS 2 time stamp (builtin_interfaces/Time). */
export interface Time {
  sec: number;
  nanosec: number;
}

const NS_PER_SEC = 1_000_000_000n;

/** Nanoseconds since the epoch as a bigint (exact). */
export function timeToNs(t: Time): bigint {
  return BigInt(t.sec) * NS_PER_SEC + BigInt(t.nanosec);
}

/** The Time for a nanosecond count. */
export function nsToTime(ns: bigint): Time {
  let sec = ns / NS_PER_SEC;
  let nanosec = ns % NS_PER_SEC;
  if (nanosec < 0n) {
    nanosec += NS_PER_SEC;
    sec -= 1n;
  }
  return { sec: Number(sec), nanosec: Number(nanosec) };
}

/** Seconds as a float (sub-microsecond precision is lost above ~2^53 ns). */
export function timeToSec(t: Time): number {
  return t.sec + t.nanosec * 1e-9;
}

/** The Time for a float number of seconds, rounded to the nearest nanosecond. */
export function secToTime(s: number): Time {
  if (!Number.isFinite(s)) throw new RangeError(`time must be finite, got ${s}`);
  return nsToTime(BigInt(Math.round(s * 1e9)));
}

/** a - b in seconds. */
export function diffSec(a: Time, b: Time): number {
  return a.sec - b.sec + (a.nanosec - b.nanosec) * 1e-9;
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareTime(a: Time, b: Time): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nanosec - b.nanosec;
}

export const ZERO_TIME: Readonly<Time> = Object.freeze({ sec: 0, nanosec: 0 });
