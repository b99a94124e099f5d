/**
 * Image -> model input tensor in one fused pass: bilinear resize (stretch or letterbox), colour
 * order and normalisation, sampled straight from the view's pixel format (yuv included) into a
 * float32 NCHW buffer that is reused from frame to frame.
 *
 * The sampling matches OpenCV's cv::resize INTER_LINEAR (half-pixel centres, edge clamping), so a
 * model sees what it saw with the reference Python preprocessing.
 */
import { PerceptionError } from "../core/errors.js";
import { bytesPerPixel, validateImageView, type ImageView, type PixelFormat } from "./image-view.js";
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
export function computeTensorMapping(options: PreprocessOptions, imageWidth: number, imageHeight: number): TensorToImage {
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

/** Byte offsets of R, G, B inside a pixel for the interleaved formats. */
const RGB_OFFSETS: Partial<Record<PixelFormat, readonly [number, number, number]>> = {
  rgb8: [0, 1, 2],
  bgr8: [2, 1, 0],
  rgba8: [0, 1, 2],
  bgra8: [2, 1, 0],
  mono8: [0, 0, 0],
};

/** Per-column sampling tables for one (image width, format, mapping) combination. */
interface ColumnTables {
  key: string;
  /** Byte offset within a row of the left sample (luma byte for yuv). */
  left: Int32Array;
  /** Byte offset within a row of the right sample. */
  right: Int32Array;
  /** Chroma pair offsets (yuv only): the 4-byte group of the left / right sample. */
  leftPair: Int32Array;
  rightPair: Int32Array;
  /** Weight of the right sample. */
  frac: Float32Array;
}

/** OpenCV INTER_LINEAR source coordinate for destination index i: index and weight of the next. */
function sourceCoord(i: number, scale: number, size: number): [number, number] {
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
  return [i0, f];
}

/**
 * The two source rows tensor row `ty` interpolates between, as byte offsets into the view's data
 * (`top`, `bottom`), and the weight of the bottom one (`fy`).
 */
function sourceRows(ty: number, map: TensorToImage, view: ImageView): { top: number; bottom: number; fy: number } {
  const [y0, fy] = sourceCoord(ty, map.scaleY, view.height);
  const y1 = Math.min(y0 + 1, view.height - 1);
  return { top: y0 * view.step, bottom: y1 * view.step, fy };
}

/**
 * A reusable preprocessor for one model input. `run` overwrites `tensor` on every call: use (or
 * copy) it before the next call.
 */
export class Preprocessor {
  /** The NCHW float32 tensor data, 3 * height * width values, reused between calls. */
  readonly tensor: Float32Array;
  readonly options: PreprocessOptions;
  private readonly gain: Float32Array; // per tensor channel: scale / std
  private readonly bias: Float32Array; // per tensor channel: -mean / std
  private columns: ColumnTables | undefined;

  constructor(options: PreprocessOptions) {
    const { width, height, normalization: n } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new PerceptionError("model", `tensor size must be positive integers, got ${width}x${height}`);
    }
    if (n.std.some((s) => s === 0)) throw new PerceptionError("model", "normalisation std must not be 0");
    this.options = options;
    const n3 = 3 * width * height;
    this.tensor = options.sharedTensor ? new Float32Array(new SharedArrayBuffer(n3 * Float32Array.BYTES_PER_ELEMENT)) : new Float32Array(n3);
    this.gain = Float32Array.from(n.std, (s) => n.scale / s);
    this.bias = Float32Array.from([0, 1, 2], (c) => -n.mean[c] / n.std[c]);
  }

  /** Fills `tensor` from the view and returns the tensor->image mapping used. */
  run(view: ImageView): TensorToImage {
    validateImageView(view);
    const map = computeTensorMapping(this.options, view.width, view.height);
    const cols = this.columnTables(view, map);
    this.fillPadding(map);
    if (view.format === "yuyv" || view.format === "uyvy") this.sampleYuv(view, map, cols);
    else this.samplePacked(view, map, cols);
    return map;
  }

  private columnTables(view: ImageView, map: TensorToImage): ColumnTables {
    const key = `${view.width}:${view.format}:${map.scaleX}:${map.contentWidth}`;
    if (this.columns?.key === key) return this.columns;
    const n = map.contentWidth;
    const bpp = bytesPerPixel(view.format);
    const t: ColumnTables = {
      key,
      left: new Int32Array(n),
      right: new Int32Array(n),
      leftPair: new Int32Array(n),
      rightPair: new Int32Array(n),
      frac: new Float32Array(n),
    };
    for (let x = 0; x < n; x++) {
      const [x0, f] = sourceCoord(x, map.scaleX, view.width);
      const x1 = Math.min(x0 + 1, view.width - 1);
      t.left[x] = x0 * bpp;
      t.right[x] = x1 * bpp;
      t.leftPair[x] = (x0 >> 1) * 4;
      t.rightPair[x] = (x1 >> 1) * 4;
      t.frac[x] = f;
    }
    this.columns = t;
    return t;
  }

  private fillPadding(map: TensorToImage): void {
    const { width: W, height: H } = this.options;
    if (map.contentWidth === W && map.contentHeight === H) return;
    const resize = this.options.resize;
    const pad = resize.mode === "letterbox" ? resize.padValue : 0;
    const plane = W * H;
    for (let c = 0; c < 3; c++) {
      const v = pad * this.gain[c] + this.bias[c];
      const base = c * plane;
      const top = map.offsetY * W;
      const bottomStart = (map.offsetY + map.contentHeight) * W;
      this.tensor.fill(v, base, base + top);
      this.tensor.fill(v, base + bottomStart, base + plane);
      for (let y = map.offsetY; y < map.offsetY + map.contentHeight; y++) {
        const row = base + y * W;
        this.tensor.fill(v, row, row + map.offsetX);
        this.tensor.fill(v, row + map.offsetX + map.contentWidth, row + W);
      }
    }
  }

  private samplePacked(view: ImageView, map: TensorToImage, cols: ColumnTables): void {
    const { width: W, height: H, channelOrder } = this.options;
    const offs = RGB_OFFSETS[view.format]!;
    // Source byte offset for tensor channel 0, 1, 2.
    const [o0, o1, o2] = channelOrder === "rgb" ? [offs[0], offs[1], offs[2]] : [offs[2], offs[1], offs[0]];
    const d = view.data;
    const out = this.tensor;
    const plane = W * H;
    const plane2 = 2 * plane;
    const [g0, g1, g2] = this.gain;
    const [b0, b1, b2] = this.bias;
    const { left, right, frac } = cols;
    const cw = map.contentWidth;
    for (let ty = 0; ty < map.contentHeight; ty++) {
      const { top: r0, bottom: r1, fy } = sourceRows(ty, map, view);
      let o = (ty + map.offsetY) * W + map.offsetX;
      const gy = 1 - fy;
      for (let tx = 0; tx < cw; tx++, o++) {
        const a = r0 + left[tx];
        const b = r0 + right[tx];
        const c = r1 + left[tx];
        const e = r1 + right[tx];
        const fx = frac[tx];
        const gx = 1 - fx;
        // Bilinear weights shared by the three channels.
        const wa = gx * gy;
        const wb = fx * gy;
        const wc = gx * fy;
        const we = fx * fy;
        out[o] = (d[a + o0] * wa + d[b + o0] * wb + d[c + o0] * wc + d[e + o0] * we) * g0 + b0;
        out[o + plane] = (d[a + o1] * wa + d[b + o1] * wb + d[c + o1] * wc + d[e + o1] * we) * g1 + b1;
        out[o + plane2] = (d[a + o2] * wa + d[b + o2] * wb + d[c + o2] * wc + d[e + o2] * we) * g2 + b2;
      }
    }
  }

  /** Interpolates Y, U and V (conversion is linear), then converts and clamps as yuvToRgbInto. */
  private sampleYuv(view: ImageView, map: TensorToImage, cols: ColumnTables): void {
    const { width: W, height: H, channelOrder } = this.options;
    const [yOff, uOff, vOff] = view.format === "yuyv" ? [0, 1, 3] : [1, 0, 2];
    const d = view.data;
    const out = this.tensor;
    const plane = W * H;
    // Tensor channel index receiving R and B.
    const rPlane = channelOrder === "rgb" ? 0 : 2 * plane;
    const bPlane = channelOrder === "rgb" ? 2 * plane : 0;
    const gR = this.gain[channelOrder === "rgb" ? 0 : 2];
    const bR = this.bias[channelOrder === "rgb" ? 0 : 2];
    const gG = this.gain[1];
    const bG = this.bias[1];
    const gB = this.gain[channelOrder === "rgb" ? 2 : 0];
    const bB = this.bias[channelOrder === "rgb" ? 2 : 0];
    const { left, right, leftPair, rightPair, frac } = cols;
    const cw = map.contentWidth;
    for (let ty = 0; ty < map.contentHeight; ty++) {
      const { top: r0, bottom: r1, fy } = sourceRows(ty, map, view);
      let o = (ty + map.offsetY) * W + map.offsetX;
      for (let tx = 0; tx < cw; tx++, o++) {
        const fx = frac[tx];
        const l = left[tx] + yOff;
        const r = right[tx] + yOff;
        const yt = d[r0 + l] + (d[r0 + r] - d[r0 + l]) * fx;
        const yb = d[r1 + l] + (d[r1 + r] - d[r1 + l]) * fx;
        const lum = yt + (yb - yt) * fy;
        const lp = leftPair[tx];
        const rp = rightPair[tx];
        const ut = d[r0 + lp + uOff] + (d[r0 + rp + uOff] - d[r0 + lp + uOff]) * fx;
        const ub = d[r1 + lp + uOff] + (d[r1 + rp + uOff] - d[r1 + lp + uOff]) * fx;
        const u = ut + (ub - ut) * fy - 128;
        const vt = d[r0 + lp + vOff] + (d[r0 + rp + vOff] - d[r0 + lp + vOff]) * fx;
        const vb = d[r1 + lp + vOff] + (d[r1 + rp + vOff] - d[r1 + lp + vOff]) * fx;
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
  }
}
