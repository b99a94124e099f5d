/**
 * Tiling plans for wide frames: a 1242x375 KITTI frame letterboxed into a 416x416 tensor shrinks a
 * person to a third; three overlapping square tiles keep them at full resolution.
 */
import { PerceptionError } from "../core/errors.js";
import type { PixelRect } from "../image/crop.js";

export type TilingMode =
  /** One pass over the whole frame. */
  | { kind: "none" }
  /** A row of square tiles (side = frame height) when the frame is at least minAspect wide, plus the whole frame. */
  | {
      kind: "auto";
      /** Tile only frames whose width / height is at least this; default 2. */
      minAspect?: number;
      /** Least overlap between neighbouring tiles, as a fraction of the tile side; default 0.15. */
      overlap?: number;
    }
  /** A fixed grid of overlapping tiles, plus the whole frame. */
  | {
      kind: "grid";
      /** Tile columns (>= 1). */
      columns: number;
      /** Tile rows (>= 1). */
      rows: number;
      /** Overlap between neighbours as a fraction of the tile size; default 0.15. */
      overlap?: number;
    };

/** Positions of `count` tiles of `size` covering `total`, evenly spaced, first at 0 and last at the end. */
function spread(total: number, size: number, count: number, even: boolean): number[] {
  if (count === 1) return [0];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let p = Math.round(((total - size) * i) / (count - 1));
    if (even) p -= p % 2;
    out.push(p);
  }
  return out;
}

/**
 * The rectangles to run a detector on: always the full frame first, then the tiles. `evenX`
 * keeps x offsets and widths even (needed for yuyv/uyvy crops).
 */
export function planTiles(
  mode: TilingMode,
  width: number,
  height: number,
  evenX = false,
): PixelRect[] {
  const full: PixelRect = { x: 0, y: 0, width, height };
  if (mode.kind === "none") return [full];
  let columns: number;
  let rows: number;
  let overlap: number;
  if (mode.kind === "auto") {
    if (width / height < (mode.minAspect ?? 2)) return [full];
    overlap = mode.overlap ?? 0.15;
    rows = 1;
    columns = Math.ceil((width - height * overlap) / (height * (1 - overlap)));
  } else {
    if (
      !(
        Number.isInteger(mode.columns) &&
        mode.columns >= 1 &&
        Number.isInteger(mode.rows) &&
        mode.rows >= 1
      )
    ) {
      throw new PerceptionError(
        "parameter",
        `tiling grid needs whole columns and rows >= 1, got ${mode.columns}x${mode.rows}`,
      );
    }
    columns = mode.columns;
    rows = mode.rows;
    overlap = mode.overlap ?? 0.15;
  }
  if (!(overlap >= 0 && overlap < 1))
    throw new PerceptionError("parameter", `tile overlap must be in [0, 1), got ${overlap}`);
  if (columns === 1 && rows === 1) return [full];
  let tw =
    mode.kind === "auto"
      ? Math.min(width, height)
      : Math.ceil(width / (columns - (columns - 1) * overlap));
  const th = mode.kind === "auto" ? height : Math.ceil(height / (rows - (rows - 1) * overlap));
  if (evenX) tw += tw % 2;
  tw = Math.min(tw, width - (evenX ? width % 2 : 0));
  const xs = spread(width, tw, columns, evenX);
  const ys = spread(height, Math.min(th, height), rows, false);
  const tiles: PixelRect[] = [full];
  for (const y of ys)
    for (const x of xs) tiles.push({ x, y, width: tw, height: Math.min(th, height) });
  return tiles;
}
