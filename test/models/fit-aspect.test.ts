import { describe, expect, it } from "vitest";
import { fittedInputSize } from "../../src/models/fit-aspect.js";
import { computeTensorMapping, type PreprocessOptions } from "../../src/image/preprocess.js";

const yolox = { width: 416, height: 416, fitAspect: { multiple: 32 } };

describe("fittedInputSize: the letterbox without its padding", () => {
  it("shrinks the padded side to the scaled frame, rounded up to the multiple", () => {
    expect(fittedInputSize(yolox, 960, 540)).toEqual({ width: 416, height: 256 });
    expect(fittedInputSize(yolox, 1280, 720)).toEqual({ width: 416, height: 256 });
    expect(fittedInputSize(yolox, 1242, 375)).toEqual({ width: 416, height: 128 });
    // Portrait: the width shrinks.
    expect(fittedInputSize(yolox, 540, 960)).toEqual({ width: 256, height: 416 });
    // Square crops and 4:3 frames.
    expect(fittedInputSize(yolox, 416, 416)).toEqual({ width: 416, height: 416 });
    expect(fittedInputSize(yolox, 640, 480)).toEqual({ width: 416, height: 320 });
  });

  it("keeps the contract's size without fit_aspect", () => {
    expect(fittedInputSize({ width: 416, height: 416 }, 960, 540)).toEqual({
      width: 416,
      height: 416,
    });
  });

  it("keeps the letterbox's scale for every frame shape, so boxes map back the same", () => {
    for (const [w, h] of [
      [960, 540],
      [1280, 720],
      [1242, 375],
      [1920, 1080],
      [640, 480],
      [540, 960],
      [333, 777],
      [1000, 999],
    ] as const) {
      const size = fittedInputSize(yolox, w, h);
      const options = (width: number, height: number): PreprocessOptions => ({
        width,
        height,
        channelOrder: "bgr",
        normalization: { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
        resize: { mode: "letterbox", anchor: "top-left", padValue: 114 },
      });
      const full = computeTensorMapping(options(416, 416), w, h);
      const fitted = computeTensorMapping(options(size.width, size.height), w, h);
      expect([fitted.scaleX, fitted.scaleY, fitted.offsetX, fitted.offsetY]).toEqual([
        full.scaleX,
        full.scaleY,
        full.offsetX,
        full.offsetY,
      ]);
      expect(size.width % 32 === 0 || size.width === 416).toBe(true);
      expect(size.height % 32 === 0 || size.height === 416).toBe(true);
    }
  });
});
