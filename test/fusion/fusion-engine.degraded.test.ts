import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { FusionEngine, type FusionInput } from "../../src/fusion/fusion-engine.js";
import { quatFromEuler } from "../../src/geometry/transform.js";
import { Crosswalk } from "../../src/msgs/types.generated.js";
import type { Box2, HdMap, MapFeature, MapFeatureKind } from "../../src/map/types.js";
import {
  CLEAN_LAYOUT,
  layoutMap,
  roadPoint,
  syntheticDrive,
  type SyntheticFrame,
} from "./support/synthetic-drive.js";
import { fusionEngineOptions, fusionTuning } from "./support/map-fusion-tuning.js";

const drive = (from: number, to: number, extra = {}): SyntheticFrame[] => [
  ...syntheticDrive({ from, to, ...extra }),
];

/** Runs frames through a fresh engine and returns the outputs. */
function run(
  frames: FusionInput[],
  engine = new FusionEngine(fusionEngineOptions(layoutMap(CLEAN_LAYOUT))),
) {
  return { engine, out: frames.map((f) => engine.update(f)) };
}

function expectVehicleFrameOnly(frame: ReturnType<FusionEngine["update"]>): void {
  expect(frame.pose_valid).toBe(false);
  expect(frame.header.frame_id).toBe("base_link");
  expect(frame.ego_lane.valid).toBe(false);
  expect(frame.ego_lane.lane_id).toBe("");
  expect(Number.isNaN(frame.ego_lane.lateral_offset)).toBe(true);
  expect(Number.isNaN(frame.map_consistency_score)).toBe(true);
  expect(frame.disagreements).toEqual([]);
  expect(Number.isNaN(frame.pose.position.x)).toBe(true);
  for (const l of frame.lanes) {
    expect(l.map_id).toBe("");
    expect(Number.isNaN(l.map_match_distance)).toBe(true);
  }
  for (const c of frame.crosswalks) {
    expect(c.map_id).toBe("");
    expect(c.map_status).toBe(Crosswalk.MAP_STATUS_NOT_CHECKED);
  }
}

