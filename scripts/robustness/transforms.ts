/**
 * Image transforms for the robustness run (scripts/robustness.ts): what another camera, a
 * lower-resolution one or another exposure does to a labelled real frame, with the labels carried
 * along. Geometric transforms are axis-aligned affine maps of the image plane (mirror, scale, crop);
 * photometric ones change the pixel values only.
 *
 * Coordinates: box corners are in the continuous image plane (x in [0, width], a pixel's left edge
 * at its index), points (lane labels, TuSimple x per row) are pixel centres (pixel u covers
 * [u, u + 1) and its centre is u + 0.5 in the continuous plane). A mirrored point u is
 * width - 1 - u, a mirrored box edge x is width - x.
 */
import sharp from "sharp";
import { toPackedRgb, type ImageView } from "../../src/image/image-view.js";

/** An image size, pixels. */
export interface FrameSize {
  width: number;
  height: number;
}

/** A box [x1, y1, x2, y2] (corner convention, image pixels). */
export type Box = readonly [number, number, number, number];

/**
 * The continuous image plane of the input mapped into the output's: x' = sx * x + ox,
 * y' = sy * y + oy (sx < 0: mirrored), and the output's size.
 */
export interface PlaneMap {
  sx: number;
  ox: number;
  sy: number;
  oy: number;
  output: FrameSize;
}

/** One transform: its name, the plane map for an input size, and the pixels. */
export interface ImageTransform {
  /** Short name for the tables (`mirror`, `w1920`, ...). */
  name: string;
  /** What it does, for the report. */
  description: string;
  /** The plane map for an input of this size. */
  plane(input: FrameSize): PlaneMap;
  /** The transformed image (packed rgb8). */
  apply(view: ImageView): Promise<ImageView>;
}

/** A pixel-centre point [u, v] of the input in the output (may fall outside it). */
export function mapPoint(m: PlaneMap, p: readonly [number, number]): [number, number] {
  return [m.sx * (p[0] + 0.5) + m.ox - 0.5, m.sy * (p[1] + 0.5) + m.oy - 0.5];
}

/** A box of the input in the output, unclipped (corners re-ordered when mirrored). */
export function mapBox(m: PlaneMap, b: Box): Box {
  const xa = m.sx * b[0] + m.ox;
  const xb = m.sx * b[2] + m.ox;
  const ya = m.sy * b[1] + m.oy;
  const yb = m.sy * b[3] + m.oy;
  return [Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)];
}

/** A box clipped to an image; undefined when nothing of it is left. */
export function clipBox(b: Box, size: FrameSize): Box | undefined {
  const x1 = Math.max(0, b[0]);
  const y1 = Math.max(0, b[1]);
  const x2 = Math.min(size.width, b[2]);
  const y2 = Math.min(size.height, b[3]);
  return x2 > x1 && y2 > y1 ? [x1, y1, x2, y2] : undefined;
}

/** The length scale of a map (output pixels per input pixel, horizontally). */
export function lengthScale(m: PlaneMap): number {
  return Math.abs(m.sx);
}

