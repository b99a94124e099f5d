import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { sharedDir } from "../../src/core/paths.js";
import { toPackedRgb, type ImageView } from "../../src/image/image-view.js";
import { readImageFile } from "../../src/image/compressed-image.js";
import { loadCv, withMats } from "../../src/image/mats.js";
import { cropView } from "../../src/image/crop.js";
import {
  Preprocessor,
  computeTensorMapping,
  type PreprocessOptions,
} from "../../src/image/preprocess.js";
import {
  imagePixelToTensor,
  tensorPixelToImage,
  tensorPointToImage,
} from "../../src/image/tensor-mapping.js";

const plain = { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] } as const;

function rgbView(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): ImageView {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, step: width * 3, format: "rgb8", data };
}

function plane(t: Float32Array, c: number, w: number, h: number): number[] {
  return Array.from(t.subarray(c * w * h, (c + 1) * w * h)).map((v) => Math.round(v * 1e4) / 1e4);
}

describe("Preprocessor", () => {
  it("at identity size copies pixels in the model's colour order with normalisation", () => {
    const view = rgbView(2, 1, (x) => (x === 0 ? [10, 20, 30] : [40, 50, 60]));
    const p = new Preprocessor({
      width: 2,
      height: 1,
      channelOrder: "bgr",
      normalization: { scale: 1 / 10, mean: [1, 2, 3], std: [2, 4, 0.5] },
      resize: { mode: "stretch" },
    });
    p.run(view);
    // channel 0 = B: (30/10 - 1)/2 = 1, (60/10 - 1)/2 = 2.5; channel 1 = G: (2-2)/4 = 0, (5-2)/4 = 0.75;
    // channel 2 = R: (1-3)/0.5 = -4, (4-3)/0.5 = 2
    expect(plane(p.tensor, 0, 2, 1)).toEqual([1, 2.5]);
    expect(plane(p.tensor, 1, 2, 1)).toEqual([0, 0.75]);
    expect(plane(p.tensor, 2, 2, 1)).toEqual([-4, 2]);
  });

  it("halves with half-pixel bilinear sampling (each output = mean of a 2x2 block)", () => {
    const values = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150];
    const view = rgbView(4, 4, (x, y) => [values[y * 4 + x]!, 0, 0]);
    const p = new Preprocessor({
      width: 2,
      height: 2,
      channelOrder: "rgb",
      normalization: plain,
      resize: { mode: "stretch" },
    });
    p.run(view);
    // block means: (0+10+40+50)/4 = 25, (20+30+60+70)/4 = 45, 105, 125
    expect(plane(p.tensor, 0, 2, 2)).toEqual([25, 45, 105, 125]);
  });

  it("letterboxes top-left and centred with the pad value, and maps back exactly", () => {
    const view = rgbView(4, 2, (x, y) => [x * 10 + y, 0, 0]);
    const opts = (anchor: "top-left" | "center"): PreprocessOptions => ({
      width: 4,
      height: 4,
      channelOrder: "rgb",
      normalization: { scale: 1, mean: [100, 0, 0], std: [2, 1, 1] },
      resize: { mode: "letterbox", anchor, padValue: 114 },
    });
    const tl = new Preprocessor(opts("top-left"));
    const mapTl = tl.run(view);
    const pad = (114 - 100) / 2;
    expect(plane(tl.tensor, 0, 4, 4)).toEqual([
      -50,
      -45,
      -40,
      -35,
      -49.5,
      -44.5,
      -39.5,
      -34.5,
      pad,
      pad,
      pad,
      pad,
      pad,
      pad,
      pad,
      pad,
    ]);
    expect(mapTl).toMatchObject({
      scaleX: 1,
      scaleY: 1,
      offsetX: 0,
      offsetY: 0,
      contentWidth: 4,
      contentHeight: 2,
    });
    const c = new Preprocessor(opts("center"));
    const mapC = c.run(view);
    expect(mapC.offsetY).toBe(1);
    expect(plane(c.tensor, 0, 4, 4).slice(0, 8)).toEqual([pad, pad, pad, pad, -50, -45, -40, -35]);
    expect(tensorPointToImage(mapC, 2, 2)).toEqual({ x: 2, y: 1 });
  });

  it("maps a 1280x720 frame into 416x416 as YOLOX does (r = 0.325, 416x234)", () => {
    const o = (anchor: "top-left" | "center"): PreprocessOptions => ({
      width: 416,
      height: 416,
      channelOrder: "bgr",
      normalization: plain,
      resize: { mode: "letterbox", anchor, padValue: 114 },
    });
    const tl = computeTensorMapping(o("top-left"), 1280, 720);
    expect(tl).toMatchObject({
      scaleX: 0.325,
      scaleY: 0.325,
      offsetX: 0,
      offsetY: 0,
      contentWidth: 416,
      contentHeight: 234,
    });
    const c = computeTensorMapping(o("center"), 1280, 720);
    expect(c.offsetY).toBe(91);
    // A box edge at tensor (208, 91 + 117) is the image centre (640, 360).
    expect(tensorPointToImage(c, 208, 208)).toEqual({ x: 640, y: 360 });
    // Pixel-centre conventions round-trip.
    const px = tensorPixelToImage(c, imagePixelToTensor(c, { u: 100, v: 200 }));
    expect(px.u).toBeCloseTo(100, 9);
    expect(px.v).toBeCloseTo(200, 9);
  });

  it("samples yuv422 directly as it samples the converted rgb", () => {
    // A YUYV gradient; compare the fused yuv path with rgb conversion then sampling.
    const width = 16;
    const height = 8;
    const data = new Uint8Array(width * height * 2);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x += 2) {
        const o = y * width * 2 + x * 2;
        data.set([30 + x * 10, 90 + y * 8, 40 + x * 10 + 5, 150 - y * 5], o);
      }
    }
    const yuyv: ImageView = { width, height, step: width * 2, format: "yuyv", data };
    const options: PreprocessOptions = {
      width: 5,
      height: 3,
      channelOrder: "rgb",
      normalization: plain,
      resize: { mode: "stretch" },
    };
    const a = new Preprocessor(options);
    const b = new Preprocessor(options);
    a.run(yuyv);
    b.run(toPackedRgb(yuyv));
    // Interpolating YUV vs RGB differs only by the rounding and clamping of the converted pixels.
    for (let i = 0; i < a.tensor.length; i++)
      expect(Math.abs(a.tensor[i]! - b.tensor[i]!)).toBeLessThan(1.5);
  });
});

