import { describe, expect, it } from "vitest";
import { makeCameraRig } from "../../../tools/scenario/camera-rig.js";
import { scenarioMapFeatures } from "../../../tools/scenario/scenario-map.js";
import { buildScenario, SCENARIO_NAMES } from "../../../tools/scenario/scenarios.js";
import { pedestrianAt } from "../../../tools/scenario/world/actors.js";
import { baseFromMap } from "../../../tools/scenario/poses.js";
import { transformPoint } from "../../../src/geometry/transform.js";

describe("named scenarios", () => {
  for (const name of SCENARIO_NAMES) {
    it(`${name}: builds deterministically, the ego stays on its road at a plausible speed`, () => {
      const a = buildScenario(name, { seed: 4, duration: 10 });
      const b = buildScenario(name, { seed: 4, duration: 10 });
      expect(JSON.stringify(scenarioMapFeatures(a))).toBe(JSON.stringify(scenarioMapFeatures(b)));
      expect(a.world.laneBoundaries.length).toBeGreaterThan(2);
      let prev = a.ego.poseAt(0);
      for (let t = 0.1; t <= 10; t += 0.1) {
        const p = a.ego.poseAt(t);
        const v = Math.hypot(p.x - prev.x, p.y - prev.y) / 0.1;
        expect(v).toBeLessThan(35);
        expect(a.ego.speedAt(t)).toBeGreaterThanOrEqual(0);
        prev = p;
      }
    });
  }

  it("the seed changes the world (pedestrian looks and positions)", () => {
    const a = buildScenario("urban_intersection", { seed: 1, duration: 10 });
    const b = buildScenario("urban_intersection", { seed: 2, duration: 10 });
    expect(JSON.stringify(a.world.pedestrians)).not.toBe(JSON.stringify(b.world.pedestrians));
  });

  it("town scenarios have crosswalks, people crossing them and one behind parked cars", () => {
    for (const name of ["urban_intersection", "night", "rain", "map_mismatch", "sample"]) {
      const s = buildScenario(name, { seed: 8, duration: 8 });
      expect(s.world.crosswalks.length).toBeGreaterThanOrEqual(4);
      expect(s.world.stopLines.length).toBeGreaterThanOrEqual(2);
      const roles = new Set(s.world.pedestrians.map((p) => p.role));
      for (const r of ["crossing", "waiting_at_kerb", "sidewalk_walker", "behind_parked_vehicle"])
        expect(roles.has(r as never), `${name} ${r}`).toBe(true);
      // Someone is on the near crossing during the drive.
      const near = s.world.crosswalks.find((c) => c.id === "cw_main_near")!;
      const xs = near.polygon.map((p) => p.x);
      const ys = near.polygon.map((p) => p.y);
      let onIt = false;
      for (let t = 0; t < 8 && !onIt; t += 0.25) {
        for (const p of s.world.pedestrians) {
          const st = pedestrianAt(p, t);
          if (
            st.speed > 0 &&
            st.x > Math.min(...xs) &&
            st.x < Math.max(...xs) &&
            st.y > Math.min(...ys) &&
            st.y < Math.max(...ys)
          )
            onIt = true;
        }
      }
      expect(onIt, name).toBe(true);
    }
  });

  it("map_mismatch: the mapped-but-removed crosswalk lies on the approach, 15-35 m ahead in the camera's view for about 2 s, then under the car", () => {
    const rig = makeCameraRig({ width: 320, height: 180 });
    for (const seed of [3, 4, 9]) {
      const s = buildScenario("map_mismatch", { seed, duration: 10 });
      const edit = s.mapEdits.find((e) => e.kind === "crosswalk_only_in_map");
      if (edit?.kind !== "crosswalk_only_in_map")
        throw new Error("map_mismatch has no map-only crosswalk");
      expect(edit.crosswalkId).toBe("cw_main_ghost");
      // Removed from the world: neither a crosswalk nor paint.
      expect(s.world.crosswalks.some((c) => c.id === edit.crosswalkId)).toBe(false);
      expect(
        s.world.paint.some((p) => p.kind === "polygon" && p.featureId.startsWith(edit.crosswalkId)),
      ).toBe(false);
      // The town road runs straight along map x here: x is the station.
      expect(s.world.roads.get("main")!.poseAt(100).heading).toBe(0);
      // Its lines were repainted through it: the shifted boundary main_b1_0 runs on past it.
      const centre = edit.polygon.reduce((a, p) => ({ x: a.x + p.x / 4, y: a.y + p.y / 4 }), {
        x: 0,
        y: 0,
      });
      const b1 = s.world.laneBoundaries.find((b) => b.id === "main_b1_0")!;
      expect(Math.max(...b1.points.map((p) => p.x))).toBeGreaterThan(
        Math.max(...edit.polygon.map((p) => p.x)) + 5,
      );
      // Nobody stands on it and no car is parked on it.
      const inside = (p: { x: number; y: number }) =>
        p.x > Math.min(...edit.polygon.map((q) => q.x)) - 1 &&
        p.x < Math.max(...edit.polygon.map((q) => q.x)) + 1;
      for (const v of s.world.vehicles)
        if (v.motion.kind === "parked")
          expect(Math.abs(v.motion.position.x - centre.x), v.id).toBeGreaterThan(
            2 + v.length / 2 + 1,
          );
      for (const p of s.world.pedestrians)
        if (p.motion.kind === "stand") expect(inside(p.motion.position), p.id).toBe(false);
      // Camera frames (30 Hz) with its centre 15-35 m ahead of base_link, and with all of it 15-35 m
      // ahead and inside the image.
      let centreAhead = 0;
      let inView = 0;
      let passedAt = -1;
      for (let i = 0; i < 300; i++) {
        const t = i / 30;
        const pose = s.ego.poseAt(t);
        const toBase = baseFromMap(pose);
        const corners = edit.polygon.map((p) => transformPoint(toBase, { x: p.x, y: p.y, z: 0 }));
        const seen = corners.every((c) => {
          const px = rig.model.project(rig.geometry.toOptical(c));
          return c.x > 15 && c.x < 35 && px !== undefined && rig.model.contains(px);
        });
        if (seen) inView++;
        const cx = corners.reduce((a, c) => a + c.x / corners.length, 0);
        if (cx > 15 && cx < 35) centreAhead++;
        if (passedAt < 0 && corners.every((c) => c.x < 0)) passedAt = t;
      }
      expect(centreAhead, `seed ${seed}`).toBeGreaterThanOrEqual(60);
      expect(inView, `seed ${seed}`).toBeGreaterThanOrEqual(45);
      // The ego drives over it before it stops at the near crossing's stop line.
      expect(passedAt, `seed ${seed}`).toBeGreaterThan(0);
      const stop =
        [...Array(300).keys()].map((i) => i / 30).find((t) => s.ego.speedAt(t) === 0) ?? Infinity;
      expect(passedAt).toBeLessThan(stop);
    }
  });

  it("the sample starts in a curve", () => {
    const s = buildScenario("sample", { seed: 1, duration: 6 });
    expect(Math.abs(s.ego.poseAt(2).heading - s.ego.poseAt(0).heading)).toBeGreaterThan(0.2);
  });

  it("rejects unknown names, non-positive durations and speeds", () => {
    expect(() => buildScenario("mars", { seed: 1, duration: 1 })).toThrow(
      /unknown scenario 'mars'.*highway/,
    );
    expect(() => buildScenario("highway", { seed: 1, duration: 0 })).toThrow(/more than 0 s/);
    expect(() => buildScenario("highway", { seed: 1, duration: 2, speed: -1 })).toThrow(
      /speed must be positive/,
    );
    expect(() => buildScenario("highway", { seed: 1, duration: 2, speed: 200 })).toThrow(
      /not a plausible road speed/,
    );
  });
});

