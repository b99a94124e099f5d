/**
 * The frame renderer: for every pixel, the camera model's ray (distortion included, precomputed in
 * the rig) is turned into the map frame and intersected with the ground plane (the world's ground
 * raster: asphalt, paint, kerbs, sidewalks, verge) or the sky and skyline above the horizon; then
 * vehicles (boxes) and pedestrians (articulated capsule bodies) are ray-cast over their image
 * boxes with a depth test, shadows darken the ground, and the photometric effects (night, rain,
 * glare, sensor noise, vignetting) are applied.
 *
 * Besides the RGB image, a frame yields a per-pixel label (what each pixel shows) and, per
 * pedestrian, its pixel counts and boxes: the ground truth's visibility comes from the very pixels
 * that were drawn.
 */
import { matrixFromQuat } from "../../../src/geometry/quaternion.js";
import { mapFromOptical } from "../poses.js";
import { hash2 } from "../prng.js";
import type { CameraRig } from "../camera-rig.js";
import type { PedestrianState, VehicleState } from "../world/actors.js";
import type { Environment } from "../world/environment.js";
import type { GroundPose, World } from "../world/types.js";
import { makeSkyline, SKYLINE_BINS, type Skyline } from "./backdrop.js";
import {
  GroundRaster,
  MATERIAL,
  MATERIAL_MASK,
  TILE_BITS,
  WEAR_MASK,
  WEAR_SHIFT,
  YELLOW_BIT,
} from "./ground-raster.js";
import {
  capsuleNormal,
  intersectBody,
  PART_COLOR,
  posePedestrian,
  type PosedBody,
} from "./pedestrian-body.js";
import { applyPostEffects } from "./post-effects.js";
import {
  intersectVehicle,
  vehicleShape,
  VEHICLE_MATERIAL,
  BOX_STRIDE,
  type VehicleShape,
} from "./vehicle-shape.js";

/** Per-pixel labels of a rendered frame. */
export const LABEL = {
  sky: 0,
  backdrop: 1,
  ground: 2,
  asphalt: 3,
  sidewalk: 4,
  kerb: 5,
  whitePaint: 6,
  yellowPaint: 7,
  /** Vehicle i is VEHICLE_BASE + i. */
  vehicleBase: 100,
  /** Pedestrian i (index in the scene's list) is PEDESTRIAN_BASE + i. */
  pedestrianBase: 1000,
} as const;

/** A pixel is labelled paint when its ray meets painted geometry covering at least half a cell (0..255), worn or not. */
const PAINT_LABEL_THRESHOLD = 128;
/** Ground farther than this (metres along the ray) is supersampled over the pixel's height. */
const SUPERSAMPLE_FROM_M = 14;
const SUBSAMPLES = 4;

/** Everything that changes from frame to frame. */
export interface FrameScene {
  /** Frame number (seeds the per-frame noise). */
  index: number;
  ego: GroundPose;
  pedestrians: PedestrianState[];
  vehicles: VehicleState[];
}

/** An axis-aligned image box, pixels, inclusive bounds. */
export interface PixelBox {
  u0: number;
  v0: number;
  u1: number;
  v1: number;
}

/** What the renderer saw of one pedestrian. */
export interface PedestrianPixels {
  id: string;
  /** Pixels of the body inside the image, ignoring occluders. */
  totalPixels: number;
  /** Pixels where the body is the nearest thing. */
  visiblePixels: number;
  /** Box around the body's pixels ignoring occluders (amodal, clipped to the image); undefined when out of view. */
  amodalBox?: PixelBox;
  /** Box around its visible pixels; undefined when fully hidden. */
  visibleBox?: PixelBox;
}

export interface RenderedFrame {
  /** rgb8, row-major, width * height * 3. Owned by the renderer: valid until the next render. */
  rgb: Uint8Array;
  /** LABEL per pixel. Owned by the renderer: valid until the next render. */
  labels: Uint16Array;
  pedestrians: PedestrianPixels[];
}

export interface RendererOptions {
  world: World;
  rig: CameraRig;
  environment: Environment;
  /** Seed of textures and noise. */
  seed: number;
  /** Skip sensor noise, rain and glare (for exact-geometry checks); default false. */
  clean?: boolean;
}

type Rgb = [number, number, number];

/** What shading an object's pixels needs of the frame being drawn (Renderer.#objectShading). */
interface ObjectShading {
  /** Street lamps near the camera, xyz triplets. */
  lamps: Float64Array;
  /** Scratch rgb for the light on the current pixel. */
  light: Float64Array;
  /** cos / sin of the ego heading: rotate a base_link ray direction into the map. */
  cosHeading: number;
  sinHeading: number;
  /** 1 / haze distance. */
  hazeK: number;
}

/** Light falling on a surface: ambient (sky) and direct sun, per channel. */
interface LightSetup {
  ambient: Rgb;
  sun: Rgb;
  /** Unit vector towards the sun, map frame. */
  sunDir: [number, number, number];
  /** How much of the direct light a shadow removes (0 = no shadows). */
  shadowStrength: number;
  night: boolean;
  skyHorizon: Rgb;
  skyZenith: Rgb;
  haze: Rgb;
  /** Metres of haze attenuation (e-folding distance). */
  hazeDistance: number;
  wet: number;
}

const ALBEDO_ASPHALT: Rgb = [0.3, 0.3, 0.31];
const ALBEDO_SIDEWALK: Rgb = [0.56, 0.54, 0.51];
const ALBEDO_KERB: Rgb = [0.66, 0.66, 0.64];
const ALBEDO_GROUND: Rgb = [0.24, 0.31, 0.16];
const ALBEDO_WHITE: Rgb = [0.82, 0.82, 0.8];
const ALBEDO_YELLOW: Rgb = [0.82, 0.62, 0.14];