/** Deterministic pseudo-random bytes. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** The rgb8 view in another packed layout (same colours), with `pad` bytes of row padding. */
function repack(rgb: ImageView, format: "rgb8" | "bgr8" | "rgba8" | "bgra8", pad = 0): ImageView {
  const bpp = format.length === 5 ? 4 : 3;
  const step = rgb.width * bpp + pad;
  const data = new Uint8Array(step * rgb.height).fill(77);
  for (let y = 0; y < rgb.height; y++) {
    for (let x = 0; x < rgb.width; x++) {
      const s = y * rgb.step + x * 3;
      const o = y * step + x * bpp;
      const [r, g, b] = [rgb.data[s]!, rgb.data[s + 1]!, rgb.data[s + 2]!];
      data.set(format.startsWith("rgb") ? [r, g, b] : [b, g, r], o);
      if (bpp === 4) data[o + 3] = 255;
    }
  }
  return { width: rgb.width, height: rgb.height, step, format, data };
}

/** A copy of the tensor's bytes, to compare tensors bit for bit. */
const bits = (t: Float32Array): Buffer =>
  Buffer.from(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));

/** Index of the first float that differs bit-wise (-1: identical): quick on large tensors, and names the place. */
function firstDifference(a: Buffer, b: Buffer): number {
  if (a.equals(b)) return -1;
  for (let i = 0; i < Math.min(a.length, b.length); i += 4)
    if (a.readUInt32LE(i) !== b.readUInt32LE(i)) return i / 4;
  return Math.min(a.length, b.length) / 4;
}

