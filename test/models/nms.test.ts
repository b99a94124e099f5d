import { describe, expect, it } from "vitest";
import { iou } from "../../src/models/detection.js";
import { nonMaxSuppression } from "../../src/models/nms.js";

const box = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0) => ({
  x1,
  y1,
  x2,
  y2,
  score,
  classId,
});

describe("iou", () => {
  it("is intersection over union (hand-computed)", () => {
    // 10x10 boxes shifted by 5 in x: intersection 50, union 150
    expect(iou(box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1))).toBeCloseTo(1 / 3, 12);
    expect(iou(box(0, 0, 10, 10, 1), box(10, 0, 20, 10, 1))).toBe(0);
    expect(iou(box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1))).toBe(1);
  });
});

describe("nonMaxSuppression", () => {
  const a = box(0, 0, 10, 10, 0.9); // best
  const b = box(1, 0, 11, 10, 0.8); // IoU with a = 90/110 = 0.818 -> dropped
  const c = box(5, 0, 15, 10, 0.7); // IoU with a = 1/3 -> kept at 0.5; IoU with b = 60/140 = 0.43
  const d = box(100, 100, 110, 110, 0.6); // far away -> kept
  const e = box(0, 0, 10, 10, 0.95, 1); // other class, same place

  it("keeps the best box and drops overlaps above the threshold (hand-computed)", () => {
    expect(nonMaxSuppression([d, c, b, a], { iouThreshold: 0.5 })).toEqual([a, c, d]);
    // At 0.3 c is dropped too (1/3 > 0.3)
    expect(nonMaxSuppression([d, c, b, a], { iouThreshold: 0.3 })).toEqual([a, d]);
  });

  it("suppresses per class unless told otherwise, and caps the count", () => {
    expect(nonMaxSuppression([a, e], { iouThreshold: 0.5 })).toEqual([e, a]);
    expect(nonMaxSuppression([a, e], { iouThreshold: 0.5, perClass: false })).toEqual([e]);
    expect(nonMaxSuppression([a, b, c, d], { iouThreshold: 0.5, maxDetections: 2 })).toEqual([
      a,
      c,
    ]);
  });
});