export class Renderer {
  readonly width: number;
  readonly height: number;
  readonly ground: GroundRaster;
  /** Milliseconds spent per stage, summed over the frames rendered so far (for benchmarks). */
  readonly timings = { ground: 0, shadows: 0, vehicles: 0, pedestrians: 0, post: 0, frames: 0 };
  readonly #rig: CameraRig;
  readonly #env: Environment;
  readonly #light: LightSetup;
  readonly #skyline: Skyline;
  readonly #seed: number;
  readonly #clean: boolean;
  readonly #lamps: Float64Array;
  readonly #vehicleShapes = new Map<string, VehicleShape>();
  // Per-frame buffers, reused.
  readonly #color: Float32Array;
  readonly #depth: Float32Array;
  readonly #labels: Uint16Array;
  readonly #gx: Float32Array;
  readonly #gy: Float32Array;
  // Per-pixel constants (see #precompute).
  readonly #baseDir: Float32Array;
  readonly #groundDist: Float32Array;
  /** Ground hit offset from the camera along base x (or, above the horizon, the ray's elevation). */
  readonly #offX: Float32Array;
  /** Ground hit offset from the camera along base y (or, above the horizon, the ray's azimuth in base). */
  readonly #offY: Float32Array;
  readonly #hazeF: Float32Array;
  /** Per pixel: index of its first far-field sub-sample in #subOff (or -1: one sample is enough). */
  readonly #subIndex: Int32Array;
  /** Ground offsets (base x, base y) of SUBSAMPLES extra rays per far-field pixel. */
  #subOff: Float32Array = new Float32Array(0);
  readonly #rgb: Uint8Array;

