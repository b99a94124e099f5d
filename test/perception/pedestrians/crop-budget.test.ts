import { describe, expect, it } from "vitest";
import { CropPassBudget } from "../../../src/perception/pedestrians/crop-budget.js";

const frames = (b: CropPassBudget, rateHz: number, n: number): number[] =>
  Array.from({ length: n }, () => b.next(rateHz));

describe("CropPassBudget", () => {
  it("spreads the passes per second over the frames of the rate, carrying fractions so the average is the budget", () => {
    expect(frames(new CropPassBudget(30, 3), 30, 4)).toEqual([1, 1, 1, 1]);
    expect(frames(new CropPassBudget(30, 3), 10, 3)).toEqual([3, 3, 3]);
    expect(frames(new CropPassBudget(30, 3), 15, 3)).toEqual([2, 2, 2]);
    // 45/s at 30 Hz: 1.5 a frame, as 1 and 2 in turn.
    expect(frames(new CropPassBudget(45, 3), 30, 6)).toEqual([1, 2, 1, 2, 1, 2]);
    // 10/s at 30 Hz: one crop every third frame.
    expect(frames(new CropPassBudget(10, 3), 30, 6)).toEqual([0, 0, 1, 0, 0, 1]);
    // Rounding never loses a pass: 41.43/s at 30 Hz over 300 frames is 414 passes.
    const b = new CropPassBudget(750 / 10.5 - 30, 3);
    expect(frames(b, 30, 300).reduce((a, n) => a + n, 0)).toBe(414);
    expect(frames(new CropPassBudget(0, 3), 30, 5)).toEqual([0, 0, 0, 0, 0]);
  });

  it("caps a frame at maxPerFrame and owes nothing the cap cut (no bursts after a low rate)", () => {
    const b = new CropPassBudget(60, 2);
    expect(frames(b, 10, 3)).toEqual([2, 2, 2]);
    // Back at 30 Hz, 2 a frame: nothing saved up from the capped frames.
    expect(frames(b, 30, 2)).toEqual([2, 2]);
    b.setMaxPerFrame(0);
    expect(b.next(30)).toBe(0);
  });

  it("takes a new budget from the next frame on, and forgets the carried fraction on reset", () => {
    const b = new CropPassBudget(15, 3);
    expect(frames(b, 30, 1)).toEqual([0]); // 0.5 carried
    b.setPerSecond(45);
    expect(frames(b, 30, 1)).toEqual([2]); // 0.5 + 1.5
    expect(b.perSecond).toBe(45);
    b.setPerSecond(15);
    expect(b.next(30)).toBe(0);
    b.reset();
    expect(b.next(30)).toBe(0); // the 0.5 was forgotten
    expect(b.next(30)).toBe(1);
  });

  it("refuses a budget, cap or rate that cannot work, naming it", () => {
    expect(() => new CropPassBudget(-1, 3)).toThrow(
      /crop passes per second must be a number >= 0, got -1/,
    );
    expect(() => new CropPassBudget(Number.NaN, 3)).toThrow(/crop passes per second/);
    expect(() => new CropPassBudget(30, 1.5)).toThrow(/whole number >= 0, got 1.5/);
    const b = new CropPassBudget(30, 3);
    expect(() => b.setPerSecond(Infinity)).toThrow(/crop passes per second/);
    expect(() => b.next(0)).toThrow(/detector rate must be a positive number of Hz, got 0/);
    expect(b.perSecond).toBe(30);
  });
});
