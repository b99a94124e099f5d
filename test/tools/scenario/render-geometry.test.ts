/**
 * The exact-geometry bar: the HD map's features, projected through the camera model at a frame's
 * pose, land on the rendered markings pixel by pixel (with lens distortion).
 */
import { describe, expect, it } from "vitest";
import { transformPoint } from "../../../src/geometry/transform.js";
import { hdMapToGeoJson } from "../../../src/map/geojson-writer.js";
import { loadHdMap } from "../../../src/map/loader.js";
import { makeCameraRig } from "../../../tools/scenario/camera-rig.js";
import { baseFromMap } from "../../../tools/scenario/poses.js";
import { LABEL, Renderer } from "../../../tools/scenario/render/renderer.js";
import { scenarioMapFeatures } from "../../../tools/scenario/scenario-map.js";
import { buildScenario } from "../../../tools/scenario/scenarios.js";
import { pedestrianAt, vehicleAt } from "../../../tools/scenario/world/actors.js";

describe("rendered markings match the HD map through the camera model", () => {
  const scenario = buildScenario("sample", { seed: 5, duration: 7 });
  const rig = makeCameraRig({
    width: 640,
    height: 360,
    distortion: [-0.12, 0.03, 0.001, -0.001, 0],
  });
  const renderer = new Renderer({
    world: scenario.world,
    rig,
    environment: scenario.environment,
    seed: 5,
    clean: true,
  });
  const map = loadHdMap(
    hdMapToGeoJson({
      name: "t",
      origin: scenario.world.origin,
      features: scenarioMapFeatures(scenario),
    }),
  );

  function renderAt(t: number) {
    const ego = scenario.ego.poseAt(t);
    const frame = renderer.render({
      index: 0,
      ego,
      pedestrians: scenario.world.pedestrians.map((p) => pedestrianAt(p, t)),
      vehicles: scenario.world.vehicles.map((v) => vehicleAt(v, t)),
    });
    return { ego, labels: Uint16Array.from(frame.labels), rgb: Uint8Array.from(frame.rgb) };
  }
  const isPaint = (l: number): boolean => l === LABEL.whitePaint || l === LABEL.yellowPaint;
  const isGroundOrPaint = (l: number): boolean => l >= LABEL.ground && l <= LABEL.yellowPaint;

  /** Pixel of a map point at the pose, when it is within `range` metres ahead and inside the image. */
  function pixelOf(
    ego: { x: number; y: number; heading: number },
    x: number,
    y: number,
    range = 35,
  ) {
    const b = transformPoint(baseFromMap(ego), { x, y, z: 0 });
    if (b.x < 3 || b.x > range) return undefined;
    const px = rig.geometry.groundToPixel(b);
    if (!px || px.u < 2 || px.v < 2 || px.u > rig.model.width - 3 || px.v > rig.model.height - 3)
      return undefined;
    return { u: Math.round(px.u), v: Math.round(px.v) };
  }

  for (const t of [0.5, 3.5]) {
    it(`solid lines and crosswalk stripes land on paint, 0.6 m beside them on asphalt (t=${t} s)`, () => {
      const { ego, labels, rgb } = renderAt(t);
      let checked = 0;
      let onPaint = 0;
      let besideAsphalt = 0;
      let besideChecked = 0;
      const lum = (p: { u: number; v: number }): number => {
        const k = (p.v * rig.model.width + p.u) * 3;
        return (rgb[k]! + rgb[k + 1]! + rgb[k + 2]!) / 3;
      };
      let paintLum = 0;
      let asphaltLum = 0;
      for (const b of map.laneBoundaries.values()) {
        if (b.boundaryType !== "solid") continue;
        for (let i = 1; i < b.points.length - 1; i++) {
          const p = b.points[i]!;
          const px = pixelOf(ego, p.x, p.y);
          if (!px) continue;
          const label = labels[px.v * rig.model.width + px.u]!;
          if (!isGroundOrPaint(label)) continue; // hidden behind a car or person
          checked++;
          // Far lines that cross the view obliquely are thinner than a pixel row: allow the 3x3
          // neighbourhood (a point-sampling renderer shows them as a one-pixel line).
          let found: { u: number; v: number } | undefined;
          for (let dv = -1; dv <= 1 && !found; dv++)
            for (let du = -1; du <= 1 && !found; du++)
              if (isPaint(labels[(px.v + dv) * rig.model.width + px.u + du]!))
                found = { u: px.u + du, v: px.v + dv };
          if (found) {
            onPaint++;
            paintLum += lum(found);
          }
          // 0.6 m to the side of the line (towards the lane), the road is bare.
          const q = b.points[i + 1]!;
          const len = Math.hypot(q.x - p.x, q.y - p.y);
          for (const side of [-1, 1]) {
            const sx = p.x - ((q.y - p.y) / len) * 0.6 * side;
            const sy = p.y + ((q.x - p.x) / len) * 0.6 * side;
            const spx = pixelOf(ego, sx, sy);
            if (!spx || Math.hypot(spx.u - px.u, spx.v - px.v) < 3) continue;
            const sl = labels[spx.v * rig.model.width + spx.u]!;
            if (sl !== LABEL.asphalt && sl !== LABEL.whitePaint && sl !== LABEL.yellowPaint)
              continue;
            besideChecked++;
            if (sl === LABEL.asphalt) {
              besideAsphalt++;
              asphaltLum += lum(spx);
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(30);
      expect(onPaint / checked).toBeGreaterThan(0.97);
      expect(besideAsphalt / besideChecked).toBeGreaterThan(0.97);
      // And the pixels themselves: paint is much brighter than the asphalt beside it.
      expect(paintLum / onPaint).toBeGreaterThan(1.35 * (asphaltLum / besideAsphalt));

      let stripes = 0;
      let stripesOnPaint = 0;
      for (const c of scenario.world.crosswalks) {
        for (const s of c.stripes) {
          const cx = s.reduce((a, p) => a + p.x, 0) / s.length;
          const cy = s.reduce((a, p) => a + p.y, 0) / s.length;
          const px = pixelOf(ego, cx, cy, 60);
          if (!px) continue;
          const label = labels[px.v * rig.model.width + px.u]!;
          if (!isGroundOrPaint(label)) continue;
          stripes++;
          let hit = false;
          for (let dv = -1; dv <= 1; dv++)
            for (let du = -1; du <= 1; du++)
              if (labels[(px.v + dv) * rig.model.width + px.u + du] === LABEL.whitePaint)
                hit = true;
          if (hit) stripesOnPaint++;
        }
      }
      if (t > 3) expect(stripes).toBeGreaterThan(5);
      expect(stripesOnPaint).toBe(stripes);
    });
  }

  it("the pedestrian behind the parked cars is partly hidden at some point of the approach", () => {
    const idx = scenario.world.pedestrians.findIndex((p) => p.role === "behind_parked_vehicle");
    expect(idx).toBeGreaterThanOrEqual(0);
    const fractions: number[] = [];
    for (let t = 0; t <= 6; t += 1) {
      const ego = scenario.ego.poseAt(t);
      const frame = renderer.render({
        index: 0,
        ego,
        pedestrians: scenario.world.pedestrians.map((p) => pedestrianAt(p, t)),
        vehicles: scenario.world.vehicles.map((v) => vehicleAt(v, t)),
      });
      const px = frame.pedestrians[idx]!;
      if (px.totalPixels > 50) fractions.push(px.visiblePixels / px.totalPixels);
      for (const p of frame.pedestrians) {
        expect(p.visiblePixels).toBeLessThanOrEqual(p.totalPixels);
        if (p.visibleBox && p.amodalBox) {
          expect(p.visibleBox.u0).toBeGreaterThanOrEqual(p.amodalBox.u0);
          expect(p.visibleBox.v1).toBeLessThanOrEqual(p.amodalBox.v1);
        }
      }
    }
    expect(fractions.length).toBeGreaterThan(0);
    expect(Math.min(...fractions)).toBeLessThan(0.8);
    expect(Math.max(...fractions)).toBeGreaterThan(0);
  });
});
