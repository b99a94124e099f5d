import { describe, expect, it } from "vitest";
import { FusionEngine } from "../../src/fusion/fusion-engine.js";
import { fusionEngineOptions } from "./support/map-fusion-tuning.js";
import {
  Crosswalk,
  MapDisagreement,
  type PerceptionFrame,
} from "../../src/msgs/types.generated.js";
import {
  CLEAN_LAYOUT,
  egoRoadState,
  LANE_WIDTH,
  MISMATCH,
  roadPoint,
  scriptedPedestrians,
  MISMATCH_MAP_LAYOUT,
  layoutMap,
  syntheticDrive,
  type DriveOptions,
  type FrameTruth,
} from "./support/synthetic-drive.js";

/** Runs a whole synthetic drive through one engine. */
function runDrive(
  mapLayout = CLEAN_LAYOUT,
  drive: DriveOptions = {},
): { engine: FusionEngine; frames: { frame: PerceptionFrame; truth: FrameTruth }[] } {
  const engine = new FusionEngine(fusionEngineOptions(layoutMap(mapLayout)));
  const frames: { frame: PerceptionFrame; truth: FrameTruth }[] = [];
  for (const { input, truth } of syntheticDrive(drive))
    frames.push({ frame: engine.update(input), truth });
  return { engine, frames };
}

const inCameraView = (p: { x: number; y: number }) =>
  p.x > 2 && Math.abs(Math.atan2(p.y, p.x)) < (35 * Math.PI) / 180;

