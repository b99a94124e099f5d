/**
 * Camera and weather effects applied to the linear frame before it becomes rgb8: glare (sun bloom,
 * veiling light), rain (blur, streaks, stronger noise), vignetting, sensor noise and the tone
 * curve. Deterministic from the seed and frame index.
 */
import { Prng } from "../prng.js";
import type { Environment } from "../world/environment.js";

export interface PostEffectInput {
  /** Linear RGB, 3 floats per pixel (modified in place). */
  color: Float32Array;
  /** rgb8 output. */
  out: Uint8Array;
  width: number;
  height: number;
  environment: Environment;
  frameIndex: number;
  seed: number;
  /** Skip noise, rain and glare: only the tone curve (for exact-geometry checks). */
  clean: boolean;
  /** Image position of the glare source, when the environment has glare and it projects. */
  sunPixel?: { u: number; v: number };
}

const NOISE_TABLE_SIZE = 1 << 16;
let noiseTable: Float32Array | undefined;

/** Roughly normal noise values with unit standard deviation (a fixed table, reproducible). */
function noise(): Float32Array {
  if (noiseTable) return noiseTable;
  const prng = new Prng(0x6e6f6973);
  noiseTable = new Float32Array(NOISE_TABLE_SIZE);
  for (let i = 0; i < NOISE_TABLE_SIZE; i++) noiseTable[i] = prng.normal();
  return noiseTable;
}

export function applyPostEffects(o: PostEffectInput): void {
  const { color, width, height, environment: env } = o;
  const rain = env.weather.kind === "rain" ? env.weather.intensity : 0;
  const night = env.lighting.kind === "night";
  if (!o.clean) {
    if (rain > 0) {
      boxBlur(color, width, height, rain > 0.5 ? 2 : 1);
      addRainStreaks(
        color,
        width,
        height,
        rain,
        new Prng((o.seed ^ Math.imul(o.frameIndex + 1, 0x9e3779b1)) >>> 0),
      );
    }
    if (env.glare && o.sunPixel) addGlare(color, width, height, o.sunPixel, env.glare.strength);
  }
  const table = noise();
  const sigma = o.clean ? 0 : (night ? 0.018 : 0.007) + rain * 0.012;
  const offset = Math.imul(o.frameIndex + 1, 7919) & (NOISE_TABLE_SIZE - 1);
  const out = o.out;
  const vignette = o.clean ? undefined : vignetteFor(width, height);
  const lut = toneCurve();
  const scale = TONE_STEPS_PER_UNIT;
  const top = lut.length - 1;
  const mask = NOISE_TABLE_SIZE - 1;
  const n = width * height;
  for (let p = 0; p < n; p++) {
    const k = p * 3;
    const vig = vignette ? vignette[p]! : 1;
    const e = sigma * table[(p * 3 + offset) & mask]!;
    const e2 = e * 0.9 + sigma * 0.4 * table[(p * 5 + offset + 17) & mask]!;
    let i = ((color[k]! * vig + e) * scale) | 0;
    out[k] = lut[i < 0 ? 0 : i > top ? top : i]!;
    i = ((color[k + 1]! * vig + e2) * scale) | 0;
    out[k + 1] = lut[i < 0 ? 0 : i > top ? top : i]!;
    i = ((color[k + 2]! * vig + e) * scale) | 0;
    out[k + 2] = lut[i < 0 ? 0 : i > top ? top : i]!;
  }
}

const TONE_STEPS_PER_UNIT = 2048;
let toneLut: Uint8Array | undefined;

/** Linear 0..4 to 8 bits with a soft shoulder (highlights compress instead of clipping hard), as a table. */
function toneCurve(): Uint8Array {
  if (toneLut) return toneLut;
  toneLut = new Uint8Array(4 * TONE_STEPS_PER_UNIT + 1);
  for (let i = 0; i < toneLut.length; i++) {
    const x = (i + 0.5) / TONE_STEPS_PER_UNIT;
    const y = x < 0.8 ? x : 0.8 + (0.2 * (x - 0.8)) / (0.2 + (x - 0.8));
    toneLut[i] = Math.min(255, Math.round(255 * Math.pow(y, 0.92)));
  }
  return toneLut;
}

