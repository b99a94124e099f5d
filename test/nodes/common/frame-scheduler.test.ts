import { describe, expect, it } from "vitest";
import { nsToTime, type Time } from "../../../src/core/time.js";
import { FrameScheduler, type RunContext } from "../../../src/nodes/common/frame-scheduler.js";

const T0 = 1_700_000_000_000_000_000n;
const stampAt = (ms: number): Time => nsToTime(T0 + BigInt(Math.round(ms * 1e6)));

/** A model whose runs finish only when the test releases them. */
function gatedModel(name: string, rateHz: number) {
  const runs: number[] = [];
  const contexts: RunContext[] = [];
  const gates: Array<() => void> = [];
  return {
    runs,
    contexts,
    release: () => gates.shift()?.(),
    model: {
      name,
      rateHz,
      run: (frame: number, _stamp: Time, context: RunContext) => {
        runs.push(frame);
        contexts.push(context);
        return new Promise<void>((resolve) => gates.push(resolve));
      },
    },
  };
}

describe("FrameScheduler", () => {
  it("runs each model at its own rate from the frame stamps, tolerating jitter", async () => {
    const fast: number[] = [];
    const slow: number[] = [];
    const s = new FrameScheduler<number>({
      models: [
        { name: "lanes", rateHz: 15, run: (f) => void fast.push(f) },
        { name: "pedestrians", rateHz: 5, run: (f) => void slow.push(f) },
      ],
    });
    // 30 Hz camera for 1 s with +-2 ms jitter.
    for (let i = 0; i < 30; i++) {
      s.offer(i, stampAt(i * (1000 / 30) + (i % 2 === 0 ? 2 : -2)));
      await s.idle();
    }
    expect(fast).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28]);
    expect(slow).toEqual([0, 6, 12, 18, 24]);
    expect(s.counters().pedestrians).toMatchObject({
      offered: 30,
      started: 5,
      skippedRate: 25,
      droppedReplaced: 0,
    });
  });

  it("with a phase, takes frames on the grid k / rate + phase of the stamps: models at the same rate take different frames, and a later start takes the same ones", async () => {
    const taken = async (phaseS: number, first: number, rate = 10): Promise<number[]> => {
      const got: number[] = [];
      const s = new FrameScheduler<number>({
        models: [{ name: "m", rateHz: rate, phaseS, run: (f) => void got.push(f) }],
      });
      // 30 Hz camera, +-1 ms jitter; stamp 0 is on both grids.
      for (let i = first; i < 30; i++) {
        s.offer(i, stampAt(i * (1000 / 30) + (i % 2 ? 1 : -1)));
        await s.idle();
      }
      return got;
    };
    // Phase 0: frames 0, 3, 6, ...; phase 50 ms: the first at or after 50, 150, ... = 2, 5, 8, ...
    expect(await taken(0, 0)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(await taken(0.05, 0)).toEqual([0, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29]);
    // Started at frame 4 (another process, a later start): its first frame, then the same grid.
    expect(await taken(0, 4)).toEqual([4, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(await taken(0.05, 4)).toEqual([4, 5, 8, 11, 14, 17, 20, 23, 26, 29]);
    // The grid is exact where the period is no whole number of ns: 15 Hz from a whole second
    // takes every other frame of a 30 Hz camera (k / 30 s), 1 000 s of stamps on.
    const at15: number[] = [];
    const s15 = new FrameScheduler<number>({
      models: [{ name: "m", rateHz: 15, phaseS: 0, run: (f) => void at15.push(f) }],
    });
    for (let i = 0; i < 8; i++) {
      s15.offer(i, { sec: 1_700_001_000, nanosec: Math.round((i * 1e9) / 30) });
      await s15.idle();
    }
    expect(at15).toEqual([0, 2, 4, 6]);
    // The phase is taken modulo the period.
    expect(await taken(0.25, 0)).toEqual(await taken(0.05, 0));
    // Without a phase the periods run from the first frame.
    const free: number[] = [];
    const s = new FrameScheduler<number>({
      models: [{ name: "m", rateHz: 10, run: (f) => void free.push(f) }],
    });
    for (let i = 4; i < 30; i++) {
      s.offer(i, stampAt(i * (1000 / 30)));
      await s.idle();
    }
    expect(free).toEqual([4, 7, 10, 13, 16, 19, 22, 25, 28]);
    expect(
      () =>
        new FrameScheduler<number>({
          models: [{ name: "m", rateHz: 10, phaseS: -1, run: () => undefined }],
        }),
    ).toThrow(/rate phase must be a number of seconds >= 0, got -1/);
  });

  it("with a phase, a rate change moves to the new rate's grid", async () => {
    const got: number[] = [];
    const s = new FrameScheduler<number>({
      models: [{ name: "m", rateHz: 10, phaseS: 0.05, run: (f) => void got.push(f) }],
    });
    const offer = async (i: number) => {
      s.offer(i, stampAt(i * (1000 / 30)));
      await s.idle();
    };
    for (let i = 0; i < 12; i++) await offer(i);
    s.setRate("m", 5); // grid 50, 250, 450, 650, ... ms
    for (let i = 12; i < 30; i++) await offer(i);
    // 10 Hz: 0, 2, 5, 8, 11 (50, 150, 250, 350 ms grid). 5 Hz: one new period after frame 11
    // (366.7 ms) is 566.7 ms; the new grid's next stamp is 650 ms (frame 19 at 633 ms counts for it,
    // within the 10 % jitter tolerance), then 850 ms (frame 25).
    expect(got).toEqual([0, 2, 5, 8, 11, 19, 25]);
  });

  it("predicts with wouldTake which frames a rate lets through, without changing anything", async () => {
    const taken: number[] = [];
    const s = new FrameScheduler<number>({
      models: [{ name: "lanes", rateHz: 10, run: (f) => void taken.push(f) }],
    });
    const predicted: number[] = [];
    for (let i = 0; i < 12; i++) {
      const stamp = stampAt(i * (1000 / 30));
      if (s.wouldTake(stamp) && s.wouldTake(stamp)) predicted.push(i);
      s.offer(i, stamp);
      await s.idle();
    }
    expect(predicted).toEqual(taken);
    expect(taken).toEqual([0, 3, 6, 9]);
  });

  it("predicts with predictTake, over frames announced several ahead, exactly the frames each rate lets through", async () => {
    const taken: number[] = [];
    const s = new FrameScheduler<number>({
      models: [
        { name: "pedestrians", rateHz: 15, run: (f) => void taken.push(f) },
        { name: "lanes", rateHz: 10, run: (f) => void taken.push(f) },
      ],
    });
    const stamps = Array.from({ length: 40 }, (_, i) =>
      stampAt(i * (1000 / 30) + (i % 3 === 1 ? 2 : 0)),
    ); // jitter
    stamps.splice(25, 0, stampAt(100)); // a time jump back: the windows restart
    const predicted = new Set<number>();
    const ahead = 4;
    for (let i = 0; i < ahead; i++) if (s.predictTake(stamps[i]!)) predicted.add(i);
    for (let i = 0; i < stamps.length; i++) {
      // Announced four frames ahead, each once, in order; then offered in its turn.
      if (i + ahead < stamps.length && s.predictTake(stamps[i + ahead]!)) predicted.add(i + ahead);
      s.offer(i, stamps[i]!);
      await s.idle();
    }
    expect([...predicted].sort((a, b) => a - b)).toEqual([...new Set(taken)].sort((a, b) => a - b));
    expect(taken.filter((f) => f < 25).length).toBeGreaterThan(15); // both models ran
  });

  it("predicts with the new rate after a rate change (frames announced before it were predicted with the old one)", async () => {
    const taken: number[] = [];
    const s = new FrameScheduler<number>({
      models: [{ name: "pedestrians", rateHz: 30, run: (f) => void taken.push(f) }],
    });
    const stamps = Array.from({ length: 60 }, (_, i) => stampAt(i * (1000 / 30)));
    const predicted = new Set<number>();
    const ahead = 4;
    const change = 10;
    for (let i = 0; i < ahead; i++) if (s.predictTake(stamps[i]!)) predicted.add(i);
    for (let i = 0; i < stamps.length; i++) {
      if (i === change) s.setRate("pedestrians", 10);
      if (i + ahead < stamps.length && s.predictTake(stamps[i + ahead]!)) predicted.add(i + ahead);
      s.offer(i, stamps[i]!);
      await s.idle();
    }
    // Announced after the change: exactly the frames taken at 10 Hz.
    const afterChange = (xs: Iterable<number>) =>
      [...xs].filter((i) => i >= change + ahead).sort((a, b) => a - b);
    expect(afterChange(predicted)).toEqual(afterChange(taken));
    expect(afterChange(taken).length).toBeLessThanOrEqual(
      Math.ceil((stamps.length - change - ahead) / 3) + 1,
    );
  });

  it("keeps only the newest frame while a model is busy and counts replaced ones as drops", async () => {
    const g = gatedModel("pedestrians", 100);
    const s = new FrameScheduler<number>({ models: [g.model] });
    s.offer(1, stampAt(0));
    s.offer(2, stampAt(20));
    s.offer(3, stampAt(40));
    s.offer(4, stampAt(60));
    expect(g.runs).toEqual([1]);
    expect(s.busy).toBe(true);
    g.release();
    await Promise.resolve();
    await Promise.resolve();
    expect(g.runs).toEqual([1, 4]);
    g.release();
    await s.idle();
    expect(s.busy).toBe(false);
    expect(s.counters().pedestrians).toMatchObject({
      started: 2,
      completed: 2,
      droppedReplaced: 2,
    });
    expect(s.stats()).toMatchObject({ "pedestrians.drops": 2, "pedestrians.runs": 2 });
  });

  it("tells a run whether its frame waited, and aborts its newerFrame signal when a newer frame becomes pending", async () => {
    const g = gatedModel("pedestrians", 100);
    const s = new FrameScheduler<number>({ models: [g.model] });
    s.offer(1, stampAt(0));
    const first = g.contexts[0]!;
    expect(first.waited).toBe(false);
    expect(first.newerFrame.aborted).toBe(false);
    s.offer(2, stampAt(20));
    expect(first.newerFrame.aborted).toBe(true);
    g.release();
    await Promise.resolve();
    await Promise.resolve();
    const second = g.contexts[1]!;
    expect(g.runs).toEqual([1, 2]);
    expect(second.waited).toBe(true);
    expect(second.newerFrame.aborted).toBe(false); // its own signal: nothing newer yet
    g.release();
    await s.idle();
    // A frame offered after the run ended starts a run of its own; the finished run's signal stays as it was.
    s.offer(3, stampAt(40));
    expect(second.newerFrame.aborted).toBe(false);
    expect(g.contexts[2]!).toMatchObject({ waited: false });
    g.release();
    await s.idle();
  });

  it("runs independent models concurrently and idle() waits for all of them", async () => {
    const a = gatedModel("a", 10);
    const b = gatedModel("b", 10);
    const s = new FrameScheduler<number>({ models: [a.model, b.model] });
    s.offer(7, stampAt(0));
    expect(a.runs).toEqual([7]);
    expect(b.runs).toEqual([7]);
    let idle = false;
    const waiting = s.idle().then(() => (idle = true));
    a.release();
    await new Promise((r) => setTimeout(r, 1));
    expect(idle).toBe(false);
    b.release();
    await waiting;
    expect(idle).toBe(true);
  });

  it("reports failures through onError or rejects idle(), and goes on", async () => {
    const seen: string[] = [];
    const failing = {
      name: "m",
      rateHz: 10,
      run: (f: number) => {
        if (f === 1) throw new Error("bad tensor");
      },
    };
    const s = new FrameScheduler<number>({
      models: [failing],
      onError: (m, e) => seen.push(`${m}: ${(e as Error).message}`),
    });
    s.offer(1, stampAt(0));
    s.offer(2, stampAt(100));
    await s.idle();
    expect(seen).toEqual(["m: bad tensor"]);
    expect(s.counters().m).toMatchObject({ started: 2, failed: 1 });

    const strict = new FrameScheduler<number>({ models: [failing] });
    strict.offer(1, stampAt(0));
    await expect(strict.idle()).rejects.toThrow(/model 'm' failed: bad tensor/);
    await expect(strict.idle()).resolves.toBeUndefined();
  });

  it("restarts the rate window when stamps jump back, and changes rate at run time", async () => {
    const runs: number[] = [];
    const s = new FrameScheduler<number>({
      models: [{ name: "m", rateHz: 2, run: (f) => void runs.push(f) }],
    });
    const offerAndWait = async (f: number, ms: number) => {
      s.offer(f, stampAt(ms));
      await s.idle();
    };
    await offerAndWait(1, 10_000);
    await offerAndWait(2, 10_100); // too soon at 2 Hz
    await offerAndWait(3, 0); // bag looped
    s.setRate("m", 20);
    await offerAndWait(4, 60);
    expect(runs).toEqual([1, 3, 4]);
    expect(s.counters().m).toMatchObject({ timeJumps: 1, skippedRate: 1 });
    expect(() => s.setRate("m", 0)).toThrow(/rate must be a positive number/);
    expect(() => s.offerTo("x", 1, stampAt(0))).toThrow(/no scheduled model 'x'/);
  });
});
