/**
 * The world's ground as a tiled raster in the map frame (5 cm cells): per cell a material, a paint
 * coverage (anti-aliased, worn) with its colour, and a baked texture shade. Built once per world;
 * the renderer looks cells up per pixel. Tiles are allocated only where something is drawn;
 * everything else is open ground (grass/verge).
 */
import { hash2 } from "../prng.js";
import type { Point2 } from "../../../src/geometry/types.js";
import type { PaintLine, PaintPolygon, SurfaceMaterial, World } from "../world/types.js";

/** Material codes stored in a cell's low bits. */
export const MATERIAL = { ground: 0, asphalt: 1, sidewalk: 2, kerb: 3 } as const;
/** Set in a cell's material byte when its paint is yellow. */
export const YELLOW_BIT = 0x80;
/** Bits 4-6 of a cell's material byte: the paint's wear level 0..7 (0 = fresh). */
export const WEAR_SHIFT = 4;
export const WEAR_MASK = 0x70;
/** Low bits of the material byte: the MATERIAL code. */
export const MATERIAL_MASK = 0x0f;

export const TILE_BITS = 8;
export const TILE_SIZE = 1 << TILE_BITS;
const TILE_MASK = TILE_SIZE - 1;

export interface GroundRasterOptions {
  /** Cell size, metres (default 0.05). */
  cell?: number;
  /** Seed of the texture and wear noise. */
  seed: number;
}

/** A tile: TILE_SIZE x TILE_SIZE cells, row-major (row = y index). */
interface Tile {
  material: Uint8Array;
  paint: Uint8Array;
  shade: Uint8Array;
}

export class GroundRaster {
  readonly cell: number;
  readonly originX: number;
  readonly originY: number;
  readonly tilesX: number;
  readonly tilesY: number;
  /** Tiles by index ty * tilesX + tx; null where nothing is drawn. */
  readonly tiles: Array<Tile | null>;
  readonly seed: number;

  constructor(world: World, options: GroundRasterOptions) {
    this.cell = options.cell ?? 0.05;
    this.seed = options.seed >>> 0;
    this.originX = Math.floor(world.bounds.minX);
    this.originY = Math.floor(world.bounds.minY);
    const tileMetres = TILE_SIZE * this.cell;
    this.tilesX = Math.max(1, Math.ceil((world.bounds.maxX - this.originX) / tileMetres));
    this.tilesY = Math.max(1, Math.ceil((world.bounds.maxY - this.originY) / tileMetres));
    this.tiles = new Array<Tile | null>(this.tilesX * this.tilesY).fill(null);
    const code: Record<SurfaceMaterial, number> = {
      asphalt: MATERIAL.asphalt,
      sidewalk: MATERIAL.sidewalk,
      kerb: MATERIAL.kerb,
    };
    for (const s of world.surfaces) this.#fillPolygon(s.polygon, code[s.material]);
    for (const p of world.paint) {
      if (p.kind === "line") this.#paintLine(p);
      else this.#paintPolygon(p);
    }
  }

  /** The tile holding cell (ix, iy), or null. */
  tileAt(ix: number, iy: number): Tile | null {
    if (ix < 0 || iy < 0) return null;
    const tx = ix >> TILE_BITS;
    const ty = iy >> TILE_BITS;
    if (tx >= this.tilesX || ty >= this.tilesY) return null;
    return this.tiles[ty * this.tilesX + tx]!;
  }

