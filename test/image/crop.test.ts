import { describe, expect, it } from "vitest";
import { cropView } from "../../src/image/crop.js";
import { toPackedRgb, type ImageView } from "../../src/image/image-view.js";

describe("cropView", () => {
  const data = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i); // 4x3 rgb8
  const view: ImageView = { width: 4, height: 3, step: 12, format: "rgb8", data };

  it("shares the bytes and keeps the parent's step", () => {
    const c = cropView(view, { x: 1, y: 1, width: 2, height: 2 });
    expect(c.data.buffer).toBe(data.buffer);
    expect(c.step).toBe(12);
    // rows 1-2, columns 1-2: bytes 15..20 and 27..32
    expect(Array.from(toPackedRgb(c).data)).toEqual([
      15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32,
    ]);
  });

  it("refuses rectangles outside the image and odd yuv crops", () => {
    expect(() => cropView(view, { x: 3, y: 0, width: 2, height: 1 })).toThrow(
      /not inside the 4x3 image/,
    );
    const yuyv: ImageView = {
      width: 4,
      height: 1,
      step: 8,
      format: "yuyv",
      data: new Uint8Array(8),
    };
    expect(() => cropView(yuyv, { x: 1, y: 0, width: 2, height: 1 })).toThrow(/even x and width/);
    expect(cropView(yuyv, { x: 2, y: 0, width: 2, height: 1 }).data.length).toBe(4);
  });
});
