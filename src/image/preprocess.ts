/**
 * Image -> model input tensor in one fused pass: bilinear resize (stretch or letterbox), colour
 * order and normalisation, sampled straight from the view's pixel format (yuv included) into a
 * float32 NCHW buffer that is reused from frame to frame.
 *
 * The sampling matches OpenCV's cv::resize INTER_LINEAR (half-pixel centres, edge clamping), so a
 * model sees what it saw with the reference Python preprocessing.
 */
import { PerceptionError } from "../core/errors.js";
import {
  bytesPerPixel,
  validateImageView,
  type ImageView,
  type PixelFormat,
} from "./image-view.js";
import type { TensorToImage } from "./tensor-mapping.js";

/** How the image is fitted into the tensor. */
export type ResizeMode =
  /** Scale x and y independently to fill the tensor (aspect ratio not kept). */
  | { mode: "stretch" }
  /** Keep the aspect ratio, scale to fit, fill the rest with padValue. */
  | {
      mode: "letterbox";
      /** Where the scaled image sits: at the tensor's top-left corner (YOLOX) or centred. */
      anchor: "top-left" | "center";
      /** Raw 0-255 value of the padding, before normalisation (114 for YOLOX). */
      padValue: number;
    };

/** Order of the three colour planes in the tensor. */
export type ChannelOrder = "rgb" | "bgr";

/** tensor = (pixel * scale - mean[c]) / std[c], with c in the tensor's channel order. */
export interface Normalization {
  /** Multiplies the raw 0-255 value first (1 or 1/255). */
  scale: number;
  /** Subtracted after scaling, per tensor channel. */
  mean: readonly [number, number, number];
  /** Divides last, per tensor channel. */
  std: readonly [number, number, number];
}

export interface PreprocessOptions {
  /** Tensor width (model input columns). */
  width: number;
  /** Tensor height (model input rows). */
  height: number;
  /** Colour plane order the model expects. */
  channelOrder: ChannelOrder;
  /** Value normalisation. */
  normalization: Normalization;
  /** How the image is fitted into the tensor. */
  resize: ResizeMode;
  /**
   * Keep `tensor` in a SharedArrayBuffer (default false), so that handing it to a worker thread
   * (the model sessions' onnxruntime workers) shares it instead of copying it.
   */
  sharedTensor?: boolean;
}

/** The mapping for an image of the given size under these options (no pixels touched). */
export function computeTensorMapping(
  options: PreprocessOptions,
  imageWidth: number,
  imageHeight: number,
): TensorToImage {
  const { width: W, height: H, resize } = options;
  if (resize.mode === "stretch") {
    return {
      tensorWidth: W,
      tensorHeight: H,
      imageWidth,
      imageHeight,
      scaleX: W / imageWidth,
      scaleY: H / imageHeight,
      offsetX: 0,
      offsetY: 0,
      contentWidth: W,
      contentHeight: H,
    };
  }
  const r = Math.min(W / imageWidth, H / imageHeight);
  // As the reference implementations: int(w * r), with a guard against 233.99999 for exact ratios.
  const cw = Math.max(1, Math.min(W, Math.floor(imageWidth * r + 1e-6)));
  const ch = Math.max(1, Math.min(H, Math.floor(imageHeight * r + 1e-6)));
  const offsetX = resize.anchor === "center" ? Math.floor((W - cw) / 2) : 0;
  const offsetY = resize.anchor === "center" ? Math.floor((H - ch) / 2) : 0;
  return {
    tensorWidth: W,
    tensorHeight: H,
    imageWidth,
    imageHeight,
    scaleX: cw / imageWidth,
    scaleY: ch / imageHeight,
    offsetX,
    offsetY,
    contentWidth: cw,
    contentHeight: ch,
  };
}

/**
 * OpenCV INTER_LINEAR source coordinate for destination index i: the index of the first sample and
 * the weight of the next one (0 where the coordinate is clamped to the edge).
 */
function sourceCoord(i: number, scale: number, size: number): { i0: number; f: number } {
  const s = (i + 0.5) / scale - 0.5;
  let i0 = Math.floor(s);
  let f = s - i0;
  if (i0 < 0) {
    i0 = 0;
    f = 0;
  }
  if (i0 >= size - 1) {
    i0 = size - 1;
    f = 0;
  }
  return { i0, f };
}

