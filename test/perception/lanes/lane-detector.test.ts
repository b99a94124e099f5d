import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { LaneMarking } from "../../../src/msgs/types.generated.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { evalPoly } from "../../../src/perception/lanes/polyfit.js";
import { fixedSegmenter, lineY, renderRoad, type SyntheticLine } from "./synthetic-road.js";
import { laneTuning } from "./support/lane-tuning.js";

const stamp = { sec: 12, nanosec: 5 };
// A 960x540 camera 1.4 m above the ground, pitched 3 degrees down, 70 degree FOV.
const geometry = CameraGeometry.approximate({
  width: 960,
  height: 540,
  mountHeight: 1.4,
  pitchRad: (3 * Math.PI) / 180,
  horizontalFovDeg: 70,
});
const lines: SyntheticLine[] = [
  { c: [1.75, 0.01, 4e-4, -2e-6], dashed: false, colour: "yellow" },
  { c: [-1.85, 0.01, 4e-4, -2e-6], dashed: true, colour: "white" },
  { c: [5.4, 0.01, 4e-4, -2e-6], dashed: true, colour: "white" },
  { c: [-5.45, 0.01, 4e-4, -2e-6], dashed: false, colour: "white" },
];
const road = renderRoad(geometry, { lines });

describe("LaneDetector on a rendered road with a perfect lane mask", async () => {
  const detector = await LaneDetector.create({
    ...laneTuning(),
    segmenter: fixedSegmenter([road.drivableMask, road.laneMask], road.toImage),
  });
  const result = await detector.detect(road.view, geometry, stamp);
  const byPosition = new Map(result.markings.markings.map((m) => [m.position, m]));

  it("finds the four lines, ordered around ego, in base_link", () => {
    expect(result.fallback).toBe(false);
    expect(result.markings.status).toBe("");
    expect(result.markings.header).toEqual({ stamp, frame_id: "base_link" });
    expect([...byPosition.keys()].sort()).toEqual([
      LaneMarking.POSITION_EGO_LEFT,
      LaneMarking.POSITION_EGO_RIGHT,
      LaneMarking.POSITION_NEXT_LEFT,
      LaneMarking.POSITION_NEXT_RIGHT,
    ]);
  });

  it("places every line within 0.15 m of the truth from 5 to 30 m ahead", () => {
    const truth: [number, SyntheticLine][] = [
      [LaneMarking.POSITION_EGO_LEFT, lines[0]!],
      [LaneMarking.POSITION_EGO_RIGHT, lines[1]!],
      [LaneMarking.POSITION_NEXT_LEFT, lines[2]!],
      [LaneMarking.POSITION_NEXT_RIGHT, lines[3]!],
    ];
    for (const [pos, line] of truth) {
      const m = byPosition.get(pos)!;
      // Solid ego lines start at the image bottom (~3 m); dashes are painted on x in [12k, 12k+3) and
      // the next lanes' lines enter the 70 degree field of view only beyond ~8 m.
      expect(m.x_min).toBeLessThan(pos === LaneMarking.POSITION_EGO_LEFT ? 4 : 14);
      expect(m.x_max).toBeGreaterThan(30);
      for (let x = Math.max(5, m.x_min); x <= 30; x += 1) {
        expect(Math.abs(evalPoly(m.poly_coefficients, x) - lineY(line, x))).toBeLessThan(0.15);
      }
      expect(m.lateral_offset).toBeCloseTo(m.poly_coefficients[0]!, 6);
      expect(m.heading).toBeCloseTo(Math.atan(m.poly_coefficients[1]!), 6);
    }
  });

  it("tells solid from dashed and yellow from white", () => {
    expect(byPosition.get(LaneMarking.POSITION_EGO_LEFT)!.type).toBe(LaneMarking.TYPE_SOLID);
    expect(byPosition.get(LaneMarking.POSITION_EGO_RIGHT)!.type).toBe(LaneMarking.TYPE_DASHED);
    expect(byPosition.get(LaneMarking.POSITION_NEXT_LEFT)!.type).toBe(LaneMarking.TYPE_DASHED);
    expect(byPosition.get(LaneMarking.POSITION_NEXT_RIGHT)!.type).toBe(LaneMarking.TYPE_SOLID);
    expect(byPosition.get(LaneMarking.POSITION_EGO_LEFT)!.color).toBe(LaneMarking.COLOR_YELLOW);
    for (const pos of [
      LaneMarking.POSITION_EGO_RIGHT,
      LaneMarking.POSITION_NEXT_LEFT,
      LaneMarking.POSITION_NEXT_RIGHT,
    ]) {
      expect(byPosition.get(pos)!.color).toBe(LaneMarking.COLOR_WHITE);
    }
  });

  it("fills points, per-point std and coefficient std as the message defines them", () => {
    for (const m of result.markings.markings) {
      expect(m.poly_coefficients).toBeInstanceOf(Float64Array);
      expect(m.poly_coefficients).toHaveLength(4);
      expect(m.poly_coefficients_std).toHaveLength(4);
      expect(m.points.length).toBe(m.points_std.length);
      expect(m.points.length).toBeGreaterThan(2);
      expect(m.points[0]!.x).toBeCloseTo(m.x_min, 5);
      expect(m.points[m.points.length - 1]!.x).toBeCloseTo(m.x_max, 5);
      for (const p of m.points) expect(p.y).toBeCloseTo(evalPoly(m.poly_coefficients, p.x), 9);
      // Farther points are less certain than near ones.
      expect(m.points_std[m.points_std.length - 1]).toBeGreaterThan(m.points_std[0]!);
      for (const s of m.poly_coefficients_std) expect(s).toBeGreaterThan(0);
      expect(m.confidence).toBeGreaterThan(0.5);
      expect(Number.isNaN(m.map_match_distance)).toBe(true);
    }
  });
});

describe("LaneDetector on bad input", async () => {
  const zeros = (name: string) => ({
    name,
    width: 960,
    height: 540,
    classCount: 2,
    classes: new Uint8Array(960 * 540),
  });
  const ones = (name: string) => ({
    name,
    width: 960,
    height: 540,
    classCount: 2,
    classes: new Uint8Array(960 * 540).fill(1),
  });

  it("an empty lane mask gives no markings and says why", async () => {
    const d = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([road.drivableMask, zeros("ll")], road.toImage),
    });
    const r = await d.detect(road.view, geometry, stamp);
    expect(r.markings.markings).toEqual([]);
    expect(r.markings.status).toMatch(/no lane lines/);
  });

  it("an all-white lane mask is refused", async () => {
    const d = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([road.drivableMask, ones("ll")], road.toImage),
    });
    const r = await d.detect(road.view, geometry, stamp);
    expect(r.markings.markings).toEqual([]);
    expect(r.markings.status).toMatch(/covers 100%/);
  });

  it("a frame without road says so", async () => {
    const d = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([zeros("da"), zeros("ll")], road.toImage),
    });
    const r = await d.detect(road.view, geometry, stamp);
    expect(r.markings.markings).toEqual([]);
    expect(r.markings.status).toBe("no road in view");
  });

  it("a calibration with the horizon below the image gives an empty result, not an exception", async () => {
    const upward = CameraGeometry.approximate({
      width: 960,
      height: 540,
      mountHeight: 1.4,
      horizonRow: 700,
    });
    const d = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([road.drivableMask, road.laneMask], road.toImage),
    });
    const r = await d.detect(road.view, upward, stamp);
    expect(r.markings.markings).toEqual([]);
    expect(r.markings.status).toMatch(/horizon below image/);
  });
});