describe("FusionEngine with a degraded pose", () => {
  for (const kind of ["missing", "stale", "invalid"] as const) {
    it(`gives vehicle-frame outputs only and says why when the pose is ${kind}`, () => {
      const frames = drive(12, 13.5).map(
        (f) => ({ ...f.input, pose: { kind, reason: `test ${kind}` } }) as FusionInput,
      );
      const { out } = run(frames);
      for (const frame of out) {
        expectVehicleFrameOnly(frame);
        expect(frame.status).toContain(`pose ${kind}: test ${kind}`);
      }
      // Pedestrians are still tracked (in base_link) and crosswalks still reported from the camera.
      const last = out[out.length - 1]!;
      expect(last.pedestrians.length).toBeGreaterThan(0);
      expect(last.pedestrians.every((p) => p.track_id > 0)).toBe(true);
      expect(last.crosswalks.length).toBeGreaterThan(0);
      // The corridor comes from the detected ego markings.
      expect(last.pedestrians.some((p) => Number.isFinite(p.distance_along_path))).toBe(true);
    });
  }

  it("rejects a NaN pose with a counted reason", () => {
    const frames = drive(12, 12.5).map(
      (f) =>
        ({
          ...f.input,
          pose: {
            kind: "ok",
            mapFromBase: { translation: { x: NaN, y: 0, z: 0 }, rotation: quatFromEuler(0, 0, 0) },
            ageSec: 0,
          },
        }) as FusionInput,
    );
    const { engine, out } = run(frames);
    for (const frame of out) {
      expectVehicleFrameOnly(frame);
      expect(frame.status).toContain("pose invalid");
    }
    expect(engine.rejectionCounts()["pose(s): non-finite"]).toBe(frames.length);
  });

  it("without a recovery time (pose_jump_recovery_s 0), flags a pose that jumps 20 m between frames and recovers on the next consistent pose", () => {
    const frames = drive(12, 13).map((f) => f.input);
    const jumped = frames.map((f, i) => {
      if (i !== 10 || f.pose.kind !== "ok") return f;
      const t = f.pose.mapFromBase.translation;
      return {
        ...f,
        pose: {
          ...f.pose,
          mapFromBase: { ...f.pose.mapFromBase, translation: { ...t, x: t.x + 20 } },
        },
      };
    });
    const { engine, out } = run(
      jumped,
      new FusionEngine(
        fusionEngineOptions(layoutMap(CLEAN_LAYOUT), {
          poseGate: { ...fusionTuning().poseGate, jumpRecoverySec: 0 },
        }),
      ),
    );
    expect(out[9]!.pose_valid).toBe(true);
    expectVehicleFrameOnly(out[10]!);
    expect(out[10]!.status).toMatch(/pose jumped 20\.\d\d m/);
    // Back on the true trajectory: one more flagged frame (the jump back), then valid again.
    expect(out[11]!.pose_valid).toBe(false);
    expect(out[12]!.pose_valid).toBe(true);
    expect(out[12]!.ego_lane.valid).toBe(true);
    expect(engine.rejectionCounts()["pose(s): jump"]).toBe(2);
  });

  it("with jumpRecoverySec, a pose that jumps and stays there is not valid (nor matched to the map) until the recovery has passed", () => {
    const frames = drive(12, 40).map((f) => f.input);
    const shifted = frames.map((f, i) => {
      if (i < 10 || f.pose.kind !== "ok") return f;
      const t = f.pose.mapFromBase.translation;
      return {
        ...f,
        pose: {
          ...f.pose,
          mapFromBase: { ...f.pose.mapFromBase, translation: { ...t, x: t.x + 20 } },
        },
      };
    });
    const { engine, out } = run(
      shifted,
      new FusionEngine(
        fusionEngineOptions(layoutMap(CLEAN_LAYOUT), {
          poseGate: { ...fusionTuning().poseGate, jumpRecoverySec: 0.5 },
        }),
      ),
    );
    const sec = (i: number): number => frames[i]!.stamp.sec + frames[i]!.stamp.nanosec / 1e9;
    let after = 0;
    for (let i = 0; i < out.length; i++) {
      if (i < 10) expect(out[i]!.pose_valid, `frame ${i}`).toBe(true);
      else if (sec(i) - sec(10) < 0.5) {
        expectVehicleFrameOnly(out[i]!);
        expect(out[i]!.status).toMatch(
          i === 10
            ? /pose jumped 20\.\d\d m/
            : /pose jumped \d\.\d{3} s ago: invalid until consistent for 0\.5 s/,
        );
      } else {
        expect(out[i]!.pose_valid, `frame ${i}`).toBe(true);
        after++;
      }
    }
    expect(after).toBeGreaterThan(3);
    expect(engine.rejectionCounts()["pose(s): jump"]).toBe(1);
  });

  it("keeps pedestrian ids while the pose drops out for a few frames", () => {
    const frames = drive(10, 13).map(
      (f, i) =>
        (i >= 40 && i < 46
          ? { ...f.input, pose: { kind: "stale", reason: "pose stale by 0.3 s" } }
          : f.input) as FusionInput,
    );
    const { out } = run(frames);
    const idsBefore = new Set(out[39]!.pedestrians.map((p) => p.track_id));
    const idsAfter = new Set(out[60]!.pedestrians.map((p) => p.track_id));
    expect(idsBefore.size).toBeGreaterThan(0);
    for (const id of idsBefore) expect(idsAfter.has(id)).toBe(true);
  });
});