/**
 * Where each tensor column and row of the content samples the source, for one source geometry.
 *
 * Built on the first frame and reused for every later frame whose width, height, row step and
 * pixel format, and so whose mapping (scale and content size), are the same; any difference
 * rebuilds them (`matches`). Nothing else invalidates them: they depend on no pixel value.
 *
 * The weights are the exact values the sampling always used (column weights rounded to float32,
 * row weights in double), so the tensor does not change with the tables.
 */
class SamplingTables {
  // What the tables were built for.
  readonly width: number;
  readonly height: number;
  readonly step: number;
  readonly format: PixelFormat;
  readonly scaleX: number;
  readonly scaleY: number;
  readonly contentWidth: number;
  readonly contentHeight: number;

  /** Per tensor column, packed formats (empty for yuv): byte offset within a row of the left / right sample. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Per tensor column, yuv only (empty otherwise): offset of the left / right sample's 4-byte Y U Y V group. */
  readonly leftPair: Int32Array;
  readonly rightPair: Int32Array;
  /** Per tensor column, yuv only: bit position of the left / right sample's luma in its group read as a little-endian word. */
  readonly leftLumaShift: Int32Array;
  readonly rightLumaShift: Int32Array;
  /** Per tensor column: weight of the right sample, rounded to float32. */
  readonly fx: Float64Array;
  /** Per tensor row: byte offset in the view's data of the top / bottom source row. */
  readonly top: Int32Array;
  readonly bottom: Int32Array;
  /** Per tensor row: weight of the bottom row. */
  readonly fy: Float64Array;

  constructor(view: ImageView, map: TensorToImage) {
    this.width = view.width;
    this.height = view.height;
    this.step = view.step;
    this.format = view.format;
    this.scaleX = map.scaleX;
    this.scaleY = map.scaleY;
    this.contentWidth = map.contentWidth;
    this.contentHeight = map.contentHeight;

    const cw = map.contentWidth;
    const bpp = bytesPerPixel(view.format);
    const yuv = view.format === "yuyv" || view.format === "uyvy";
    this.left = new Int32Array(yuv ? 0 : cw);
    this.right = new Int32Array(yuv ? 0 : cw);
    this.leftPair = new Int32Array(yuv ? cw : 0);
    this.rightPair = new Int32Array(yuv ? cw : 0);
    this.leftLumaShift = new Int32Array(yuv ? cw : 0);
    this.rightLumaShift = new Int32Array(yuv ? cw : 0);
    // yuyv = Y0 U Y1 V, uyvy = U Y0 V Y1: the luma of an even pixel is byte 0 or 1 of its group.
    const lumaByte = view.format === "uyvy" ? 1 : 0;
    this.fx = new Float64Array(cw);
    for (let x = 0; x < cw; x++) {
      const { i0: x0, f } = sourceCoord(x, map.scaleX, view.width);
      const x1 = Math.min(x0 + 1, view.width - 1);
      if (!yuv) {
        this.left[x] = x0 * bpp;
        this.right[x] = x1 * bpp;
      } else {
        this.leftPair[x] = (x0 >> 1) * 4;
        this.rightPair[x] = (x1 >> 1) * 4;
        this.leftLumaShift[x] = 8 * (lumaByte + 2 * (x0 & 1));
        this.rightLumaShift[x] = 8 * (lumaByte + 2 * (x1 & 1));
      }
      this.fx[x] = Math.fround(f);
    }

    const ch = map.contentHeight;
    this.top = new Int32Array(ch);
    this.bottom = new Int32Array(ch);
    this.fy = new Float64Array(ch);
    for (let y = 0; y < ch; y++) {
      const { i0: y0, f } = sourceCoord(y, map.scaleY, view.height);
      this.top[y] = y0 * view.step;
      this.bottom[y] = Math.min(y0 + 1, view.height - 1) * view.step;
      this.fy[y] = f;
    }
  }

  /** True when the tables were built for this view geometry and mapping. */
  matches(view: ImageView, map: TensorToImage): boolean {
    return (
      this.width === view.width &&
      this.height === view.height &&
      this.step === view.step &&
      this.format === view.format &&
      this.scaleX === map.scaleX &&
      this.scaleY === map.scaleY &&
      this.contentWidth === map.contentWidth &&
      this.contentHeight === map.contentHeight
    );
  }
}

