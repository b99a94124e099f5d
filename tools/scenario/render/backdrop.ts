/**
 * What is seen above the road's far end: sky gradient and a skyline (town blocks or tree lines)
 * as a function of azimuth, with the sun disc. Deterministic from the seed.
 */
import { Prng } from "../prng.js";

export const SKYLINE_BINS = 2048;

export interface Skyline {
  /** Elevation (radians) of the skyline's top per azimuth bin (azimuth = bin / BINS * 2 pi - pi). */
  elevation: Float32Array;
  /** RGB albedo of the skyline per bin, 3 per bin. */
  color: Float32Array;
  /** Per bin: 1 for buildings (windows), 0 for trees. */
  kind: Uint8Array;
}

export function makeSkyline(seed: number, style: "town" | "country"): Skyline {
  const prng = new Prng(seed ^ 0x5ca1ab1e);
  const elevation = new Float32Array(SKYLINE_BINS);
  const color = new Float32Array(SKYLINE_BINS * 3);
  const kind = new Uint8Array(SKYLINE_BINS);
  let i = 0;
  while (i < SKYLINE_BINS) {
    const building = style === "town" ? prng.next() < 0.75 : prng.next() < 0.08;
    const width = building ? prng.int(12, 60) : prng.int(6, 24);
    const top = building ? prng.uniform(0.04, 0.2) : prng.uniform(0.015, 0.06);
    const c: [number, number, number] = building
      ? (prng.pick([
          [0.55, 0.52, 0.48],
          [0.62, 0.6, 0.58],
          [0.45, 0.42, 0.4],
          [0.7, 0.64, 0.54],
          [0.5, 0.4, 0.35],
        ]) as [number, number, number])
      : [0.16 + prng.uniform(0, 0.06), 0.24 + prng.uniform(0, 0.08), 0.12 + prng.uniform(0, 0.04)];
    for (let k = 0; k < width && i < SKYLINE_BINS; k++, i++) {
      const bump = building ? 1 : Math.sin((Math.PI * (k + 0.5)) / width) ** 0.6;
      elevation[i] = top * bump + (building ? 0 : 0.01);
      color.set(c, i * 3);
      kind[i] = building ? 1 : 0;
    }
  }
  return { elevation, color, kind };
}