describe("camera rig", () => {
  it("refuses a camera looking at the sky and impossible sizes", () => {
    expect(() => makeCameraRig({ pitchDeg: -40 })).toThrow(/does not see the road/);
    expect(() => makeCameraRig({ width: 0, height: 10 })).toThrow(/image size/);
  });

  it("casts each pixel's ray through the camera model, distortion included", () => {
    const rig = makeCameraRig({ width: 64, height: 36, distortion: [-0.2, 0.05, 0, 0, 0] });
    for (const [u, v] of [
      [0, 0],
      [63, 35],
      [10, 20],
    ] as const) {
      const k = (v * 64 + u) * 3;
      const r = rig.model.unproject({ u, v });
      expect(rig.rays[k]).toBeCloseTo(r.x, 6);
      expect(rig.rays[k + 2]).toBeCloseTo(r.z, 6);
      const back = rig.model.project({
        x: rig.rays[k]!,
        y: rig.rays[k + 1]!,
        z: rig.rays[k + 2]!,
      })!;
      expect(Math.hypot(back.u - u, back.v - v)).toBeLessThan(1e-3);
    }
    // The mount: 1.5 m up, 1.7 m ahead, looking forward and down.
    expect(rig.baseFromOptical.translation).toEqual({ x: 1.7, y: 0, z: 1.5 });
    const ahead = rig.geometry.groundToPixel({ x: 30, y: 0, z: 0 })!;
    expect(ahead.u).toBeCloseTo(31.5, 6);
    expect(ahead.v).toBeGreaterThan(17.5);
  });
});
