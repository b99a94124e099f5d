/**
 * The tensor size a frame runs at under a contract's `input.fit_aspect`: the letterbox's scale is
 * kept, the padding is left out. A 960x540 frame into a 416x416 letterbox is scaled by 0.433 to
 * 416x234 and padded to 416x416; fitted, it runs at 416x256 (234 rounded up to a multiple of 32),
 * the same pixels at the same scale, with 40 % less to compute. A square crop runs at the full
 * size. The scale min(width / frame width, height / frame height) is unchanged, because each side
 * only shrinks to at least the scaled frame and the side that set the scale keeps its size.
 */
import type { InputContract } from "./contract.js";

/** Tensor width and height, pixels. */
export interface TensorSize {
  width: number;
  height: number;
}

/** The size a `frameWidth` x `frameHeight` frame runs at (the contract's size without `fitAspect`). */
export function fittedInputSize(
  input: Pick<InputContract, "width" | "height" | "fitAspect">,
  frameWidth: number,
  frameHeight: number,
): TensorSize {
  const fit = input.fitAspect;
  if (!fit || !(frameWidth > 0 && frameHeight > 0))
    return { width: input.width, height: input.height };
  const scale = Math.min(input.width / frameWidth, input.height / frameHeight);
  // The letterbox rounds the scaled size; round up to the multiple, within the declared size.
  const side = (scaled: number, most: number): number =>
    Math.min(most, Math.ceil(Math.round(scaled) / fit.multiple) * fit.multiple);
  return {
    width: side(frameWidth * scale, input.width),
    height: side(frameHeight * scale, input.height),
  };
}
