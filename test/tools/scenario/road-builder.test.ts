import { describe, expect, it } from "vitest";
import { buildRoad, type RoadSpec } from "../../../tools/scenario/world/road-builder.js";

const spec: RoadSpec = {
  id: "r",
  line: { start: { x: 0, y: 0, heading: 0 }, segments: [{ kind: "straight", length: 100 }] },
  lanes: [
    { width: 3.5, direction: "forward" },
    { width: 3.5, direction: "backward" },
  ],
  boundaries: [
    { type: "solid", color: "white" },
    { type: "dashed", color: "yellow" },
    { type: "solid", color: "white" },
  ],
  rightOffset: -3.5,
  shoulder: 1,
  sidewalk: { kerbWidth: 0.25, width: 3 },
  dash: { on: 3, off: 9 },
  lineWidth: 0.15,
  crosswalks: [{ id: "cw", station: 60, depth: 4, stopLineGap: 1.5, stopLineFor: "forward" }],
  wear: 0,
  speedLimit: 13,
};

describe("buildRoad", () => {
  const road = buildRoad(spec);

  it("makes boundaries at the lane edges with their types, split around the crossing", () => {
    const centre = road.laneBoundaries.filter((b) => b.id.startsWith("r_b1_"));
    expect(centre.length).toBe(2);
    for (const b of centre) {
      expect(b.boundaryType).toBe("dashed");
      expect(b.color).toBe("yellow");
      for (const p of b.points) expect(p.y).toBeCloseTo(0, 9);
    }
    // No lane line is painted across the crossing.
    for (const b of road.laneBoundaries.filter((x) => x.boundaryType !== "road_edge")) {
      for (const p of b.points) expect(p.x < 58 - 1.5 - 0.4 || p.x > 62 + 1.5 + 0.4).toBe(true);
    }
    const edges = road.laneBoundaries.filter((b) => b.boundaryType === "road_edge");
    expect(edges.map((e) => e.points[0]!.y).sort((a, b) => a - b)).toEqual([-4.5, 4.5]);
  });

  it("paints zebra stripes 0.5 m wide with 0.5 m gaps, parallel to the driving direction, spanning the road", () => {
    const cw = road.crosswalks[0]!;
    expect(cw.stripes.length).toBeGreaterThan(6);
    const ys = cw.stripes
      .map((s) => [Math.min(...s.map((p) => p.y)), Math.max(...s.map((p) => p.y))] as const)
      .sort((a, b) => a[0] - b[0]);
    for (const [lo, hi] of ys) expect(hi - lo).toBeCloseTo(0.5, 9);
    for (let i = 1; i < ys.length; i++) expect(ys[i]![0] - ys[i - 1]![1]).toBeCloseTo(0.5, 9);
    for (const s of cw.stripes) {
      // Long side along x (the driving direction): 4 m.
      expect(Math.max(...s.map((p) => p.x)) - Math.min(...s.map((p) => p.x))).toBeCloseTo(4, 9);
    }
    expect(ys[0]![0]).toBeLessThan(-3.5);
    expect(ys[ys.length - 1]![1]).toBeGreaterThan(3.5);
  });

  it("paints the stripe width and gap a crossing asks for (domain randomisation of training frames)", () => {
    const narrow = buildRoad({
      ...spec,
      crosswalks: [{ id: "cw", station: 60, depth: 3, stripeWidth: 0.4, stripeGap: 0.8 }],
    }).crosswalks[0]!;
    const ys = narrow.stripes
      .map((s) => [Math.min(...s.map((p) => p.y)), Math.max(...s.map((p) => p.y))] as const)
      .sort((a, b) => a[0] - b[0]);
    for (const [lo, hi] of ys) expect(hi - lo).toBeCloseTo(0.4, 9);
    for (let i = 1; i < ys.length; i++) expect(ys[i]![0] - ys[i - 1]![1]).toBeCloseTo(0.8, 9);
    // The outline spans the stripes: first stripe's right edge to the last one's left edge.
    const outline = narrow.polygon.map((p) => p.y);
    expect(Math.min(...outline)).toBeCloseTo(ys[0]![0], 9);
    expect(Math.max(...outline)).toBeCloseTo(ys[ys.length - 1]![1], 9);
  });

  it("puts a stop line before the crossing across the forward lane only", () => {
    expect(road.stopLines.length).toBe(1);
    const sl = road.stopLines[0]!;
    expect(sl.points[0]!.x).toBeCloseTo(58 - 1.5 - 0.2, 9);
    expect(sl.points.map((p) => p.y)).toEqual([-3.5, 0]);
    expect(sl.laneIds).toEqual(["r_l0_0"]);
  });

  it("orients backward lanes against the reference line", () => {
    const back = road.lanes.find((l) => l.id === "r_l1_0")!;
    expect(back.centerline[0]!.x).toBeGreaterThan(back.centerline[back.centerline.length - 1]!.x);
    expect(back.rightBoundaryId).toBe("r_b2_0");
  });

  it("rejects a boundary count that does not match the lanes", () => {
    expect(() => buildRoad({ ...spec, boundaries: spec.boundaries.slice(1) })).toThrow(
      /boundaries/,
    );
  });
});
