import { describe, expect, it } from "vitest";
import { containedFraction } from "../../src/models/detection.js";

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });

describe("containedFraction", () => {
  it("is the fraction of b's area inside a, not symmetric", () => {
    const big = box(0, 0, 10, 10);
    const small = box(5, 5, 7, 9); // 2x4, wholly inside big
    expect(containedFraction(big, small)).toBe(1);
    expect(containedFraction(small, big)).toBeCloseTo(8 / 100, 12);
    // Half of b (4x2 of 4x4) overlaps a.
    expect(containedFraction(box(0, 0, 10, 2), box(2, 0, 6, 4))).toBeCloseTo(0.5, 12);
  });

  it("is 0 for disjoint or touching boxes and for an empty b", () => {
    expect(containedFraction(box(0, 0, 5, 5), box(5, 0, 8, 5))).toBe(0);
    expect(containedFraction(box(0, 0, 5, 5), box(6, 6, 8, 8))).toBe(0);
    expect(containedFraction(box(0, 0, 5, 5), box(2, 2, 2, 4))).toBe(0);
  });
});
