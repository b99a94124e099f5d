import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import type { ImageView } from "../../../src/image/image-view.js";
import { Crosswalk } from "../../../src/msgs/types.generated.js";
import { CrosswalkDetector } from "../../../src/perception/crosswalks/crosswalk-detector.js";
import type { CrosswalkSource } from "../../../src/perception/crosswalks/crosswalk-source.js";
import { StripeCrosswalkSource } from "../../../src/perception/crosswalks/stripe-source.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { fixedSegmenter, renderRoad, type SyntheticLine } from "../lanes/synthetic-road.js";
import { laneTuning } from "../lanes/support/lane-tuning.js";

const stamp = { sec: 3, nanosec: 0 };
const geometry = CameraGeometry.approximate({
  width: 960,
  height: 540,
  mountHeight: 1.4,
  pitchRad: (4 * Math.PI) / 180,
  horizontalFovDeg: 70,
});
const lines: SyntheticLine[] = [
  { c: [1.8, 0, 0, 0], dashed: false, colour: "white" },
  { c: [-1.8, 0, 0, 0], dashed: true, colour: "white" },
];
const truth = { xNear: 11, xFar: 15, yRight: -5, yLeft: 5 };
const withCrossing = renderRoad(geometry, {
  lines,
  crosswalk: { ...truth, stripe: 0.5, gap: 0.6 },
});
const plain = renderRoad(geometry, { lines, seed: 3 });

