import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import {
  bandCropSidePx,
  bandHorizonRow,
  CropSchedule,
  horizonBandCrops,
  regionCrops,
  type RegionCropOptions,
} from "../../../src/perception/pedestrians/crop-plan.js";

const band = { side: 416, overlap: 0.1, aboveHorizon: 0.3, minZoom: 2, inputSide: 416 };
/** A 1280x720 camera 1.5 m up, 65 degrees wide, horizon at row 330. */
const geometry = CameraGeometry.approximate({
  width: 1280,
  height: 720,
  horizontalFovDeg: 65,
  mountHeight: 1.5,
  horizonRow: 330,
});
const region: RegionCropOptions = {
  personHeightM: 1.7,
  targetPersonPx: 48,
  inputSide: 416,
  minSide: 160,
  fullFrameScale: 416 / 1280,
  marginM: 3,
  minZoom: 2,
};

/** A 4 m x 10 m crosswalk across the road, `ahead` metres in front, in base_link. */
function crossing(ahead: number, id = "cw") {
  return {
    id,
    polygon: [
      { x: ahead, y: -5 },
      { x: ahead + 4, y: -5 },
      { x: ahead + 4, y: 5 },
      { x: ahead, y: 5 },
    ],
  };
}

describe("horizonBandCrops", () => {
  it("covers the full width of a 1280x720 frame with overlapping native-scale crops around the horizon", () => {
    const crops = horizonBandCrops(1280, 720, 330, band);
    expect(crops.length).toBe(4);
    expect(crops[0]!.rect.x).toBe(0);
    expect(crops[crops.length - 1]!.rect.x + crops[crops.length - 1]!.rect.width).toBe(1280);
    for (let i = 1; i < crops.length; i++) {
      const overlap = crops[i - 1]!.rect.x + 416 - crops[i]!.rect.x;
      expect(overlap).toBeGreaterThanOrEqual(0.1 * 416);
    }
    for (const c of crops) {
      expect(c.rect).toMatchObject({ y: Math.round(330 - 0.3 * 416), width: 416, height: 416 });
      expect(c.source).toBe("band");
    }
  });

  it("holds a small person standing on the ground: head above the horizon, feet below it", () => {
    // A 1.7 m person 40 m ahead: feet and head rows from the geometry.
    const feet = geometry.groundToPixel({ x: 40, y: 0, z: 0 })!;
    const head = geometry.groundToPixel({ x: 40, y: 0, z: 1.7 })!;
    const row = bandHorizonRow(geometry, 1280, 720, 0.5);
    expect(row).toBeCloseTo(330, 0);
    const [c] = horizonBandCrops(1280, 720, row, band).filter(
      (k) => k.rect.x <= feet.u && feet.u < k.rect.x + k.rect.width,
    );
    expect(head.v).toBeGreaterThan(c!.rect.y);
    expect(feet.v).toBeLessThan(c!.rect.y + c!.rect.height);
  });

  it("clamps a band whose horizon lies outside the image into it, and uses the fallback row without geometry", () => {
    expect(horizonBandCrops(1280, 720, -500, band)[0]!.rect.y).toBe(0);
    expect(horizonBandCrops(1280, 720, 2000, band)[0]!.rect.y).toBe(720 - 416);
    expect(bandHorizonRow(undefined, 1280, 720, 0.5)).toBe(360);
  });

  it("gives no crops where they would zoom less than minZoom over the whole frame", () => {
    expect(horizonBandCrops(640, 360, 180, band)).toEqual([]); // 416/360 over 416/640: 1.8x
    expect(horizonBandCrops(960, 540, 270, band).length).toBe(3); // 2.3x
    expect(horizonBandCrops(640, 360, 180, { ...band, minZoom: 1 }).length).toBe(2);
  });

  it("keeps x and width even for 4:2:2 frames", () => {
    for (const c of horizonBandCrops(1279, 720, 330, { ...band, side: 415 }, true)) {
      expect(c.rect.x % 2).toBe(0);
      expect(c.rect.width % 2).toBe(0);
      expect(c.rect.x + c.rect.width).toBeLessThanOrEqual(1279);
    }
  });

  it("refuses nonsense options", () => {
    expect(() => horizonBandCrops(1280, 720, 330, { ...band, overlap: 1 })).toThrow(/overlap/);
    expect(() => horizonBandCrops(1280, 720, NaN, band)).toThrow(/horizon row/);
  });
});

