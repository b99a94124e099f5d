import { describe, expect, it } from "vitest";
import { grownRegion, pixelateRegions } from "../../src/viz/privacy.js";

const box = (x: number, y: number, w: number, h: number) => ({
  x_offset: x,
  y_offset: y,
  width: w,
  height: h,
  do_rectify: false,
});

function noise(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  let s = 7;
  for (let i = 0; i < rgb.length; i++) rgb[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return rgb;
}

describe("pixelateRegions", () => {
  it("replaces the region by block averages and leaves the rest untouched", () => {
    const w = 64,
      h = 48;
    const rgb = noise(w, h);
    const before = rgb.slice();
    expect(pixelateRegions(rgb, w, h, [box(16, 8, 24, 30)], { blocksAcross: 4, margin: 0 })).toBe(
      1,
    );
    // Outside the box: unchanged.
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = x >= 16 && x < 40 && y >= 8 && y < 38;
        if (!inside) expect(rgb[(y * w + x) * 3]).toBe(before[(y * w + x) * 3]);
      }
    }
    // Inside: far fewer distinct values than the noise had (blocks of 6x6).
    const distinct = new Set<number>();
    for (let y = 8; y < 38; y++) for (let x = 16; x < 40; x++) distinct.add(rgb[(y * w + x) * 3]!);
    expect(distinct.size).toBeLessThanOrEqual(4 * 5);
    // Each block holds the average of its pixels.
    let sum = 0;
    for (let y = 8; y < 14; y++) for (let x = 16; x < 22; x++) sum += before[(y * w + x) * 3]!;
    expect(rgb[(8 * w + 16) * 3]).toBe(Math.round(sum / 36));
  });

  it("clips regions to the image and skips empty ones", () => {
    expect(grownRegion(box(-10, -10, 20, 20), 32, 32, 0)).toEqual({ x0: 0, y0: 0, x1: 10, y1: 10 });
    expect(grownRegion(box(40, 40, 5, 5), 32, 32, 0)).toBeUndefined();
    const rgb = noise(32, 32);
    expect(pixelateRegions(rgb, 32, 32, [box(40, 40, 5, 5)])).toBe(0);
  });
});