describe("fusion bars on a synthetic drive with exact ground truth (clean map)", () => {
  const { engine, frames } = runDrive();

  it("estimates the ego lateral offset within 0.10 m in every frame with markings", () => {
    const errors = frames
      .filter((f) => f.truth.markingsVisible)
      .map((f) => Math.abs(f.frame.ego_lane.lateral_offset - f.truth.egoLateralOffset));
    expect(errors.length).toBeGreaterThan(1000);
    const worst = Math.max(...errors);
    console.log(
      `ego lateral offset: max error ${worst.toFixed(3)} m, mean ${(errors.reduce((a, b) => a + b, 0) / errors.length).toFixed(3)} m over ${errors.length} frames`,
    );
    expect(worst).toBeLessThan(0.1);
  });

  it("gives the heading error against the lane (the wander's heading, exactly known here)", () => {
    const errors = frames
      .filter((f) => f.frame.ego_lane.valid)
      .map((f) => Math.abs(f.frame.ego_lane.heading_error - Math.atan(egoRoadState(f.truth.t).dd)));
    expect(Math.max(...errors)).toBeLessThan(0.005);
    expect(
      Math.max(
        ...frames.map((f) => Math.abs(f.frame.ego_lane.heading_error)).filter(Number.isFinite),
      ),
    ).toBeGreaterThan(0.02);
  });

  it("names the ego lane correctly in at least 99 % of frames with visible markings", () => {
    const withMarkings = frames.filter((f) => f.truth.markingsVisible);
    const right = withMarkings.filter(
      (f) => f.frame.ego_lane.valid && f.frame.ego_lane.lane_id === f.truth.egoLaneId,
    ).length;
    console.log(
      `ego lane id right in ${right}/${withMarkings.length} frames (${((100 * right) / withMarkings.length).toFixed(2)} %)`,
    );
    expect(right / withMarkings.length).toBeGreaterThanOrEqual(0.99);
  });

  it("matches the ego markings to the map boundaries of the ego lane", () => {
    const f = frames[300]!;
    const left = f.frame.lanes.find((l) => l.position === 1)!;
    const right = f.frame.lanes.find((l) => l.position === 2)!;
    expect(left.map_id).toMatch(/_middle$/);
    expect(right.map_id).toMatch(/_right$/);
    expect(left.map_match_distance).toBeLessThan(0.3);
    expect(f.frame.ego_lane.localization_residual).toBeLessThan(0.3);
  });

  it("tracks pedestrian ground positions within 5 % of range up to 30 m", () => {
    const ratios: number[] = [];
    for (const { frame, truth } of frames) {
      for (const p of frame.pedestrians) {
        const t = truth.pedestrians.reduce((a, b) =>
          Math.hypot(b.base.x - p.position.x, b.base.y - p.position.y) <
          Math.hypot(a.base.x - p.position.x, a.base.y - p.position.y)
            ? b
            : a,
        );
        const range = Math.hypot(t.base.x, t.base.y);
        if (range > 30 || range < 3 || !inCameraView(t.base)) continue;
        ratios.push(Math.hypot(t.base.x - p.position.x, t.base.y - p.position.y) / range);
      }
    }
    ratios.sort((a, b) => a - b);
    console.log(
      `pedestrian position error / range: median ${(100 * ratios[ratios.length >> 1]!).toFixed(2)} %, max ${(100 * ratios[ratios.length - 1]!).toFixed(2)} % over ${ratios.length} track-frames`,
    );
    expect(ratios.length).toBeGreaterThan(500);
    expect(ratios[ratios.length - 1]!).toBeLessThan(0.05);
  });

  it("keeps one track id per pedestrian through short occlusions and missed detections", () => {
    const idsPerPedestrian = new Map<number, Set<number>>();
    for (const { frame, truth } of frames) {
      for (const t of truth.pedestrians) {
        if (!inCameraView(t.base) || Math.hypot(t.base.x, t.base.y) > 40) continue;
        const near = frame.pedestrians.filter(
          (p) => Math.hypot(p.position.x - t.base.x, p.position.y - t.base.y) < 1.5,
        );
        if (near.length !== 1) continue;
        if (!idsPerPedestrian.has(t.id)) idsPerPedestrian.set(t.id, new Set());
        idsPerPedestrian.get(t.id)!.add(near[0]!.track_id);
      }
    }
    // Pedestrian 4 is hidden for 0.6 s mid-crossing; every pedestrian must keep its first id.
    expect(idsPerPedestrian.get(4)?.size).toBe(1);
    for (const [, ids] of idsPerPedestrian) expect(ids.size).toBe(1);
    expect(idsPerPedestrian.size).toBeGreaterThanOrEqual(4);
  });

  it("gets crosswalk occupancy right in at least 95 % of frames", () => {
    let total = 0;
    let right = 0;
    const seen = new Set<number>();
    for (const { frame, truth } of frames) {
      for (const tc of truth.crosswalks) {
        total++;
        seen.add(tc.occupancy);
        if (frame.crosswalks.find((c) => c.map_id === tc.id)?.occupancy === tc.occupancy) right++;
      }
    }
    console.log(
      `crosswalk occupancy right in ${right}/${total} crosswalk-frames (${((100 * right) / total).toFixed(2)} %)`,
    );
    expect(total).toBeGreaterThan(100);
    // The drive exercises every state: free, occupied and approached.
    expect([...seen].sort()).toEqual(
      [
        Crosswalk.OCCUPANCY_FREE,
        Crosswalk.OCCUPANCY_OCCUPIED,
        Crosswalk.OCCUPANCY_APPROACHED,
      ].sort(),
    );
    expect(right / total).toBeGreaterThanOrEqual(0.95);
  });

  it("says when the jaywalker is in the ego lane corridor and when he will enter it", () => {
    const jaywalker = scriptedPedestrians().find((p) => p.id === 3)!;
    let inside = 0,
      insideRight = 0,
      approaching = 0,
      approachingRight = 0;
    for (const { frame, truth } of frames) {
      const t = truth.pedestrians.find((p) => p.id === 3)!;
      if (!inCameraView(t.base) || Math.hypot(t.base.x, t.base.y) > 40) continue;
      const track = frame.pedestrians.find(
        (p) => Math.hypot(p.position.x - t.base.x, p.position.y - t.base.y) < 1,
      );
      if (!track) continue;
      const d = jaywalker.at(truth.t).d;
      // The ego lane spans d in [-3.5, 0]; the runner moves +d at 2 m/s. Margins skip the edges.
      if (d > -3.2 && d < -0.3) {
        inside++;
        if (track.in_ego_corridor && track.time_to_enter_path === 0) insideRight++;
      } else if (d < -3.8 && jaywalker.at(truth.t + 0.1).d > d) {
        approaching++;
        const expected = (-LANE_WIDTH - d) / 2;
        if (
          !track.in_ego_corridor &&
          Math.abs(track.time_to_enter_path - expected) < 0.3 * expected + 0.3
        )
          approachingRight++;
      }
      expect(track.distance_along_path).toBeCloseTo(t.base.x, -0.5);
    }
    console.log(
      `jaywalker: in corridor ${insideRight}/${inside} frames, time to enter right ${approachingRight}/${approaching} frames`,
    );
    expect(inside).toBeGreaterThan(30);
    expect(approaching).toBeGreaterThan(10);
    expect(insideRight / inside).toBeGreaterThanOrEqual(0.95);
    expect(approachingRight / approaching).toBeGreaterThanOrEqual(0.8);
  });

  it("confirms the mapped crosswalks it sees and reports no disagreement on a clean map", () => {
    const statuses = new Set(frames.flatMap((f) => f.frame.crosswalks.map((c) => c.map_status)));
    expect(statuses.has(Crosswalk.MAP_STATUS_CONFIRMED)).toBe(true);
    expect(statuses.has(Crosswalk.MAP_STATUS_UNMAPPED)).toBe(false);
    expect(engine.disagreements()).toEqual([]);
    const scores = frames.map((f) => f.frame.map_consistency_score).filter(Number.isFinite);
    expect(Math.min(...scores.slice(100))).toBeGreaterThan(0.8);
  });
});

