/**
 * Reads the colour of chosen pixels straight from an ImageView's bytes, whatever its pixel format,
 * so BEV stages sample only the pixels they need instead of converting the whole frame.
 */
import { bytesPerPixel, yuvToRgbInto, type ImageView } from "../../image/image-view.js";

/** Writes R, G, B of pixel index `v * width + u` into out[o..o+2]. */
export type RgbReader = (pixelIndex: number, out: Uint8Array, o: number) => void;

/** A reader for the view's format. */
export function rgbReader(view: ImageView): RgbReader {
  const sampler = new PixelSampler(view);
  return (p, out, o) => sampler.rgbInto(p, out, o);
}

/** How a format's bytes hold R, G and B: rgb8, rgba8, bgr8, bgra8 (one byte per channel), mono8, or yuyv / uyvy (two pixels share U and V). */
const INTERLEAVED = 0;
const MONO = 1;
const YUV422 = 2;

/**
 * Pixel reads from one view, with the format's byte layout worked out once (no closure per read):
 * `rgbInto` and `grey` give the same numbers as the reader of `rgbReader`. For views without row
 * padding the byte offset of pixel index p is p * bytesPerPixel (integer arithmetic only).
 */
export class PixelSampler {
  readonly #data: Uint8Array;
  readonly #width: number;
  readonly #step: number;
  readonly #bpp: number;
  readonly #packed: boolean;
  readonly #layout: number;
  /** Byte offsets of R and B within an interleaved pixel; of Y, U, V within a YUV 4:2:2 pair. */
  readonly #r: number;
  readonly #b: number;
  readonly #yOff: number;
  readonly #uOff: number;
  readonly #vOff: number;
  /** R, G, B of the last YUV pixel converted. */
  readonly #rgb = new Uint8Array(3);

  constructor(view: ImageView) {
    const { width, step, format, data } = view;
    this.#data = data;
    this.#width = width;
    this.#step = step;
    this.#bpp = bytesPerPixel(format);
    this.#packed = step === width * this.#bpp;
    const bgr = format === "bgr8" || format === "bgra8";
    this.#r = bgr ? 2 : 0;
    this.#b = bgr ? 0 : 2;
    this.#layout =
      format === "mono8" ? MONO : format === "yuyv" || format === "uyvy" ? YUV422 : INTERLEAVED;
    const yuyv = format === "yuyv";
    this.#yOff = yuyv ? 0 : 1;
    this.#uOff = yuyv ? 1 : 0;
    this.#vOff = yuyv ? 3 : 2;
  }

  /** Byte offset of pixel index p (interleaved and mono layouts). */
  #offset(p: number): number {
    if (this.#packed) return p * this.#bpp;
    const v = (p / this.#width) | 0;
    return v * this.#step + (p - v * this.#width) * this.#bpp;
  }

  /** Converts a YUV 4:2:2 pixel into `out` at o. */
  #yuvInto(p: number, out: Uint8Array, o: number): void {
    const v = (p / this.#width) | 0;
    const u = p - v * this.#width;
    const row = v * this.#step;
    const pair = row + (u >> 1) * 4;
    const data = this.#data;
    yuvToRgbInto(
      data[row + u * 2 + this.#yOff]!,
      data[pair + this.#uOff]!,
      data[pair + this.#vOff]!,
      out,
      o,
    );
  }

  /** Writes R, G, B of pixel index p into out[o..o+2]. */
  rgbInto(p: number, out: Uint8Array, o: number): void {
    const data = this.#data;
    switch (this.#layout) {
      case INTERLEAVED: {
        const i = this.#offset(p);
        out[o] = data[i + this.#r]!;
        out[o + 1] = data[i + 1]!;
        out[o + 2] = data[i + this.#b]!;
        return;
      }
      case MONO: {
        const g = data[this.#offset(p)]!;
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
        return;
      }
      case YUV422:
        this.#yuvInto(p, out, o);
        return;
    }
  }

  /** Grey level 0.299 R + 0.587 G + 0.114 B of pixel index p. */
  grey(p: number): number {
    if (this.#layout === INTERLEAVED) {
      const i = this.#offset(p);
      const data = this.#data;
      // `| 0` reads a missing byte as 0, as the byte arrays of `rgbInto` store it.
      return (
        0.299 * (data[i + this.#r]! | 0) +
        0.587 * (data[i + 1]! | 0) +
        0.114 * (data[i + this.#b]! | 0)
      );
    }
    const rgb = this.#rgb;
    this.rgbInto(p, rgb, 0);
    return 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
  }
}

/**
 * Samples a BEV image: per cell, grey level (0..255), "yellowness" (min(R, G) - B, -255..255: high
 * for yellow paint, low for red lights and green verges) and chroma (max - min of R, G, B) of the
 * cell's pixel; NaN where `pixelIndex` is -1.
 */
export function sampleBevColour(
  view: ImageView,
  pixelIndex: Int32Array,
  grey: Float32Array,
  yellow?: Float32Array,
  chroma?: Float32Array,
): void {
  const sampler = new PixelSampler(view);
  if (!yellow) {
    for (let i = 0; i < pixelIndex.length; i++) {
      const p = pixelIndex[i]!;
      grey[i] = p < 0 ? NaN : sampler.grey(p);
    }
    return;
  }
  const rgb = new Uint8Array(3);
  for (let i = 0; i < pixelIndex.length; i++) {
    const p = pixelIndex[i]!;
    if (p < 0) {
      grey[i] = NaN;
      yellow[i] = NaN;
      if (chroma) chroma[i] = NaN;
      continue;
    }
    sampler.rgbInto(p, rgb, 0);
    const r = rgb[0]!;
    const g = rgb[1]!;
    const b = rgb[2]!;
    grey[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    yellow[i] = Math.min(r, g) - b;
    if (chroma) chroma[i] = Math.max(r, g, b) - Math.min(r, g, b);
  }
}
