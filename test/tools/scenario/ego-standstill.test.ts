/**
 * The ego's pose through a stop (the town scenarios yield at the near stop line): the heading must
 * stay the direction of the lane while the car stands (it once came from atan2 of a zero
 * displacement plus the lateral wander, and swung to +-90 degrees), the car must not slide sideways
 * while stopped, and /tf, /localization/pose and the ground truth must all say so.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBag } from "../../../src/bag/open-bag.js";
import { distanceToPolyline } from "../../../src/geometry/polyline.js";
import { yawOf } from "../../../src/geometry/quaternion.js";
import type { Point2 } from "../../../src/geometry/types.js";
import { loadHdMap } from "../../../src/map/loader.js";
import type { PoseStamped, TFMessage } from "../../../src/msgs/types.generated.js";
import { generateDrive, TOPICS } from "../../../tools/scenario/generate-drive.js";
import { loadGroundTruth, type GroundTruthFrame } from "../../../src/report/ground-truth.js";
import { buildScenario } from "../../../tools/scenario/scenarios.js";
import { EgoDrive } from "../../../tools/scenario/world/ego-motion.js";
import { Prng } from "../../../tools/scenario/prng.js";
import { ReferenceLine } from "../../../tools/scenario/world/reference-line.js";
import { testTimeout } from "../../support/emulation.js";

/** Largest yaw change allowed between consecutive 50 Hz pose samples (0.5 rad/s; the old defect: 1.2 rad). */
const MAX_YAW_STEP = 0.01;