describe("map_mismatch: the map disagrees with the world", () => {
  const { engine, frames } = runDrive(MISMATCH_MAP_LAYOUT);

  it("reports every disagreement, each with evidence over several frames, and nothing else", () => {
    const found = engine.disagreements();
    const summary = found.map((d) => `${d.kind}:${d.map_id}`).sort();
    expect(summary).toEqual(
      [
        `${MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED}:${MISMATCH.shiftedBoundaryId}`,
        `${MapDisagreement.KIND_LANE_BOUNDARY_TYPE}:${MISMATCH.retypedBoundaryId}`,
        `${MapDisagreement.KIND_CROSSWALK_UNMAPPED}:`,
        `${MapDisagreement.KIND_CROSSWALK_MISSING}:${MISMATCH.missingCrosswalkId}`,
      ].sort(),
    );
    for (const d of found) expect(d.evidence_frames).toBeGreaterThanOrEqual(10);
    // The same, as a GeoJSON layer in WGS84 near the map's origin.
    const layer = engine.disagreementsGeoJson();
    expect(layer.features.map((f) => f.properties?.kind).sort()).toEqual([
      "crosswalk_missing",
      "crosswalk_unmapped",
      "lane_boundary_shifted",
      "lane_boundary_type",
    ]);
    for (const f of layer.features) {
      const [lon, lat] = f.geometry.coordinates as [number, number];
      expect(Math.abs(lat - 48.1372)).toBeLessThan(0.01);
      expect(Math.abs(lon - 11.5756)).toBeLessThan(0.01);
    }
    const shift = found.find((d) => d.kind === MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED)!;
    expect(shift.magnitude).toBeCloseTo(MISMATCH.shift, 1);
  });

  it("places the unmapped crosswalk and the shifted boundary where the world has them", () => {
    const found = engine.disagreements();
    const unmapped = found.find((d) => d.kind === MapDisagreement.KIND_CROSSWALK_UNMAPPED)!;
    const world = roadPoint(MISMATCH.unmappedCrosswalkS, 0);
    expect(Math.hypot(unmapped.position.x - world.x, unmapped.position.y - world.y)).toBeLessThan(
      1.5,
    );
    expect(
      frames.some((f) =>
        f.frame.crosswalks.some((c) => c.map_status === Crosswalk.MAP_STATUS_UNMAPPED),
      ),
    ).toBe(true);
    // The shift is reported on the map's (wrong) boundary, which lies within segment 5 (s 250..300).
    const shift = found.find((d) => d.kind === MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED)!;
    const segStart = roadPoint(250, -LANE_WIDTH + MISMATCH.shift);
    const segEnd = roadPoint(300, -LANE_WIDTH + MISMATCH.shift);
    const along =
      ((shift.position.x - segStart.x) * (segEnd.x - segStart.x) +
        (shift.position.y - segStart.y) * (segEnd.y - segStart.y)) /
      50 ** 2;
    expect(along).toBeGreaterThanOrEqual(0);
    expect(along).toBeLessThanOrEqual(1);
  });

  it("says which crosswalk is missing while it is in view", () => {
    const notSeen = frames.filter((f) =>
      f.frame.crosswalks.some(
        (c) =>
          c.map_id === MISMATCH.missingCrosswalkId &&
          c.map_status === Crosswalk.MAP_STATUS_NOT_SEEN,
      ),
    );
    expect(notSeen.length).toBeGreaterThan(30);
    const missing = notSeen[notSeen.length - 1]!.frame.crosswalks.find(
      (c) => c.map_id === MISMATCH.missingCrosswalkId,
    )!;
    expect(missing.occupancy).toBe(Crosswalk.OCCUPANCY_FREE);
    expect(missing.confidence).toBe(0);
  });

  it("lowers the map consistency score and still gets the ego lane right", () => {
    const scores = frames.map((f) => f.frame.map_consistency_score).filter(Number.isFinite);
    expect(Math.min(...scores)).toBeLessThan(0.8);
    const withMarkings = frames.filter((f) => f.truth.markingsVisible);
    const right = withMarkings.filter((f) => f.frame.ego_lane.lane_id === f.truth.egoLaneId).length;
    expect(right / withMarkings.length).toBeGreaterThanOrEqual(0.99);
  });
});

describe("a biased pose", () => {
  it("is corrected by the camera: the lateral offset stays within 0.10 m with the pose 0.5 m off", () => {
    const { frames } = runDrive(CLEAN_LAYOUT, { poseLateralBias: 0.5, to: 20 });
    const settled = frames.slice(30);
    const errors = settled.map((f) =>
      Math.abs(f.frame.ego_lane.lateral_offset - f.truth.egoLateralOffset),
    );
    expect(Math.max(...errors)).toBeLessThan(0.1);
    // The pose is 0.5 m left of the truth: the camera asks to move it right (negative y).
    const corrections = settled.map((f) => f.frame.ego_lane.lateral_correction);
    expect(corrections.reduce((a, b) => a + b, 0) / corrections.length).toBeCloseTo(-0.5, 1);
  });
});
