import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { CrosswalkDetector } from "../../../src/perception/crosswalks/crosswalk-detector.js";
import { tensorPixelToImage } from "../../../src/image/tensor-mapping.js";
import { detectStill } from "../../../src/perception/lanes/detect-still.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { fixedSegmenter, renderRoad } from "./synthetic-road.js";
import { laneTuning } from "./support/lane-tuning.js";

const truthGeometry = CameraGeometry.approximate({
  width: 960,
  height: 540,
  mountHeight: 1.5,
  horizonRow: 200,
  horizontalFovDeg: 60,
});
/** The uncalibrated camera the tests assume (the truth camera's height and field of view). */
const uncalibrated = {
  kind: "auto" as const,
  mountHeight: 1.5,
  horizontalFovDeg: 60,
  drivableTopDistance: 60,
  assumedHorizonFraction: 0.4,
};
const road = renderRoad(truthGeometry, {
  lines: [
    { c: [1.8, 0, 0, 0], dashed: false, colour: "white" },
    // Solid: this camera sees its first full dash only beyond 12 m, too little to vote for a vanishing point.
    { c: [-1.8, 0, 0, 0], dashed: false, colour: "white" },
    { c: [5.4, 0, 0, 0], dashed: false, colour: "white" },
  ],
  crosswalk: { xNear: 14, xFar: 18, yRight: -5, yLeft: 7, stripe: 0.5, gap: 0.7 },
});

