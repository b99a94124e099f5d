import { describe, expect, it } from "vitest";
import {
  compareTime,
  diffSec,
  nsToTime,
  secToTime,
  timeToNs,
  timeToSec,
} from "../../src/core/time.js";

describe("time", () => {
  it("converts between Time and nanoseconds exactly", () => {
    const t = { sec: 1_700_000_123, nanosec: 999_999_999 };
    expect(timeToNs(t)).toBe(1_700_000_123_999_999_999n);
    expect(nsToTime(timeToNs(t))).toEqual(t);
    expect(nsToTime(-1n)).toEqual({ sec: -1, nanosec: 999_999_999 });
  });
  it("compares and subtracts", () => {
    const a = { sec: 10, nanosec: 500_000_000 };
    const b = { sec: 9, nanosec: 750_000_000 };
    expect(diffSec(a, b)).toBeCloseTo(0.75, 12);
    expect(compareTime(a, b)).toBeGreaterThan(0);
    expect(compareTime(b, a)).toBeLessThan(0);
    expect(compareTime(a, { ...a })).toBe(0);
    expect(timeToSec(secToTime(12.25))).toBe(12.25);
  });
  it("rejects non-finite seconds", () => {
    expect(() => secToTime(Number.NaN)).toThrow(/finite/);
  });
});
