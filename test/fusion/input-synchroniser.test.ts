import { describe, expect, it } from "vitest";
import { nsToTime, timeToNs, type Time } from "../../src/core/time.js";
import {
  InputSynchroniser,
  type FuseDecision,
  type SynchroniserInput,
} from "../../src/fusion/input-synchroniser.js";
import type {
  CrosswalkArray,
  LaneMarkingArray,
  PedestrianArray,
} from "../../src/msgs/types.generated.js";

const START = 1_700_000_000_000_000_000n;
const P = 100_000_000n; // 0.1 s between stamps
const t = (i: number): Time => nsToTime(START + BigInt(Math.round(i * 1000)) * (P / 1000n));

const lanes = (i: number): SynchroniserInput => ({
  kind: "lanes",
  msg: {
    header: { stamp: t(i), frame_id: "base_link" },
    markings: [],
    status: `lanes ${i}`,
    latencies: [],
    pipeline_latency_ms: 0,
  } satisfies LaneMarkingArray,
});
const crosswalks = (i: number): SynchroniserInput => ({
  kind: "crosswalks",
  msg: {
    header: { stamp: t(i), frame_id: "base_link" },
    crosswalks: [],
    status: `crosswalks ${i}`,
    latencies: [],
    pipeline_latency_ms: 0,
  } satisfies CrosswalkArray,
});
const peds = (i: number): SynchroniserInput => ({
  kind: "pedestrians",
  msg: {
    header: { stamp: t(i), frame_id: "base_link" },
    pedestrians: [],
    status: `peds ${i}`,
    latencies: [],
    pipeline_latency_ms: 0,
  } satisfies PedestrianArray,
});

/** Stamp indices of fused frames. */
const stamps = (d: FuseDecision[]): number[] =>
  d.map((f) => Number((timeToNs(f.stamp) - START) / (P / 1000n)) / 1000);

function sync(maxInputAgeSec = 0.5, timeJumpThresholdSec = 1.0): InputSynchroniser {
  return new InputSynchroniser({
    maxInputAgeSec: () => maxInputAgeSec,
    timeJumpThresholdSec: () => timeJumpThresholdSec,
  });
}

