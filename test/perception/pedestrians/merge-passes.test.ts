import { describe, expect, it } from "vitest";
import type { Detection } from "../../../src/models/detection.js";
import { mergePasses } from "../../../src/perception/pedestrians/merge-passes.js";

const W = 1280;
const H = 720;
const whole = { x: 0, y: 0, width: W, height: H };
const crop = { x: 400, y: 200, width: 416, height: 416 };
const o = { iouThreshold: 0.45, containment: 0.7, edgeMarginPx: 2 };
const box = (x1: number, y1: number, x2: number, y2: number, score: number): Detection => ({
  x1,
  y1,
  x2,
  y2,
  score,
  classId: 0,
});

describe("mergePasses", () => {
  it("returns a single pass as it is", () => {
    const boxes = [box(10, 10, 20, 40, 0.9), box(12, 10, 22, 40, 0.5)];
    expect(mergePasses([{ rect: whole, boxes }], W, H, o)).toEqual(boxes);
  });

  it("keeps a small person only the crop found, and one box for a person both passes found", () => {
    const small = box(600, 300, 612, 336, 0.6);
    const bigWhole = box(100, 300, 160, 480, 0.9);
    const sameInCrop = box(602, 299, 613, 337, 0.5);
    const wholeOfSmall = box(598, 296, 614, 338, 0.3);
    const merged = mergePasses(
      [
        { rect: whole, boxes: [bigWhole, wholeOfSmall] },
        { rect: crop, boxes: [small, sameInCrop] },
      ],
      W,
      H,
      o,
    );
    expect(merged).toEqual([bigWhole, small]);
  });

  it("drops a box cut at the crop's inner bottom edge (no feet) and prefers the whole box to one cut at the side", () => {
    const cutBottom = box(500, 500, 530, 615, 0.9); // crop bottom at 616
    const cutSide = box(401, 300, 420, 360, 0.8); // crop left edge at 400
    const wholeSide = box(385, 298, 421, 362, 0.5);
    const merged = mergePasses(
      [
        { rect: whole, boxes: [wholeSide] },
        { rect: crop, boxes: [cutBottom, cutSide] },
      ],
      W,
      H,
      o,
    );
    expect(merged).toEqual([wholeSide]);
  });

  it("keeps a box at a crop edge that is also the image edge, and a cut box nothing better covers", () => {
    const edgeCrop = { x: 0, y: 200, width: 416, height: 416 };
    const atImageEdge = box(0, 300, 14, 340, 0.7);
    const cutRight = box(400, 300, 416, 340, 0.6);
    expect(
      mergePasses(
        [
          { rect: whole, boxes: [] },
          { rect: edgeCrop, boxes: [atImageEdge, cutRight] },
        ],
        W,
        H,
        o,
      ),
    ).toEqual([atImageEdge, cutRight]);
  });
});
