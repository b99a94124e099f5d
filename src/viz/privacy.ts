/**
 * Privacy at the edge: pixels of people are made unrecognisable before an image leaves the node.
 * Regions are pixelated (a coarse mosaic of block averages), which no deblurring undoes, on a copy.
 */
import type { RegionOfInterest } from "../msgs/types.generated.js";

export interface PixelateOptions {
  /** Blocks across the region's shorter side (fewer = coarser); default 6. */
  blocksAcross?: number;
  /** Growth of each region on every side, as a share of its size, so hair and shoulders are covered; default 0.1. */
  margin?: number;
}

/** A region grown by a margin and clipped to the image, or undefined when nothing is left. */
export function grownRegion(
  box: RegionOfInterest,
  width: number,
  height: number,
  margin: number,
): { x0: number; y0: number; x1: number; y1: number } | undefined {
  const mx = box.width * margin;
  const my = box.height * margin;
  const x0 = Math.max(0, Math.floor(box.x_offset - mx));
  const y0 = Math.max(0, Math.floor(box.y_offset - my));
  const x1 = Math.min(width, Math.ceil(box.x_offset + box.width + mx));
  const y1 = Math.min(height, Math.ceil(box.y_offset + box.height + my));
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : undefined;
}

/**
 * Pixelates regions of a packed RGB image in place (`rgb` is width*height*3 bytes; pass a copy when
 * the bytes are shared). Returns how many regions were covered.
 */
export function pixelateRegions(
  rgb: Uint8Array,
  width: number,
  height: number,
  boxes: readonly RegionOfInterest[],
  options: PixelateOptions = {},
): number {
  const blocksAcross = options.blocksAcross ?? 6;
  const margin = options.margin ?? 0.1;
  let covered = 0;
  for (const box of boxes) {
    const r = grownRegion(box, width, height, margin);
    if (!r) continue;
    covered++;
    const block = Math.max(2, Math.ceil(Math.min(r.x1 - r.x0, r.y1 - r.y0) / blocksAcross));
    for (let by = r.y0; by < r.y1; by += block) {
      for (let bx = r.x0; bx < r.x1; bx += block) {
        const ex = Math.min(bx + block, r.x1);
        const ey = Math.min(by + block, r.y1);
        let sr = 0,
          sg = 0,
          sb = 0;
        for (let y = by; y < ey; y++) {
          for (let x = bx, i = (y * width + bx) * 3; x < ex; x++, i += 3) {
            sr += rgb[i]!;
            sg += rgb[i + 1]!;
            sb += rgb[i + 2]!;
          }
        }
        const n = (ex - bx) * (ey - by);
        const ar = Math.round(sr / n),
          ag = Math.round(sg / n),
          ab = Math.round(sb / n);
        for (let y = by; y < ey; y++) {
          for (let x = bx, i = (y * width + bx) * 3; x < ex; x++, i += 3) {
            rgb[i] = ar;
            rgb[i + 1] = ag;
            rgb[i + 2] = ab;
          }
        }
      }
    }
  }
  return covered;
}