describe("bandCropSidePx", () => {
  const sizing = { sideDeg: 21.25, minSidePx: 416, fallbackHorizontalFovDeg: 60 };
  it("keeps the angle of a band crop across resolutions: 416 px at 1280 wide (60 degrees), 624 px at 1920", () => {
    expect(Math.round(bandCropSidePx(1280, undefined, sizing))).toBe(416);
    expect(Math.round(bandCropSidePx(1920, undefined, sizing))).toBe(624);
    // The same 1920 camera by its focal length: the same side.
    const fx = 960 / Math.tan(Math.PI / 6);
    expect(bandCropSidePx(1920, fx, sizing)).toBeCloseTo(
      bandCropSidePx(1920, undefined, sizing),
      9,
    );
    // A narrower lens at 1280 (a longer focal length): a larger crop, the same angle.
    expect(bandCropSidePx(1280, 2000, sizing)).toBeCloseTo(
      2 * 2000 * Math.tan((21.25 * Math.PI) / 360),
      9,
    );
  });

  it("never goes below the least side (low-resolution and wide-angle cameras)", () => {
    expect(bandCropSidePx(640, undefined, sizing)).toBe(416);
    expect(bandCropSidePx(1280, 600, sizing)).toBe(416);
  });

  it("the crops of a 1920x1080 frame at that side cover the band like 1280x720's at 416, scaled by 1.5", () => {
    const o = { ...band, side: bandCropSidePx(1920, undefined, sizing) };
    const hd = horizonBandCrops(1280, 720, 330, band).map((c) => c.rect);
    const fhd = horizonBandCrops(1920, 1080, 495, o).map((c) => c.rect);
    expect(fhd).toHaveLength(hd.length);
    fhd.forEach((r, i) => {
      expect(Math.abs(r.x - 1.5 * hd[i]!.x)).toBeLessThanOrEqual(2);
      expect(Math.abs(r.y - 1.5 * hd[i]!.y)).toBeLessThanOrEqual(2);
      expect(Math.abs(r.width - 1.5 * hd[i]!.width)).toBeLessThanOrEqual(1);
    });
  });

  it("refuses nonsense sizing and calibration", () => {
    expect(() => bandCropSidePx(1280, undefined, { ...sizing, sideDeg: 0 })).toThrow(/degrees/);
    expect(() => bandCropSidePx(1280, undefined, { ...sizing, minSidePx: 8 })).toThrow(
      /least side/,
    );
    expect(() =>
      bandCropSidePx(1280, undefined, { ...sizing, fallbackHorizontalFovDeg: 180 }),
    ).toThrow(/field of view/);
    expect(() => bandCropSidePx(1280, -5, sizing)).toThrow(/focal length/);
  });
});

describe("regionCrops", () => {
  it("zooms into a far crosswalk so that a person there is about the target height in the model input", () => {
    const [c] = regionCrops([crossing(70)], geometry, 1280, 720, region);
    expect(c!.source).toBe("map");
    expect(c!.featureId).toBe("cw");
    // A person at the crossing's far edge (74 m + 3 m margin), scaled into the crop.
    const feet = geometry.groundToPixel({ x: 77, y: 0, z: 0 })!;
    const head = geometry.groundToPixel({ x: 77, y: 0, z: 1.7 })!;
    const inInput = ((feet.v - head.v) * 416) / c!.rect.width;
    expect(inInput).toBeGreaterThan(40);
    expect(inInput).toBeLessThan(60);
    // The crossing's middle is inside the crop.
    const mid = geometry.groundToPixel({ x: 72, y: 0, z: 0.8 })!;
    expect(mid.u).toBeGreaterThan(c!.rect.x);
    expect(mid.u).toBeLessThan(c!.rect.x + c!.rect.width);
    expect(mid.v).toBeGreaterThan(c!.rect.y);
    expect(mid.v).toBeLessThan(c!.rect.y + c!.rect.height);
  });

  it("gives nothing for a crossing near enough for the whole frame, behind the camera, or out of view", () => {
    expect(regionCrops([crossing(8)], geometry, 1280, 720, region)).toEqual([]);
    expect(regionCrops([crossing(-30)], geometry, 1280, 720, region)).toEqual([]);
    const aside = {
      id: "side",
      polygon: [
        { x: 30, y: 200 },
        { x: 34, y: 200 },
        { x: 34, y: 210 },
        { x: 30, y: 210 },
      ],
    };
    expect(regionCrops([aside], geometry, 1280, 720, region)).toEqual([]);
  });

  it("never zooms more than minSide allows, and stays inside the image", () => {
    const [c] = regionCrops([crossing(150)], geometry, 1280, 720, region);
    expect(c!.rect.width).toBe(160);
    expect(c!.rect.x).toBeGreaterThanOrEqual(0);
    expect(c!.rect.y + c!.rect.height).toBeLessThanOrEqual(720);
  });
});

describe("CropSchedule", () => {
  it("takes the count asked for in turn, wrapping around, and all of them when the count covers them", () => {
    const s = new CropSchedule();
    expect([0, 1, 2, 3, 4].map(() => s.take(["a", "b", "c", "d"], 1)[0])).toEqual([
      "a",
      "b",
      "c",
      "d",
      "a",
    ]);
    const two = new CropSchedule();
    expect(two.take(["a", "b", "c"], 2)).toEqual(["a", "b"]);
    expect(two.take(["a", "b", "c"], 2)).toEqual(["c", "a"]);
    // A count that changes from frame to frame goes on from where the turn stopped.
    expect(two.take(["a", "b", "c"], 1)).toEqual(["b"]);
    two.reset();
    expect(two.take(["a", "b", "c"], 2)).toEqual(["a", "b"]);
    expect(new CropSchedule().take(["a", "b"], 5)).toEqual(["a", "b"]);
    expect(new CropSchedule().take(["a"], 0)).toEqual([]);
    expect(() => new CropSchedule().take(["a"], 1.5)).toThrow(/whole number/);
  });
});