describe("FusionEngine with bad time and bad inputs", () => {
  it("resets the trackers and says so when time goes backwards (a looping bag)", () => {
    const loop = drive(12, 13).map((f) => f.input);
    const { engine, out } = run([...loop, ...loop]);
    const first = out[loop.length]!;
    expect(first.status).toMatch(/time went backwards by 1\.0\d* s: pedestrian tracks reset/);
    expect(engine.timeResets).toBe(1);
    // New tracks need N hits again: nothing confirmed on the first frame after the loop.
    expect(first.pedestrians).toEqual([]);
    const before = new Set(out[loop.length - 1]!.pedestrians.map((p) => p.track_id));
    const after = out[out.length - 1]!.pedestrians.map((p) => p.track_id);
    expect(after.length).toBeGreaterThan(0);
    for (const id of after) expect(before.has(id)).toBe(false);
  });

  it("drops NaN detections with counted reasons and fuses the rest", () => {
    const frames = drive(12, 12.5).map((f) => {
      const peds = f.input.pedestrians!;
      const lanes = f.input.lanes!;
      return {
        ...f.input,
        pedestrians: {
          ...peds,
          pedestrians: [
            ...peds.pedestrians,
            { ...peds.pedestrians[0]!, position: { x: NaN, y: 1, z: 0 } },
          ],
        },
        lanes: {
          ...lanes,
          markings: [
            ...lanes.markings,
            { ...lanes.markings[0]!, poly_coefficients: Float64Array.from([NaN, 0, 0, 0]) },
          ],
        },
      };
    });
    const { engine, out } = run(frames);
    const counts = engine.rejectionCounts();
    expect(counts["pedestrian(s): non-finite position"]).toBe(frames.length);
    expect(counts["lane marking(s): non-finite polynomial"]).toBe(frames.length);
    const last = out[out.length - 1]!;
    expect(last.status).toContain("rejected 1 pedestrian(s): non-finite position");
    expect(last.ego_lane.valid).toBe(true);
    expect(last.pedestrians.every((p) => Number.isFinite(p.position.x))).toBe(true);
  });

  it("refuses detections in the wrong frame", () => {
    const frames = drive(12, 12.2).map((f) => ({
      ...f.input,
      lanes: {
        ...f.input.lanes!,
        header: { ...f.input.lanes!.header, frame_id: "camera_optical_frame" },
      },
    }));
    const { out } = run(frames);
    expect(out[0]!.lanes).toEqual([]);
    expect(out[0]!.status).toContain(
      "lane marking array(s): frame 'camera_optical_frame' is not base_link",
    );
  });

  it("throws a time PerceptionError for a stamp that is not a number", () => {
    const [f] = drive(12, 12);
    const engine = new FusionEngine(fusionEngineOptions(layoutMap(CLEAN_LAYOUT)));
    expect(() => engine.update({ ...f!.input, stamp: { sec: NaN, nanosec: 0 } })).toThrow(
      PerceptionError,
    );
    // The engine goes on afterwards.
    expect(engine.update(f!.input).header.frame_id).toBe("base_link");
  });

  it("without camera geometry: says so, still confirms crosswalks, never declares one missing", () => {
    const frames = drive(10, 14, { noGeometry: true }).map((f) => f.input);
    const { engine, out } = run(frames);
    expect(out[0]!.status).toContain("no camera geometry");
    expect(
      out.some((f) => f.crosswalks.some((c) => c.map_status === Crosswalk.MAP_STATUS_CONFIRMED)),
    ).toBe(true);
    expect(engine.disagreements()).toEqual([]);
  });

  it("without a map: vehicle-frame outputs, pose still reported", () => {
    const frames = drive(12, 13).map((f) => f.input);
    const { out } = run(frames, new FusionEngine(fusionEngineOptions(undefined)));
    const last = out[out.length - 1]!;
    expect(last.pose_valid).toBe(true);
    expect(last.status).toContain("no HD map");
    expect(last.ego_lane.valid).toBe(false);
    expect(last.crosswalks.every((c) => c.map_status === Crosswalk.MAP_STATUS_NOT_CHECKED)).toBe(
      true,
    );
    expect(last.pedestrians.length).toBeGreaterThan(0);
    expect(Number.isNaN(last.map_consistency_score)).toBe(true);
  });

  it("survives a map with degenerate features (a one-point boundary, a lane without boundaries, a two-point crosswalk)", () => {
    const good = layoutMap(CLEAN_LAYOUT);
    const broken: MapFeature[] = [
      {
        kind: "lane_boundary",
        id: "stub",
        boundaryType: "solid",
        color: "white",
        points: [roadPoint(160, -1.75)],
      },
      {
        kind: "lane",
        id: "orphan",
        centerline: [roadPoint(150, -1.75)],
        leftBoundaryId: "nope",
        rightBoundaryId: "stub",
        successorIds: ["gone"],
        predecessorIds: [],
      },
      { kind: "crosswalk", id: "flat", polygon: [roadPoint(160, -4), roadPoint(160, 4)] },
    ];
    const all = [
      ...broken,
      ...[...good.laneBoundaries.values(), ...good.lanes.values(), ...good.crosswalks.values()],
    ];
    // The loader would refuse these features: they are slipped into a loaded map's queries.
    const map = Object.assign(Object.create(good) as HdMap, {
      name: "broken",
      feature: (id: string) => all.find((f) => f.id === id),
      query: (box: Box2, kinds?: readonly MapFeatureKind[]) => [
        ...good.query(box, kinds),
        ...broken.filter((f) => !kinds || kinds.includes(f.kind)),
      ],
    });
    const engine = new FusionEngine(fusionEngineOptions(map));
    const out = drive(12, 14).map((f) => engine.update(f.input));
    expect(out.every((f) => f.pose_valid)).toBe(true);
    expect(out[out.length - 1]!.ego_lane.valid).toBe(true);
    expect(out[out.length - 1]!.ego_lane.lane_id).toMatch(/^seg\d+_lane_r$/);
  });

  it("copies the stage latencies and adds its own", () => {
    const [f] = drive(12, 12);
    const frame = new FusionEngine(fusionEngineOptions(layoutMap(CLEAN_LAYOUT))).update(f!.input);
    expect(frame.latencies.map((l) => l.stage)).toEqual(["detect", "fusion"]);
    expect(frame.latencies[1]!.duration_ms).toBeGreaterThan(0);
    expect(frame.pipeline_latency_ms).toBeCloseTo(12 + frame.latencies[1]!.duration_ms, 6);
    expect(frame.header.stamp).toEqual(f!.input.stamp);
  });
});