  constructor(o: RendererOptions) {
    this.#rig = o.rig;
    this.#env = o.environment;
    this.#seed = o.seed >>> 0;
    this.#clean = o.clean ?? false;
    this.width = o.rig.model.width;
    this.height = o.rig.model.height;
    this.ground = new GroundRaster(o.world, { seed: this.#seed });
    this.#light = lightSetup(o.environment);
    this.#skyline = makeSkyline(this.#seed, o.environment.backdrop ?? "country");
    this.#lamps =
      o.environment.lighting.kind === "night"
        ? placeLamps(o.world, o.environment.lighting.lampSpacing)
        : new Float64Array(0);
    const n = this.width * this.height;
    this.#color = new Float32Array(n * 3);
    this.#depth = new Float32Array(n);
    this.#labels = new Uint16Array(n);
    this.#gx = new Float32Array(n);
    this.#gy = new Float32Array(n);
    this.#baseDir = new Float32Array(n * 3);
    this.#groundDist = new Float32Array(n);
    this.#offX = new Float32Array(n);
    this.#offY = new Float32Array(n);
    this.#hazeF = new Float32Array(n);
    this.#subIndex = new Int32Array(n);
    this.#precompute();
    this.#rgb = new Uint8Array(n * 3);
    for (const v of o.world.vehicles) this.#vehicleShapes.set(v.id, vehicleShape(v));
  }

  render(scene: FrameScene): RenderedFrame {
    const T = mapFromOptical(scene.ego, this.#rig.baseFromOptical);
    const R = matrixFromQuat(T.rotation);
    const cam: [number, number, number] = [T.translation.x, T.translation.y, T.translation.z];
    this.#rot = R;
    const t0 = performance.now();
    this.#drawGroundAndSky(cam, scene);
    const t1 = performance.now();
    this.#drawShadows(cam, scene);
    const t2 = performance.now();
    this.#drawVehicles(cam, scene);
    const t3 = performance.now();
    const pedestrians = this.#drawPedestrians(cam, scene);
    const t4 = performance.now();
    applyPostEffects({
      color: this.#color,
      out: this.#rgb,
      width: this.width,
      height: this.height,
      environment: this.#env,
      frameIndex: scene.index,
      seed: this.#seed,
      clean: this.#clean,
      sunPixel: this.#sunPixel(R),
    });
    const t5 = performance.now();
    const timings = this.timings;
    timings.ground += t1 - t0;
    timings.shadows += t2 - t1;
    timings.vehicles += t3 - t2;
    timings.pedestrians += t4 - t3;
    timings.post += t5 - t4;
    timings.frames++;
    return { rgb: this.#rgb, labels: this.#labels, pedestrians };
  }

  /** Where the glare source (the sun) is in the image, when there is glare. */
  #sunPixel(R: number[]): { u: number; v: number } | undefined {
    const g = this.#env.glare;
    if (!g) return undefined;
    const d = [
      Math.cos(g.elevation) * Math.cos(g.azimuth),
      Math.cos(g.elevation) * Math.sin(g.azimuth),
      Math.sin(g.elevation),
    ];
    // Optical = R^T * map.
    const o = {
      x: R[0]! * d[0]! + R[3]! * d[1]! + R[6]! * d[2]!,
      y: R[1]! * d[0]! + R[4]! * d[1]! + R[7]! * d[2]!,
      z: R[2]! * d[0]! + R[5]! * d[1]! + R[8]! * d[2]!,
    };
    const px = this.#rig.model.project(o);
    return px;
  }

  /** Per-pixel values that do not change while the camera only moves and yaws over the flat ground. */
  #precompute(): void {
    const n = this.width * this.height;
    const rays = this.#rig.rays;
    const R = matrixFromQuat(this.#rig.baseFromOptical.rotation);
    const cz = this.#rig.baseFromOptical.translation.z;
    const hazeK = 1 / this.#light.hazeDistance;
    for (let p = 0; p < n; p++) {
      const k = p * 3;
      const rx = rays[k]!;
      const ry = rays[k + 1]!;
      const rz = rays[k + 2]!;
      const dx = R[0]! * rx + R[1]! * ry + R[2]! * rz;
      const dy = R[3]! * rx + R[4]! * ry + R[5]! * rz;
      const dz = R[6]! * rx + R[7]! * ry + R[8]! * rz;
      this.#baseDir[k] = dx;
      this.#baseDir[k + 1] = dy;
      this.#baseDir[k + 2] = dz;
      const t = dz < -1e-5 ? -cz / dz : Infinity;
      if (t < 2000) {
        this.#groundDist[p] = t;
        this.#offX[p] = t * dx;
        this.#offY[p] = t * dy;
        this.#hazeF[p] = 1 - Math.exp(-t * hazeK);
      } else {
        this.#groundDist[p] = Infinity;
        this.#offX[p] = Math.atan2(dz, Math.sqrt(dx * dx + dy * dy));
        this.#offY[p] = Math.atan2(dy, dx);
      }
    }
    // Far ground: a pixel row spans metres of road, so thin markings seen obliquely would alias.
    // Such pixels get SUBSAMPLES rays spread over the pixel's height, through the camera model.
    const model = this.#rig.model;
    const off: number[] = [];
    for (let p = 0; p < n; p++) {
      const t = this.#groundDist[p]!;
      if (!(t > SUPERSAMPLE_FROM_M && t < 2000)) {
        this.#subIndex[p] = -1;
        continue;
      }
      this.#subIndex[p] = off.length;
      const u = p % this.width;
      const v = (p - u) / this.width;
      for (let s = 0; s < SUBSAMPLES; s++) {
        const r = model.unproject({ u, v: v + (s + 0.5) / SUBSAMPLES - 0.5 });
        const dx = R[0]! * r.x + R[1]! * r.y + R[2]! * r.z;
        const dy = R[3]! * r.x + R[4]! * r.y + R[5]! * r.z;
        const dz = R[6]! * r.x + R[7]! * r.y + R[8]! * r.z;
        const ts = dz < -1e-5 ? Math.min(-cz / dz, 4000) : 4000;
        off.push(ts * dx, ts * dy);
      }
    }
    this.#subOff = Float32Array.from(off);
  }

  #drawGroundAndSky(cam: number[], scene: FrameScene): void {
    const { width, height } = this;
    const color = this.#color;
    const depth = this.#depth;
    const labels = this.#labels;
    const gxs = this.#gx;
    const gys = this.#gy;
    const dist = this.#groundDist;
    const offX = this.#offX;
    const offY = this.#offY;
    const hazeF = this.#hazeF;
    const subIndex = this.#subIndex;
    const subOff = this.#subOff;
    const baseDir = this.#baseDir;
    const g = this.ground;
    const L = this.#light;
    const cell = g.cell;
    const inv = 1 / cell;
    const ox = g.originX;
    const oy = g.originY;
    const tilesX = g.tilesX;
    const tilesY = g.tilesY;
    const tiles = g.tiles;
    const mask = (1 << TILE_BITS) - 1;
    const cx = cam[0]!;
    const cy = cam[1]!;
    const seed = this.#seed;
    const sunZ = Math.max(0, L.sunDir[2]);
    // Ground irradiance in the open (no shadow), per channel.
    const eR = L.ambient[0] + L.sun[0] * sunZ;
    const eG = L.ambient[1] + L.sun[1] * sunZ;
    const eB = L.ambient[2] + L.sun[2] * sunZ;
    const exposure = this.#env.exposure;
    const night = L.night;
    const lamps = this.#nearbyLamps(cx, cy);
    const nLamps = lamps.length / 3;
    const ch = Math.cos(scene.ego.heading);
    const sh = Math.sin(scene.ego.heading);
    const ex = scene.ego.x;
    const ey = scene.ego.y;
    const wet = L.wet;
    const sky = this.#skyline;
    const binScale = SKYLINE_BINS / (2 * Math.PI);
    const headingBins = (scene.ego.heading + Math.PI) * binScale;
    const n = width * height;
    for (let p = 0; p < n; p++) {
      const k = p * 3;
      const t = dist[p]!;
      if (t < 2000) {
        const gx = cx + ch * offX[p]! - sh * offY[p]!;
        const gy = cy + sh * offX[p]! + ch * offY[p]!;
        gxs[p] = gx;
        gys[p] = gy;
        depth[p] = t;
        const dz = baseDir[k + 2]!;
        const fx = (gx - ox) * inv - 0.5;
        const fy = (gy - oy) * inv - 0.5;
        const ix = Math.floor(fx);
        const iy = Math.floor(fy);
        let mat: number = MATERIAL.ground;
        let paint = 0;
        let yellow = false;
        let shade = 0;
        let wearLevel = 0;
        const tx = ix >> TILE_BITS;
        const ty = iy >> TILE_BITS;
        const tile =
          ix >= 0 && iy >= 0 && tx < tilesX && ty < tilesY ? tiles[ty * tilesX + tx] : null;
        if (tile) {
          const ci = ((iy & mask) << TILE_BITS) | (ix & mask);
          const m = tile.material[ci]!;
          mat = m & MATERIAL_MASK;
          yellow = (m & YELLOW_BIT) !== 0;
          wearLevel = (m & WEAR_MASK) >> WEAR_SHIFT;
          shade = (tile.shade[ci]! - 128) / 128;
          if (t < 25 && (ix & mask) !== mask && (iy & mask) !== mask) {
            // Bilinear paint coverage (and, close up, texture) inside a tile near the camera: smooth edges, no cell squares.
            const ax = fx - ix;
            const ay = fy - iy;
            const p00 = tile.paint[ci]!;
            const p10 = tile.paint[ci + 1]!;
            const p01 = tile.paint[ci + (1 << TILE_BITS)]!;
            const p11 = tile.paint[ci + (1 << TILE_BITS) + 1]!;
            paint =
              (p00 + (p10 - p00) * ax + (p01 - p00) * ay + (p00 - p10 - p01 + p11) * ax * ay) / 255;
            if (t < 12) {
              const s00 = tile.shade[ci]!;
              const s10 = tile.shade[ci + 1]!;
              const s01 = tile.shade[ci + (1 << TILE_BITS)]!;
              const s11 = tile.shade[ci + (1 << TILE_BITS) + 1]!;
              shade =
                (s00 +
                  (s10 - s00) * ax +
                  (s01 - s00) * ay +
                  (s00 - s10 - s01 + s11) * ax * ay -
                  128) /
                128;
            }
          } else paint = tile.paint[ci]! / 255;
        } else {
          shade = hash2(ix >> 1, iy >> 1, seed) - 0.5;
        }
        let ar: number, ag: number, ab: number;
        // Texture fades with distance (a pixel averages many cells far away).
        const tex = t < 30 ? 1 : 30 / t;
        if (mat === MATERIAL.asphalt) {
          const s = 1 + 0.22 * shade * tex;
          ar = ALBEDO_ASPHALT[0] * s;
          ag = ALBEDO_ASPHALT[1] * s;
          ab = ALBEDO_ASPHALT[2] * s;
          labels[p] = LABEL.asphalt;
        } else if (mat === MATERIAL.sidewalk) {
          const seam =
            (gx - Math.floor(gx) < 0.03 || gy - Math.floor(gy) < 0.03) && t < 40 ? 0.85 : 1;
          const s = (1 + 0.12 * shade * tex) * seam;
          ar = ALBEDO_SIDEWALK[0] * s;
          ag = ALBEDO_SIDEWALK[1] * s;
          ab = ALBEDO_SIDEWALK[2] * s;
          labels[p] = LABEL.sidewalk;
        } else if (mat === MATERIAL.kerb) {
          const s = 1 + 0.08 * shade * tex;
          ar = ALBEDO_KERB[0] * s;
          ag = ALBEDO_KERB[1] * s;
          ab = ALBEDO_KERB[2] * s;
          labels[p] = LABEL.kerb;
        } else {
          const s = 1 + 0.5 * shade * tex;
          ar = ALBEDO_GROUND[0] * s;
          ag = ALBEDO_GROUND[1] * (1 + 0.35 * shade * tex);
          ab = ALBEDO_GROUND[2] * s;
          labels[p] = LABEL.ground;
        }
        let paintLabel = paint * 255 >= PAINT_LABEL_THRESHOLD;
        const si = subIndex[p]!;
        if (si >= 0) {
          // Far field: paint coverage averaged over the pixel's sub-samples.
          let sum = 0;
          let most = 0;
          for (let s = 0; s < SUBSAMPLES; s++) {
            const sx = subOff[si + 2 * s]!;
            const sy = subOff[si + 2 * s + 1]!;
            const jx = Math.floor((cx + ch * sx - sh * sy - ox) * inv);
            const jy = Math.floor((cy + sh * sx + ch * sy - oy) * inv);
            const ttx = jx >> TILE_BITS;
            const tty = jy >> TILE_BITS;
            const tl =
              jx >= 0 && jy >= 0 && ttx < tilesX && tty < tilesY ? tiles[tty * tilesX + ttx] : null;
            if (!tl) continue;
            const ci = ((jy & mask) << TILE_BITS) | (jx & mask);
            const c = tl.paint[ci]!;
            sum += c;
            if (c > most) {
              most = c;
              yellow = (tl.material[ci]! & YELLOW_BIT) !== 0;
            }
          }
          paint = sum / (255 * SUBSAMPLES);
          paintLabel = most >= PAINT_LABEL_THRESHOLD;
        }
        if (paint > 0) {
          const pc = yellow ? ALBEDO_YELLOW : ALBEDO_WHITE;
          const a =
            paint *
            (0.9 + 0.1 * shade * tex) *
            (wearLevel > 0 ? g.wearFactor(fx, fy, wearLevel) : 1);
          ar += (pc[0] - ar) * a;
          ag += (pc[1] - ag) * a;
          ab += (pc[2] - ab) * a;
          if (paintLabel) labels[p] = yellow ? LABEL.yellowPaint : LABEL.whitePaint;
        }
        let lr = eR;
        let lg = eG;
        let lb = eB;
        if (night) {
          for (let i = 0; i < nLamps; i++) {
            const ddx = gx - lamps[i * 3]!;
            const ddy = gy - lamps[i * 3 + 1]!;
            const f = 1 / (1 + (ddx * ddx + ddy * ddy) * 0.02);
            const e = 0.85 * f * Math.sqrt(f);
            lr += e;
            lg += e * 0.78;
            lb += e * 0.5;
          }
          const xb = (gx - ex) * ch + (gy - ey) * sh;
          if (xb > 2) {
            const yb = -(gx - ex) * sh + (gy - ey) * ch;
            const ang = yb / xb;
            const e = (2.6 * Math.exp(-(ang * ang) / 0.09)) / (1 + (xb * xb) / 500);
            lr += e;
            lg += e;
            lb += e * 0.92;
          }
        }
        let cr = ar * lr;
        let cg = ag * lg;
        let cb = ab * lb;
        if (wet > 0 && (mat === MATERIAL.asphalt || mat === MATERIAL.kerb)) {
          // Wet road: darker, with a grazing-angle reflection of the sky.
          const f = wet * (0.04 + 0.6 * Math.pow(1 + dz, 8));
          cr = cr * (1 - 0.45 * wet) + L.skyHorizon[0] * f;
          cg = cg * (1 - 0.45 * wet) + L.skyHorizon[1] * f;
          cb = cb * (1 - 0.45 * wet) + L.skyHorizon[2] * f;
        }
        const h = hazeF[p]!;
        color[k] = (cr + (L.haze[0] - cr) * h) * exposure;
        color[k + 1] = (cg + (L.haze[1] - cg) * h) * exposure;
        color[k + 2] = (cb + (L.haze[2] - cb) * h) * exposure;
      } else {
        depth[p] = Infinity;
        // Above the horizon: skyline or sky.
        const el = offX[p]!;
        let bin = Math.floor(offY[p]! * binScale + headingBins) % SKYLINE_BINS;
        if (bin < 0) bin += SKYLINE_BINS;
        if (el < sky.elevation[bin]!) {
          let s = 0.75 + 0.25 * (el / (sky.elevation[bin]! + 1e-6));
          if (sky.kind[bin] === 1 && ((Math.floor(el * 260) & 3) === 0 || (bin & 3) === 0))
            s *= night ? 2.2 : 0.7;
          const fade = night ? 0.06 : 0.55;
          color[k] = (sky.color[bin * 3]! * s * fade + L.haze[0] * 0.35) * exposure;
          color[k + 1] = (sky.color[bin * 3 + 1]! * s * fade + L.haze[1] * 0.35) * exposure;
          color[k + 2] = (sky.color[bin * 3 + 2]! * s * fade + L.haze[2] * 0.35) * exposure;
          labels[p] = LABEL.backdrop;
        } else {
          const a = Math.min(1, Math.max(0, el) * 2.2);
          color[k] = (L.skyHorizon[0] + (L.skyZenith[0] - L.skyHorizon[0]) * a) * exposure;
          color[k + 1] = (L.skyHorizon[1] + (L.skyZenith[1] - L.skyHorizon[1]) * a) * exposure;
          color[k + 2] = (L.skyHorizon[2] + (L.skyZenith[2] - L.skyHorizon[2]) * a) * exposure;
          labels[p] = LABEL.sky;
        }
      }
    }
  }

  /** Street lamps within 120 m of the camera, xyz triplets. */
  #nearbyLamps(cx: number, cy: number): Float64Array {
    const out: number[] = [];
    const l = this.#lamps;
    for (let i = 0; i < l.length; i += 3) {
      if (Math.hypot(l[i]! - cx, l[i + 1]! - cy) < 120) out.push(l[i]!, l[i + 1]!, l[i + 2]!);
    }
    return Float64Array.from(out);
  }

  /** Light on an object at a map point with a given normal (sun + sky + night lights). */
  #objectLight(
    nx: number,
    ny: number,
    nz: number,
    px: number,
    py: number,
    scene: FrameScene,
    lamps: Float64Array,
    out: Float64Array,
  ): void {
    const L = this.#light;
    const ndl = Math.max(0, nx * L.sunDir[0] + ny * L.sunDir[1] + nz * L.sunDir[2]);
    const sky = 0.65 + 0.35 * nz;
    out[0] = L.ambient[0] * sky + L.sun[0] * ndl;
    out[1] = L.ambient[1] * sky + L.sun[1] * ndl;
    out[2] = L.ambient[2] * sky + L.sun[2] * ndl;
    if (L.night) {
      for (let i = 0; i < lamps.length; i += 3) {
        const dx = px - lamps[i]!;
        const dy = py - lamps[i + 1]!;
        const f = 1 / (1 + (dx * dx + dy * dy) * 0.02);
        const e = 0.7 * f * Math.sqrt(f);
        out[0] += e;
        out[1] += e * 0.78;
        out[2] += e * 0.5;
      }
      const ch = Math.cos(scene.ego.heading);
      const sh = Math.sin(scene.ego.heading);
      const xb = (px - scene.ego.x) * ch + (py - scene.ego.y) * sh;
      if (xb > 1) {
        const yb = -(px - scene.ego.x) * sh + (py - scene.ego.y) * ch;
        const ang = yb / xb;
        // Facing the car: the light hits surfaces whose normal points back at it.
        const facing = Math.max(0.15, -(nx * ch + ny * sh));
        const e = (3.2 * facing * Math.exp(-(ang * ang) / 0.12)) / (1 + (xb * xb) / 400);
        out[0] += e;
        out[1] += e;
        out[2] += e * 0.92;
      }
    }
  }

