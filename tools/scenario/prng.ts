/**
 * Deterministic randomness for the scenario generator: a seeded PRNG (SplitMix32 seeding a
 * xoshiro128** state) and smooth 1D value noise. Nothing here reads Math.random or the clock, so
 * the same seed gives the same world, drive and pixels on every machine.
 */

/** A seeded pseudo-random number generator. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Normally distributed (Box-Muller). */
  normal(mean = 0, std = 1): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An independent generator derived from this one and a label (stable for the same label). */
  fork(label: string): Prng {
    return new Prng((this.nextUint32() ^ hashString(label)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a hash of a string, 32 bits. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A hash of two integers to [0, 1): cheap per-pixel/per-cell texture noise. */
export function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix | 0, 0x27d4eb2d) ^ Math.imul(iy | 0, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Smooth 1D noise: random values at integer knots, cosine-free smoothstep interpolation, summed
 * over octaves. Output roughly within [-1, 1], zero mean. Used for lateral wander and speed jitter.
 */
export class SmoothNoise1D {
  readonly #knots: Float64Array;
  readonly #period: number;

  /**
   * @param prng source of the knot values
   * @param period seconds (or metres) between knots of the first octave
   * @param length the domain covered, [0, length]; beyond it the noise repeats
   */
  constructor(prng: Prng, period: number, length: number) {
    this.#period = period;
    const n = Math.max(4, Math.ceil(length / period) + 3);
    this.#knots = new Float64Array(n);
    for (let i = 0; i < n; i++) this.#knots[i] = prng.uniform(-1, 1);
  }

  /** The noise at x: two octaves, continuous with a continuous derivative. */
  at(x: number): number {
    return (
      0.75 * this.#octave(x / this.#period) + 0.25 * this.#octave((x / this.#period) * 2.7 + 13.1)
    );
  }

  #octave(x: number): number {
    const n = this.#knots.length;
    const i0 = Math.floor(x);
    const f = x - i0;
    const a = this.#knots[((i0 % n) + n) % n]!;
    const b = this.#knots[(((i0 + 1) % n) + n) % n]!;
    const t = f * f * (3 - 2 * f);
    return a + (b - a) * t;
  }
}
