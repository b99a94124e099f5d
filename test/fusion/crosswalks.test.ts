import { describe, expect, it } from "vitest";
import { crosswalkOccupancy, relateToCrosswalks } from "../../src/fusion/crosswalk-relation.js";
import { matchCrosswalks } from "../../src/fusion/crosswalk-matching.js";
import { polygonVisibility } from "../../src/fusion/visibility.js";
import { Crosswalk, Pedestrian } from "../../src/msgs/types.generated.js";
import { fusionTuning } from "./support/map-fusion-tuning.js";
import { testCamera } from "./support/synthetic-drive.js";

/** The crosswalk tuning of config/map_fusion.param.yaml. */
const { crosswalkMatch, visibility, crosswalkRelation } = fusionTuning();

/** A 4 m deep crosswalk across the road at distance x, 8 m wide, counter-clockwise. */
const zebra = (x: number, y = 0) => [
  { x: x - 2, y: y - 4 },
  { x: x + 2, y: y - 4 },
  { x: x + 2, y: y + 4 },
  { x: x - 2, y: y + 4 },
];

describe("matchCrosswalks", () => {
  it("pairs overlapping polygons, leaves the rest as unmapped / unmatched", () => {
    const detected = [zebra(20.3, 0.2), zebra(50)];
    const mapped = [zebra(80), zebra(20)];
    const m = matchCrosswalks(detected, mapped, crosswalkMatch);
    expect(m.pairs).toEqual([[0, 1]]);
    expect(m.unmatchedDetections).toEqual([1]);
    expect(m.unmatchedMapped).toEqual([0]);
  });

  it("matches a partial detection by centroid distance when the overlap is small", () => {
    // Overlap 3 m^2 of a 32 m^2 crosswalk (IoU < 0.1), centroid 1.75 m away.
    const partial = [
      { x: 19, y: 1 },
      { x: 21, y: 1 },
      { x: 21, y: 2.5 },
      { x: 19, y: 2.5 },
    ];
    expect(matchCrosswalks([partial], [zebra(20)], crosswalkMatch).pairs).toEqual([[0, 0]]);
  });
});

describe("polygonVisibility", () => {
  const camera = testCamera();
  it("sees a crosswalk ahead within range and inside the image", () => {
    expect(polygonVisibility(zebra(15), camera, visibility)).toEqual({
      visible: true,
      calibrated: true,
    });
  });
  it("does not see one behind, beyond range, or outside the image", () => {
    expect(polygonVisibility(zebra(-10), camera, visibility).visible).toBe(false);
    expect(polygonVisibility(zebra(60), camera, visibility).visible).toBe(false);
    expect(polygonVisibility(zebra(10, 25), camera, visibility).visible).toBe(false);
  });
  it("falls back to a nominal field of view without calibration, and says so", () => {
    expect(polygonVisibility(zebra(15), undefined, visibility)).toEqual({
      visible: true,
      calibrated: false,
    });
    expect(polygonVisibility(zebra(10, 25), undefined, visibility).visible).toBe(false);
  });
});

describe("relateToCrosswalks and occupancy", () => {
  const polys = [zebra(20), zebra(60)];
  it("puts a pedestrian inside a polygon on it", () => {
    expect(
      relateToCrosswalks({ x: 20, y: 1 }, { x: 0, y: 0 }, polys, true, crosswalkRelation),
    ).toEqual({
      index: 0,
      relation: Pedestrian.CROSSWALK_RELATION_ON,
    });
  });
  it("says heading to when walking towards it from nearby, not when walking away or standing", () => {
    expect(
      relateToCrosswalks({ x: 20, y: -6 }, { x: 0, y: 1.3 }, polys, true, crosswalkRelation),
    ).toEqual({
      index: 0,
      relation: Pedestrian.CROSSWALK_RELATION_APPROACHING,
    });
    expect(
      relateToCrosswalks({ x: 20, y: -6 }, { x: 0, y: -1.3 }, polys, true, crosswalkRelation),
    ).toBeUndefined();
    expect(
      relateToCrosswalks({ x: 20, y: -6 }, { x: 0, y: 0 }, polys, true, crosswalkRelation),
    ).toBeUndefined();
    expect(
      relateToCrosswalks({ x: 20, y: -12 }, { x: 0, y: 1.3 }, polys, true, crosswalkRelation),
    ).toBeUndefined();
  });
  it("does not decide heading-to from a velocity relative to a moving vehicle", () => {
    expect(
      relateToCrosswalks({ x: 20, y: -6 }, { x: 0, y: 1.3 }, polys, false, crosswalkRelation),
    ).toBeUndefined();
  });
  it("maps relations to occupancy", () => {
    expect(crosswalkOccupancy(false, 2, 0)).toBe(Crosswalk.OCCUPANCY_UNKNOWN);
    expect(crosswalkOccupancy(true, 1, 1)).toBe(Crosswalk.OCCUPANCY_OCCUPIED);
    expect(crosswalkOccupancy(true, 0, 1)).toBe(Crosswalk.OCCUPANCY_APPROACHED);
    expect(crosswalkOccupancy(true, 0, 0)).toBe(Crosswalk.OCCUPANCY_FREE);
  });
});
