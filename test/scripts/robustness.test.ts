/**
 * scripts/robustness.ts and its transforms: the labels follow the image (mirror twice is the
 * identity, boxes and points scale, a crop cuts), and the script runs a real frame through
 * `detect`'s path under two transforms.
 */
import { describe, expect, it } from "vitest";
import { sharedDir } from "../../src/core/paths.js";
import type { ImageView } from "../../src/image/image-view.js";
import {
  loadLabelledFrames,
  runRobustness,
  transformLabels,
  type LabelledFrame,
} from "../../scripts/robustness.js";
import {
  exposureLut,
  gammaLut,
  mapBox,
  mapPoint,
  transformNamed,
  TRANSFORMS,
  type Box,
} from "../../scripts/robustness/transforms.js";
import { testTimeout } from "../support/emulation.js";

const HD = { width: 1280, height: 720 };

/** A small rgb8 image whose pixel (u, v) holds (u, v, 7). */
function coordinateImage(width: number, height: number): ImageView {
  const data = new Uint8Array(width * height * 3);
  for (let v = 0; v < height; v++)
    for (let u = 0; u < width; u++) data.set([u, v, 7], (v * width + u) * 3);
  return { width, height, step: width * 3, format: "rgb8", data };
}

describe("robustness transforms", () => {
  it("mirror twice is the identity for points and boxes; a mirrored pixel lands where mapPoint says", async () => {
    const m = transformNamed("mirror").plane(HD);
    const p: [number, number] = [100.25, 400];
    expect(mapPoint(m, mapPoint(m, p))).toEqual(p);
    expect(mapPoint(m, [0, 5])).toEqual([1279, 5]);
    const b: Box = [10, 20, 50, 120];
    expect(mapBox(m, b)).toEqual([1230, 20, 1270, 120]);
    expect(mapBox(m, mapBox(m, b))).toEqual(b);
    const view = coordinateImage(40, 10);
    const out = await transformNamed("mirror").apply(view);
    const small = transformNamed("mirror").plane(view);
    const [u, v] = mapPoint(small, [3, 2]);
    expect([...out.data.subarray((v * 40 + u) * 3, (v * 40 + u) * 3 + 3)]).toEqual([3, 2, 7]);
  });

  it("resizes scale boxes and points and give the size the plane map says", async () => {
    const w1920 = transformNamed("w1920").plane(HD);
    expect(w1920.output).toEqual({ width: 1920, height: 1080 });
    expect(mapBox(w1920, [100, 200, 140, 280])).toEqual([150, 300, 210, 420]);
    // Pixel centres: pixel 0's centre (0.5) goes to 0.75, i.e. u' = 0.25.
    expect(mapPoint(w1920, [0, 0])).toEqual([0.25, 0.25]);
    const half = transformNamed("half").plane({ width: 1242, height: 375 });
    expect(half.output).toEqual({ width: 621, height: 188 });
    for (const t of TRANSFORMS) {
      const view = coordinateImage(64, 36);
      const out = await t.apply(view);
      expect([t.name, out.width, out.height]).toEqual([
        t.name,
        t.plane(view).output.width,
        t.plane(view).output.height,
      ]);
    }
  });

  it("carries labels through a 4:3 crop: shifted, a person mostly outside becomes an ignore region, one mostly inside stays, TuSimple x off the image -2", () => {
    const frame: LabelledFrame = {
      file: "x.png",
      crosswalk: true,
      people: {
        boxes: [
          [500, 300, 520, 340],
          [100, 300, 180, 400],
          [150, 300, 200, 400],
        ],
        ignore: [],
      },
      tusimple: { rows: [160, 700], lanes: [[100, 400]] },
    };
    const m = transformNamed("crop4:3").plane(HD);
    expect(m.output).toEqual({ width: 960, height: 720 });
    const l = transformLabels(frame, m);
    expect(l.crosswalk).toBe(true);
    // 80 % of the third person is left: still a person; a quarter of the second: an ignore region.
    expect(l.people?.boxes).toEqual([
      [340, 300, 360, 340],
      [0, 300, 40, 400],
    ]);
    expect(l.people?.originalHeights).toEqual([40, 100]);
    expect(l.people?.ignore).toEqual([[0, 300, 20, 400]]);
    expect(l.tusimple).toEqual({ rows: [160, 700], lanes: [[-2, 240]] });
  });

  it("keeps the ORIGINAL height class of a person under a downscale", () => {
    const frame: LabelledFrame = { file: "x.png", people: { boxes: [[0, 0, 30, 90]], ignore: [] } };
    const l = transformLabels(frame, transformNamed("half").plane(HD));
    expect(l.people?.boxes).toEqual([[0, 0, 15, 45]]);
    expect(l.people?.originalHeights).toEqual([90]);
  });

  it("exposure -1 EV halves linear light and gamma 0.6 lifts the shadows; 0 EV and gamma 1 change nothing", () => {
    const ev0 = exposureLut(0);
    const g1 = gammaLut(1);
    for (let c = 0; c < 256; c++) {
      expect(ev0[c]).toBe(c);
      expect(g1[c]).toBe(c);
    }
    // sRGB 255 = linear 1.0 -> 0.5 -> sRGB 188.
    expect(exposureLut(-1)[255]).toBe(188);
    expect(gammaLut(0.6)[64]).toBeGreaterThan(64);
  });

  it("every labelled frame file appears once with its labels", () => {
    const frames = loadLabelledFrames();
    expect(new Set(frames.map((f) => f.file)).size).toBe(frames.length);
    expect(frames.filter((f) => f.tusimple).length).toBe(3);
    expect(frames.some((f) => f.people && f.crosswalk !== undefined)).toBe(true);
  });
});

const shared = sharedDir();
if (!shared)
  console.warn("skipping the robustness script's run on a real frame: ../shared is absent");

describe.skipIf(!shared)("scripts/robustness.ts on a real frame", () => {
  it("runs TuSimple 0000 through detect's path as recorded and mirrored, and scores it", {
    timeout: testTimeout(180_000),
  }, async () => {
    const figures = await runRobustness({
      shared: shared!,
      transforms: [transformNamed("identity"), transformNamed("mirror")],
      frameFilter: ["tusimple/image/0000.png"],
      log: () => undefined,
    });
    expect(figures.map((f) => f.transform)).toEqual(["identity", "mirror"]);
    for (const f of figures) {
      expect(f.frames).toBe(1);
      expect(f.perFrame[0]!.width).toBe(1280);
      // A highway frame: no crossing, and the lanes of TuSimple's own labels are found.
      expect(f.crosswalks).toEqual({ tp: 0, fp: 0, fn: 0, tn: 1 });
      expect(f.tusimple.frames).toBe(1);
      expect(f.tusimple.accuracy).toBeGreaterThan(0.85);
    }
  });
});