describe("InputSynchroniser", () => {
  it("fuses a stamp once a newer one arrives, oldest first, with all of its inputs", () => {
    const s = sync();
    expect(s.offer(lanes(1), t(1))).toEqual({ fuse: [], pending: true });
    s.markArrival(t(1), 7);
    expect(s.offer(peds(1), t(1)).fuse).toEqual([]);
    expect(s.offer(crosswalks(1), t(1)).fuse).toEqual([]);
    s.markArrival(t(1), 9);
    // Stamps 3 then 2 arrive (concurrent detectors): nothing older than 2 but stamp 1 is ready.
    const a = s.offer(lanes(3), t(3));
    expect(stamps(a.fuse)).toEqual([1]);
    const f1 = a.fuse[0]!;
    expect(f1.lanes?.status).toBe("lanes 1");
    expect(f1.crosswalks?.status).toBe("crosswalks 1");
    expect(f1.pedestrians?.status).toBe("peds 1");
    expect(f1.lastArrivalWallMs).toBe(9);
    expect(s.offer(peds(2), t(3)).fuse).toEqual([]);
    expect(s.pendingCount).toBe(2);
    expect(stamps(s.offer(peds(4), t(4)).fuse)).toEqual([2, 3]);
    expect(stamps(s.flushAll())).toEqual([4]);
    expect(s.pendingCount).toBe(0);
  });

  it("carries lanes and crosswalks over within maxInputAgeSec, pedestrians never", () => {
    const s = sync(0.25);
    s.offer(lanes(1), t(1));
    s.offer(crosswalks(1), t(1));
    s.offer(peds(1), t(1));
    const at2 = s.offer(peds(2), t(2)).fuse;
    const at4 = s.offer(peds(4), t(4)).fuse;
    const at5 = s.offer(peds(5), t(5)).fuse;
    expect(stamps(at2)).toEqual([1]);
    expect(at2[0]!.pedestrians?.status).toBe("peds 1");
    // Stamp 2, 0.1 s after the lanes: carried over; stamp 4, 0.3 s after: too old (maxInputAgeSec 0.25).
    expect(stamps(at4)).toEqual([2]);
    expect(at4[0]!.lanes?.status).toBe("lanes 1");
    expect(at4[0]!.crosswalks?.status).toBe("crosswalks 1");
    expect(at4[0]!.pedestrians?.status).toBe("peds 2");
    expect(stamps(at5)).toEqual([4]);
    expect(at5[0]!.lanes).toBeUndefined();
    expect(at5[0]!.crosswalks).toBeUndefined();
    // Pedestrians of stamp 5 are not carried to a stamp without them.
    s.offer(lanes(6), t(6));
    const [f6] = s.flushAll();
    expect(f6!.lanes?.status).toBe("lanes 6");
    expect(f6!.pedestrians).toBeUndefined();
  });

  it("counts a late input, leaves it out of its frame and carries it to the next when newer", () => {
    const s = sync(0.5);
    s.offer(lanes(1), t(1));
    s.offer(peds(1), t(1));
    s.offer(lanes(3), t(3));
    expect(stamps(s.offer(peds(4), t(4)).fuse)).toEqual([3]);
    // Crosswalks of stamp 3 come after stamp 3 was fused: late.
    const late = s.offer(crosswalks(3), t(4));
    expect(late.fuse).toEqual([]);
    expect(late.pending).toBe(false);
    expect(late.event).toMatchObject({ kind: "late_input", lateInputs: 1 });
    expect(late.event!.backSec).toBeCloseTo(0, 9);
    // A late lanes array older than the carried one does not replace it.
    const older = s.offer(lanes(2), t(4));
    expect(older.event).toMatchObject({ kind: "late_input", lateInputs: 2 });
    expect(older.event!.backSec).toBeCloseTo(0.1, 9);
    expect(s.lateInputs).toBe(2);
    expect(s.pendingCount).toBe(1);
    const [f4] = s.flushAll();
    expect(f4!.pedestrians?.status).toBe("peds 4");
    expect(f4!.crosswalks?.status).toBe("crosswalks 3");
    expect(f4!.lanes?.status).toBe("lanes 3");
    expect(s.timeJumps).toBe(0);
  });

  it("resets on a time jump when the clock went back too: pending fused first, then a fresh time line", () => {
    const s = sync(0.5, 1.0);
    s.offer(lanes(20), t(20));
    s.offer(peds(21), t(21));
    expect(s.pendingCount).toBe(1);
    // The bag loops: input and clock at stamp 1, 2 s before the last fused stamp 20.
    const jump = s.offer(peds(1), t(1));
    expect(stamps(jump.fuse)).toEqual([21]);
    expect(jump.fuse[0]!.lanes?.status).toBe("lanes 20");
    expect(jump.event).toMatchObject({ kind: "time_jump", timeJumps: 1 });
    expect(jump.event!.backSec).toBeCloseTo(1.9, 9);
    expect(jump.pending).toBe(true);
    expect(s.lateInputs).toBe(0);
    // The new time line: stamp 1 fused as 2 arrives, without the old time line's lanes.
    const next = s.offer(peds(2), t(2)).fuse;
    expect(stamps(next)).toEqual([1]);
    expect(next[0]!.lanes).toBeUndefined();
    expect(s.timeJumps).toBe(1);
  });

  it("on a clock that does not go back, far-back inputs are late until they last timeJumpThresholdSec, then a jump", () => {
    const s = sync(0.5, 1.0);
    s.offer(peds(20), t(20));
    s.offer(peds(21), t(21));
    // Clock keeps going forward (wall clock); inputs restart at stamp 1.
    expect(s.offer(peds(1), t(21)).event).toMatchObject({ kind: "late_input", lateInputs: 1 });
    expect(s.offer(peds(2), t(25)).event).toMatchObject({ kind: "late_input", lateInputs: 2 });
    const jump = s.offer(peds(3), t(31));
    expect(jump.event).toMatchObject({ kind: "time_jump", timeJumps: 1 });
    expect(stamps(jump.fuse)).toEqual([21]);
    // An on-time input in between ends the far-back run: counting starts again.
    const r = sync(0.5, 1.0);
    r.offer(peds(20), t(20));
    r.offer(peds(21), t(21));
    expect(r.offer(peds(1), t(21)).event?.kind).toBe("late_input");
    expect(r.offer(peds(22), t(22)).event).toBeUndefined();
    expect(r.offer(peds(2), t(31)).event?.kind).toBe("late_input");
    expect(r.timeJumps).toBe(0);
  });

  it("flushes stale pending stamps (and all older ones) once the clock is maxInputAgeSec past them", () => {
    const s = sync(0.5);
    s.offer(peds(1), t(1));
    s.offer(lanes(1.5), t(1.5));
    s.offer(peds(2), t(2));
    // Stamps 1 and 1.5 were fused by newer arrivals; only 2 is pending.
    expect(s.flushStale(t(6))).toEqual([]);
    expect(stamps(s.flushStale(t(7.01)))).toEqual([2]);
    expect(s.pendingCount).toBe(0);
    // A stale and a fresh pending stamp (15 arrived before 9): only the stale one goes.
    const r = sync(0.5);
    r.offer(peds(15), t(15));
    r.offer(peds(9), t(15));
    r.markArrival(t(9), 3);
    expect(r.pendingCount).toBe(2);
    const stale = r.flushStale(t(15));
    expect(stamps(stale)).toEqual([9]);
    expect(stale[0]!.lastArrivalWallMs).toBe(3);
    expect(r.pendingCount).toBe(1);
    expect(stamps(r.flushStale(t(20.5)))).toEqual([15]);
    // A late input is not added to what is pending.
    expect(r.offer(peds(14), t(20.5)).pending).toBe(false);
    expect(r.pendingCount).toBe(0);
  });
});