  /** Material code of the cell at a map point (MATERIAL.*). */
  materialAt(x: number, y: number): number {
    const ix = Math.floor((x - this.originX) / this.cell);
    const iy = Math.floor((y - this.originY) / this.cell);
    const t = this.tileAt(ix, iy);
    return t
      ? t.material[((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK)]! & MATERIAL_MASK
      : MATERIAL.ground;
  }

  /** Paint coverage 0..1 of the cell at a map point. */
  paintAt(x: number, y: number): number {
    const ix = Math.floor((x - this.originX) / this.cell);
    const iy = Math.floor((y - this.originY) / this.cell);
    const t = this.tileAt(ix, iy);
    return t ? t.paint[((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK)]! / 255 : 0;
  }

  #tileForWrite(ix: number, iy: number): Tile | null {
    if (ix < 0 || iy < 0) return null;
    const tx = ix >> TILE_BITS;
    const ty = iy >> TILE_BITS;
    if (tx >= this.tilesX || ty >= this.tilesY) return null;
    const k = ty * this.tilesX + tx;
    let t = this.tiles[k];
    if (!t) {
      t = {
        material: new Uint8Array(TILE_SIZE * TILE_SIZE),
        paint: new Uint8Array(TILE_SIZE * TILE_SIZE),
        shade: new Uint8Array(TILE_SIZE * TILE_SIZE),
      };
      this.#bakeShade(t, tx, ty);
      this.tiles[k] = t;
    }
    return t;
  }

  /** Texture: fine grain plus 1 m and 6 m blotches (patches, stains), 128 = neutral. */
  #bakeShade(t: Tile, tx: number, ty: number): void {
    const seed = this.seed;
    for (let r = 0; r < TILE_SIZE; r++) {
      const iy = (ty << TILE_BITS) + r;
      for (let c = 0; c < TILE_SIZE; c++) {
        const ix = (tx << TILE_BITS) + c;
        const fine = hash2(ix, iy, seed) - 0.5;
        const mid = valueNoise(ix / 20, iy / 20, seed ^ 0x51) - 0.5;
        const coarse = valueNoise(ix / 120, iy / 120, seed ^ 0xa7) - 0.5;
        t.shade[(r << TILE_BITS) | c] = clampByte(128 + 60 * fine + 40 * mid + 50 * coarse);
      }
    }
  }

