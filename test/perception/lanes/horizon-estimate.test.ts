/**
 * The horizon from the lane lines' vanishing point, from synthetic lane masks: lines on both sides
 * of the car, lines on one side only (the others faint or hidden, as often at night), and the two
 * pieces of one bending line (which must not vote).
 */
import { describe, expect, it } from "vitest";
import type { TensorToImage } from "../../../src/image/tensor-mapping.js";
import type { SegmentationMask } from "../../../src/models/decoders/segmentation.js";
import { estimateHorizonFromLanes } from "../../../src/perception/lanes/horizon-estimate.js";

const W = 640;
const H = 360;
const identity: TensorToImage = {
  tensorWidth: W,
  tensorHeight: H,
  imageWidth: W,
  imageHeight: H,
  scaleX: 1,
  scaleY: 1,
  offsetX: 0,
  offsetY: 0,
  contentWidth: W,
  contentHeight: H,
};

/** A mask with 3 px wide lines drawn from (u0, v0) towards (u1, v1), rows v1..v0 only. */
function mask(lines: [number, number, number, number][]): SegmentationMask {
  const classes = new Uint8Array(W * H);
  for (const [u0, v0, u1, v1] of lines) {
    for (let v = Math.min(v0, v1); v <= Math.max(v0, v1); v++) {
      const u = Math.round(u0 + ((v - v0) * (u1 - u0)) / (v1 - v0));
      for (let k = -1; k <= 1; k++)
        if (u + k >= 0 && u + k < W && v >= 0 && v < H) classes[v * W + u + k] = 1;
    }
  }
  return { name: "ll", width: W, height: H, classCount: 2, classes };
}

/** The point at row v of the line from (u0, v0) through the vanishing point (vpU, vpV). */
const towards = (
  u0: number,
  v0: number,
  vpU: number,
  vpV: number,
  v: number,
): [number, number, number, number] => [
  u0,
  v0,
  Math.round(u0 + ((v - v0) * (vpU - u0)) / (vpV - v0)),
  v,
];

describe("estimateHorizonFromLanes", () => {
  it("finds the vanishing point of lines on both sides", () => {
    const e = estimateHorizonFromLanes(
      mask([towards(100, 359, 330, 150, 200), towards(600, 359, 330, 150, 200)]),
      identity,
    );
    expect(e).toBeDefined();
    expect(Math.abs(e!.row - 150)).toBeLessThan(3);
  });

  it("finds it from two lines on one side that meet beyond both at a clear angle", () => {
    const e = estimateHorizonFromLanes(
      mask([towards(0, 300, 330, 150, 190), towards(200, 359, 330, 150, 190)]),
      identity,
    );
    expect(e).toBeDefined();
    expect(Math.abs(e!.row - 150)).toBeLessThan(3);
  });

  it("takes no vote from the two pieces of one bending line, nor from near-parallel lines on one side", () => {
    // A line bending right by about 30 degrees: the pieces meet where they join, below the far piece's top.
    expect(
      estimateHorizonFromLanes(
        mask([
          [100, 359, 180, 270],
          [186, 262, 300, 230],
        ]),
        identity,
      ),
    ).toBeUndefined();
    // Two lines 8 degrees apart on one side: their meeting point is too uncertain.
    expect(
      estimateHorizonFromLanes(
        mask([
          [0, 359, 200, 200],
          [100, 359, 279, 200],
        ]),
        identity,
      ),
    ).toBeUndefined();
  });
});