/**
 * Byte (0-2) within a pixel that each tensor channel reads, for the formats with three colour
 * bytes at the start of the pixel; undefined for mono8 and yuv.
 */
function colourBytes(
  format: PixelFormat,
  order: ChannelOrder,
): readonly [number, number, number] | undefined {
  switch (format) {
    case "rgb8":
    case "rgba8":
      return order === "rgb" ? [0, 1, 2] : [2, 1, 0];
    case "bgr8":
    case "bgra8":
      return order === "rgb" ? [2, 1, 0] : [0, 1, 2];
    default:
      return undefined;
  }
}

/**
 * A reusable preprocessor for one model input. `run` overwrites `tensor` on every call: use (or
 * copy) it before the next call.
 */
export class Preprocessor {
  /** The NCHW float32 tensor data, 3 * height * width values, reused between calls. */
  readonly tensor: Float32Array;
  readonly options: PreprocessOptions;
  readonly #gain: Float32Array; // per tensor channel: scale / std
  readonly #bias: Float32Array; // per tensor channel: -mean / std
  /** Sampling tables of the last source geometry; rebuilt when a view's geometry differs (see SamplingTables). */
  #tables: SamplingTables | undefined;

  constructor(options: PreprocessOptions) {
    const { width, height, normalization: n } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new PerceptionError(
        "model",
        `tensor size must be positive integers, got ${width}x${height}`,
      );
    }
    if (n.std.some((s) => s === 0))
      throw new PerceptionError("model", "normalisation std must not be 0");
    this.options = options;
    const n3 = 3 * width * height;
    this.tensor = options.sharedTensor
      ? new Float32Array(new SharedArrayBuffer(n3 * Float32Array.BYTES_PER_ELEMENT))
      : new Float32Array(n3);
    this.#gain = Float32Array.from(n.std, (s) => n.scale / s);
    this.#bias = Float32Array.from([0, 1, 2], (c) => -n.mean[c]! / n.std[c]!);
  }

  /** Fills `tensor` from the view and returns the tensor->image mapping used. */
  run(view: ImageView): TensorToImage {
    validateImageView(view);
    const map = computeTensorMapping(this.options, view.width, view.height);
    let tables = this.#tables;
    if (!tables?.matches(view, map)) this.#tables = tables = new SamplingTables(view, map);
    this.#fillPadding(map);
    const { width: W, height: H, channelOrder } = this.options;
    const plane = W * H;
    const out = this.tensor;
    const data = view.data;
    const bottom = tables.bottom;
    const rows = map.contentHeight;
    // Tensor index of the content's first pixel; each row starts W further.
    const first = map.offsetY * W + map.offsetX;

    if (view.format === "yuyv" || view.format === "uyvy") {
      // Bit positions of U and V in a group read as a little-endian word (yuyv = Y0 U Y1 V, uyvy = U Y0 V Y1).
      const [uShift, vShift] = view.format === "yuyv" ? [8, 24] : [0, 16];
      // Tensor channels receiving R and B (G is always channel 1).
      const rIndex = channelOrder === "rgb" ? 0 : 2;
      const bIndex = 2 - rIndex;
      // Groups lie inside their row (the width is even), so every word read is inside the data.
      const words = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let ty = 0; ty < rows; ty++) {
        sampleYuvRow(
          words,
          out,
          first + ty * W,
          plane,
          ty,
          tables,
          uShift,
          vShift,
          rIndex * plane,
          bIndex * plane,
          this.#gain,
          this.#bias,
          rIndex,
          bIndex,
        );
      }
      return map;
    }

    if (view.format === "mono8") {
      for (let ty = 0; ty < rows; ty++)
        sampleMonoRow(data, out, first + ty * W, plane, ty, tables, this.#gain, this.#bias);
      return map;
    }

    const bytes = colourBytes(view.format, channelOrder)!;
    if (map.scaleX === 1 && map.scaleY === 1) {
      // Native scale (a crop of the model's input size, as the pedestrian detector's band crops):
      // every sample is one pixel with weight 1, so the pixel itself (bit-identical to sampling).
      const bpp = bytesPerPixel(view.format);
      for (let ty = 0; ty < rows; ty++)
        sampleIdentityRow(
          data,
          out,
          first + ty * W,
          plane,
          ty * view.step,
          map.contentWidth,
          bpp,
          bytes,
          this.#gain,
          this.#bias,
        );
      return map;
    }
    const straight = bytes[0] === 0;
    // The word-wise kernels read 4 bytes from each sample's first byte: that may pass the end of
    // the data only on the rows that sample the last image row, which take the byte-wise kernel.
    const words = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const wordRowLimit = data.length - 4 - tables.right[map.contentWidth - 1]!;
    for (let ty = 0; ty < rows; ty++) {
      const o = first + ty * W;
      if (bottom[ty]! > wordRowLimit)
        sampleBytesRow(
          data,
          out,
          o,
          plane,
          ty,
          tables,
          bytes[0],
          bytes[1],
          bytes[2],
          this.#gain,
          this.#bias,
        );
      else
        sampleWordsRow(
          words,
          out,
          o,
          plane,
          ty,
          tables,
          straight ? 0 : 16,
          straight ? 16 : 0,
          this.#gain,
          this.#bias,
        );
    }
    return map;
  }

  #fillPadding(map: TensorToImage): void {
    const { width: W, height: H } = this.options;
    if (map.contentWidth === W && map.contentHeight === H) return;
    const resize = this.options.resize;
    const pad = resize.mode === "letterbox" ? resize.padValue : 0;
    const plane = W * H;
    const sidePadding = map.contentWidth !== W;
    for (let c = 0; c < 3; c++) {
      const v = pad * this.#gain[c]! + this.#bias[c]!;
      const base = c * plane;
      const top = map.offsetY * W;
      const bottomStart = (map.offsetY + map.contentHeight) * W;
      this.tensor.fill(v, base, base + top);
      this.tensor.fill(v, base + bottomStart, base + plane);
      if (!sidePadding) continue;
      for (let y = map.offsetY; y < map.offsetY + map.contentHeight; y++) {
        const row = base + y * W;
        this.tensor.fill(v, row, row + map.offsetX);
        this.tensor.fill(v, row + map.offsetX + map.contentWidth, row + W);
      }
    }
  }
}

