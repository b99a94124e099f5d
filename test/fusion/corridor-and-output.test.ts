import { describe, expect, it } from "vitest";
import { pedestriansToDetection2DArray } from "../../src/fusion/detection2d.js";
import {
  corridorFromMarkings,
  relateToCorridor,
  type EgoCorridor,
} from "../../src/fusion/ego-corridor.js";
import {
  lateralAtX,
  lateralAtXOn,
  projectOnPolyline,
  segmentsReachingX,
} from "../../src/fusion/polyline.js";
import { cumulativeLengths } from "../../src/geometry/polyline.js";
import type { LaneMarking, PerceptionFrame } from "../../src/msgs/types.generated.js";
import { fusionTuning } from "./support/map-fusion-tuning.js";
import { pedestrianDetection, Rng } from "./support/synthetic-drive.js";

/** The node's least approach speed towards the corridor (config/map_fusion.param.yaml). */
const MIN_APPROACH = fusionTuning().corridorMinApproachSpeed;

/** The ego corridor tuning of config/map_fusion.param.yaml. */
const { corridor } = fusionTuning();

const straight = (): EgoCorridor => {
  const centre = Array.from({ length: 51 }, (_, i) => ({ x: -10 + 2 * i, y: 0 }));
  return {
    frame: "base_link",
    source: "markings",
    centre,
    cumulative: cumulativeLengths(centre),
    leftWidth: new Float64Array(51).fill(1.75),
    rightWidth: new Float64Array(51).fill(1.75),
  };
};

describe("relateToCorridor", () => {
  const c = straight();
  it("heads in only at the least approach speed or faster (standing or drifting is not heading in)", () => {
    // 3 m outside the right edge (-1.75), walking left towards it
    const at = (speed: number) =>
      relateToCorridor(c, { x: 0, y: 0 }, { x: 20, y: -4.75 }, { x: 0, y: speed }, MIN_APPROACH)!
        .timeToEnter;
    expect(MIN_APPROACH).toBeGreaterThan(0.1);
    expect(at(0.001)).toBe(-1);
    expect(at(MIN_APPROACH * 0.9)).toBe(-1);
    expect(at(MIN_APPROACH)).toBeCloseTo(3 / MIN_APPROACH, 9);
    expect(at(1.5)).toBeCloseTo(2, 9);
  });
  it("is inside with time 0 and the distance along the path", () => {
    expect(
      relateToCorridor(c, { x: 0, y: 0 }, { x: 20, y: 1 }, { x: 0, y: 0 }, MIN_APPROACH),
    ).toEqual({
      inside: true,
      distanceAlong: 20,
      timeToEnter: 0,
    });
  });
  it("gives the time to enter when walking in, -1 when walking away", () => {
    const r = relateToCorridor(
      c,
      { x: 0, y: 0 },
      { x: 20, y: -4.75 },
      { x: 0, y: 1.5 },
      MIN_APPROACH,
    )!;
    expect(r.inside).toBe(false);
    expect(r.timeToEnter).toBeCloseTo(2, 9);
    expect(
      relateToCorridor(c, { x: 0, y: 0 }, { x: 20, y: 4.75 }, { x: 0, y: 1.5 }, MIN_APPROACH)!
        .timeToEnter,
    ).toBe(-1);
  });
});

describe("corridorFromMarkings", () => {
  const m = (c0: number): LaneMarking => ({
    id: 1,
    position: 0,
    type: 1,
    type_confidence: 1,
    color: 1,
    color_confidence: 1,
    confidence: 1,
    poly_coefficients: Float64Array.from([c0, 0, 0.001, 0]),
    poly_coefficients_std: new Float64Array(4),
    x_min: 5,
    x_max: 30,
    lateral_offset: c0,
    lateral_offset_std: 0.05,
    heading: 0,
    points: [],
    points_std: new Float32Array(),
    map_id: "",
    map_match_distance: NaN,
  });
  it("runs between the two ego markings", () => {
    const c = corridorFromMarkings(m(2), m(-1.5), corridor)!;
    expect(c.frame).toBe("base_link");
    const r = relateToCorridor(
      c,
      { x: 0, y: 0 },
      { x: 10, y: 0.25 + 0.1 + 1.7 },
      { x: 0, y: 0 },
      MIN_APPROACH,
    )!;
    expect(r.inside).toBe(true);
    expect(
      relateToCorridor(c, { x: 0, y: 0 }, { x: 10, y: 2.5 }, { x: 0, y: 0 }, MIN_APPROACH)!.inside,
    ).toBe(false);
  });
  it("assumes a default lane width with one marking, none without", () => {
    const c = corridorFromMarkings(undefined, m(-1.75), corridor)!;
    expect(c.leftWidth[0]).toBe(corridor.nominalHalfWidth);
    expect(c.rightWidth[0]).toBe(corridor.nominalHalfWidth);
    expect(
      relateToCorridor(c, { x: 0, y: 0 }, { x: 10, y: 1.5 }, { x: 0, y: 0 }, MIN_APPROACH)!.inside,
    ).toBe(true);
    expect(corridorFromMarkings(undefined, undefined, corridor)).toBeUndefined();
  });
});