  /** Darkens ground pixels inside each object's shadow polygon (sun shadows) or a soft contact shadow. */
  #drawShadows(cam: number[], scene: FrameScene): void {
    const L = this.#light;
    const polys: Array<{ poly: Float64Array; strength: number }> = [];
    const sunZ = L.sunDir[2];
    const hasSun = L.shadowStrength > 0 && sunZ > 0.05;
    const offX = hasSun ? -L.sunDir[0] / sunZ : 0;
    const offY = hasSun ? -L.sunDir[1] / sunZ : 0;
    const contact = L.night ? 0.35 : L.shadowStrength > 0 ? 0.3 : 0.45;
    for (const v of scene.vehicles) {
      const shape = this.#vehicleShapes.get(v.spec.id)!;
      const c = Math.cos(v.heading);
      const s = Math.sin(v.heading);
      const corners: number[] = [];
      for (const [a, b] of [
        [1, 1],
        [1, -1],
        [-1, -1],
        [-1, 1],
      ] as const) {
        corners.push(
          v.x + c * a * shape.halfLength - s * b * shape.halfWidth,
          v.y + s * a * shape.halfLength + c * b * shape.halfWidth,
        );
      }
      polys.push({ poly: Float64Array.from(corners), strength: contact });
      if (hasSun) {
        const pts = [...corners];
        for (let i = 0; i < 8; i += 2)
          pts.push(
            corners[i]! + offX * shape.height * 0.9,
            corners[i + 1]! + offY * shape.height * 0.9,
          );
        polys.push({ poly: convexHull(pts), strength: L.shadowStrength });
      }
    }
    for (const p of scene.pedestrians) {
      const pts: number[] = [];
      for (let i = 0; i < 8; i++) {
        const a = (i / 8) * 2 * Math.PI;
        pts.push(p.x + 0.28 * Math.cos(a), p.y + 0.22 * Math.sin(a));
      }
      polys.push({ poly: Float64Array.from(pts), strength: contact * 0.8 });
      if (hasSun) {
        const h = p.spec.look.height;
        const sx = [...pts];
        for (let i = 0; i < 16; i += 2)
          sx.push(pts[i]! * 0.6 + p.x * 0.4 + offX * h, pts[i + 1]! * 0.6 + p.y * 0.4 + offY * h);
        polys.push({ poly: convexHull(sx), strength: L.shadowStrength });
      }
    }
    for (const { poly, strength } of polys) this.#darkenGroundPolygon(poly, strength, cam);
  }

  #darkenGroundPolygon(poly: Float64Array, strength: number, cam: number[]): void {
    const box = this.#imageBoxOfPoints(poly, 0, 0, cam);
    if (!box) return;
    const { width } = this;
    const labels = this.#labels;
    const gx = this.#gx;
    const gy = this.#gy;
    const color = this.#color;
    const n = poly.length / 2;
    const keep = 1 - strength;
    for (let v = box.v0; v <= box.v1; v++) {
      for (let u = box.u0; u <= box.u1; u++) {
        const p = v * width + u;
        const lab = labels[p]!;
        if (lab < LABEL.ground || lab > LABEL.yellowPaint) continue;
        const x = gx[p]!;
        const y = gy[p]!;
        let inside = false;
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const xi = poly[2 * i]!;
          const yi = poly[2 * i + 1]!;
          const xj = poly[2 * j]!;
          const yj = poly[2 * j + 1]!;
          if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
        }
        if (inside) {
          color[p * 3]! *= keep;
          color[p * 3 + 1]! *= keep;
          color[p * 3 + 2]! *= keep * 1.04;
        }
      }
    }
  }

  /**
   * Image box (clipped) of 3D points: xy pairs at heights z0..z1 (both used). Undefined when all
   * are behind the camera or the box misses the image; the whole image width when some are behind.
   */
  #imageBoxOfPoints(xy: Float64Array, z0: number, z1: number, cam: number[]): PixelBox | undefined {
    const model = this.#rig.model;
    // The frame's rotation R (optical -> map); R^T maps map directions into the optical frame.
    const T = this.#rot;
    let u0 = Infinity;
    let v0 = Infinity;
    let u1 = -Infinity;
    let v1 = -Infinity;
    let behind = 0;
    let total = 0;
    for (let i = 0; i < xy.length; i += 2) {
      for (const z of z0 === z1 ? [z0] : [z0, z1]) {
        total++;
        const px = xy[i]! - cam[0]!;
        const py = xy[i + 1]! - cam[1]!;
        const pz = z - cam[2]!;
        const o = {
          x: T[0]! * px + T[3]! * py + T[6]! * pz,
          y: T[1]! * px + T[4]! * py + T[7]! * pz,
          z: T[2]! * px + T[5]! * py + T[8]! * pz,
        };
        if (o.z < 0.3) {
          behind++;
          continue;
        }
        const pix = model.project(o);
        if (!pix) {
          behind++;
          continue;
        }
        u0 = Math.min(u0, pix.u);
        v0 = Math.min(v0, pix.v);
        u1 = Math.max(u1, pix.u);
        v1 = Math.max(v1, pix.v);
      }
    }
    if (behind === total) return undefined;
    if (behind > 0) {
      u0 = 0;
      u1 = this.width - 1;
      v1 = this.height - 1;
    }
    const box = {
      u0: Math.max(0, Math.floor(u0) - 2),
      v0: Math.max(0, Math.floor(v0) - 2),
      u1: Math.min(this.width - 1, Math.ceil(u1) + 2),
      v1: Math.min(this.height - 1, Math.ceil(v1) + 2),
    };
    return box.u0 > box.u1 || box.v0 > box.v1 ? undefined : box;
  }

  /** R (optical -> map) of the frame being drawn, row-major. */
  #rot: number[] = [];

  /** The per-frame lighting and camera setup shared by the objects drawn over the scene. */
  #objectShading(cam: number[], scene: FrameScene): ObjectShading {
    const L = this.#light;
    return {
      lamps: this.#nearbyLamps(cam[0]!, cam[1]!),
      light: new Float64Array(3),
      cosHeading: Math.cos(scene.ego.heading),
      sinHeading: Math.sin(scene.ego.heading),
      hazeK: 1 / L.hazeDistance,
    };
  }

  /** Writes an object pixel's colour at k: rgb hazed by its distance t, then exposed. */
  #putObjectColor(
    shading: ObjectShading,
    k: number,
    t: number,
    r: number,
    g: number,
    b: number,
  ): void {
    const L = this.#light;
    const exposure = this.#env.exposure;
    const color = this.#color;
    const h = 1 - Math.exp(-t * shading.hazeK);
    color[k] = (r + (L.haze[0] - r) * h) * exposure;
    color[k + 1] = (g + (L.haze[1] - g) * h) * exposure;
    color[k + 2] = (b + (L.haze[2] - b) * h) * exposure;
  }

  #drawVehicles(cam: number[], scene: FrameScene): void {
    const shading = this.#objectShading(cam, scene);
    const { lamps, light, cosHeading: hc, sinHeading: hs } = shading;
    const hit = new Int32Array(2);
    const { width } = this;
    const depth = this.#depth;
    const labels = this.#labels;
    const dirs = this.#baseDir;
    const L = this.#light;
    scene.vehicles.forEach((v, vi) => {
      const shape = this.#vehicleShapes.get(v.spec.id)!;
      const c = Math.cos(v.heading);
      const s = Math.sin(v.heading);
      const corners: number[] = [];
      for (const [a, b] of [
        [1, 1],
        [1, -1],
        [-1, -1],
        [-1, 1],
      ] as const) {
        corners.push(
          v.x + c * a * shape.halfLength - s * b * shape.halfWidth,
          v.y + s * a * shape.halfLength + c * b * shape.halfWidth,
        );
      }
      const box = this.#imageBoxOfPoints(Float64Array.from(corners), 0, shape.height, cam);
      if (!box) return;
      // Ray origin in the vehicle frame.
      const rox = c * (cam[0]! - v.x) + s * (cam[1]! - v.y);
      const roy = -s * (cam[0]! - v.x) + c * (cam[1]! - v.y);
      const roz = cam[2]!;
      const paint = v.spec.color;
      for (let py = box.v0; py <= box.v1; py++) {
        for (let px = box.u0; px <= box.u1; px++) {
          const p = py * width + px;
          const k = p * 3;
          const bx = dirs[k]!;
          const by = dirs[k + 1]!;
          const dx = hc * bx - hs * by;
          const dy = hs * bx + hc * by;
          const dz = dirs[k + 2]!;
          const ldx = c * dx + s * dy;
          const ldy = -s * dx + c * dy;
          const t = intersectVehicle(shape, rox, roy, roz, ldx, ldy, dz, hit);
          if (t < 0 || t >= depth[p]!) continue;
          depth[p] = t;
          labels[p] = LABEL.vehicleBase + vi;
          const face = hit[1]!;
          const axis = Math.abs(face) - 1;
          const sign = Math.sign(face);
          // Local normal -> map.
          const lnx = axis === 0 ? sign : 0;
          const lny = axis === 1 ? sign : 0;
          const nz = axis === 2 ? sign : 0;
          const nx = c * lnx - s * lny;
          const ny = s * lnx + c * lny;
          const hx = cam[0]! + t * dx;
          const hy = cam[1]! + t * dy;
          this.#objectLight(nx, ny, nz, hx, hy, scene, lamps, light);
          const mat = shape.boxes[hit[0]! * BOX_STRIDE + 6]!;
          let r: number, g: number, b: number;
          if (mat === VEHICLE_MATERIAL.paint) {
            const spec = 0.08 * Math.max(0, nz);
            r = paint[0] * light[0]! + spec;
            g = paint[1] * light[1]! + spec;
            b = paint[2] * light[2]! + spec;
          } else if (mat === VEHICLE_MATERIAL.glass) {
            const refl = L.night ? 0.02 : 0.12 + 0.1 * Math.max(0, -dz * 4);
            r = 0.05 * light[0]! + refl * L.skyHorizon[0];
            g = 0.06 * light[1]! + refl * L.skyHorizon[1];
            b = 0.07 * light[2]! + refl * L.skyHorizon[2];
          } else if (mat === VEHICLE_MATERIAL.tyre) {
            r = 0.04 * light[0]!;
            g = 0.04 * light[1]!;
            b = 0.04 * light[2]!;
          } else if (mat === VEHICLE_MATERIAL.tailLight) {
            const glow = L.night ? 1.6 : 0.1;
            r = 0.5 * light[0]! + glow;
            g = 0.05 * light[1]! + glow * 0.08;
            b = 0.05 * light[2]! + glow * 0.06;
          } else {
            const glow = L.night ? 3 : 0.05;
            r = 0.7 * light[0]! + glow;
            g = 0.7 * light[1]! + glow;
            b = 0.68 * light[2]! + glow * 0.9;
          }
          this.#putObjectColor(shading, k, t, r, g, b);
        }
      }
    });
  }

  #drawPedestrians(cam: number[], scene: FrameScene): PedestrianPixels[] {
    const shading = this.#objectShading(cam, scene);
    const { lamps, light, cosHeading: hc, sinHeading: hs } = shading;
    const hit = new Int32Array(1);
    const { width } = this;
    const depth = this.#depth;
    const labels = this.#labels;
    const dirs = this.#baseDir;
    const results: PedestrianPixels[] = [];
    const boxes: Array<PixelBox | undefined> = [];
    scene.pedestrians.forEach((ped, pi) => {
      const body: PosedBody = posePedestrian(ped);
      const xy = Float64Array.from([
        body.min[0],
        body.min[1],
        body.max[0],
        body.min[1],
        body.max[0],
        body.max[1],
        body.min[0],
        body.max[1],
      ]);
      const box = this.#imageBoxOfPoints(xy, body.min[2], body.max[2], cam);
      boxes.push(box);
      const result: PedestrianPixels = { id: ped.spec.id, totalPixels: 0, visiblePixels: 0 };
      results.push(result);
      if (!box) return;
      // Where each capsule can appear (its bounding box projected), so a pixel tests only a few.
      const rects = new Int32Array(body.count * 4);
      for (let i = 0; i < body.count; i++) {
        const o = i * 8;
        const c = body.capsules;
        const r = c[o + 6]!;
        const xy = Float64Array.from([
          Math.min(c[o]!, c[o + 3]!) - r,
          Math.min(c[o + 1]!, c[o + 4]!) - r,
          Math.max(c[o]!, c[o + 3]!) + r,
          Math.min(c[o + 1]!, c[o + 4]!) - r,
          Math.max(c[o]!, c[o + 3]!) + r,
          Math.max(c[o + 1]!, c[o + 4]!) + r,
          Math.min(c[o]!, c[o + 3]!) - r,
          Math.max(c[o + 1]!, c[o + 4]!) + r,
        ]);
        const b = this.#imageBoxOfPoints(
          xy,
          Math.max(0, Math.min(c[o + 2]!, c[o + 5]!) - r),
          Math.max(c[o + 2]!, c[o + 5]!) + r,
          cam,
        );
        if (b) rects.set([b.u0, b.v0, b.u1, b.v1], i * 4);
        else rects.set([1, 1, 0, 0], i * 4);
      }
      const look = ped.spec.look;
      const palette = [look.skin, look.hair, look.top, look.bottom, look.shoes];
      let au0 = Infinity;
      let av0 = Infinity;
      let au1 = -Infinity;
      let av1 = -Infinity;
      for (let py = box.v0; py <= box.v1; py++) {
        for (let px = box.u0; px <= box.u1; px++) {
          const p = py * width + px;
          const k = p * 3;
          const bx = dirs[k]!;
          const by = dirs[k + 1]!;
          const dx = hc * bx - hs * by;
          const dy = hs * bx + hc * by;
          const dz = dirs[k + 2]!;
          const t = intersectBody(body, cam[0]!, cam[1]!, cam[2]!, dx, dy, dz, hit, rects, px, py);
          if (t < 0) continue;
          result.totalPixels++;
          if (px < au0) au0 = px;
          if (px > au1) au1 = px;
          if (py < av0) av0 = py;
          if (py > av1) av1 = py;
          if (t >= depth[p]!) continue;
          depth[p] = t;
          labels[p] = LABEL.pedestrianBase + pi;
          const hx = cam[0]! + t * dx;
          const hy = cam[1]! + t * dy;
          const hz = cam[2]! + t * dz;
          const n = capsuleNormal(body, hit[0]!, hx, hy, hz);
          this.#objectLight(n[0], n[1], n[2], hx, hy, scene, lamps, light);
          const slot = body.capsules[hit[0]! * 8 + 7]!;
          const albedo = palette[slot]!;
          const cloth =
            slot === PART_COLOR.top || slot === PART_COLOR.bottom
              ? 1 + 0.08 * (hash2(px, py, pi) - 0.5)
              : 1;
          const r = albedo[0] * light[0]! * cloth;
          const g = albedo[1] * light[1]! * cloth;
          const b = albedo[2] * light[2]! * cloth;
          this.#putObjectColor(shading, k, t, r, g, b);
        }
      }
      if (result.totalPixels > 0) result.amodalBox = { u0: au0, v0: av0, u1: au1, v1: av1 };
    });
    // Visible pixels: the final labels (later, nearer objects may have covered earlier ones).
    results.forEach((r, pi) => {
      const box = boxes[pi];
      if (!box || r.totalPixels === 0) return;
      const want = LABEL.pedestrianBase + pi;
      let u0 = Infinity;
      let v0 = Infinity;
      let u1 = -Infinity;
      let v1 = -Infinity;
      for (let py = box.v0; py <= box.v1; py++) {
        for (let px = box.u0; px <= box.u1; px++) {
          if (labels[py * width + px] !== want) continue;
          r.visiblePixels++;
          if (px < u0) u0 = px;
          if (px > u1) u1 = px;
          if (py < v0) v0 = py;
          if (py > v1) v1 = py;
        }
      }
      if (r.visiblePixels > 0) r.visibleBox = { u0, v0, u1, v1 };
    });
    return results;
  }
}

