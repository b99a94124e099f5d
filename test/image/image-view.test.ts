import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { join } from "node:path";
import { PerceptionError } from "../../src/core/errors.js";
import { sharedDir } from "../../src/core/paths.js";
import { imageViewFromMessage, toPackedRgb } from "../../src/image/image-view.js";
import { decodeCompressedImage, readImageFile } from "../../src/image/compressed-image.js";
import type { CompressedImage, Image } from "../../src/msgs/types.generated.js";

const header = { stamp: { sec: 1, nanosec: 2 }, frame_id: "camera_optical_frame" };

function image(
  encoding: string,
  width: number,
  height: number,
  step: number,
  bytes: number[],
): Image {
  return { header, width, height, encoding, is_bigendian: 0, step, data: Uint8Array.from(bytes) };
}

function compressed(format: string, data: Uint8Array): CompressedImage {
  return { header, format, data };
}

/** Two pixels: red (200, 10, 20) and blue-ish (1, 2, 250), with each encoding's byte layout. */
const RED = [200, 10, 20];
const BLUE = [1, 2, 250];

describe("imageViewFromMessage + toPackedRgb", () => {
  const cases: [string, number, number[]][] = [
    ["rgb8", 6, [...RED, ...BLUE]],
    ["bgr8", 6, [20, 10, 200, 250, 2, 1]],
    ["rgba8", 8, [...RED, 255, ...BLUE, 0]],
    ["bgra8", 8, [20, 10, 200, 9, 250, 2, 1, 9]],
  ];
  for (const [encoding, step, bytes] of cases) {
    it(`reads ${encoding} without copying and converts to packed rgb`, () => {
      const msg = image(encoding, 2, 1, step, bytes);
      const view = imageViewFromMessage(msg);
      expect(view.data).toBe(msg.data);
      expect(Array.from(toPackedRgb(view).data)).toEqual([...RED, ...BLUE]);
    });
  }

  it("returns the same view for packed rgb8 and honours row padding otherwise", () => {
    const packed = imageViewFromMessage(image("rgb8", 1, 2, 3, [...RED, ...BLUE]));
    expect(toPackedRgb(packed)).toBe(packed);
    // step 5 = 3 bytes of pixel + 2 bytes of padding per row
    const padded = imageViewFromMessage(image("rgb8", 1, 2, 5, [...RED, 77, 77, ...BLUE]));
    const rgb = toPackedRgb(padded);
    expect(rgb.step).toBe(3);
    expect(Array.from(rgb.data)).toEqual([...RED, ...BLUE]);
  });

  it("expands mono8 to grey rgb", () => {
    expect(
      Array.from(toPackedRgb(imageViewFromMessage(image("mono8", 2, 1, 2, [0, 130]))).data),
    ).toEqual([0, 0, 0, 130, 130, 130]);
  });

  it("converts yuv422 (UYVY) and yuv422_yuy2 (YUYV) with BT.601 limited range", () => {
    // Y=16 -> black, Y=235 -> white (1.164 * 219 = 254.9 -> 255), neutral chroma.
    // Pixel pair 2: Y=81, U=90, V=240 -> R = 1.164*65 + 1.596*112 = 254.4 -> 254,
    // G = 75.66 - 0.392*(-38) - 0.813*112 = 75.66 + 14.9 - 91.06 = -0.5 -> 0, B = 75.66 + 2.017*(-38) = -0.99 -> 0
    const expected = [0, 0, 0, 255, 255, 255, 254, 0, 0, 254, 0, 0];
    const uyvy = image("yuv422", 4, 1, 8, [128, 16, 128, 235, 90, 81, 240, 81]);
    const yuyv = image("yuv422_yuy2", 4, 1, 8, [16, 128, 235, 128, 81, 90, 81, 240]);
    expect(imageViewFromMessage(uyvy).format).toBe("uyvy");
    expect(imageViewFromMessage(yuyv).format).toBe("yuyv");
    expect(Array.from(toPackedRgb(imageViewFromMessage(uyvy)).data)).toEqual(expected);
    expect(Array.from(toPackedRgb(imageViewFromMessage(yuyv)).data)).toEqual(expected);
  });

  it("rejects an unknown encoding by name", () => {
    const err = (() => {
      try {
        imageViewFromMessage(image("bayer_rggb8", 2, 1, 2, [0, 0]));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PerceptionError);
    expect((err as PerceptionError).kind).toBe("image");
    expect((err as PerceptionError).message).toContain("bayer_rggb8");
  });

  it("rejects a short buffer, a small step and an odd yuv width", () => {
    expect(() => imageViewFromMessage(image("rgb8", 2, 2, 6, [1, 2, 3, 4, 5, 6, 7]))).toThrow(
      /too short/,
    );
    expect(() => imageViewFromMessage(image("rgb8", 2, 1, 5, [1, 2, 3, 4, 5, 6]))).toThrow(
      /step 5/,
    );
    expect(() => imageViewFromMessage(image("yuv422", 3, 1, 6, [1, 2, 3, 4, 5, 6]))).toThrow(
      /even width/,
    );
  });
});

describe("decodeCompressedImage", () => {
  const pixels = Uint8Array.from([...RED, ...BLUE, 0, 255, 0, 90, 90, 90]); // 2x2
  const raw = { raw: { width: 2, height: 2, channels: 3 as const } };

  it("decodes png exactly and accepts image_transport format strings", async () => {
    const png = new Uint8Array(await sharp(Buffer.from(pixels), raw).png().toBuffer());
    for (const format of ["png", "bgr8; png compressed bgr8", "rgb8; png compressed rgb8"]) {
      const view = await decodeCompressedImage(compressed(format, png));
      expect([view.width, view.height, view.format, view.step]).toEqual([2, 2, "rgb8", 6]);
      expect(Array.from(view.data)).toEqual(Array.from(pixels));
    }
  });

  it("decodes jpeg (lossy, close to the source)", async () => {
    const flat = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < flat.length; i += 3) flat.set([180, 60, 30], i);
    const jpeg = new Uint8Array(
      await sharp(Buffer.from(flat), { raw: { width: 16, height: 16, channels: 3 } })
        .jpeg({ quality: 95 })
        .toBuffer(),
    );
    for (const format of ["jpeg", "rgb8; jpeg compressed bgr8"]) {
      const view = await decodeCompressedImage(compressed(format, jpeg));
      expect([view.width, view.height, view.format]).toEqual([16, 16, "rgb8"]);
      const centre = (8 * 16 + 8) * 3;
      expect(Math.abs(view.data[centre]! - 180)).toBeLessThanOrEqual(4);
      expect(Math.abs(view.data[centre + 1]! - 60)).toBeLessThanOrEqual(4);
      expect(Math.abs(view.data[centre + 2]! - 30)).toBeLessThanOrEqual(4);
    }
  });

  it("decodes grey, CMYK and RGBA images to the same layouts as colour JPEGs take directly", async () => {
    const flat = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < flat.length; i += 3) flat.set([180, 60, 30], i);
    const rgb = sharp(Buffer.from(flat), { raw: { width: 16, height: 16, channels: 3 } });
    const colour = await decodeCompressedImage(
      compressed("jpeg", new Uint8Array(await rgb.clone().jpeg({ quality: 95 }).toBuffer())),
    );
    const progressive = await decodeCompressedImage(
      compressed(
        "jpeg",
        new Uint8Array(await rgb.clone().jpeg({ quality: 95, progressive: true }).toBuffer()),
      ),
    );
    expect(progressive.format).toBe("rgb8");
    const grey = await decodeCompressedImage(
      compressed("jpeg", new Uint8Array(await rgb.clone().toColourspace("b-w").jpeg().toBuffer())),
    );
    expect([grey.format, grey.step]).toEqual(["mono8", 16]);
    const cmyk = await decodeCompressedImage(
      compressed(
        "jpeg",
        new Uint8Array(await rgb.clone().toColourspace("cmyk").jpeg({ quality: 95 }).toBuffer()),
      ),
    );
    expect([cmyk.format, cmyk.step]).toEqual(["rgb8", 48]);
    const rgba = await decodeCompressedImage(
      compressed("png", new Uint8Array(await rgb.clone().ensureAlpha().png().toBuffer())),
    );
    expect([rgba.format, Array.from(rgba.data.subarray(0, 3))]).toEqual(["rgb8", [180, 60, 30]]);
    const centre = (8 * 16 + 8) * 3;
    for (const view of [colour, cmyk])
      expect(Math.abs(view.data[centre]! - 180)).toBeLessThanOrEqual(6);
  });

  it("decodes greyscale png to mono8", async () => {
    const png = new Uint8Array(
      await sharp(Buffer.from([10, 20, 30, 40]), { raw: { width: 2, height: 2, channels: 1 } })
        .toColourspace("b-w")
        .png()
        .toBuffer(),
    );
    const view = await decodeCompressedImage(compressed("png", png));
    expect(view.format).toBe("mono8");
    expect(Array.from(view.data)).toEqual([10, 20, 30, 40]);
  });

  it("rejects corrupt or truncated jpeg with an image error", async () => {
    const flat = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7) % 256);
    const jpeg = new Uint8Array(
      await sharp(Buffer.from(flat), { raw: { width: 64, height: 64, channels: 3 } })
        .jpeg()
        .toBuffer(),
    );
    const truncated = jpeg.slice(0, Math.floor(jpeg.length / 2));
    await expect(decodeCompressedImage(compressed("jpeg", truncated))).rejects.toMatchObject({
      kind: "image",
    });
    const garbage = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await expect(decodeCompressedImage(compressed("jpeg", garbage))).rejects.toMatchObject({
      kind: "image",
    });
    await expect(
      decodeCompressedImage(compressed("jpeg", Uint8Array.from([1, 2, 3]))),
    ).rejects.toThrow(/not jpeg/);
  });

  it("rejects unsupported compressed formats by name", async () => {
    await expect(decodeCompressedImage(compressed("h264", new Uint8Array(4)))).rejects.toThrow(
      /'h264'/,
    );
    await expect(
      decodeCompressedImage(compressed("16UC1; compressedDepth png", new Uint8Array(4))),
    ).rejects.toThrow(/compressedDepth/);
  });
});

const shared = sharedDir();
if (!shared) console.warn("skipping real image decoding: ../shared is absent");
describe.skipIf(!shared)("real files", () => {
  it("decodes the KITTI palette png and a BDD100K jpeg", async () => {
    const kitti = await readImageFile(join(shared!, "data/kitti/000007.png"));
    expect([kitti.width, kitti.height, kitti.format]).toEqual([1242, 375, "rgb8"]);
    const bdd = await readImageFile(join(shared!, "data/bdd100k/cb22c820-f094952f.jpg"));
    expect([bdd.width, bdd.height, bdd.format, bdd.data.length]).toEqual([
      1280,
      720,
      "rgb8",
      1280 * 720 * 3,
    ]);
  });
});
