/**
 * Zero-copy crops of an ImageView (a sub-rectangle shares the bytes; the step stays the parent's).
 */
import { PerceptionError } from "../core/errors.js";
import { bytesPerPixel, type ImageView } from "./image-view.js";

/** A rectangle in whole pixels. */
export interface PixelRect {
  /** Left column. */
  x: number;
  /** Top row. */
  y: number;
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

/**
 * A view of `rect` inside `view` without copying. For the 4:2:2 formats x and width must be even
 * (a U/V pair is shared by two pixels).
 */
export function cropView(view: ImageView, rect: PixelRect): ImageView {
  const { x, y, width, height } = rect;
  const ok =
    [x, y, width, height].every(Number.isInteger) &&
    x >= 0 &&
    y >= 0 &&
    width > 0 &&
    height > 0 &&
    x + width <= view.width &&
    y + height <= view.height;
  if (!ok) {
    throw new PerceptionError(
      "image",
      `crop ${width}x${height}+${x}+${y} is not inside the ${view.width}x${view.height} image`,
    );
  }
  if ((view.format === "yuyv" || view.format === "uyvy") && (x % 2 !== 0 || width % 2 !== 0)) {
    throw new PerceptionError(
      "image",
      `a ${view.format} crop needs an even x and width, got x=${x} width=${width}`,
    );
  }
  const start = y * view.step + x * bytesPerPixel(view.format);
  const end = (y + height - 1) * view.step + (x + width) * bytesPerPixel(view.format);
  return {
    width,
    height,
    step: view.step,
    format: view.format,
    data: view.data.subarray(start, end),
  };
}