function wrap(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

/** Signed lateral offset (left positive) of a point from a reference line at a station. */
function lateralOf(line: ReferenceLine, station: number, p: Point2): number {
  const c = line.poseAt(station);
  return -(p.x - c.x) * Math.sin(c.heading) + (p.y - c.y) * Math.cos(c.heading);
}

describe("EgoDrive through a stop", () => {
  it("holds the lane's heading and position while stopped and drives on smoothly (a drive with a curve)", () => {
    // A left arc into a straight; stop on the arc, wait 3 s, go on.
    const line = new ReferenceLine({
      start: { x: 0, y: 0, heading: 0 },
      segments: [
        { kind: "arc", length: 80, curvature: 1 / 60 },
        { kind: "straight", length: 200 },
      ],
    });
    const ego = new EgoDrive({
      line,
      laneOffset: -1.75,
      startStation: 5,
      speed: 10,
      stopAt: { station: 50, releaseTime: 9 },
      wander: 0.15,
      duration: 16,
      prng: new Prng(5),
    });
    let prev = ego.poseAt(0);
    let stoppedSamples = 0;
    let movedAfter = false;
    for (let j = 1; j <= 15 * 50; j++) {
      const t = j / 50;
      const p = ego.poseAt(t);
      const s = ego.stationAt(t);
      expect(Math.abs(wrap(p.heading - prev.heading)), `yaw step at t=${t}`).toBeLessThan(
        MAX_YAW_STEP,
      );
      expect(
        Math.abs(wrap(p.heading - line.poseAt(s).heading)),
        `yaw vs lane at t=${t}`,
      ).toBeLessThan(0.03);
      expect(Math.abs(lateralOf(line, s, p) + 1.75), `lateral at t=${t}`).toBeLessThan(0.16);
      if (ego.speedAt(t) === 0 && ego.speedAt(t - 1 / 50) === 0) {
        stoppedSamples++;
        expect(
          Math.hypot(p.x - prev.x, p.y - prev.y),
          `moved while stopped at t=${t}`,
        ).toBeLessThan(1e-9);
      }
      if (stoppedSamples > 0 && ego.speedAt(t) > 5) movedAfter = true;
      prev = p;
    }
    expect(stoppedSamples).toBeGreaterThan(50);
    expect(Math.abs(ego.stationAt(8) - 50)).toBeLessThan(0.6);
    expect(movedAfter).toBe(true);
  });

  for (const name of ["urban_intersection", "night", "rain", "map_mismatch", "sample"]) {
    it(`${name}: yaw continuous and the car in its lane through the yield at the stop line and the restart`, () => {
      const s = buildScenario(name, { seed: 3, duration: 24 });
      const line = s.world.roads.get("main")!;
      // The ego lane: the forward lane whose centre is nearest the start.
      const start = s.ego.poseAt(0);
      const offsets = s.world.lanes
        .filter((l) => l.id.startsWith("main_l") && l.id.endsWith("_0"))
        .map((l) => ({
          id: l.id,
          offset: lateralOf(line, 0, l.centerline[0]!),
          forward:
            Math.cos(
              Math.atan2(
                l.centerline[1]!.y - l.centerline[0]!.y,
                l.centerline[1]!.x - l.centerline[0]!.x,
              ) - start.heading,
            ) > 0.5,
        }))
        .filter((l) => l.forward);
      const laneOffset = offsets.reduce((a, b) =>
        Math.abs(lateralOf(line, s.ego.stationAt(0), start) - b.offset) <
        Math.abs(lateralOf(line, s.ego.stationAt(0), start) - a.offset)
          ? b
          : a,
      ).offset;
      let prev = start;
      let stopped = 0;
      let restarted = false;
      for (let j = 1; j <= 23 * 50; j++) {
        const t = j / 50;
        const p = s.ego.poseAt(t);
        const st = s.ego.stationAt(t);
        expect(Math.abs(wrap(p.heading - prev.heading)), `yaw step at t=${t}`).toBeLessThan(
          MAX_YAW_STEP,
        );
        expect(
          Math.abs(wrap(p.heading - line.poseAt(st).heading)),
          `yaw vs road at t=${t}`,
        ).toBeLessThan(0.03);
        expect(Math.abs(lateralOf(line, st, p) - laneOffset), `lateral at t=${t}`).toBeLessThan(
          0.12,
        );
        if (s.ego.speedAt(t) === 0) {
          stopped++;
          if (s.ego.speedAt(t - 1 / 50) === 0)
            expect(
              Math.hypot(p.x - prev.x, p.y - prev.y),
              `moved while stopped at t=${t}`,
            ).toBeLessThan(1e-9);
        }
        if (stopped > 0 && s.ego.speedAt(t) > 5) restarted = true;
        prev = p;
      }
      expect(stopped, "the ego yields at the stop line").toBeGreaterThan(50);
      expect(restarted, "and drives on once the crossing is clear").toBe(true);
    });
  }
});

describe("generated map_mismatch drive through the stop (/tf, /localization/pose, ground truth)", () => {
  const dir = mkdtempSync(join(tmpdir(), "scenario-standstill-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, "drive");
  let gt: GroundTruthFrame[];
  const tf: Array<{ ns: bigint; x: number; y: number; yaw: number }> = [];
  const pose: Array<{ ns: bigint; x: number; y: number; yaw: number }> = [];

  beforeAll(async () => {
    await generateDrive({
      scenario: "map_mismatch",
      seed: 3,
      frames: 300,
      out,
      camera: { width: 160, height: 90 },
    });
    gt = loadGroundTruth(out);
    const bag = await openBag(out);
    for await (const e of bag.messages<unknown>()) {
      if (!("message" in e)) throw new Error(`bag error entry: ${JSON.stringify(e)}`);
      if (e.topic === TOPICS.tf) {
        const t = (e.message as TFMessage).transforms[0]!;
        tf.push({
          ns: BigInt(t.header.stamp.sec) * 1_000_000_000n + BigInt(t.header.stamp.nanosec),
          x: t.transform.translation.x,
          y: t.transform.translation.y,
          yaw: yawOf(t.transform.rotation),
        });
      }
      if (e.topic === TOPICS.pose) {
        const m = e.message as PoseStamped;
        pose.push({
          ns: BigInt(m.header.stamp.sec) * 1_000_000_000n + BigInt(m.header.stamp.nanosec),
          x: m.pose.position.x,
          y: m.pose.position.y,
          yaw: yawOf(m.pose.orientation),
        });
      }
    }
    await bag.close();
  }, testTimeout(120_000));

  it("reaches a standstill within the drive", () => {
    const still = gt.filter((f) => f.ego.speed === 0);
    expect(still.length).toBeGreaterThanOrEqual(10);
    expect(gt[gt.length - 1]!.ego.speed).toBe(0);
  });

  it("publishes a continuous yaw on /tf and /localization/pose, equal to each other", () => {
    expect(tf.length).toBeGreaterThan(490);
    expect(pose).toHaveLength(tf.length);
    for (let i = 0; i < tf.length; i++) {
      expect(pose[i]!.ns).toBe(tf[i]!.ns);
      expect(pose[i]!.x).toBe(tf[i]!.x);
      expect(pose[i]!.yaw).toBeCloseTo(tf[i]!.yaw, 12);
      if (i > 0)
        expect(Math.abs(wrap(tf[i]!.yaw - tf[i - 1]!.yaw)), `/tf yaw step at ${i}`).toBeLessThan(
          MAX_YAW_STEP,
        );
      // The town road runs east: the car keeps pointing along it.
      expect(Math.abs(tf[i]!.yaw), `/tf yaw at ${i}`).toBeLessThan(0.03);
    }
  });

  it("keeps base_link in its lane in the ground truth and on the HD map, with the pose the bag publishes", () => {
    const map = loadHdMap(join(out, "map.geojson"));
    const egoLane = map.lanes.get("main_l0_0")!;
    const byStamp = new Map(tf.map((p) => [p.ns, p]));
    for (let i = 0; i < gt.length; i++) {
      const f = gt[i]!;
      expect(f.ego.lane_id, `frame ${i}`).toBe("main_l0_0");
      expect(Math.abs(f.ego.lateral_offset), `frame ${i}`).toBeLessThan(0.12);
      expect(
        distanceToPolyline(egoLane.centerline, { x: f.ego.x, y: f.ego.y }),
        `frame ${i}`,
      ).toBeLessThan(0.12);
      if (i > 0)
        expect(
          Math.abs(wrap(f.ego.yaw - gt[i - 1]!.ego.yaw)),
          `ground-truth yaw step at frame ${i}`,
        ).toBeLessThan(MAX_YAW_STEP);
      const ns = BigInt(f.stamp.sec) * 1_000_000_000n + BigInt(f.stamp.nanosec);
      const p = byStamp.get(ns);
      if (p) {
        expect(f.ego.x).toBeCloseTo(p.x, 5);
        expect(f.ego.yaw).toBeCloseTo(p.yaw, 8);
      }
    }
    // Every third camera frame shares its stamp with a pose.
    expect(
      gt.filter((f) => byStamp.has(BigInt(f.stamp.sec) * 1_000_000_000n + BigInt(f.stamp.nanosec)))
        .length,
    ).toBe(100);
  });
});
