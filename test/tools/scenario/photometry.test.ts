/** The photometric conditions change the pictures the way they should (same world, same pose). */
import { describe, expect, it } from "vitest";
import { makeCameraRig } from "../../../tools/scenario/camera-rig.js";
import { Renderer } from "../../../tools/scenario/render/renderer.js";
import { buildScenario } from "../../../tools/scenario/scenarios.js";
import { pedestrianAt, vehicleAt } from "../../../tools/scenario/world/actors.js";
import type { Environment } from "../../../tools/scenario/world/environment.js";

const scenario = buildScenario("urban_intersection", { seed: 2, duration: 4 });
const rig = makeCameraRig({ width: 320, height: 180 });
const t = 2;
const scene = {
  index: 3,
  ego: scenario.ego.poseAt(t),
  pedestrians: scenario.world.pedestrians.map((p) => pedestrianAt(p, t)),
  vehicles: scenario.world.vehicles.map((v) => vehicleAt(v, t)),
};

function render(environment: Environment): Uint8Array {
  return Uint8Array.from(
    new Renderer({ world: scenario.world, rig, environment, seed: 2 }).render(scene).rgb,
  );
}
const lum = (rgb: Uint8Array, u0 = 0, v0 = 0, u1 = 319, v1 = 179): number => {
  let s = 0;
  let n = 0;
  for (let v = v0; v <= v1; v++)
    for (let u = u0; u <= u1; u++, n++)
      s +=
        (rgb[(v * 320 + u) * 3]! + rgb[(v * 320 + u) * 3 + 1]! + rgb[(v * 320 + u) * 3 + 2]!) / 3;
  return s / n;
};
/** Sharp edges: horizontal neighbours (lower half) differing by more than 40 levels (noise does not reach that). */
const detail = (rgb: Uint8Array): number => {
  let s = 0;
  for (let v = 90; v < 180; v++)
    for (let u = 1; u < 320; u++)
      if (Math.abs(rgb[(v * 320 + u) * 3 + 1]! - rgb[(v * 320 + u - 1) * 3 + 1]!) > 40) s++;
  return s;
};

const day: Environment = {
  lighting: { kind: "sunny", sunAzimuth: -2, sunElevation: 0.8 },
  weather: { kind: "clear" },
  exposure: 1,
};

describe("photometric conditions", () => {
  const sunny = render(day);

  it("night is dark, with the road lit ahead by the headlights more than beside it", () => {
    const night = render({ ...day, lighting: { kind: "night", lampSpacing: 1000 } });
    expect(lum(night)).toBeLessThan(0.45 * lum(sunny));
    // The ground 8-15 m ahead in the middle of the image vs the same rows at the image's sides.
    const ahead = lum(night, 140, 120, 180, 150);
    const side = (lum(night, 0, 120, 40, 150) + lum(night, 280, 120, 319, 150)) / 2;
    expect(ahead).toBeGreaterThan(1.5 * side);
  });

  it("rain blurs, darkens the road and adds streaks; overcast removes the sun", () => {
    const overcast = render({ ...day, lighting: { kind: "overcast" } });
    const rain = render({
      ...day,
      lighting: { kind: "overcast" },
      weather: { kind: "rain", intensity: 1 },
    });
    expect(detail(rain)).toBeLessThan(0.8 * detail(overcast));
    expect(lum(rain, 0, 120, 319, 179)).toBeLessThan(lum(overcast, 0, 120, 319, 179));
    expect(Buffer.from(rain).equals(Buffer.from(overcast))).toBe(false);
  });

  it("glare brightens the image around the sun when it is in view", () => {
    const heading = scene.ego.heading;
    const glare = render({ ...day, glare: { azimuth: heading, elevation: 0.05, strength: 1 } });
    expect(lum(glare, 120, 40, 200, 100)).toBeGreaterThan(lum(sunny, 120, 40, 200, 100) + 20);
  });

  it("is deterministic for a frame", () => {
    expect(Buffer.from(render(day)).equals(Buffer.from(sunny))).toBe(true);
  });
});
