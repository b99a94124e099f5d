import { describe, expect, it } from "vitest";
import { realClock } from "../../src/core/monotonic-clock.js";
import { SimClock, SimTimerQueue, periodToNs } from "../../src/host/clock.js";

describe("SimTimerQueue", () => {
  it("fires every tick at its due time, ordered by time then creation, moving the clock", async () => {
    const clock = new SimClock(0n);
    const timers = new SimTimerQueue(clock, realClock);
    const log: string[] = [];
    timers.create("/a", 30n, () => void log.push(`a@${clock.ns}`));
    timers.create("/b", 20n, () => void log.push(`b@${clock.ns}`));
    const hooks = {
      settle: async () => void log.push("settle"),
      onError: (o: string, e: unknown) => void log.push(`error ${o} ${String(e)}`),
    };
    await timers.fireUntil(60n, hooks);
    expect(log.filter((l) => l !== "settle")).toEqual(["b@20", "a@30", "b@40", "a@60", "b@60"]);
    expect(log.filter((l) => l === "settle")).toHaveLength(5);
    expect(timers.fired).toBe(5);
  });

  it("skips ticks after a long gap, reports callback errors and stops cancelled timers", async () => {
    const clock = new SimClock(0n);
    const timers = new SimTimerQueue(clock, realClock, 10);
    const ticks: bigint[] = [];
    const errors: string[] = [];
    const t = timers.create("/n", 1n, () => {
      ticks.push(clock.ns);
      if (clock.ns === 1000n) throw new Error("tick failed");
    });
    await timers.fireUntil(1000n, {
      settle: async () => {},
      onError: (o, e) => void errors.push(`${o}: ${(e as Error).message}`),
    });
    // 999 ticks missed, more than the 10 allowed: they are skipped and the timer fires once, at the latest due time.
    expect(ticks).toEqual([1000n]);
    expect(timers.skippedTicks).toBe(999);
    expect(errors).toEqual(["/n: tick failed"]);
    t.cancel();
    await timers.fireUntil(2000n, { settle: async () => {}, onError: () => {} });
    expect(ticks).toHaveLength(1);
  });

  it("converts periods and rejects non-positive ones", () => {
    expect(periodToNs(0.1)).toBe(100_000_000n);
    expect(() => periodToNs(0)).toThrow(/positive number of seconds/);
    expect(() => periodToNs(Number.NaN)).toThrow(/positive/);
  });
});
