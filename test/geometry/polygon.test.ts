import { describe, expect, it } from "vitest";
import {
  findSelfIntersection,
  isConvex,
  normalizeRing,
  pointInPolygon,
  polygonArea,
  polygonCentroid,
  polygonIntersectionArea,
  polygonIoU,
  signedPolygonArea,
} from "../../src/geometry/polygon.js";

const square = (x: number, y: number, s: number) => [
  { x, y },
  { x: x + s, y },
  { x: x + s, y: y + s },
  { x, y: y + s },
];
// An L shape (non-convex), area 3.
const ell = [
  { x: 0, y: 0 },
  { x: 2, y: 0 },
  { x: 2, y: 1 },
  { x: 1, y: 1 },
  { x: 1, y: 2 },
  { x: 0, y: 2 },
];

describe("polygons", () => {
  it("area, orientation, centroid", () => {
    expect(signedPolygonArea(square(0, 0, 2))).toBe(4);
    expect(signedPolygonArea([...square(0, 0, 2)].reverse())).toBe(-4);
    expect(polygonArea(ell)).toBe(3);
    expect(polygonCentroid(square(1, 1, 2))).toEqual({ x: 2, y: 2 });
    const closedCw = [...square(0, 0, 1)].reverse();
    closedCw.push({ ...closedCw[0]! });
    const open = normalizeRing(closedCw);
    expect(open).toHaveLength(4);
    expect(signedPolygonArea(open)).toBe(1);
    expect(isConvex(square(0, 0, 1))).toBe(true);
    expect(isConvex(ell)).toBe(false);
  });

  it("point in polygon, boundary included", () => {
    expect(pointInPolygon(ell, { x: 0.5, y: 1.5 })).toBe(true);
    expect(pointInPolygon(ell, { x: 1.5, y: 1.5 })).toBe(false); // the L's notch
    expect(pointInPolygon(ell, { x: 2, y: 0.5 })).toBe(true); // on an edge
    expect(pointInPolygon(ell, { x: 0, y: 0 })).toBe(true); // a vertex
    expect(pointInPolygon(ell, { x: -0.01, y: 1 })).toBe(false);
  });

  it("finds self-intersections", () => {
    expect(findSelfIntersection(square(0, 0, 1))).toBeUndefined();
    expect(findSelfIntersection(ell)).toBeUndefined();
    expect(
      findSelfIntersection([
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 1, y: 0 },
        { x: 0, y: 1 },
      ]),
    ).toEqual([0, 2]);
  });

  it("intersection area and IoU for convex and non-convex polygons", () => {
    expect(polygonIntersectionArea(square(0, 0, 2), square(1, 1, 2))).toBeCloseTo(1, 12);
    expect(polygonIoU(square(0, 0, 2), square(1, 1, 2))).toBeCloseTo(1 / 7, 12);
    expect(polygonIoU(square(0, 0, 1), square(5, 5, 1))).toBe(0);
    expect(polygonIoU(square(0, 0, 1), [...square(0, 0, 1)].reverse())).toBeCloseTo(1, 12);
    // The L against the notch square [1,2]^2: no overlap; against [0.5,1.5]^2: 0.75 of it overlaps.
    expect(polygonIntersectionArea(ell, square(1, 1, 1))).toBeCloseTo(0, 12);
    expect(polygonIntersectionArea(ell, square(0.5, 0.5, 1))).toBeCloseTo(0.75, 12);
    expect(polygonIntersectionArea(square(0.5, 0.5, 1), ell)).toBeCloseTo(0.75, 12);
    expect(polygonIoU(ell, ell)).toBeCloseTo(1, 12);
    // Two L's, one mirrored: overlap is the unit square at the corner plus half... computed by a grid.
    const mirrored = ell.map((p) => ({ x: 2 - p.x, y: p.y })).reverse();
    let inside = 0;
    const n = 400;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const p = { x: ((i + 0.5) / n) * 2, y: ((j + 0.5) / n) * 2 };
        if (pointInPolygon(ell, p) && pointInPolygon(mirrored, p)) inside++;
      }
    expect(polygonIntersectionArea(ell, mirrored)).toBeCloseTo((inside / (n * n)) * 4, 2);
  });
});
