import { describe, expect, it } from "vitest";
import type { TensorToImage } from "../../../src/image/tensor-mapping.js";
import type { SegmentationMask } from "../../../src/models/decoders/segmentation.js";
import { estimateHorizonFromDrivable } from "../../../src/perception/lanes/horizon-from-drivable.js";

/** A 160x90 mask of a 640x360 image (scale 1/4, no letterbox). */
const toImage: TensorToImage = {
  tensorWidth: 160,
  tensorHeight: 90,
  imageWidth: 640,
  imageHeight: 360,
  scaleX: 0.25,
  scaleY: 0.25,
  offsetX: 0,
  offsetY: 0,
  contentWidth: 160,
  contentHeight: 90,
};

/** Drivable from mask row `top` down (full width), plus optional single pixels. */
function mask(top: number, specks: [number, number][] = []): SegmentationMask {
  const classes = new Uint8Array(160 * 90);
  classes.fill(1, top * 160);
  for (const [u, v] of specks) classes[v * 160 + u] = 1;
  return { name: "da", width: 160, height: 90, classCount: 2, classes };
}

const camera = { focalPx: 500, mountHeight: 1.5, farDistance: 50 };

describe("estimateHorizonFromDrivable", () => {
  it("puts the horizon f * height / distance image rows above the drivable area's top edge", () => {
    const r = estimateHorizonFromDrivable(mask(50), toImage, camera)!;
    expect(r.drivableTop).toBeCloseTo(200, 6);
    expect(r.row).toBeCloseTo(200 - (500 * 1.5) / 50, 6);
    // Twice the distance: half the rows between the road's end and the horizon.
    expect(
      estimateHorizonFromDrivable(mask(50), toImage, { ...camera, farDistance: 100 })!.row,
    ).toBeCloseTo(200 - (500 * 1.5) / 100, 6);
  });

  it("ignores a few specks above the road (a bright patch of sky, a bridge)", () => {
    const r = estimateHorizonFromDrivable(
      mask(50, [
        [10, 2],
        [80, 20],
        [150, 30],
      ]),
      toImage,
      camera,
    )!;
    expect(r.drivableTop).toBeCloseTo(200, 6);
  });

  it("gives nothing when hardly any road is drivable (a vehicle fills the view)", () => {
    expect(estimateHorizonFromDrivable(mask(90, [[5, 5]]), toImage, camera)).toBeUndefined();
  });

  it("refuses an assumed camera without a positive focal length, height or distance", () => {
    expect(() =>
      estimateHorizonFromDrivable(mask(50), toImage, { ...camera, farDistance: 0 }),
    ).toThrow(/farDistance must be positive/);
    expect(() =>
      estimateHorizonFromDrivable(mask(50), toImage, { ...camera, focalPx: NaN }),
    ).toThrow(/focalPx/);
  });
});