  /** Even-odd scanline fill at cell centres. */
  #fillPolygon(poly: readonly Point2[], material: number): void {
    const cell = this.cell;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const p of poly) {
      minY = Math.min(minY, p.y);
      maxY = Math.max(maxY, p.y);
    }
    const iy0 = Math.max(0, Math.floor((minY - this.originY) / cell));
    const iy1 = Math.min(this.tilesY * TILE_SIZE - 1, Math.ceil((maxY - this.originY) / cell));
    // Bucket edges by their first row for a cheap active-edge scan.
    const n = poly.length;
    const xs: number[] = [];
    for (let iy = iy0; iy <= iy1; iy++) {
      const y = this.originY + (iy + 0.5) * cell;
      xs.length = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const a = poly[i]!;
        const b = poly[j]!;
        if (a.y > y !== b.y > y) xs.push(a.x + ((y - a.y) * (b.x - a.x)) / (b.y - a.y));
      }
      xs.sort((p, q) => p - q);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const ix0 = Math.max(0, Math.ceil((xs[k]! - this.originX) / cell - 0.5));
        const ix1 = Math.min(
          this.tilesX * TILE_SIZE - 1,
          Math.floor((xs[k + 1]! - this.originX) / cell - 0.5),
        );
        for (let ix = ix0; ix <= ix1; ix++) {
          const t = this.#tileForWrite(ix, iy)!;
          t.material[((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK)] = material;
        }
      }
    }
  }

  /**
   * How much paint is left at a cell (1 = all) for a wear level 0..7: worn blotches and grain.
   * Applied when drawing, so the stored coverage stays the painted geometry.
   */
  wearFactor(x: number, y: number, level: number): number {
    if (level === 0) return 1;
    // x, y in (fractional) cells: smooth at any distance, no cell-sized squares up close.
    const blotch = valueNoise(x / 8, y / 8, this.seed ^ 0x3c);
    const grain = valueNoise(x / 1.3, y / 1.3, this.seed ^ 0x77);
    const w = (level / 7) * 0.6 * (0.55 * blotch + 0.45 * grain);
    return Math.max(0, 1 - 1.3 * w);
  }

  /** Paint coverage 0..255 is the painted geometry (anti-aliased); wear is kept as a level beside it. */
  #setPaint(ix: number, iy: number, coverage: number, yellow: boolean, wear: number): void {
    if (coverage <= 0) return;
    const t = this.#tileForWrite(ix, iy);
    if (!t) return;
    const k = ((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK);
    const v = Math.round(255 * coverage);
    if (v > t.paint[k]!) {
      t.paint[k] = v;
      const level = Math.max(0, Math.min(7, Math.round((wear / 0.6) * 7)));
      t.material[k] =
        (t.material[k]! & MATERIAL_MASK) | (yellow ? YELLOW_BIT : 0) | (level << WEAR_SHIFT);
    }
  }

  #paintLine(p: PaintLine): void {
    const cell = this.cell;
    const half = p.width / 2;
    const yellow = p.color === "yellow";
    const period = p.dash ? p.dash.on + p.dash.off : 0;
    let station = 0;
    for (let i = 1; i < p.points.length; i++) {
      const a = p.points[i - 1]!;
      const b = p.points[i]!;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy);
      if (len === 0) continue;
      const ux = dx / len;
      const uy = dy / len;
      const reach = half + cell;
      const ix0 = Math.floor((Math.min(a.x, b.x) - reach - this.originX) / cell);
      const ix1 = Math.ceil((Math.max(a.x, b.x) + reach - this.originX) / cell);
      const iy0 = Math.floor((Math.min(a.y, b.y) - reach - this.originY) / cell);
      const iy1 = Math.ceil((Math.max(a.y, b.y) + reach - this.originY) / cell);
      const first = i === 1;
      const last = i === p.points.length - 1;
      for (let iy = iy0; iy <= iy1; iy++) {
        const y = this.originY + (iy + 0.5) * cell;
        for (let ix = ix0; ix <= ix1; ix++) {
          const x = this.originX + (ix + 0.5) * cell;
          const along = (x - a.x) * ux + (y - a.y) * uy;
          // Each segment owns [0, len) of its length; the line's ends are cut square.
          if ((along < 0 && !first) || (along >= len && !last)) continue;
          const across = Math.abs(-(x - a.x) * uy + (y - a.y) * ux);
          let cov = clamp01((half - across) / cell + 0.5);
          if (first && along < 0) cov *= clamp01(along / cell + 0.5);
          if (last && along > len) cov *= clamp01((len - along) / cell + 0.5);
          if (cov <= 0) continue;
          if (p.dash) {
            const s = station + along - p.dash.phase;
            const pos = ((s % period) + period) % period;
            const inside =
              pos < p.dash.on
                ? Math.min(pos, p.dash.on - pos)
                : -Math.min(pos - p.dash.on, period - pos);
            cov *= clamp01(inside / cell + 0.5);
          }
          this.#setPaint(ix, iy, cov, yellow, p.wear);
        }
      }
      station += len;
    }
  }

  #paintPolygon(p: PaintPolygon): void {
    const cell = this.cell;
    const poly = p.polygon;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const q of poly) {
      minX = Math.min(minX, q.x);
      minY = Math.min(minY, q.y);
      maxX = Math.max(maxX, q.x);
      maxY = Math.max(maxY, q.y);
    }
    const edges = poly.map((a, i) => {
      const b = poly[(i + 1) % poly.length]!;
      const len = Math.hypot(b.x - a.x, b.y - a.y);
      // Inward normal of a counter-clockwise polygon.
      return { ax: a.x, ay: a.y, nx: -(b.y - a.y) / len, ny: (b.x - a.x) / len };
    });
    const ix0 = Math.floor((minX - cell - this.originX) / cell);
    const ix1 = Math.ceil((maxX + cell - this.originX) / cell);
    const iy0 = Math.floor((minY - cell - this.originY) / cell);
    const iy1 = Math.ceil((maxY + cell - this.originY) / cell);
    const yellow = p.color === "yellow";
    for (let iy = iy0; iy <= iy1; iy++) {
      const y = this.originY + (iy + 0.5) * cell;
      for (let ix = ix0; ix <= ix1; ix++) {
        const x = this.originX + (ix + 0.5) * cell;
        let d = Infinity;
        for (const e of edges) d = Math.min(d, (x - e.ax) * e.nx + (y - e.ay) * e.ny);
        this.#setPaint(ix, iy, clamp01(d / cell + 0.5), yellow, p.wear);
      }
    }
  }
}

/** Bilinear value noise in [0, 1) on an integer lattice. */
export function valueNoise(x: number, y: number, seed: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = hash2(x0, y0, seed);
  const b = hash2(x0 + 1, y0, seed);
  const c = hash2(x0, y0 + 1, seed);
  const d = hash2(x0 + 1, y0 + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
