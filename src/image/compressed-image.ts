/**
 * JPEG/PNG decoding (sensor_msgs/CompressedImage and image files) through sharp, into an ImageView.
 */
import { readFile } from "node:fs/promises";
import { PerceptionError, errorMessage } from "../core/errors.js";
import type { CompressedImage } from "../msgs/types.generated.js";
import type { ImageView } from "./image-view.js";

/** Compressed formats sharp decodes for us. */
export type CompressedFormat = "jpeg" | "png";

type SharpModule = typeof import("sharp");
let sharpModule: Promise<SharpModule> | undefined;

/** sharp, loaded on first use (it is a native module; nothing on the raw-image path needs it). */
function loadSharp(): Promise<SharpModule> {
  sharpModule ??= import("sharp").then(
    (m) => ((m as unknown as { default?: SharpModule }).default ?? m) as SharpModule,
  );
  return sharpModule;
}

/**
 * The compressed format named by a CompressedImage `format` field. ROS writes plain `jpeg`/`png`
 * or image_transport's `<raw encoding>; <codec> compressed <encoding>` (e.g. `rgb8; jpeg compressed bgr8`);
 * the codec word decides. Undefined for anything else (e.g. `h264`, `compressedDepth`).
 */
export function compressedFormatOf(format: string): CompressedFormat | undefined {
  const f = format.trim().toLowerCase();
  if (f.includes("compresseddepth")) return undefined;
  const words = f.split(/[\s;]+/).filter(Boolean);
  if (words.some((w) => w === "jpeg" || w === "jpg")) return "jpeg";
  if (words.some((w) => w === "png")) return "png";
  return undefined;
}

/** The format given by the first bytes (magic numbers), or undefined. */
function sniffFormat(data: Uint8Array): CompressedFormat | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "jpeg";
  if (
    data.length >= 8 &&
    data[0] === 0x89 &&
    data[1] === 0x50 &&
    data[2] === 0x4e &&
    data[3] === 0x47
  )
    return "png";
  return undefined;
}

/**
 * Decodes JPEG or PNG bytes into a packed view: rgb8 for colour, mono8 for greyscale, alpha dropped.
 * Corrupt or truncated data -> an `image` PerceptionError.
 */
export async function decodeImageBytes(
  data: Uint8Array,
  context: Record<string, string | number | undefined> = {},
): Promise<ImageView> {
  const sharp = await loadSharp();
  try {
    const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // failOn "warning" rejects truncated JPEGs that libjpeg would otherwise pad with grey.
    if (isPlainColour(data)) {
      // A camera's colour JPEG (or an 8-bit RGB/RGBA PNG): one pass, alpha dropped.
      const { data: raw, info } = await sharp(input, { failOn: "warning" })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels === 3 && raw.byteLength === info.width * info.height * 3) {
        return {
          width: info.width,
          height: info.height,
          step: info.width * 3,
          format: "rgb8",
          data: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
        };
      }
    }
    const img = sharp(input, { failOn: "warning" });
    const meta = await img.metadata();
    const grey = meta.channels === 1 || (meta.channels === 2 && meta.space === "b-w");
    const pipeline = grey ? img.extractChannel(0) : img.removeAlpha().toColourspace("srgb");
    const { data: raw, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const format = info.channels === 1 ? "mono8" : "rgb8";
    if (info.channels !== 1 && info.channels !== 3) {
      throw new Error(`unexpected channel count ${info.channels} after decoding`);
    }
    return {
      width: info.width,
      height: info.height,
      step: info.width * info.channels,
      format,
      data: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    };
  } catch (err) {
    if (err instanceof PerceptionError) throw err;
    throw new PerceptionError(
      "image",
      `cannot decode compressed image: ${errorMessage(err)}`,
      context,
      { cause: err },
    );
  }
}

/**
 * Whether the header says 8-bit colour that decodes straight to rgb8: a baseline or progressive
 * JPEG with 3 components of 8-bit precision, or a PNG of bit depth 8 and colour type RGB or RGBA.
 * Anything else (grey, CMYK, palette, 16-bit) takes the path that reads the metadata first.
 */
function isPlainColour(d: Uint8Array): boolean {
  if (d.length > 26 && d[0] === 0x89 && d[1] === 0x50 && d[2] === 0x4e && d[3] === 0x47)
    return d[24] === 8 && (d[25] === 2 || d[25] === 6);
  if (d.length < 4 || d[0] !== 0xff || d[1] !== 0xd8) return false;
  let i = 2;
  while (i + 9 < d.length) {
    if (d[i] !== 0xff) return false;
    const marker = d[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = (d[i + 2]! << 8) | d[i + 3]!;
    // SOF0..SOF2 (baseline, extended, progressive Huffman): precision, height, width, components.
    if (marker >= 0xc0 && marker <= 0xc2) return d[i + 4] === 8 && d[i + 9] === 3;
    if (marker === 0xda || marker === 0xd9) return false; // scan or end before any frame header
    i += 2 + length;
  }
  return false;
}

/**
 * Decodes a sensor_msgs/CompressedImage (jpeg or png). An unsupported `format` is rejected naming it;
 * corrupt data -> an `image` PerceptionError.
 */
export async function decodeCompressedImage(msg: CompressedImage): Promise<ImageView> {
  const declared = compressedFormatOf(msg.format);
  const context = { format: msg.format, frame_id: msg.header?.frame_id };
  if (!declared) {
    throw new PerceptionError(
      "image",
      `unsupported compressed image format '${msg.format}' (supported: jpeg, png)`,
      context,
    );
  }
  const actual = sniffFormat(msg.data);
  if (!actual) {
    throw new PerceptionError(
      "image",
      `compressed image data is not ${declared} (no ${declared} signature)`,
      context,
    );
  }
  return decodeImageBytes(msg.data, context);
}

/** Reads and decodes a JPEG/PNG file. */
export async function readImageFile(path: string): Promise<ImageView> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new PerceptionError(
      "image",
      `cannot read image file: ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
  return decodeImageBytes(bytes, { path });
}