// The row kernels. Each fills tensor row `ty` of the content (tensor index `o` onwards, planes
// `plane` apart) from the two source rows the tables give for it. (Row values are read here, not
// passed in: a double argument to a call that is not inlined is boxed on the heap.) They keep
// the arithmetic of the reference sampling, in double precision and in the same order (weights
// gx*gy, fx*gy, gx*fy, fx*fy; left-top, right-top, left-bottom, right-bottom; then * gain + bias),
// so that every kernel gives bit-identical values for the same pixels. They are separate small
// functions, one per pixel layout, so that each stays monomorphic and fully optimised.

/**
 * rgb8/bgr8/rgba8/bgra8: one little-endian 32-bit read per sample (bytes 0-2 are the colour);
 * tensor channel 0 is the byte at bit `shift0` (0 when channel c reads pixel byte c, 16 when it
 * reads byte 2 - c, as rgb8 into a bgr model), channel 1 the byte at bit 8, channel 2 the byte at
 * bit `shift2`. Only for rows where 4 bytes from every sample lie inside the data.
 */
function sampleWordsRow(
  words: DataView,
  out: Float32Array,
  o: number,
  plane: number,
  ty: number,
  tables: SamplingTables,
  shift0: number,
  shift2: number,
  gain: Float32Array,
  bias: Float32Array,
): void {
  const { left, right, fx: fxs } = tables;
  const r0 = tables.top[ty]!;
  const r1 = tables.bottom[ty]!;
  const fy = tables.fy[ty]!;
  const n = left.length;
  const gy = 1 - fy;
  const g0 = gain[0]!,
    g1 = gain[1]!,
    g2 = gain[2]!;
  const b0 = bias[0]!,
    b1 = bias[1]!,
    b2 = bias[2]!;
  const plane2 = 2 * plane;
  for (let tx = 0; tx < n; tx++, o++) {
    const l = left[tx]!;
    const r = right[tx]!;
    const a = words.getUint32(r0 + l, true);
    const b = words.getUint32(r0 + r, true);
    const c = words.getUint32(r1 + l, true);
    const e = words.getUint32(r1 + r, true);
    const fx = fxs[tx]!;
    const gx = 1 - fx;
    const wa = gx * gy;
    const wb = fx * gy;
    const wc = gx * fy;
    const we = fx * fy;
    out[o] =
      (((a >>> shift0) & 255) * wa +
        ((b >>> shift0) & 255) * wb +
        ((c >>> shift0) & 255) * wc +
        ((e >>> shift0) & 255) * we) *
        g0 +
      b0;
    out[o + plane] =
      (((a >>> 8) & 255) * wa +
        ((b >>> 8) & 255) * wb +
        ((c >>> 8) & 255) * wc +
        ((e >>> 8) & 255) * we) *
        g1 +
      b1;
    out[o + plane2] =
      (((a >>> shift2) & 255) * wa +
        ((b >>> shift2) & 255) * wb +
        ((c >>> shift2) & 255) * wc +
        ((e >>> shift2) & 255) * we) *
        g2 +
      b2;
  }
}