describe("detectStill", async () => {
  const model = await LaneDetector.create({
    ...laneTuning(),
    segmenter: fixedSegmenter([road.drivableMask, road.laneMask], road.toImage),
  });
  const crosswalks = new CrosswalkDetector();

  it("with a calibration, uses it", async () => {
    const r = await detectStill(road.view, {
      lanes: model,
      crosswalks,
      camera: { kind: "geometry", geometry: truthGeometry },
    });
    expect(r.cameraSource).toBe("calibration");
    expect(r.geometry).toBe(truthGeometry);
    expect(r.lanes.markings.length).toBeGreaterThanOrEqual(3);
    expect(r.crosswalks.crosswalks).toHaveLength(1);
  });

  it("without one, finds the horizon at the lanes' vanishing point and the lanes' metric offsets", async () => {
    const r = await detectStill(road.view, { lanes: model, crosswalks, camera: uncalibrated });
    expect(r.cameraSource).toBe("vanishing-point");
    expect(Math.abs(r.horizonRow - 200)).toBeLessThan(3);
    const offsets = r.lanes.markings.map((m) => m.lateral_offset).sort((a, b) => a - b);
    expect(offsets[0]).toBeCloseTo(-1.8, 0);
    expect(offsets[1]).toBeCloseTo(1.8, 0);
    expect(r.crosswalks.crosswalks).toHaveLength(1);
    expect(Math.abs(r.crosswalks.crosswalks[0]!.distance_ahead - 14)).toBeLessThan(1);
  });

  it("with approximate values, says so", async () => {
    const r = await detectStill(road.view, {
      lanes: model,
      camera: { kind: "approximate", approximate: { mountHeight: 1.5, horizonRow: 200 } },
    });
    expect(r.cameraSource).toBe("approximate");
    expect(r.crosswalks.status).toMatch(/not run/);
  });

  it("classical path, auto: the lines found under the assumed horizon give the vanishing point, and the lanes are found again with it", async () => {
    const classical = await LaneDetector.create(laneTuning());
    const r = await detectStill(road.view, {
      lanes: classical,
      camera: uncalibrated,
    });
    expect(r.laneResult.fallback).toBe(true);
    expect(r.cameraSource).toBe("vanishing-point");
    expect(Math.abs(r.horizonRow - 200)).toBeLessThan(8);
    expect(r.lanes.markings.some((m) => Math.abs(m.lateral_offset - 1.8) < 0.3)).toBe(true);
  });

  it("with no lanes to vote (classical path, auto, a road without paint), falls back to an assumed horizon", async () => {
    const classical = await LaneDetector.create(laneTuning());
    const bare = renderRoad(truthGeometry, { lines: [] });
    const r = await detectStill(bare.view, {
      lanes: classical,
      camera: uncalibrated,
    });
    expect(r.cameraSource).toBe("assumed-horizon");
    expect(r.horizonRow).toBeCloseTo(0.4 * 540, 6);
    expect(r.laneResult.fallback).toBe(true);
  });

  it("with no vanishing point but a drivable area, puts the horizon above the road's far end by the ground there", async () => {
    // A road without paint seen to 60 m: the drivable area's top edge is ground at 60 m.
    const bare = renderRoad(truthGeometry, { lines: [] });
    const cut = (far: number) => {
      const mask = { ...bare.drivableMask, classes: new Uint8Array(bare.drivableMask.classes) };
      for (let v = 0; v < mask.height; v++)
        for (let u = 0; u < mask.width; u++) {
          const g = truthGeometry.pixelToGround(tensorPixelToImage(bare.toImage, { u, v }));
          if (!g || g.x > far) mask.classes[v * mask.width + u] = 0;
        }
      return mask;
    };
    const detector = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([cut(60), bare.laneMask], bare.toImage),
    });
    const r = await detectStill(bare.view, { lanes: detector, camera: uncalibrated });
    expect(r.cameraSource).toBe("drivable-area-top");
    // Within 1% of the height: the specks allowed above the edge (0.5% of the drivable pixels) sit
    // in the narrow far end of the road and move the edge a few rows down.
    expect(Math.abs(r.horizonRow - 200)).toBeLessThan(0.01 * 540 + 1);
    // A road seen only to 30 m taken as 60 m puts the horizon low, by the rows between 30 and 60 m.
    const near = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([cut(30), bare.laneMask], bare.toImage),
    });
    const low = await detectStill(bare.view, { lanes: near, camera: uncalibrated });
    const f = truthGeometry.model.fy;
    expect(low.horizonRow - 200).toBeCloseTo(f * 1.5 * (1 / 30 - 1 / 60), -1);
  });

  it("continues no line behind a vehicle when the horizon is only estimated from the drivable area", async () => {
    // One line (no vanishing point to vote for), its paint and the drivable mask ending at 20 m, as if a vehicle stood there.
    const one = renderRoad(truthGeometry, {
      lines: [{ c: [1.8, 0, 0, 0], dashed: false, colour: "white" }],
    });
    for (let v = 0; v < one.drivableMask.height; v++) {
      for (let u = 0; u < one.drivableMask.width; u++) {
        const g = truthGeometry.pixelToGround({ u, v });
        if (g && g.x <= 20) continue;
        one.drivableMask.classes[v * one.drivableMask.width + u] = 0;
        one.laneMask.classes[v * one.laneMask.width + u] = 0;
      }
    }
    const detector = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([one.drivableMask, one.laneMask], one.toImage),
    });
    const calibrated = await detectStill(one.view, {
      lanes: detector,
      camera: { kind: "geometry", geometry: truthGeometry },
    });
    const line = calibrated.lanes.markings.findIndex((m) => Math.abs(m.lateral_offset - 1.8) < 0.3);
    expect(line).toBeGreaterThanOrEqual(0);
    expect(calibrated.laneResult.continuation[line]).toBeGreaterThan(
      calibrated.lanes.markings[line]!.x_max,
    );
    // One line gives no vanishing point: the horizon comes from the drivable area's top (20 m taken
    // as 60 m), a guess like an assumed one.
    const assumed = await detectStill(one.view, { lanes: detector, camera: uncalibrated });
    expect(assumed.cameraSource).toBe("drivable-area-top");
    expect(assumed.laneResult.continuation).toEqual(assumed.lanes.markings.map((m) => m.x_max));
    expect(assumed.lanes.markings.length).toBeGreaterThan(0);
  });
});
