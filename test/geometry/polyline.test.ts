import { describe, expect, it } from "vitest";
import { locateInLane } from "../../src/geometry/lane-corridor.js";
import {
  cumulativeLengths,
  distanceToPolyline,
  nearestOnPolyline,
  pointAtArcLength,
  polylineLength,
  polylineNearest,
  projectOntoPolyline,
} from "../../src/geometry/polyline.js";

const L = [
  { x: 0, y: 0 },
  { x: 10, y: 0 },
  { x: 10, y: 10 },
]; // east 10 m, then north 10 m

describe("polylines", () => {
  it("measures length and cumulative length", () => {
    expect(polylineLength(L)).toBe(20);
    expect(Array.from(cumulativeLengths(L))).toEqual([0, 10, 20]);
  });

  it("projects with arc length and a signed lateral offset (+ left)", () => {
    const left = projectOntoPolyline(L, { x: 4, y: 2 });
    expect(left).toMatchObject({
      point: { x: 4, y: 0 },
      distance: 2,
      arcLength: 4,
      lateralOffset: 2,
      segmentIndex: 0,
    });
    const right = projectOntoPolyline(L, { x: 13, y: 6 }); // east of the northbound leg: its right
    expect(right).toMatchObject({
      point: { x: 10, y: 6 },
      distance: 3,
      arcLength: 16,
      lateralOffset: -3,
      segmentIndex: 1,
    });
    const before = projectOntoPolyline(L, { x: -3, y: -4 });
    expect(before.point).toEqual({ x: 0, y: 0 });
    expect(before.distance).toBe(5);
    expect(before.lateralOffset).toBe(-4);
  });

  it("skips zero-length segments and handles single points", () => {
    const dup = [
      { x: 0, y: 0 },
      { x: 0, y: 0 },
      { x: 0, y: 5 },
    ];
    expect(projectOntoPolyline(dup, { x: -1, y: 2 })).toMatchObject({
      arcLength: 2,
      lateralOffset: 1,
    });
    expect(projectOntoPolyline([{ x: 1, y: 1 }], { x: 4, y: 5 }).distance).toBe(5);
    expect(distanceToPolyline(L, { x: 5, y: 5 })).toBe(5);
  });

  it("gives ties to the earlier segment and falls back to the first point when nothing is nearer than Infinity", () => {
    const vee = [
      { x: -5, y: 5 },
      { x: 0, y: 0 },
      { x: 5, y: 5 },
    ];
    // (0, 3) is as near to both legs: the first one holds the projection.
    expect(projectOntoPolyline(vee, { x: 0, y: 3 }).segmentIndex).toBe(0);
    const nan = projectOntoPolyline(L, { x: NaN, y: 1 });
    expect(nan.point).toEqual({ x: 0, y: 0 });
    expect(nan.segmentIndex).toBe(0);
  });

  it("writes the projection's numbers into a reused object", () => {
    const out = polylineNearest();
    for (const p of [
      { x: 4, y: 2 },
      { x: 13, y: 6 },
      { x: -3, y: -4 },
    ]) {
      const proj = projectOntoPolyline(L, p);
      expect(nearestOnPolyline(L, p, out)).toBe(out);
      expect(out).toEqual({
        x: proj.point.x,
        y: proj.point.y,
        distance: proj.distance,
        arcLength: proj.arcLength,
        lateralOffset: proj.lateralOffset,
        segmentIndex: proj.segmentIndex,
        segmentT: proj.segmentT,
        tangentX: proj.tangent.x,
        tangentY: proj.tangent.y,
      });
    }
  });

  it("interpolates points by arc length, clamped at the ends", () => {
    expect(pointAtArcLength(L, 15)).toEqual({ point: { x: 10, y: 5 }, tangent: { x: 0, y: 1 } });
    expect(pointAtArcLength(L, -3).point).toEqual({ x: 0, y: 0 });
    expect(pointAtArcLength(L, 99).point).toEqual({ x: 10, y: 10 });
  });
});

describe("locateInLane", () => {
  const centre = [
    { x: 0, y: 0 },
    { x: 50, y: 0 },
  ];
  const left = [
    { x: 0, y: 1.75 },
    { x: 50, y: 1.75 },
  ];
  const right = [
    { x: 50, y: -1.5 },
    { x: 0, y: -1.5 },
  ]; // drawn against the lane: orientation does not matter
  it("is inside between the boundaries and the ends", () => {
    expect(locateInLane(centre, left, right, { x: 20, y: 1 })).toMatchObject({
      inside: true,
      arcLength: 20,
      lateralOffset: 1,
      leftWidth: 1.75,
      rightWidth: 1.5,
    });
    expect(locateInLane(centre, left, right, { x: 20, y: -1.6 }).inside).toBe(false);
    expect(locateInLane(centre, left, right, { x: 20, y: 1.8 }).inside).toBe(false);
    expect(locateInLane(centre, left, right, { x: -0.5, y: 0 }).inside).toBe(false);
    expect(locateInLane(centre, left, right, { x: 50.5, y: 0 }).inside).toBe(false);
  });
});
