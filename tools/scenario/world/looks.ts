/** Varied, plausible appearances for pedestrians and vehicles, drawn from a seeded PRNG. */
import type { Prng } from "../prng.js";
import type { PedestrianLook } from "./types.js";

type Rgb = [number, number, number];

const SKIN: Rgb[] = [
  [0.95, 0.8, 0.69],
  [0.87, 0.68, 0.55],
  [0.74, 0.53, 0.4],
  [0.55, 0.38, 0.26],
  [0.36, 0.24, 0.16],
];
const HAIR: Rgb[] = [
  [0.08, 0.06, 0.05],
  [0.25, 0.16, 0.09],
  [0.55, 0.42, 0.25],
  [0.6, 0.6, 0.6],
];
const TOPS: Rgb[] = [
  [0.75, 0.1, 0.1],
  [0.1, 0.2, 0.55],
  [0.9, 0.9, 0.88],
  [0.15, 0.15, 0.17],
  [0.2, 0.5, 0.25],
  [0.85, 0.65, 0.15],
  [0.45, 0.3, 0.55],
  [0.55, 0.55, 0.58],
  [0.95, 0.45, 0.1],
];
const BOTTOMS: Rgb[] = [
  [0.12, 0.17, 0.32],
  [0.08, 0.08, 0.09],
  [0.6, 0.52, 0.38],
  [0.3, 0.3, 0.32],
  [0.25, 0.35, 0.55],
];
const SHOES: Rgb[] = [
  [0.05, 0.05, 0.05],
  [0.85, 0.85, 0.85],
  [0.3, 0.2, 0.12],
];
const CAR_PAINT: Rgb[] = [
  [0.85, 0.85, 0.85],
  [0.1, 0.1, 0.11],
  [0.55, 0.56, 0.58],
  [0.6, 0.08, 0.07],
  [0.1, 0.18, 0.4],
  [0.92, 0.92, 0.9],
  [0.3, 0.32, 0.3],
];

function jitter(prng: Prng, c: Rgb, amount: number): Rgb {
  return c.map((v) => Math.min(1, Math.max(0, v + prng.uniform(-amount, amount)))) as Rgb;
}

export function randomPedestrianLook(prng: Prng, child = false): PedestrianLook {
  return {
    height: child ? prng.uniform(1.1, 1.35) : prng.uniform(1.58, 1.92),
    skin: jitter(prng, prng.pick(SKIN), 0.03),
    hair: jitter(prng, prng.pick(HAIR), 0.03),
    top: jitter(prng, prng.pick(TOPS), 0.06),
    bottom: jitter(prng, prng.pick(BOTTOMS), 0.04),
    shoes: prng.pick(SHOES),
  };
}

export function randomCarColor(prng: Prng): Rgb {
  return jitter(prng, prng.pick(CAR_PAINT), 0.03);
}
