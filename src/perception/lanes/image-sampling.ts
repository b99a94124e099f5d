/**
 * Reads the colour of chosen pixels straight from an ImageView's bytes, whatever its pixel format,
 * so BEV stages sample only the pixels they need instead of converting the whole frame.
 */
import { bytesPerPixel, yuvToRgbInto, type ImageView } from "../../image/image-view.js";

/** Writes R, G, B of pixel index `v * width + u` into out[o..o+2]. */
export type RgbReader = (pixelIndex: number, out: Uint8Array, o: number) => void;

/** A reader for the view's format. */
export function rgbReader(view: ImageView): RgbReader {
  const { width, step, format, data } = view;
  const bpp = bytesPerPixel(format);
  switch (format) {
    case "rgb8":
    case "rgba8":
    case "bgr8":
    case "bgra8": {
      const [r, b] = format === "rgb8" || format === "rgba8" ? [0, 2] : [2, 0];
      return (p, out, o) => {
        const v = (p / width) | 0;
        const i = v * step + (p - v * width) * bpp;
        out[o] = data[i + r];
        out[o + 1] = data[i + 1];
        out[o + 2] = data[i + b];
      };
    }
    case "mono8":
      return (p, out, o) => {
        const v = (p / width) | 0;
        const g = data[v * step + p - v * width];
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
      };
    case "yuyv":
    case "uyvy": {
      const [yOff, uOff, vOff] = format === "yuyv" ? [0, 1, 3] : [1, 0, 2];
      return (p, out, o) => {
        const v = (p / width) | 0;
        const u = p - v * width;
        const row = v * step;
        const pair = row + (u >> 1) * 4;
        yuvToRgbInto(data[row + u * 2 + yOff], data[pair + uOff], data[pair + vOff], out, o);
      };
    }
  }
}

/**
 * Samples a BEV image: per cell, grey level (0..255) and "yellowness" ((R+G)/2 - B, -255..255) of
 * the cell's pixel; NaN where `pixelIndex` is -1.
 */
export function sampleBevColour(
  view: ImageView,
  pixelIndex: Int32Array,
  grey: Float32Array,
  yellow?: Float32Array,
): void {
  const read = rgbReader(view);
  const rgb = new Uint8Array(3);
  for (let i = 0; i < pixelIndex.length; i++) {
    const p = pixelIndex[i];
    if (p < 0) {
      grey[i] = NaN;
      if (yellow) yellow[i] = NaN;
      continue;
    }
    read(p, rgb, 0);
    grey[i] = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    if (yellow) yellow[i] = (rgb[0] + rgb[1]) / 2 - rgb[2];
  }
}