/**
 * rgb8/bgr8/rgba8/bgra8 at native scale: tensor column tx is source pixel tx of the row starting at
 * byte `start` (the sampling's weights are 1 and 0 there, so the value is the same bit for bit).
 */
function sampleIdentityRow(
  d: Uint8Array,
  out: Float32Array,
  o: number,
  plane: number,
  start: number,
  n: number,
  bpp: number,
  bytes: readonly [number, number, number],
  gain: Float32Array,
  bias: Float32Array,
): void {
  const [o0, o1, o2] = bytes;
  const g0 = gain[0]!,
    g1 = gain[1]!,
    g2 = gain[2]!;
  const b0 = bias[0]!,
    b1 = bias[1]!,
    b2 = bias[2]!;
  const plane2 = 2 * plane;
  for (let tx = 0, p = start; tx < n; tx++, o++, p += bpp) {
    out[o] = d[p + o0]! * g0 + b0;
    out[o + plane] = d[p + o1]! * g1 + b1;
    out[o + plane2] = d[p + o2]! * g2 + b2;
  }
}

/** rgb8/bgr8/rgba8/bgra8 byte by byte: tensor channel c reads pixel byte `oc` (the rows at the end of the data). */
function sampleBytesRow(
  d: Uint8Array,
  out: Float32Array,
  o: number,
  plane: number,
  ty: number,
  tables: SamplingTables,
  o0: number,
  o1: number,
  o2: number,
  gain: Float32Array,
  bias: Float32Array,
): void {
  const { left, right, fx: fxs } = tables;
  const r0 = tables.top[ty]!;
  const r1 = tables.bottom[ty]!;
  const fy = tables.fy[ty]!;
  const n = left.length;
  const gy = 1 - fy;
  const g0 = gain[0]!,
    g1 = gain[1]!,
    g2 = gain[2]!;
  const b0 = bias[0]!,
    b1 = bias[1]!,
    b2 = bias[2]!;
  const plane2 = 2 * plane;
  for (let tx = 0; tx < n; tx++, o++) {
    const a = r0 + left[tx]!;
    const b = r0 + right[tx]!;
    const c = r1 + left[tx]!;
    const e = r1 + right[tx]!;
    const fx = fxs[tx]!;
    const gx = 1 - fx;
    const wa = gx * gy;
    const wb = fx * gy;
    const wc = gx * fy;
    const we = fx * fy;
    out[o] = (d[a + o0]! * wa + d[b + o0]! * wb + d[c + o0]! * wc + d[e + o0]! * we) * g0 + b0;
    out[o + plane] =
      (d[a + o1]! * wa + d[b + o1]! * wb + d[c + o1]! * wc + d[e + o1]! * we) * g1 + b1;
    out[o + plane2] =
      (d[a + o2]! * wa + d[b + o2]! * wb + d[c + o2]! * wc + d[e + o2]! * we) * g2 + b2;
  }
}

