import { describe, expect, it } from "vitest";
import {
  associateMarkings,
  compareMarking,
  markingLateralAt,
} from "../../src/fusion/lane-association.js";
import { buildLocalMapView, type BoundaryInView } from "../../src/fusion/local-map-view.js";
import { mapToBase, planarPoseOf } from "../../src/fusion/planar-pose.js";
import type { LaneBoundary } from "../../src/map/types.js";
import { LaneMarking } from "../../src/msgs/types.generated.js";
import {
  CLEAN_LAYOUT,
  layoutMap,
  MISMATCH_MAP_LAYOUT,
  syntheticDrive,
} from "./support/synthetic-drive.js";
import { fusionTuning } from "./support/map-fusion-tuning.js";

/** The lane association and map view of config/map_fusion.param.yaml. */
const { laneAssociation, view: viewRegion } = fusionTuning();

/** A straight boundary parallel to base_link's x axis at lateral y. */
function boundary(id: string, y: number): BoundaryInView {
  const points = Array.from({ length: 31 }, (_, i) => ({ x: -10 + 2 * i, y }));
  const feature: LaneBoundary = {
    kind: "lane_boundary",
    id,
    boundaryType: "solid",
    color: "white",
    points,
  };
  return { feature, base: points };
}

function marking(c0: number, c1 = 0, position: number = LaneMarking.POSITION_UNKNOWN): LaneMarking {
  return {
    id: 1,
    position,
    type: LaneMarking.TYPE_SOLID,
    type_confidence: 0.9,
    color: 1,
    color_confidence: 0.9,
    confidence: 0.9,
    poly_coefficients: Float64Array.from([c0, c1, 0, 0]),
    poly_coefficients_std: new Float64Array(4),
    x_min: 5,
    x_max: 40,
    lateral_offset: c0,
    lateral_offset_std: 0.05,
    heading: Math.atan(c1),
    points: [],
    points_std: new Float32Array(),
    map_id: "",
    map_match_distance: NaN,
  };
}

const road = [boundary("right", -1.75), boundary("middle", 1.75), boundary("left", 5.25)];

describe("associateMarkings", () => {
  it("matches each marking to its boundary with no common shift when the pose is right", () => {
    const a = associateMarkings(
      [marking(1.76), marking(-1.74), marking(5.2)],
      road,
      laneAssociation,
    );
    expect(a.matches.map((c) => c?.boundary.feature.id)).toEqual(["middle", "right", "left"]);
    // Offsets 0.01, 0.01, -0.05 with equal weights.
    expect(a.commonShift).toBeCloseTo(-0.01, 9);
    expect(a.residual).toBeLessThan(0.05);
  });

  it("finds the common lateral shift of a biased pose and still associates correctly", () => {
    // The pose is 0.9 m left of the truth: the markings appear 0.9 m right of where the map puts them.
    const a = associateMarkings(
      [marking(1.75 - 0.9), marking(-1.75 - 0.9), marking(5.25 - 0.9)],
      road,
      laneAssociation,
    );
    expect(a.matches.map((c) => c?.boundary.feature.id)).toEqual(["middle", "right", "left"]);
    expect(a.commonShift).toBeCloseTo(-0.9, 6);
    expect(a.residual).toBeCloseTo(0, 6);
  });

  it("keeps a single shifted boundary as a match with its own offset (evidence of a map error)", () => {
    const a = associateMarkings(
      [marking(1.75), marking(-1.75 + 0.6), marking(5.25)],
      road,
      laneAssociation,
    );
    expect(a.matches.map((c) => c?.boundary.feature.id)).toEqual(["middle", "right", "left"]);
    expect(a.commonShift).toBeCloseTo(0, 6);
    expect(a.matches[1]!.meanOffset).toBeCloseTo(0.6, 6);
  });

  it("leaves a marking with no boundary near it unmatched, and one boundary serves one marking", () => {
    const a = associateMarkings([marking(1.75), marking(1.8), marking(12)], road, laneAssociation);
    expect(a.matches[0]!.boundary.feature.id).toBe("middle");
    expect(a.matches[1]).toBeUndefined();
    expect(a.matches[2]).toBeUndefined();
  });

  it("compares only where the marking and the boundary overlap in x", () => {
    const short = {
      ...boundary("short", 1.75),
      base: [
        { x: 38, y: 1.75 },
        { x: 39, y: 1.75 },
      ],
    };
    const a = associateMarkings([marking(1.75)], [short], laneAssociation);
    expect(a.matches[0]).toBeUndefined();
    expect(Number.isNaN(a.commonShift)).toBe(true);
  });

  it("associates a map view's boundaries (read through its transform) as their base_link copies", () => {
    let matched = 0;
    for (const layout of [CLEAN_LAYOUT, MISMATCH_MAP_LAYOUT]) {
      const map = layoutMap(layout);
      for (const f of syntheticDrive({ world: CLEAN_LAYOUT, from: 5, to: 40, rate: 2 })) {
        if (f.input.pose.kind !== "ok") continue;
        const pose = planarPoseOf(f.input.pose.mapFromBase)!;
        const view = buildLocalMapView(map, pose, viewRegion);
        const copies = view.boundaries.map((b) => ({
          feature: b.feature,
          base: b.base.map((p) => ({ ...p })),
        }));
        for (const [b, copy] of view.boundaries.map((b, i) => [b, copies[i]!] as const)) {
          expect(copy.base).toEqual(b.feature.points.map((p) => mapToBase(pose, p)));
          const m = f.input.lanes!.markings[0];
          if (m)
            expect(compareMarking(m, b, laneAssociation)?.offsets).toEqual(
              compareMarking(m, copy, laneAssociation)?.offsets,
            );
        }
        const summary = (a: ReturnType<typeof associateMarkings>) => ({
          ...a,
          matches: a.matches.map(
            (c) =>
              c && {
                id: c.boundary.feature.id,
                meanOffset: c.meanOffset,
                offsets: c.offsets,
                xs: c.xs,
              },
          ),
        });
        const a = associateMarkings(f.input.lanes!.markings, view.boundaries, laneAssociation);
        expect(summary(a)).toEqual(
          summary(associateMarkings(f.input.lanes!.markings, copies, laneAssociation)),
        );
        matched += a.matches.filter((c) => c !== undefined).length;
      }
    }
    expect(matched).toBeGreaterThan(50);
  });

  it("evaluates the cubic", () => {
    const m = marking(1, 0.1);
    m.poly_coefficients[2] = 0.01;
    m.poly_coefficients[3] = 0.001;
    expect(markingLateralAt(m, 10)).toBeCloseTo(1 + 1 + 1 + 1, 12);
  });
});
