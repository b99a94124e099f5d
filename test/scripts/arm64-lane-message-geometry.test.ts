import { describe, expect, it } from "vitest";
import {
  type MarkingGeometry,
  laneGeometryDifference,
  withinDifference,
} from "../../scripts/arm64/lane-message-geometry.js";

/** A straight marking y = offset from x0 to x1, sampled every 2 m. */
const marking = (id: number, offset: number, x0: number, x1: number, type = 1): MarkingGeometry => {
  const points = [];
  for (let x = x0; x <= x1 + 1e-9; x += 2) points.push({ x, y: offset + 0.01 * x });
  return { id, type, color: 1, position: 1, confidence: 0.9, points };
};

describe("lane markings of two replays as geometry", () => {
  it("pairs markings by lateral distance: a missing end sample is an end shift, not a different line", () => {
    const d = laneGeometryDifference(
      [[marking(1, 1.8, 6, 30), marking(2, -1.7, 6, 28)]],
      [[marking(2, -1.75, 6, 26), marking(1, 1.8, 8, 30)]],
    );
    expect(d.markings).toBe(2);
    expect(d.unmatched).toBe(0);
    expect(d.attributeChanges).toBe(0);
    expect(d.maxLateralM).toBeCloseTo(0.05, 9);
    expect(d.maxEndShiftM).toBeCloseTo(2, 9);
  });

  it("counts style changes and markings without a partner (too far apart or no common extent)", () => {
    const d = laneGeometryDifference(
      [[marking(1, 1.8, 6, 30, 2), marking(3, 5.3, 10, 20)], [marking(4, -1.7, 6, 12)]],
      [[marking(1, 1.8, 6, 30, 1), marking(3, 7.0, 10, 20)], [marking(4, -1.7, 20, 30)]],
    );
    expect(d.attributeChanges).toBe(1);
    expect(d.unmatched).toBe(4);
    expect(d.notes.filter((n) => n.includes("only on the"))).toHaveLength(4);
  });

  it("is within a bound only when every figure is at most the bound's", () => {
    const small = laneGeometryDifference([[marking(1, 1.8, 6, 30)]], [[marking(1, 1.85, 6, 28)]]);
    const large = laneGeometryDifference([[marking(1, 1.8, 6, 30)]], [[marking(1, 2.0, 8, 26)]]);
    expect(withinDifference(small, large)).toBe(true);
    expect(withinDifference(large, small)).toBe(false);
    expect(withinDifference(small, small)).toBe(true);
  });
});
