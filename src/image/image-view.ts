/**
 * A camera frame as the rest of the stack sees it: a view over the bytes of a sensor_msgs/Image
 * (zero-copy) or of a decoded JPEG/PNG. Preprocessing samples straight from these bytes, whatever
 * the pixel format, so no intermediate RGB copy is made on the hot path.
 */
import { PerceptionError } from "../core/errors.js";
import type { Image } from "../msgs/types.generated.js";

/**
 * Pixel layouts understood by the stack. `yuyv` = Y0 U Y1 V (ROS `yuv422_yuy2`), `uyvy` = U Y0 V Y1
 * (ROS `yuv422`); both carry one U/V pair per two pixels, so their width must be even.
 */
export type PixelFormat = "rgb8" | "bgr8" | "rgba8" | "bgra8" | "mono8" | "yuyv" | "uyvy";

export interface ImageView {
  /** Columns, pixels. */
  width: number;
  /** Rows, pixels. */
  height: number;
  /** Bytes per row (at least width * bytesPerPixel; more with row padding). */
  step: number;
  /** How the bytes encode pixels. */
  format: PixelFormat;
  /** The bytes, row after row; may be a view into a larger buffer (a message's CDR bytes). */
  data: Uint8Array;
}

const BYTES_PER_PIXEL: Readonly<Record<PixelFormat, number>> = {
  rgb8: 3,
  bgr8: 3,
  rgba8: 4,
  bgra8: 4,
  mono8: 1,
  yuyv: 2,
  uyvy: 2,
};

/** Bytes one pixel takes in a row (2 for the 4:2:2 formats: 4 bytes per pair of pixels). */
export function bytesPerPixel(format: PixelFormat): number {
  return BYTES_PER_PIXEL[format];
}

/** sensor_msgs/Image encodings (sensor_msgs/image_encodings.hpp names) mapped to pixel formats. */
const ENCODINGS: Readonly<Record<string, PixelFormat>> = {
  rgb8: "rgb8",
  bgr8: "bgr8",
  rgba8: "rgba8",
  bgra8: "bgra8",
  mono8: "mono8",
  "8uc1": "mono8",
  "8uc3": "bgr8", // OpenCV's default channel order
  "8uc4": "bgra8",
  yuv422: "uyvy",
  uyvy: "uyvy",
  yuv422_yuy2: "yuyv",
  yuyv: "yuyv",
};

/** The pixel format of a sensor_msgs/Image encoding string, or undefined when not supported. */
function pixelFormatOfEncoding(encoding: string): PixelFormat | undefined {
  return ENCODINGS[encoding.trim().toLowerCase()];
}

/** Checks a view's geometry against its bytes; throws an `image` PerceptionError naming what is wrong. */
export function validateImageView(
  view: ImageView,
  context: Record<string, string | number | undefined> = {},
): void {
  const { width, height, step, format, data } = view;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new PerceptionError(
      "image",
      `image size must be positive integers, got ${width}x${height}`,
      context,
    );
  }
  const rowBytes = width * bytesPerPixel(format);
  if ((format === "yuyv" || format === "uyvy") && width % 2 !== 0) {
    throw new PerceptionError("image", `${format} needs an even width, got ${width}`, context);
  }
  if (!Number.isInteger(step) || step < rowBytes) {
    throw new PerceptionError(
      "image",
      `row step ${step} is smaller than width*bytesPerPixel = ${rowBytes} for ${format}`,
      context,
    );
  }
  const needed = step * (height - 1) + rowBytes;
  if (data.length < needed) {
    throw new PerceptionError(
      "image",
      `image buffer too short: ${data.length} bytes for ${width}x${height} ${format} with step ${step} (needs ${needed})`,
      context,
    );
  }
}

/**
 * A view over a sensor_msgs/Image's bytes (no copy). Throws an `image` PerceptionError naming an
 * unsupported encoding, big-endian multi-byte data, or a buffer shorter than height * step.
 */
export function imageViewFromMessage(msg: Image): ImageView {
  const format = pixelFormatOfEncoding(msg.encoding);
  const context = { encoding: msg.encoding, frame_id: msg.header?.frame_id };
  if (!format) {
    throw new PerceptionError(
      "image",
      `unsupported image encoding '${msg.encoding}' (supported: ${Object.keys(ENCODINGS).join(", ")})`,
      context,
    );
  }
  const view: ImageView = {
    width: msg.width,
    height: msg.height,
    step: msg.step,
    format,
    data: msg.data,
  };
  validateImageView(view, context);
  return view;
}

/**
 * The view as packed rgb8 (step = 3 * width). Returns the same object when it already is; otherwise
 * converts into a new buffer (BT.601 limited-range for YUV, as OpenCV's COLOR_YUV2RGB_YUYV/UYVY).
 */
export function toPackedRgb(view: ImageView): ImageView {
  const { width, height, step, format, data } = view;
  if (format === "rgb8" && step === width * 3) return view;
  validateImageView(view);
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = y * step;
    switch (format) {
      case "rgb8":
      case "bgr8":
      case "rgba8":
      case "bgra8": {
        const bpp = BYTES_PER_PIXEL[format];
        const [r, b] = format === "rgb8" || format === "rgba8" ? [0, 2] : [2, 0];
        for (let x = 0, i = row; x < width; x++, i += bpp) {
          out[o++] = data[i + r]!;
          out[o++] = data[i + 1]!;
          out[o++] = data[i + b]!;
        }
        break;
      }
      case "mono8":
        for (let x = 0; x < width; x++) {
          const g = data[row + x]!;
          out[o++] = g;
          out[o++] = g;
          out[o++] = g;
        }
        break;
      case "yuyv":
      case "uyvy": {
        const [yOff, uOff, vOff] = format === "yuyv" ? [0, 1, 3] : [1, 0, 2];
        for (let x = 0; x < width; x++) {
          const pair = row + (x >> 1) * 4;
          const luma = data[row + x * 2 + yOff]!;
          yuvToRgbInto(luma, data[pair + uOff]!, data[pair + vOff]!, out, o);
          o += 3;
        }
        break;
      }
    }
  }
  return { width, height, step: width * 3, format: "rgb8", data: out };
}

/** Clamps to 0..255 (Uint8Array stores round-to-nearest only through Uint8ClampedArray; do it by hand). */
function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** BT.601 limited range YUV -> RGB, written at out[o..o+2]. */
export function yuvToRgbInto(
  luma: number,
  u: number,
  v: number,
  out: Uint8Array | number[],
  o: number,
): void {
  const c = 1.164 * (luma - 16);
  const d = u - 128;
  const e = v - 128;
  out[o] = clampByte(c + 1.596 * e);
  out[o + 1] = clampByte(c - 0.392 * d - 0.813 * e);
  out[o + 2] = clampByte(c + 2.017 * d);
}