/** IoU of two axis-aligned rectangles given as polygons (x, y extents). */
function rectIoU(points: { x: number; y: number }[], t: typeof truth): number {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const a = { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
  const ix = Math.max(0, Math.min(a.x1, t.xFar) - Math.max(a.x0, t.xNear));
  const iy = Math.max(0, Math.min(a.y1, t.yLeft) - Math.max(a.y0, t.yRight));
  const inter = ix * iy;
  return (
    inter / ((a.x1 - a.x0) * (a.y1 - a.y0) + (t.xFar - t.xNear) * (t.yLeft - t.yRight) - inter)
  );
}

const lanesFor = async (road: typeof plain) => {
  const lanes = await LaneDetector.create({
    ...laneTuning(),
    segmenter: fixedSegmenter([road.drivableMask, road.laneMask], road.toImage),
  });
  const result = await lanes.detect(road.view, geometry, stamp);
  return { ...result, laneMask: result.laneMask!, toImage: result.toImage! };
};

describe("CrosswalkDetector on a rendered zebra crossing", async () => {
  const detector = new CrosswalkDetector();
  const laneResult = await lanesFor(withCrossing);

  it("the lane stage hands the crossing's near and far edges over as transverse lines, not lanes", () => {
    const xs = laneResult.transverse.map((c) => c.cx).sort((a, b) => a - b);
    expect(xs.length).toBeGreaterThanOrEqual(2);
    expect(Math.abs(xs[0]! - truth.xNear)).toBeLessThan(0.6);
    expect(Math.abs(xs[xs.length - 1]! - truth.xFar)).toBeLessThan(0.6);
    for (const m of laneResult.markings.markings)
      expect(Math.abs(m.lateral_offset)).toBeLessThan(2.5);
  });

  it("finds it from the stripes alone, with polygon IoU >= 0.6 in base_link", async () => {
    const r = await detector.detect(withCrossing.view, geometry, stamp);
    expect(r.status).toBe("");
    expect(r.crosswalks).toHaveLength(1);
    const c = r.crosswalks[0]!;
    expect(rectIoU(c.polygon.points, truth)).toBeGreaterThanOrEqual(0.6);
    expect(Math.abs(c.distance_ahead - truth.xNear)).toBeLessThan(1);
    expect(c.distance_ahead_std).toBeGreaterThan(0);
    expect(c.map_status).toBe(Crosswalk.MAP_STATUS_NOT_CHECKED);
  });

  it("with the lane mask's edges: tighter distance, higher confidence, outline in pixels", async () => {
    const alone = (await detector.detect(withCrossing.view, geometry, stamp)).crosswalks[0]!;
    const r = await detector.detect(withCrossing.view, geometry, stamp, laneResult);
    const c = r.crosswalks[0]!;
    expect(c.confidence).toBeGreaterThan(alone.confidence);
    expect(Math.abs(c.distance_ahead - truth.xNear)).toBeLessThan(0.4);
    expect(rectIoU(c.polygon.points, truth)).toBeGreaterThanOrEqual(0.6);
    // Counter-clockwise in base_link (positive shoelace area).
    const p = c.polygon.points;
    const area =
      p.reduce(
        (s, a, i) => s + a.x * p[(i + 1) % p.length]!.y - p[(i + 1) % p.length]!.x * a.y,
        0,
      ) / 2;
    expect(area).toBeGreaterThan(0);
    // The image outline is the ground outline projected.
    for (const q of c.image_polygon.points) {
      const g = geometry.pixelToGround({ u: q.x, v: q.y })!;
      expect(g.x).toBeGreaterThan(Math.min(...p.map((a) => a.x)) - 0.01);
      expect(g.x).toBeLessThan(Math.max(...p.map((a) => a.x)) + 0.01);
    }
    // Also computable from the bare mask (no transverse list passed).
    const fromMask = await detector.detect(withCrossing.view, geometry, stamp, {
      laneMask: laneResult.laneMask,
      toImage: laneResult.toImage,
    });
    expect(fromMask.crosswalks[0]!.distance_ahead).toBeCloseTo(c.distance_ahead, 3);
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
    const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const data = new Uint8Array(v.data.length);
    for (let k = 0; k < data.length; k++)
      data[k] = Math.max(
        0,
        Math.min(255, Math.round(100 + (v.data[k]! - 100) * 0.2 + (rand() - 0.5) * 8)),
      );
    return { ...v, data };
  };

  it("finds a low-contrast (rain-like) crossing by judging contrast against the frame's noise floor", async () => {
    const view = washedOut(withCrossing.view, 5);
    const r = await detector.detect(view, geometry, stamp);
    expect(r.crosswalks).toHaveLength(1);
    expect(rectIoU(r.crosswalks[0]!.polygon.points, truth)).toBeGreaterThanOrEqual(0.5);
    // With the low-contrast path closed, the absolute bar alone rejects it.
    const absoluteOnly = new CrosswalkDetector({ stripes: { minContrastOverNoise: Infinity } });
    expect((await absoluteOnly.detect(view, geometry, stamp)).crosswalks).toEqual([]);
  });

  it("finds nothing on a low-contrast noisy road with only lane lines", async () => {
    for (const seed of [5, 6, 7])
      expect(
        (await detector.detect(washedOut(plain.view, seed), geometry, stamp)).crosswalks,
      ).toEqual([]);
  });

  it("finds a crossing at 30 degrees (the car turning) along oblique lines, outlined as a parallelogram, where rows alone see too little", async () => {
    const angled = {
      xNear: 8,
      xFar: 11,
      yRight: -5,
      yLeft: 5,
      stripe: 0.5,
      gap: 0.6,
      angleDeg: 30,
    };
    const road = renderRoad(geometry, { lines, crosswalk: angled, seed: 9 });
    const rowsOnly = await new CrosswalkDetector({ stripes: { shearDegrees: [] } }).detect(
      road.view,
      geometry,
      stamp,
    );
    const r = await detector.detect(road.view, geometry, stamp);
    expect(r.crosswalks).toHaveLength(1);
    const c = r.crosswalks[0]!;
    // The outline is oblique (a parallelogram whose near edge is not a BEV row) and holds the crossing's centre.
    const p = c.polygon.points;
    expect(p).toHaveLength(4);
    expect(Math.abs(p[0]!.x - p[3]!.x)).toBeGreaterThan(1);
    const inside = (x: number, y: number) =>
      p.every((a, i) => {
        const b = p[(i + 1) % p.length]!;
        return (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x) >= 0;
      });
    expect(inside(9.5, 0)).toBe(true);
    // Its near edge leans the crossing's way: a counter-clockwise turn brings the left end nearer.
    const nearRight = p[0]!;
    const nearLeft = p[3]!;
    expect(nearLeft.x - nearRight.x).toBeLessThan(-3);
    expect(c.image_polygon.points.length).toBeGreaterThan(4);
    expect(Math.max(0, ...rowsOnly.crosswalks.map((k) => k.confidence))).toBeLessThan(c.confidence);
  });

  it("a band cut by the image edge (starting at the nearest ground in view) is not held to its visible depth", async () => {
    // A high camera (a bus) sees the ground from 6.5 m: wide enough there for the lateral window.
    const high = CameraGeometry.approximate({
      width: 960,
      height: 540,
      mountHeight: 2.5,
      pitchRad: 0,
      horizontalFovDeg: 70,
    });
    const firstGround = high.pixelToGround({ u: high.model.cx, v: high.model.height - 1 })!.x;
    const crossing = (xNear: number, xFar: number) =>
      renderRoad(high, {
        lines,
        crosswalk: { xNear, xFar, yRight: -5, yLeft: 5, stripe: 0.5, gap: 0.6 },
        seed: 4,
      }).view;
    // Only the far 1.5 m of a crossing that starts under the bonnet is in view; the other is 1.5 m deep in full view.
    const source = new StripeCrosswalkSource();
    const [atEdge] = source.candidates({
      view: crossing(firstGround - 2, firstGround + 1.5),
      geometry: high,
      stamp,
    }).candidates;
    const [inside] = source.candidates({
      view: crossing(firstGround + 3, firstGround + 4.5),
      geometry: high,
      stamp,
    }).candidates;
    expect(atEdge!.evidence).toMatch(/cut by the image edge/);
    expect(inside!.evidence).not.toMatch(/cut by the image edge/);
    expect(atEdge!.confidence).toBeGreaterThan(inside!.confidence);
  });

  it("a horizon below the image gives an empty result naming the cause", async () => {
    const upward = CameraGeometry.approximate({
      width: 960,
      height: 540,
      mountHeight: 1.4,
      horizonRow: 900,
    });
    const r = await detector.detect(withCrossing.view, upward, stamp);
    expect(r.crosswalks).toEqual([]);
    expect(r.status).toMatch(/camera sees no ground: horizon below image/);
  });

  it("a camera under the ground plane sees no ground: empty result naming the cause", async () => {
    const buried = CameraGeometry.approximate({
      width: 960,
      height: 540,
      mountHeight: 1.4,
      pitchRad: 0.07,
    });
    const under = new CameraGeometry(buried.model, {
      ...buried.baseFromOptical,
      translation: { ...buried.baseFromOptical.translation, z: -0.5 },
    });
    const r = await detector.detect(withCrossing.view, under, stamp);
    expect(r.crosswalks).toEqual([]);
    expect(r.status).toMatch(/camera sees no ground: it is not above the ground plane/);
  });

  it("a frame whose size differs from the CameraInfo gives no crosswalk and says so (not 'horizon below image')", async () => {
    // The same crossing rendered for a 960x540 calibration, handed over with a 1280x720 CameraInfo.
    const big = CameraGeometry.approximate({
      width: 1280,
      height: 720,
      mountHeight: 1.4,
      pitchRad: (4 * Math.PI) / 180,
      horizontalFovDeg: 70,
    });
    const r = await detector.detect(withCrossing.view, big, stamp);
    expect(r.crosswalks).toEqual([]);
    expect(r.status).toBe(
      "frame size 960x540 differs from the CameraInfo's 1280x720: the calibration does not fit this frame",
    );
  });

  it("a garbage lane mask (speckle, or paint everywhere) is ignored with its cause: no crossing invented on a plain road", async () => {
    const plainLanes = await lanesFor(plain);
    let seed = 11;
    const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const speckle = {
      ...plainLanes.laneMask,
      classes: plainLanes.laneMask.classes.map(() => (rand() < 0.1 ? 1 : 0)),
    };
    const flooded = { ...plainLanes.laneMask, classes: plainLanes.laneMask.classes.map(() => 1) };
    for (const [mask, cause] of [
      [speckle, /lane mask ignored: mask '.*' is speckle/],
      [flooded, /lane mask ignored: mask '.*' covers 100 % of the frame/],
    ] as const) {
      const r = await detector.detect(plain.view, geometry, stamp, {
        laneMask: mask,
        toImage: plainLanes.toImage,
      });
      expect(r.crosswalks).toEqual([]);
      expect(r.status).toMatch(cause);
    }
    // A real crossing is still found from the stripes when the mask is garbage, and the status says the mask was dropped.
    const r = await detector.detect(withCrossing.view, geometry, stamp, {
      laneMask: flooded,
      toImage: plainLanes.toImage,
    });
    expect(r.crosswalks).toHaveLength(1);
    expect(r.status).toMatch(/lane mask ignored/);
  });

  const fixed = (
    name: string,
    probability: number,
    boxes: [number, number][],
    invalid?: string,
  ): CrosswalkSource => ({
    name,
    candidates: () => ({
      probability,
      invalid,
      candidates: boxes.map(([xNear, confidence]) => ({
        xNear,
        xFar: xNear + 4,
        yRight: -4,
        yLeft: 4,
        confidence,
        distanceStd: 0.3,
        evidence: name,
      })),
    }),
  });

  it("fuses sources by adding calibrated log-odds: agreement raises, a confident empty source lowers, overlaps merge", async () => {
    const logit = (p: number) => Math.log(p / (1 - p));
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const d = new CrosswalkDetector({
      sources: [
        fixed("a", 0.8, [
          [10, 0.8],
          [30, 0.7],
        ]),
        fixed("b", 0.9, [[10.5, 0.9]]),
      ],
    });
    const r = await d.detect(plain.view, geometry, stamp);
    // At 10 m both agree; at 30 m only "a" (b's frame probability is capped at 0.5: neutral there).
    expect(r.crosswalks.map((c) => c.distance_ahead)).toEqual([10.5, 30]);
    expect(r.crosswalks[0]!.confidence).toBeCloseTo(sigmoid(logit(0.8) + logit(0.9)), 6);
    expect(r.crosswalks[1]!.confidence).toBeCloseTo(0.7, 6);
    expect(r.crosswalks.map((c) => c.id)).toEqual([0, 1]);
    // A second source sure that the frame is empty pulls a lone candidate under the threshold.
    const vetoed = await new CrosswalkDetector({
      sources: [fixed("a", 0.8, [[10, 0.8]]), fixed("b", 0.05, [])],
    }).detect(plain.view, geometry, stamp);
    expect(vetoed.crosswalks).toEqual([]);
    expect(vetoed.status).toBe("no crosswalk above the confidence threshold");
    // Weights and bias (fitted per source) enter the same sum.
    const weighted = await new CrosswalkDetector({
      sources: [fixed("a", 0.8, [[10, 0.8]])],
      fusion: { bias: 0.5, weights: { a: 2 } },
    }).detect(plain.view, geometry, stamp);
    expect(weighted.crosswalks[0]!.confidence).toBeCloseTo(sigmoid(0.5 + 2 * logit(0.8)), 6);
  });

  it("a crossing only a second source finds is weighed against the stripes' miss rate, not vetoed by their empty frame", async () => {
    const logit = (p: number) => Math.log(p / (1 - p));
    const stripes = new StripeCrosswalkSource();
    expect(stripes.candidates({ view: plain.view, geometry, stamp })).toEqual({
      probability: 0.15,
      candidates: [],
    });
    const r = await new CrosswalkDetector({
      sources: [stripes, fixed("learned", 0.9, [[10, 0.9]])],
    }).detect(plain.view, geometry, stamp);
    expect(r.crosswalks).toHaveLength(1);
    expect(r.crosswalks[0]!.confidence).toBeCloseTo(
      1 / (1 + Math.exp(-(logit(0.9) + logit(0.15)))),
      6,
    );
  });

  it("fuses by the max rule when asked: the highest confidence, no veto by a source that did not locate it, the first source's outline", async () => {
    const d = new CrosswalkDetector({
      sources: [
        fixed("stripes", 0.15, [[10, 0.6]]),
        fixed("learned", 0.9, [
          [10.5, 0.9],
          [30, 0.7],
        ]),
      ],
      fusion: { rule: "max" },
    });
    const r = await d.detect(plain.view, geometry, stamp);
    expect(r.crosswalks.map((c) => c.confidence)).toEqual([0.9, 0.7]);
    // At 10 m both located it: the stripes' outline (listed first), the learned source's confidence.
    expect(r.crosswalks[0]!.distance_ahead).toBe(10);
    expect(r.crosswalks[1]!.distance_ahead).toBe(30);
  });

  it("leaves out a source that declares the frame invalid, naming it in the status", async () => {
    const d = new CrosswalkDetector({
      sources: [
        fixed(
          "learned",
          0.99,
          [[10, 0.99]],
          "mask 'cw' is speckle: 80 % of its pixels are isolated",
        ),
        fixed("stripes", 0.1, []),
      ],
    });
    const r = await d.detect(plain.view, geometry, stamp);
    expect(r.crosswalks).toEqual([]);
    expect(r.status).toBe(
      "no crosswalk in view; source learned ignored: mask 'cw' is speckle: 80 % of its pixels are isolated",
    );
    const only = await new CrosswalkDetector({
      sources: [fixed("learned", 0.99, [[10, 0.99]], "garbage")],
    }).detect(plain.view, geometry, stamp);
    expect(only.status).toBe("no valid crosswalk source; source learned ignored: garbage");
  });

  it("publishes a source's own outlines (base_link and image) when it gives them", async () => {
    const ground = [
      { x: 10, y: -3 },
      { x: 13, y: -4 },
      { x: 14, y: 3 },
      { x: 11, y: 4 },
    ];
    const image = [
      { x: 100, y: 400 },
      { x: 800, y: 380 },
      { x: 820, y: 450 },
      { x: 90, y: 470 },
    ];
    const source: CrosswalkSource = {
      name: "outline",
      candidates: () => [
        {
          xNear: 10,
          xFar: 14,
          yRight: -4,
          yLeft: 4,
          confidence: 0.9,
          distanceStd: 0.3,
          evidence: "test",
          groundPolygon: ground,
          imagePolygon: image,
        },
      ],
    };
    const r = await new CrosswalkDetector({ sources: [source] }).detect(
      plain.view,
      geometry,
      stamp,
    );
    expect(r.crosswalks[0]!.polygon.points).toEqual(ground.map((p) => ({ ...p, z: 0 })));
    expect(r.crosswalks[0]!.image_polygon.points).toEqual(image.map((p) => ({ ...p, z: 0 })));
  });
});
