/**
 * Paint vs road edge on a rendered road whose lane mask also marks a kerb and a wall base (as
 * TwinLiteNet does): the kerb and the wall are published as TYPE_ROAD_EDGE, never as lines, and a
 * painted edge line right beside a kerb stays a line.
 */
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { LaneMarking } from "../../../src/msgs/types.generated.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { fixedSegmenter, renderRoad, type SyntheticLine } from "./synthetic-road.js";
import { laneTuning } from "./support/lane-tuning.js";

const geometry = CameraGeometry.approximate({
  width: 960,
  height: 540,
  mountHeight: 1.4,
  pitchRad: (3 * Math.PI) / 180,
  horizontalFovDeg: 70,
});
const stamp = { sec: 1, nanosec: 0 };
const painted: SyntheticLine[] = [
  { c: [1.75, 0, 0, 0], dashed: true, colour: "white" },
  { c: [-1.75, 0, 0, 0], dashed: false, colour: "white" },
];

/** The image of `lines` with concrete (grey 170) beyond y < kerbY and a dark wall base beyond y > wallY; the mask also marks the kerb and wall lines. */
function scene(kerbY: number, wallY: number, lines: SyntheticLine[] = painted) {
  const image = renderRoad(geometry, { lines, seed: 7 });
  const mask = renderRoad(geometry, {
    lines: [
      ...lines,
      { c: [kerbY, 0, 0, 0], dashed: false, colour: "white" },
      { c: [wallY, 0, 0, 0], dashed: false, colour: "white" },
    ],
    seed: 7,
  });
  const { width, height, data } = image.view;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const g = geometry.pixelToGround({ u, v });
      if (!g || g.x > 200) continue;
      const o = (v * width + u) * 3;
      if (g.y < kerbY) data.fill(170, o, o + 3);
      else if (g.y > wallY) data.fill(35, o, o + 3);
    }
  }
  return {
    view: image.view,
    segmenter: fixedSegmenter([mask.drivableMask, mask.laneMask], mask.toImage),
  };
}

describe("paint vs road edge", () => {
  it("reports a kerb and a wall base as road edges, the painted lines as lines", async () => {
    const s = scene(-5.4, 5.4);
    const detector = await LaneDetector.create({
      ...laneTuning(),
      segmenter: s.segmenter,
    });
    const r = await detector.detect(s.view, geometry, stamp);
    const near = (y: number) =>
      r.markings.markings.find((m) => Math.abs(m.lateral_offset - y) < 0.4);
    for (const y of [-5.4, 5.4]) {
      const edge = near(y);
      expect(edge, `edge at ${y}`).toBeDefined();
      expect(edge!.type).toBe(LaneMarking.TYPE_ROAD_EDGE);
      expect(edge!.color).toBe(LaneMarking.COLOR_UNKNOWN);
      // A painted line lies between the vehicle and each edge: the edges are no ego boundary.
      expect(edge!.position).toBe(
        y > 0 ? LaneMarking.POSITION_OTHER_LEFT : LaneMarking.POSITION_OTHER_RIGHT,
      );
    }
    for (const y of [-1.75, 1.75]) {
      expect(near(y)?.type, `line at ${y}`).not.toBe(LaneMarking.TYPE_ROAD_EDGE);
      expect(near(y)!.position).toBe(
        y > 0 ? LaneMarking.POSITION_EGO_LEFT : LaneMarking.POSITION_EGO_RIGHT,
      );
    }
  });

  it("keeps a painted edge line right beside a kerb a line (paint is brighter than both sides)", async () => {
    const s = scene(-5.6, 9, [...painted, { c: [-5.3, 0, 0, 0], dashed: false, colour: "white" }]);
    const detector = await LaneDetector.create({
      ...laneTuning(),
      segmenter: s.segmenter,
    });
    const r = await detector.detect(s.view, geometry, stamp);
    const line = r.markings.markings.find((m) => Math.abs(m.lateral_offset + 5.3) < 0.2);
    expect(line).toBeDefined();
    expect(line!.type).toBe(LaneMarking.TYPE_SOLID);
    expect(r.evidence[r.markings.markings.indexOf(line!)]!.kind).toBe("paint");
  });

  it("with an edge nearest on its side, the edge is that side's ego boundary", async () => {
    // No painted line on the right: the kerb at -3.2 is the nearest boundary there.
    const s = scene(-3.2, 9, [painted[0]!]);
    const detector = await LaneDetector.create({
      ...laneTuning(),
      segmenter: s.segmenter,
    });
    const r = await detector.detect(s.view, geometry, stamp);
    const edge = r.markings.markings.find((m) => Math.abs(m.lateral_offset + 3.2) < 0.4);
    expect(edge?.type).toBe(LaneMarking.TYPE_ROAD_EDGE);
    expect(edge!.position).toBe(LaneMarking.POSITION_EGO_RIGHT);
  });
});

describe("pieces the image cannot confirm", () => {
  it("are reported near the car (the model's word), but not when they start beyond 20 m", async () => {
    // The mask marks two lines the image does not show (plain asphalt under them): one along the whole road at y = -4.5 m,
    // one only from 24 m on at y = 4.5 m (as glare near the vanishing point, or a far kerb, gives).
    const image = renderRoad(geometry, { lines: painted, seed: 7 });
    const ghost = (y: number): SyntheticLine => ({
      c: [y, 0, 0, 0],
      dashed: false,
      colour: "white",
    });
    const mask = renderRoad(geometry, { lines: [...painted, ghost(-4.5), ghost(4.5)], seed: 7 });
    for (let v = 0; v < mask.laneMask.height; v++) {
      for (let u = 0; u < mask.laneMask.width; u++) {
        const g = geometry.pixelToGround({ u, v });
        if (g && g.x < 24 && Math.abs(g.y - 4.5) < 0.3)
          mask.laneMask.classes[v * mask.laneMask.width + u] = 0;
      }
    }
    const detector = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([mask.drivableMask, mask.laneMask], mask.toImage),
    });
    const r = await detector.detect(image.view, geometry, stamp);
    const near = (y: number) =>
      r.markings.markings.find((m) => Math.abs(m.lateral_offset - y) < 0.4);
    expect(r.evidence[r.markings.markings.indexOf(near(-4.5)!)]?.kind).toBe("unknown");
    expect(near(4.5)).toBeUndefined();
    expect(near(1.75)).toBeDefined();
    // With the limit beyond the piece's start, it is reported.
    const lenient = await LaneDetector.create({
      ...laneTuning(),
      segmenter: fixedSegmenter([mask.drivableMask, mask.laneMask], mask.toImage),
      pipeline: { ...laneTuning().pipeline, maxUnconfirmedStart: 30 },
    });
    expect(
      (await lenient.detect(image.view, geometry, stamp)).markings.markings.some(
        (m) => Math.abs(m.lateral_offset - 4.5) < 0.4,
      ),
    ).toBe(true);
  });
});