describe("Preprocessor sampling tables and pixel layouts", () => {
  const letterbox: PreprocessOptions = {
    width: 64,
    height: 64,
    channelOrder: "bgr",
    normalization: { scale: 1 / 255, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] },
    resize: { mode: "letterbox", anchor: "center", padValue: 114 },
  };
  const rgb = (w: number, h: number, seed: number): ImageView => ({
    width: w,
    height: h,
    step: w * 3,
    format: "rgb8",
    data: noise(w * h * 3, seed),
  });

  it("gives one instance the same tensors as fresh ones while the source geometry changes back and forth", () => {
    const views = [
      rgb(150, 90, 1),
      rgb(150, 90, 2),
      repack(rgb(150, 90, 3), "bgra8", 8),
      rgb(97, 131, 4),
      rgb(150, 90, 5),
    ];
    const reused = new Preprocessor(letterbox);
    for (const view of views) {
      const fresh = new Preprocessor(letterbox);
      expect(reused.run(view)).toEqual(fresh.run(view));
      expect(firstDifference(bits(reused.tensor), bits(fresh.tensor))).toBe(-1);
    }
  });

  it("samples the same tensor from every packed layout of the same colours, row padding or not", () => {
    const base = rgb(123, 77, 9);
    for (const channelOrder of ["rgb", "bgr"] as const) {
      const p = new Preprocessor({
        ...letterbox,
        channelOrder,
        resize: { mode: "stretch" },
        width: 50,
        height: 40,
      });
      p.run(base);
      const expected = bits(p.tensor);
      for (const format of ["rgb8", "bgr8", "rgba8", "bgra8"] as const) {
        for (const pad of [0, 3]) {
          p.run(repack(base, format, pad));
          expect(firstDifference(bits(p.tensor), expected)).toBe(-1);
        }
      }
    }
  });

  it("reads the last pixel of a buffer with no byte to spare (view into a larger buffer too)", () => {
    const view = rgb(41, 23, 11);
    const exact: ImageView = { ...view, data: view.data.slice() };
    const big = new Uint8Array(view.data.length + 16).fill(200);
    big.set(view.data, 5);
    const inside: ImageView = { ...view, data: big.subarray(5, 5 + view.data.length) };
    // Upsampling makes the last tensor columns and rows sample the last pixel.
    const p = new Preprocessor({ ...letterbox, width: 100, height: 100 });
    p.run(exact);
    const expected = bits(p.tensor);
    p.run(inside);
    expect(firstDifference(bits(p.tensor), expected)).toBe(-1);
    // The corner of the content is the corner pixel itself (edge clamping).
    const [r, g, b] = [
      view.data[view.data.length - 3]!,
      view.data[view.data.length - 2]!,
      view.data[view.data.length - 1]!,
    ];
    const map = p.run(exact);
    const last = (map.offsetY + map.contentHeight - 1) * 100 + map.offsetX + map.contentWidth - 1;
    const n = letterbox.normalization;
    // bgr: channel 0 is blue
    expect(p.tensor[last]).toBeCloseTo((b / 255 - n.mean[0]) / n.std[0], 5);
    expect(p.tensor[10000 + last]).toBeCloseTo((g / 255 - n.mean[1]) / n.std[1], 5);
    expect(p.tensor[20000 + last]).toBeCloseTo((r / 255 - n.mean[2]) / n.std[2], 5);
  });

  it("copies a native-scale crop pixel for pixel (the value sampling gives with weights 1 and 0), through the crop's row step, in any packed layout", () => {
    const frame = rgb(150, 90, 41);
    const crop = cropView(frame, { x: 37, y: 11, width: 64, height: 50 });
    const p = new Preprocessor(letterbox);
    const map = p.run(crop);
    expect(map).toMatchObject({
      scaleX: 1,
      scaleY: 1,
      offsetX: 0,
      offsetY: 7,
      contentWidth: 64,
      contentHeight: 50,
    });
    const n = letterbox.normalization;
    const gain = Float32Array.from(n.std, (sd) => n.scale / sd);
    const bias = Float32Array.from([0, 1, 2], (c) => -n.mean[c]! / n.std[c]!);
    const expected = new Float32Array(p.tensor);
    for (let y = 0; y < 50; y++) {
      for (let x = 0; x < 64; x++) {
        const px = (11 + y) * frame.step + (37 + x) * 3;
        // bgr: tensor channel 0 is blue.
        [2, 1, 0].forEach((byte, c) => {
          expected[c * 64 * 64 + (7 + y) * 64 + x] = frame.data[px + byte]! * gain[c]! + bias[c]!;
        });
      }
    }
    expect(firstDifference(bits(p.tensor), bits(expected))).toBe(-1);
    for (const format of ["bgr8", "rgba8", "bgra8"] as const) {
      p.run(cropView(repack(frame, format, 4), { x: 37, y: 11, width: 64, height: 50 }));
      expect(firstDifference(bits(p.tensor), bits(expected))).toBe(-1);
    }
  });

  it("samples mono8 as the rgb8 frame with equal channels, and yuyv as the same uyvy frame", () => {
    const grey = noise(60 * 34, 21);
    const mono: ImageView = { width: 60, height: 34, step: 60, format: "mono8", data: grey };
    const asRgb: ImageView = {
      width: 60,
      height: 34,
      step: 180,
      format: "rgb8",
      data: Uint8Array.from({ length: grey.length * 3 }, (_, i) => grey[Math.floor(i / 3)]!),
    };
    const p = new Preprocessor(letterbox);
    p.run(mono);
    const fromMono = bits(p.tensor);
    p.run(asRgb);
    expect(firstDifference(bits(p.tensor), fromMono)).toBe(-1);

    const yuyv = noise(60 * 34 * 2, 33);
    const uyvy = new Uint8Array(yuyv.length);
    for (let i = 0; i < yuyv.length; i += 4)
      uyvy.set([yuyv[i + 1]!, yuyv[i]!, yuyv[i + 3]!, yuyv[i + 2]!], i);
    p.run({ width: 60, height: 34, step: 120, format: "yuyv", data: yuyv });
    const fromYuyv = bits(p.tensor);
    p.run({ width: 60, height: 34, step: 120, format: "uyvy", data: uyvy });
    expect(firstDifference(bits(p.tensor), fromYuyv)).toBe(-1);
  });
});

