import { describe, expect, it } from "vitest";
import { cropAround, cropZoom } from "../../../scripts/robustness/false-alarm-crops.js";

const HD = { width: 1280, height: 720 };

describe("false-alarm crops", () => {
  it("cuts 1.5 box heights around a box (40 px at least), inside the frame", () => {
    // 20 px high: the 40 px floor.
    expect(cropAround([100, 200, 110, 220], HD)).toEqual({
      left: 60,
      top: 160,
      width: 90,
      height: 100,
    });
    // 100 px high at the bottom-right corner: 150 px margins, cut by the frame.
    expect(cropAround([1200, 600, 1250, 700], HD)).toEqual({
      left: 1050,
      top: 450,
      width: 230,
      height: 270,
    });
  });

  it("enlarges a crop to about 400 px high, at most 6x, never shrinks it", () => {
    expect(cropZoom({ left: 0, top: 0, width: 90, height: 100 })).toBe(4);
    expect(cropZoom({ left: 0, top: 0, width: 50, height: 50 })).toBe(6);
    expect(cropZoom({ left: 0, top: 0, width: 900, height: 600 })).toBe(1);
  });

  it("names a box outside the frame", () => {
    expect(() => cropAround([1400, 100, 1450, 150], { width: 1280, height: 720 })).toThrow(
      /outside the 1280x720 frame/,
    );
  });
});