function lightSetup(env: Environment): LightSetup {
  const wet = env.weather.kind === "rain" ? 0.6 + 0.4 * env.weather.intensity : 0;
  switch (env.lighting.kind) {
    case "sunny": {
      const { sunAzimuth: az, sunElevation: el } = env.lighting;
      return {
        ambient: [0.62, 0.66, 0.74],
        sun: [0.95, 0.9, 0.8],
        sunDir: [Math.cos(el) * Math.cos(az), Math.cos(el) * Math.sin(az), Math.sin(el)],
        shadowStrength: 0.42,
        night: false,
        skyHorizon: [0.8, 0.84, 0.9],
        skyZenith: [0.42, 0.58, 0.85],
        haze: [0.74, 0.77, 0.82],
        hazeDistance: 700,
        wet,
      };
    }
    case "overcast":
      return {
        ambient: [0.95, 0.96, 0.99],
        sun: [0, 0, 0],
        sunDir: [0, 0, 1],
        shadowStrength: 0,
        night: false,
        skyHorizon: [0.76, 0.77, 0.79],
        skyZenith: [0.6, 0.62, 0.66],
        haze: [0.7, 0.71, 0.73],
        hazeDistance: wet > 0 ? 180 : 450,
        wet,
      };
    case "night":
      return {
        ambient: [0.035, 0.04, 0.055],
        sun: [0, 0, 0],
        sunDir: [0, 0, 1],
        shadowStrength: 0,
        night: true,
        skyHorizon: [0.06, 0.06, 0.08],
        skyZenith: [0.015, 0.018, 0.03],
        haze: [0.05, 0.05, 0.06],
        hazeDistance: 250,
        wet,
      };
  }
}

