import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import type { ImageView } from "../../../src/image/image-view.js";
import { Crosswalk } from "../../../src/msgs/types.generated.js";
import { CrosswalkDetector } from "../../../src/perception/crosswalks/crosswalk-detector.js";
import type { CrosswalkSource } from "../../../src/perception/crosswalks/crosswalk-source.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { fixedSegmenter, renderRoad, type SyntheticLine } from "../lanes/synthetic-road.js";

const stamp = { sec: 3, nanosec: 0 };
const geometry = CameraGeometry.approximate({ width: 960, height: 540, mountHeight: 1.4, pitchRad: (4 * Math.PI) / 180, horizontalFovDeg: 70 });
const lines: SyntheticLine[] = [
  { c: [1.8, 0, 0, 0], dashed: false, colour: "white" },
  { c: [-1.8, 0, 0, 0], dashed: true, colour: "white" },
];
const truth = { xNear: 11, xFar: 15, yRight: -5, yLeft: 5 };
const withCrossing = renderRoad(geometry, { lines, crosswalk: { ...truth, stripe: 0.5, gap: 0.6 } });
const plain = renderRoad(geometry, { lines, seed: 3 });

/** IoU of two axis-aligned rectangles given as polygons (x, y extents). */
function rectIoU(points: { x: number; y: number }[], t: typeof truth): number {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const a = { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
  const ix = Math.max(0, Math.min(a.x1, t.xFar) - Math.max(a.x0, t.xNear));
  const iy = Math.max(0, Math.min(a.y1, t.yLeft) - Math.max(a.y0, t.yRight));
  const inter = ix * iy;
  return inter / ((a.x1 - a.x0) * (a.y1 - a.y0) + (t.xFar - t.xNear) * (t.yLeft - t.yRight) - inter);
}

describe("CrosswalkDetector on a rendered zebra crossing", async () => {
  const detector = new CrosswalkDetector();
  const lanes = await LaneDetector.create({ segmenter: fixedSegmenter([withCrossing.drivableMask, withCrossing.laneMask], withCrossing.toImage) });
  const laneResult = await lanes.detect(withCrossing.view, geometry, stamp);

  it("the lane stage hands the crossing's near and far edges over as transverse lines, not lanes", () => {
    const xs = laneResult.transverse.map((c) => c.cx).sort((a, b) => a - b);
    expect(xs.length).toBeGreaterThanOrEqual(2);
    expect(Math.abs(xs[0] - truth.xNear)).toBeLessThan(0.6);
    expect(Math.abs(xs[xs.length - 1] - truth.xFar)).toBeLessThan(0.6);
    for (const m of laneResult.markings.markings) expect(Math.abs(m.lateral_offset)).toBeLessThan(2.5);
  });

  it("finds it from the stripes alone, with polygon IoU >= 0.6 in base_link", async () => {
    const r = await detector.detect(withCrossing.view, geometry, stamp);
    expect(r.status).toBe("");
    expect(r.crosswalks).toHaveLength(1);
    const c = r.crosswalks[0];
    expect(rectIoU(c.polygon.points, truth)).toBeGreaterThanOrEqual(0.6);
    expect(Math.abs(c.distance_ahead - truth.xNear)).toBeLessThan(1);
    expect(c.distance_ahead_std).toBeGreaterThan(0);
    expect(c.map_status).toBe(Crosswalk.MAP_STATUS_NOT_CHECKED);
  });

  it("with the lane mask's edges: tighter distance, higher confidence, outline in pixels", async () => {
    const alone = (await detector.detect(withCrossing.view, geometry, stamp)).crosswalks[0];
    const r = await detector.detect(withCrossing.view, geometry, stamp, laneResult);
    const c = r.crosswalks[0];
    expect(c.confidence).toBeGreaterThan(alone.confidence);
    expect(Math.abs(c.distance_ahead - truth.xNear)).toBeLessThan(0.4);
    expect(rectIoU(c.polygon.points, truth)).toBeGreaterThanOrEqual(0.6);
    // Counter-clockwise in base_link (positive shoelace area).
    const p = c.polygon.points;
    const area = p.reduce((s, a, i) => s + a.x * p[(i + 1) % p.length].y - p[(i + 1) % p.length].x * a.y, 0) / 2;
    expect(area).toBeGreaterThan(0);
    // The image outline is the ground outline projected.
    for (const q of c.image_polygon.points) {
      const g = geometry.pixelToGround({ u: q.x, v: q.y })!;
      expect(g.x).toBeGreaterThan(Math.min(...p.map((a) => a.x)) - 0.01);
      expect(g.x).toBeLessThan(Math.max(...p.map((a) => a.x)) + 0.01);
    }
    // Also computable from the bare mask (no transverse list passed).
    const fromMask = await detector.detect(withCrossing.view, geometry, stamp, { laneMask: laneResult.laneMask, toImage: laneResult.toImage });
    expect(fromMask.crosswalks[0].distance_ahead).toBeCloseTo(c.distance_ahead, 3);
  });

  it("finds nothing on a road with only lane lines", async () => {
    const r = await detector.detect(plain.view, geometry, stamp);
    expect(r.crosswalks).toEqual([]);
    expect(r.status).toMatch(/no crosswalk/);
  });

  // Rain, haze, a wet road: the same scene with its contrast cut to a fifth around the asphalt's
  // grey and sensor noise added (stripes ~10 grey levels RMS, under the absolute 15-level bar).
  const washedOut = (v: ImageView, seed: number): ImageView => {
    let s = seed;
    const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const data = new Uint8Array(v.data.length);
    for (let k = 0; k < data.length; k++) data[k] = Math.max(0, Math.min(255, Math.round(100 + (v.data[k] - 100) * 0.2 + (rand() - 0.5) * 8)));
    return { ...v, data };
  };

  it("finds a low-contrast (rain-like) crossing by judging contrast against the frame's noise floor", async () => {
    const view = washedOut(withCrossing.view, 5);
    const r = await detector.detect(view, geometry, stamp);
    expect(r.crosswalks).toHaveLength(1);
    expect(rectIoU(r.crosswalks[0].polygon.points, truth)).toBeGreaterThanOrEqual(0.5);
    // With the low-contrast path closed, the absolute bar alone rejects it.
    const absoluteOnly = new CrosswalkDetector({ stripes: { minContrastOverNoise: Infinity } });
    expect((await absoluteOnly.detect(view, geometry, stamp)).crosswalks).toEqual([]);
  });

  it("finds nothing on a low-contrast noisy road with only lane lines", async () => {
    for (const seed of [5, 6, 7]) expect((await detector.detect(washedOut(plain.view, seed), geometry, stamp)).crosswalks).toEqual([]);
  });

  it("a horizon below the image gives an empty result with a reason", async () => {
    const upward = CameraGeometry.approximate({ width: 960, height: 540, mountHeight: 1.4, horizonRow: 900 });
    const r = await detector.detect(withCrossing.view, upward, stamp);
    expect(r.crosswalks).toEqual([]);
    expect(r.status).toMatch(/horizon below image/);
  });

  it("merges candidates from pluggable sources, dropping overlaps", async () => {
    const fixed = (confidence: number, xNear: number): CrosswalkSource => ({
      name: `fixed-${confidence}`,
      candidates: () => [{ xNear, xFar: xNear + 4, yRight: -4, yLeft: 4, confidence, distanceStd: 0.3, evidence: "test" }],
    });
    const d = new CrosswalkDetector({ sources: [fixed(0.7, 10), fixed(0.9, 10.5), fixed(0.8, 30), fixed(0.2, 50)] });
    const r = await d.detect(plain.view, geometry, stamp);
    expect(r.crosswalks.map((c) => [c.distance_ahead, c.confidence])).toEqual([
      [10.5, expect.closeTo(0.9, 5)],
      [30, expect.closeTo(0.8, 5)],
    ]);
    expect(r.crosswalks.map((c) => c.id)).toEqual([0, 1]);
  });
});
