/**
 * Solid vs dashed when the lane mask bridges the gaps of dashed lines, as TwinLiteNet does (trained
 * on BDD100K's polyline lane labels it paints a dashed line end to end): the style must come from
 * the paint in the image, and without visible paint the type must not claim more than 0.5.
 */
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { LaneMarking } from "../../../src/msgs/types.generated.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { fixedSegmenter, renderRoad, type SyntheticLine } from "./synthetic-road.js";
import { laneTuning } from "./support/lane-tuning.js";

const stamp = { sec: 3, nanosec: 0 };
const geometry = CameraGeometry.approximate({
  width: 640,
  height: 360,
  mountHeight: 1.5,
  pitchRad: (3 * Math.PI) / 180,
  horizontalFovDeg: 65,
});
// A town road: 3 m dashes with 5 m gaps on the centre line, solid edges.
const lines: SyntheticLine[] = [
  { c: [1.75, 0, 2e-4, 0], dashed: true, colour: "white" },
  { c: [-1.75, 0, 2e-4, 0], dashed: false, colour: "white" },
  { c: [5.25, 0, 2e-4, 0], dashed: false, colour: "white" },
];
const scene = { lines, dash: 3, dashGap: 5, seed: 4 };
const painted = renderRoad(geometry, scene);
/** The mask a model that fills dash gaps returns: every line painted end to end. */
const bridged = renderRoad(geometry, {
  ...scene,
  lines: lines.map((l) => ({ ...l, dashed: false })),
});

async function detect(view = painted.view) {
  const detector = await LaneDetector.create({
    ...laneTuning(),
    segmenter: fixedSegmenter([bridged.drivableMask, bridged.laneMask], bridged.toImage),
  });
  const r = await detector.detect(view, geometry, stamp);
  const near = (y: number) => r.markings.markings.find((m) => Math.abs(m.lateral_offset - y) < 0.5);
  return { r, near };
}

describe("line style with a mask that bridges dash gaps", () => {
  it("reads dashed from the image although the mask is unbroken, and solid stays solid", async () => {
    const { near } = await detect();
    const dashed = near(1.75)!;
    expect(dashed.type).toBe(LaneMarking.TYPE_DASHED);
    expect(dashed.type_confidence).toBeGreaterThanOrEqual(0.6);
    for (const y of [-1.75, 5.25]) {
      const solid = near(y);
      expect(solid, `line at ${y}`).toBeDefined();
      expect(solid!.type).toBe(LaneMarking.TYPE_SOLID);
      expect(solid!.type_confidence).toBeGreaterThanOrEqual(0.6);
    }
  });

  it("claims no more than 0.5 for a style the image cannot confirm (paint not visible)", async () => {
    const flat = { ...painted.view, data: new Uint8Array(painted.view.data.length).fill(90) };
    const { r } = await detect(flat);
    expect(r.markings.markings.length).toBeGreaterThan(0);
    for (const m of r.markings.markings) expect(m.type_confidence).toBeLessThanOrEqual(0.5);
  });
});
