/** The BEV stage's reused scratch and caches give what a fresh computation gives. */
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { toPackedRgb, type ImageView, type PixelFormat } from "../../../src/image/image-view.js";
import { bevComponents } from "../../../src/perception/bev/bev-components.js";
import { bevLookup, type BevGridSpec } from "../../../src/perception/bev/bev-grid.js";
import {
  PixelSampler,
  rgbReader,
  sampleBevColour,
} from "../../../src/perception/bev/image-sampling.js";
import { DEFAULT_LANE_GRID } from "../../../src/perception/bev/lane-grid.js";

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("PixelSampler", () => {
  const bpp: Record<PixelFormat, number> = {
    rgb8: 3,
    bgr8: 3,
    rgba8: 4,
    bgra8: 4,
    mono8: 1,
    yuyv: 2,
    uyvy: 2,
  };
  for (const format of Object.keys(bpp) as PixelFormat[]) {
    for (const padding of [0, 6]) {
      it(`reads ${format} pixels as the packed conversion does (row padding ${padding})`, () => {
        const width = 6;
        const height = 3;
        const step = width * bpp[format] + padding;
        const next = rng(width + padding);
        const view: ImageView = {
          width,
          height,
          step,
          format,
          data: Uint8Array.from({ length: step * height }, () => Math.floor(next() * 256)),
        };
        const packed = toPackedRgb(view).data;
        const sampler = new PixelSampler(view);
        const read = rgbReader(view);
        const rgb = new Uint8Array(3);
        const grey = new Float32Array(width * height);
        const yellow = new Float32Array(width * height);
        const chroma = new Float32Array(width * height);
        const pixels = Int32Array.from({ length: width * height }, (_, p) => p);
        sampleBevColour(view, pixels, grey, yellow, chroma);
        for (let p = 0; p < width * height; p++) {
          const [r, g, b] = [packed[3 * p]!, packed[3 * p + 1]!, packed[3 * p + 2]!];
          read(p, rgb, 0);
          expect(Array.from(rgb)).toEqual([r, g, b]);
          expect(sampler.grey(p)).toBe(0.299 * r + 0.587 * g + 0.114 * b);
          expect(grey[p]).toBe(Math.fround(0.299 * r + 0.587 * g + 0.114 * b));
          expect(yellow[p]).toBe(Math.min(r, g) - b);
          expect(chroma[p]).toBe(Math.max(r, g, b) - Math.min(r, g, b));
        }
      });
    }
  }
});

describe("bevLookup cache", () => {
  const geometry = CameraGeometry.approximate({
    width: 320,
    height: 180,
    mountHeight: 1.5,
    pitchRad: 0.08,
  });
  const spec = (): BevGridSpec => ({ xMin: 0, xMax: 30, dx: 0.5, yMin: -6, yMax: 6, dy: 0.1 });

  it("finds a lookup by the grid's numbers, not by the spec object", () => {
    const a = bevLookup(geometry, spec(), 320, 180);
    expect(bevLookup(geometry, spec(), 320, 180)).toBe(a);
    expect(bevLookup(geometry, spec(), 320, 181)).not.toBe(a);
    // -0 and 0 are one key, as they were as decimal strings.
    expect(bevLookup(geometry, { ...spec(), xMin: -0 }, 320, 180)).toBe(a);
  });

  it("is not fooled by a spec object changed after use", () => {
    const s = spec();
    const a = bevLookup(geometry, s, 320, 180);
    s.xMax = 40;
    const b = bevLookup(geometry, s, 320, 180);
    expect(b).not.toBe(a);
    expect([a.spec.xMax, a.rows, b.rows]).toEqual([30, 60, 80]);
  });

  it("starts afresh for another geometry object", () => {
    const other = CameraGeometry.approximate({
      width: 320,
      height: 180,
      mountHeight: 1.5,
      pitchRad: 0.08,
    });
    expect(bevLookup(other, DEFAULT_LANE_GRID, 320, 180)).not.toBe(
      bevLookup(geometry, DEFAULT_LANE_GRID, 320, 180),
    );
  });
});

describe("bevComponents", () => {
  const spec: BevGridSpec = { xMin: 0, xMax: 20, dx: 0.5, yMin: -5, yMax: 5, dy: 0.25 };
  const rows = 40;
  const cols = 40;

  /** Reference labelling: flood fill over the same neighbourhood, components in the order of their first cell. */
  function reference(occupancy: Uint8Array, rowGap: number, minCells: number): number[][] {
    const label = new Int32Array(occupancy.length).fill(-1);
    const groups: number[][] = [];
    const linked = (a: number, b: number): boolean => {
      const [ra, ca, rb, cb] = [Math.floor(a / cols), a % cols, Math.floor(b / cols), b % cols];
      const dr = Math.abs(ra - rb);
      const dc = Math.abs(ca - cb);
      return (dr === 0 && dc === 1) || (dr >= 1 && dr <= rowGap + 1 && dc <= 1);
    };
    for (let i = 0; i < occupancy.length; i++) {
      if (!occupancy[i] || label[i]! >= 0) continue;
      const members = [i];
      label[i] = groups.length;
      for (let k = 0; k < members.length; k++) {
        for (let j = 0; j < occupancy.length; j++) {
          if (occupancy[j] && label[j]! < 0 && linked(members[k]!, j)) {
            label[j] = groups.length;
            members.push(j);
          }
        }
      }
      groups.push(members.sort((a, b) => a - b));
    }
    return groups.filter((g) => g.length >= minCells);
  }

  it("labels random grids as a flood fill does, also on a reused, larger scratch and an unaligned grid", () => {
    const next = rng(5);
    for (let trial = 0; trial < 12; trial++) {
      const density = [0.02, 0.08, 0.3][trial % 3]!;
      const backing = new Uint8Array(rows * cols + 1);
      // Odd trials use a grid at byte offset 1 (no 32-bit reads).
      const occupancy = trial % 2 ? backing.subarray(1) : backing.subarray(0, rows * cols);
      for (let i = 0; i < occupancy.length; i++) occupancy[i] = next() < density ? 1 : 0;
      for (const rowGap of [0, 1]) {
        const got = bevComponents(occupancy, rows, cols, spec, { minCells: 3, rowGap });
        expect(got.map((c) => c.cells)).toEqual(reference(occupancy, rowGap, 3));
        for (const c of got) expect(c.rowCount.reduce((a, n) => a + n, 0)).toBe(c.cells.length);
      }
    }
  });
});