/** Street lamps along every road edge, one per `spacing` metres, 7 m high (xyz triplets). */
function placeLamps(world: World, spacing: number): Float64Array {
  const out: number[] = [];
  for (const b of world.laneBoundaries) {
    if (b.boundaryType !== "road_edge") continue;
    let acc = spacing / 2;
    for (let i = 1; i < b.points.length; i++) {
      const a = b.points[i - 1]!;
      const c = b.points[i]!;
      const len = Math.hypot(c.x - a.x, c.y - a.y);
      while (acc <= len) {
        const f = acc / len;
        out.push(a.x + (c.x - a.x) * f, a.y + (c.y - a.y) * f, 7);
        acc += spacing;
      }
      acc -= len;
    }
  }
  return Float64Array.from(out);
}

/** Convex hull of xy pairs (monotone chain), counter-clockwise, as xy pairs. */
function convexHull(xy: number[]): Float64Array {
  const pts: Array<[number, number]> = [];
  for (let i = 0; i < xy.length; i += 2) pts.push([xy[i]!, xy[i + 1]!]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Array<[number, number]> = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0)
      lower.pop();
    lower.push(p);
  }
  const upper: Array<[number, number]> = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0)
      upper.pop();
    upper.push(p);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  return Float64Array.from(hull.flat());
}
