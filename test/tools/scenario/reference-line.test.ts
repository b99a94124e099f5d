import { describe, expect, it } from "vitest";
import { ReferenceLine } from "../../../tools/scenario/world/reference-line.js";

describe("ReferenceLine", () => {
  it("follows a straight segment exactly", () => {
    const line = new ReferenceLine({
      start: { x: 10, y: 5, heading: Math.PI / 2 },
      segments: [{ kind: "straight", length: 50 }],
    });
    const p = line.poseAt(20);
    expect(p.x).toBeCloseTo(10, 9);
    expect(p.y).toBeCloseTo(25, 9);
    // Positive lateral offsets are to the left of the driving direction (west when heading north).
    const q = line.pointAt(20, 2);
    expect(q.x).toBeCloseTo(8, 9);
    expect(q.y).toBeCloseTo(25, 9);
  });

  it("puts an arc's points on its circle to well under a millimetre", () => {
    const r = 60;
    const line = new ReferenceLine({
      start: { x: 0, y: 0, heading: 0 },
      segments: [{ kind: "arc", length: 80, curvature: 1 / r }],
    });
    // Left turn: the centre is at (0, r).
    for (const s of [0.1, 10.3, 40, 79.9]) {
      const p = line.poseAt(s);
      expect(Math.abs(Math.hypot(p.x, p.y - r) - r)).toBeLessThan(3e-4);
      expect(p.heading).toBeCloseTo(s / r, 6);
    }
  });

  it("integrates a clothoid's heading as the integral of its linear curvature", () => {
    const k1 = 1 / 50;
    const L = 40;
    const line = new ReferenceLine({
      start: { x: 0, y: 0, heading: 0.3 },
      segments: [
        { kind: "clothoid", length: L, curvatureStart: 0, curvatureEnd: k1 },
        { kind: "straight", length: 10 },
      ],
    });
    expect(line.poseAt(L).heading).toBeCloseTo(0.3 + (k1 * L) / 2, 6);
    expect(line.poseAt(L + 10).heading).toBeCloseTo(0.3 + (k1 * L) / 2, 6);
    expect(line.length).toBe(50);
  });

  it("rejects non-positive segment lengths", () => {
    expect(
      () =>
        new ReferenceLine({
          start: { x: 0, y: 0, heading: 0 },
          segments: [{ kind: "straight", length: 0 }],
        }),
    ).toThrow(/positive/);
  });
});