describe("polyline helpers", () => {
  const line = [
    { x: 0, y: 0 },
    { x: 10, y: 0 },
  ];
  it("extrapolates the arc length beyond the ends with a signed lateral offset", () => {
    expect(projectOnPolyline(line, { x: -3, y: 2 })).toMatchObject({ s: -3, lateral: 2 });
    expect(projectOnPolyline(line, { x: 13, y: -1 })).toMatchObject({ s: 13, lateral: -1 });
    expect(projectOnPolyline(line, { x: 4, y: 1 })).toMatchObject({
      s: 4,
      lateral: 1,
      distance: 1,
    });
  });
  it("finds y at x on a base_link polyline, nearest crossing to a hint", () => {
    expect(
      lateralAtX(
        [
          { x: 0, y: 1 },
          { x: 10, y: 3 },
        ],
        5,
      ),
    ).toBeCloseTo(2, 12);
    expect(
      lateralAtX(
        [
          { x: 0, y: 1 },
          { x: 10, y: 3 },
        ],
        11,
      ),
    ).toBeUndefined();
  });
  it("finds the same y on a flat polyline among the segments that reach the x range", () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 50; trial++) {
      // Back-and-forth x with repeated and equal-x (vertical) vertices.
      const points = Array.from({ length: 12 }, (_, i) => ({
        x: i % 5 === 4 ? 3 : Math.round(rng.gauss() * 8),
        y: rng.gauss() * 3,
      }));
      points.push({ ...points[points.length - 1]! });
      const line = {
        xs: Float64Array.from(points, (p) => p.x),
        ys: Float64Array.from(points, (p) => p.y),
        offset: 0,
        n: points.length,
      };
      const xs = [rng.gauss() * 8, rng.gauss() * 8, 3, NaN].map((x) => Math.round(x * 2) / 2);
      const lo = Math.min(...xs.slice(0, 3));
      const hi = Math.max(...xs.slice(0, 3));
      const segments = new Int32Array(points.length);
      for (const [from, to] of [
        [lo, hi],
        [NaN, NaN],
      ] as const) {
        const count = segmentsReachingX(line, from, to, segments);
        for (const x of Number.isNaN(from) ? xs : xs.slice(0, 3)) {
          const near = rng.gauss();
          expect(lateralAtXOn(line, segments, count, x, near)).toBe(lateralAtX(points, x, near));
        }
      }
    }
  });
});

describe("pedestriansToDetection2DArray", () => {
  it("writes one person detection per pedestrian with the track id", () => {
    const p = {
      ...pedestrianDetection({ x: 12, y: -2 }, 0.02, new Rng(1)),
      track_id: 17,
      confidence: 0.7,
    };
    const frame = {
      header: { stamp: { sec: 5, nanosec: 6 }, frame_id: "base_link" },
      pedestrians: [p],
    } as unknown as PerceptionFrame;
    const out = pedestriansToDetection2DArray(frame);
    expect(out.header).toEqual(frame.header);
    expect(out.detections).toHaveLength(1);
    const d = out.detections[0]!;
    expect(d.id).toBe("17");
    expect(d.results[0]!.hypothesis).toEqual({ class_id: "person", score: 0.7 });
    expect(d.bbox.center.position).toEqual({ x: 620, y: 350 });
    expect(d.bbox.size_x).toBe(40);
    expect(d.results[0]!.pose.pose.position).toEqual(p.position);
    expect(d.results[0]!.pose.covariance[0]).toBe(p.position_covariance[0]);
    expect(d.results[0]!.pose.covariance[7]).toBe(p.position_covariance[3]);
  });
});