function rawView(data: Buffer, info: { width: number; height: number }): ImageView {
  return {
    width: info.width,
    height: info.height,
    step: info.width * 3,
    format: "rgb8",
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** A sharp pipeline over a decoded image (any pixel format, as packed RGB). */
export function sharpOf(view: ImageView): sharp.Sharp {
  const rgb = toPackedRgb(view);
  return sharp(Buffer.from(rgb.data.buffer, rgb.data.byteOffset, rgb.data.byteLength), {
    raw: { width: rgb.width, height: rgb.height, channels: 3 },
  });
}

async function runSharp(s: sharp.Sharp): Promise<ImageView> {
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  return rawView(data, info);
}

function identityPlane(input: FrameSize): PlaneMap {
  return { sx: 1, ox: 0, sy: 1, oy: 0, output: { ...input } };
}

/** Every pixel value through a lookup table (all three channels). */
function photometric(name: string, description: string, lut: Uint8Array): ImageTransform {
  return {
    name,
    description,
    plane: identityPlane,
    async apply(view) {
      const rgb = toPackedRgb(view);
      const out = new Uint8Array(rgb.data.length);
      for (let i = 0; i < out.length; i++) out[i] = lut[rgb.data[i]!]!;
      return { ...rgb, data: out };
    },
  };
}

/** The output size of a resize to `width` columns, keeping the aspect ratio. */
function resizedSize(input: FrameSize, width: number): FrameSize {
  return { width, height: Math.round((input.height * width) / input.width) };
}

/** A resize to a size given by the input's (sharp's default Lanczos-3 kernel). */
function resize(
  name: string,
  description: string,
  outputSize: (input: FrameSize) => FrameSize,
): ImageTransform {
  return {
    name,
    description,
    plane(input) {
      const output = outputSize(input);
      return {
        sx: output.width / input.width,
        ox: 0,
        sy: output.height / input.height,
        oy: 0,
        output,
      };
    },
    async apply(view) {
      const { width, height } = outputSize(view);
      return runSharp(sharpOf(view).resize(width, height, { fit: "fill" }));
    },
  };
}

/** The centre crop of the input at an aspect ratio (width / height), full height when narrower than the input. */
function centreCropRect(
  input: FrameSize,
  aspect: number,
): { left: number; top: number } & FrameSize {
  if (input.width / input.height >= aspect) {
    const width = Math.round(input.height * aspect);
    return { left: Math.floor((input.width - width) / 2), top: 0, width, height: input.height };
  }
  const height = Math.round(input.width / aspect);
  return { left: 0, top: Math.floor((input.height - height) / 2), width: input.width, height };
}

/** sRGB value (0..255) to linear light (0..1) and back. */
function srgbToLinear(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
function linearToSrgb(l: number): number {
  const s = l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
  return Math.min(255, Math.max(0, Math.round(s * 255)));
}

/** The lookup table of an exposure change of `ev` stops (linear light times 2^ev, in sRGB). */
export function exposureLut(ev: number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let c = 0; c < 256; c++) lut[c] = linearToSrgb(srgbToLinear(c) * 2 ** ev);
  return lut;
}

/** The lookup table of a gamma curve: out = 255 * (in / 255)^gamma (gamma < 1 brightens the shadows). */
export function gammaLut(gamma: number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let c = 0; c < 256; c++) lut[c] = Math.round(255 * (c / 255) ** gamma);
  return lut;
}

/** The transforms of the robustness run, in table order. */
export const TRANSFORMS: readonly ImageTransform[] = [
  {
    name: "identity",
    description: "the frame as recorded",
    plane: identityPlane,
    apply: async (view) => toPackedRgb(view),
  },
  {
    name: "mirror",
    description: "horizontal mirror (traffic on the other side)",
    plane: (input) => ({ sx: -1, ox: input.width, sy: 1, oy: 0, output: { ...input } }),
    apply: (view) => runSharp(sharpOf(view).flop()),
  },
  resize("half", "0.5x downscale (a lower-resolution camera)", (i) => ({
    width: Math.round(i.width / 2),
    height: Math.round(i.height / 2),
  })),
  resize("w640", "resized to 640 wide, aspect kept", (i) => resizedSize(i, 640)),
  resize("w1280", "resized to 1280 wide, aspect kept", (i) => resizedSize(i, 1280)),
  resize("w1920", "resized to 1920 wide, aspect kept (a higher-resolution camera)", (i) =>
    resizedSize(i, 1920),
  ),
  {
    name: "crop4:3",
    description: "4:3 centre crop, full height (a narrower lens or sensor)",
    plane(input) {
      const r = centreCropRect(input, 4 / 3);
      return {
        sx: 1,
        ox: -r.left,
        sy: 1,
        oy: -r.top,
        output: { width: r.width, height: r.height },
      };
    },
    apply(view) {
      return runSharp(sharpOf(view).extract(centreCropRect(view, 4 / 3)));
    },
  },
  photometric("ev-1", "-1 EV exposure (linear light halved)", exposureLut(-1)),
  photometric(
    "gamma0.6",
    "gamma 0.6 (out = in^0.6: shadows lifted, contrast flattened)",
    gammaLut(0.6),
  ),
];

/** The transform named `name`; throws naming the known ones. */
export function transformNamed(name: string): ImageTransform {
  const t = TRANSFORMS.find((x) => x.name === name);
  if (!t)
    throw new Error(
      `unknown transform '${name}' (known: ${TRANSFORMS.map((x) => x.name).join(", ")})`,
    );
  return t;
}