const shared = sharedDir();
if (!shared) console.warn("skipping preprocessing vs OpenCV: ../shared is absent");
describe.skipIf(!shared)("against OpenCV", () => {
  it("matches cv.resize INTER_LINEAR on a real 1280x720 frame (mean |diff| < 0.5 grey levels)", async () => {
    const cv = await loadCv();
    const view = await readImageFile(join(shared!, "data/bdd100k/cb22c820-f094952f.jpg"));
    const p = new Preprocessor({
      width: 416,
      height: 234,
      channelOrder: "rgb",
      normalization: plain,
      resize: { mode: "stretch" },
    });
    p.run(view);
    const reference = withMats((track) => {
      const src = track(new cv.Mat(view.height, view.width, cv.CV_8UC3));
      src.data.set(view.data);
      const dst = track(new cv.Mat());
      cv.resize(src, dst, new cv.Size(416, 234), 0, 0, cv.INTER_LINEAR);
      return Uint8Array.from(dst.data as Uint8Array);
    });
    let sum = 0;
    let max = 0;
    const plane = 416 * 234;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(p.tensor[c * plane + i]! - reference[i * 3 + c]!);
        sum += d;
        max = Math.max(max, d);
      }
    }
    expect(sum / (plane * 3)).toBeLessThan(0.5);
    expect(max).toBeLessThanOrEqual(1.01);
  });
});