const vignettes = new Map<string, Float32Array>();

/** Lens fall-off towards the corners (28 % at the corners), cached per image size. */
function vignetteFor(width: number, height: number): Float32Array {
  const key = `${width}x${height}`;
  let v = vignettes.get(key);
  if (v) return v;
  v = new Float32Array(width * height);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const inv = 1 / (cx * cx + cy * cy);
  for (let y = 0, p = 0; y < height; y++)
    for (let x = 0; x < width; x++, p++)
      v[p] = 1 - 0.28 * ((x - cx) * (x - cx) + (y - cy) * (y - cy)) * inv;
  vignettes.set(key, v);
  return v;
}

/** Separable box blur of radius r, in place. */
function boxBlur(c: Float32Array, width: number, height: number, r: number): void {
  const line = new Float32Array(Math.max(width, height) * 3);
  const span = 2 * r + 1;
  for (let v = 0; v < height; v++) {
    const row = v * width * 3;
    line.set(c.subarray(row, row + width * 3));
    for (let u = 0; u < width; u++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let d = -r; d <= r; d++) s += line[Math.min(width - 1, Math.max(0, u + d)) * 3 + ch]!;
        c[row + u * 3 + ch] = s / span;
      }
    }
  }
  for (let u = 0; u < width; u++) {
    for (let v = 0; v < height; v++) {
      const k = (v * width + u) * 3;
      line[v * 3] = c[k]!;
      line[v * 3 + 1] = c[k + 1]!;
      line[v * 3 + 2] = c[k + 2]!;
    }
    for (let v = 0; v < height; v++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let d = -r; d <= r; d++) s += line[Math.min(height - 1, Math.max(0, v + d)) * 3 + ch]!;
        c[(v * width + u) * 3 + ch] = s / span;
      }
    }
  }
}

/** Thin, slanted, semi-transparent bright streaks (falling drops lit by the scene). */
function addRainStreaks(
  c: Float32Array,
  width: number,
  height: number,
  intensity: number,
  prng: Prng,
): void {
  const count = Math.round(intensity * width * height * 0.0004);
  const slant = 0.18;
  for (let i = 0; i < count; i++) {
    const u0 = prng.uniform(0, width);
    const v0 = prng.uniform(-20, height);
    const len = prng.uniform(8, 30) * (height / 720);
    const a = prng.uniform(0.05, 0.16);
    for (let s = 0; s < len; s++) {
      const v = Math.round(v0 + s);
      const u = Math.round(u0 + s * slant);
      if (v < 0 || v >= height || u < 0 || u >= width) continue;
      const k = (v * width + u) * 3;
      c[k] = c[k]! + (0.85 - c[k]!) * a;
      c[k + 1] = c[k + 1]! + (0.87 - c[k + 1]!) * a;
      c[k + 2] = c[k + 2]! + (0.9 - c[k + 2]!) * a;
    }
  }
}

/** Sun bloom around the glare source, a horizontal flare and a veiling lift of the whole frame. */
function addGlare(
  c: Float32Array,
  width: number,
  height: number,
  sun: { u: number; v: number },
  strength: number,
): void {
  const scale = width / 1280;
  const r2 = (90 * scale) ** 2;
  const core2 = (18 * scale) ** 2;
  for (let v = 0, p = 0; v < height; v++) {
    const dv = v - sun.v;
    for (let u = 0; u < width; u++, p++) {
      const du = u - sun.u;
      const d2 = du * du + dv * dv;
      const bloom =
        strength *
        (1.6 * Math.exp(-d2 / core2) +
          0.55 * Math.exp(-d2 / r2) +
          0.12 * Math.exp(-d2 / (r2 * 25)));
      const flare =
        strength *
        0.25 *
        Math.exp(-(dv * dv) / (4 * scale * scale)) *
        Math.exp(-Math.abs(du) / (400 * scale));
      const add = bloom + flare + strength * 0.04;
      const k = p * 3;
      c[k] = c[k]! + add;
      c[k + 1] = c[k + 1]! + add * 0.95;
      c[k + 2] = c[k + 2]! + add * 0.82;
    }
  }
}