/** mono8: the three channels share one interpolated grey value. */
function sampleMonoRow(
  d: Uint8Array,
  out: Float32Array,
  o: number,
  plane: number,
  ty: number,
  tables: SamplingTables,
  gain: Float32Array,
  bias: Float32Array,
): void {
  const { left, right, fx: fxs } = tables;
  const r0 = tables.top[ty]!;
  const r1 = tables.bottom[ty]!;
  const fy = tables.fy[ty]!;
  const n = left.length;
  const gy = 1 - fy;
  const g0 = gain[0]!,
    g1 = gain[1]!,
    g2 = gain[2]!;
  const b0 = bias[0]!,
    b1 = bias[1]!,
    b2 = bias[2]!;
  const plane2 = 2 * plane;
  for (let tx = 0; tx < n; tx++, o++) {
    const l = left[tx]!;
    const r = right[tx]!;
    const fx = fxs[tx]!;
    const gx = 1 - fx;
    const grey =
      d[r0 + l]! * (gx * gy) +
      d[r0 + r]! * (fx * gy) +
      d[r1 + l]! * (gx * fy) +
      d[r1 + r]! * (fx * fy);
    out[o] = grey * g0 + b0;
    out[o + plane] = grey * g1 + b1;
    out[o + plane2] = grey * g2 + b2;
  }
}

/**
 * yuyv/uyvy: interpolates Y, U and V (conversion is linear), then converts and clamps as
 * yuvToRgbInto. Each sample's 4-byte Y U Y V group is read as one little-endian 32-bit word and
 * Y, U and V are shifted out of it (`uShift`/`vShift`, and the per-column luma shifts of the
 * tables). `rPlane`/`bPlane` are the tensor offsets of the R and B planes, `rIndex`/`bIndex`
 * their channel indices (G is channel 1).
 */
function sampleYuvRow(
  words: DataView,
  out: Float32Array,
  o: number,
  plane: number,
  ty: number,
  tables: SamplingTables,
  uShift: number,
  vShift: number,
  rPlane: number,
  bPlane: number,
  gain: Float32Array,
  bias: Float32Array,
  rIndex: number,
  bIndex: number,
): void {
  const { leftPair, rightPair, leftLumaShift, rightLumaShift, fx: fxs } = tables;
  const r0 = tables.top[ty]!;
  const r1 = tables.bottom[ty]!;
  const fy = tables.fy[ty]!;
  const n = fxs.length;
  const gR = gain[rIndex]!,
    bR = bias[rIndex]!;
  const gG = gain[1]!,
    bG = bias[1]!;
  const gB = gain[bIndex]!,
    bB = bias[bIndex]!;
  for (let tx = 0; tx < n; tx++, o++) {
    const fx = fxs[tx]!;
    const lp = leftPair[tx]!;
    const rp = rightPair[tx]!;
    // Groups: top-left, top-right, bottom-left, bottom-right.
    const tl = words.getUint32(r0 + lp, true);
    const tr = words.getUint32(r0 + rp, true);
    const bl = words.getUint32(r1 + lp, true);
    const br = words.getUint32(r1 + rp, true);
    const ls = leftLumaShift[tx]!;
    const rs = rightLumaShift[tx]!;
    const ytl = (tl >>> ls) & 255;
    const ybl = (bl >>> ls) & 255;
    const yt = ytl + (((tr >>> rs) & 255) - ytl) * fx;
    const yb = ybl + (((br >>> rs) & 255) - ybl) * fx;
    const lum = yt + (yb - yt) * fy;
    const utl = (tl >>> uShift) & 255;
    const ubl = (bl >>> uShift) & 255;
    const ut = utl + (((tr >>> uShift) & 255) - utl) * fx;
    const ub = ubl + (((br >>> uShift) & 255) - ubl) * fx;
    const u = ut + (ub - ut) * fy - 128;
    const vtl = (tl >>> vShift) & 255;
    const vbl = (bl >>> vShift) & 255;
    const vt = vtl + (((tr >>> vShift) & 255) - vtl) * fx;
    const vb = vbl + (((br >>> vShift) & 255) - vbl) * fx;
    const v = vt + (vb - vt) * fy - 128;
    const c = 1.164 * (lum - 16);
    let R = c + 1.596 * v;
    let G = c - 0.392 * u - 0.813 * v;
    let B = c + 2.017 * u;
    R = R < 0 ? 0 : R > 255 ? 255 : R;
    G = G < 0 ? 0 : G > 255 ? 255 : G;
    B = B < 0 ? 0 : B > 255 ? 255 : B;
    out[o + rPlane] = R * gR + bR;
    out[o + plane] = G * gG + bG;
    out[o + bPlane] = B * gB + bB;
  }
}
