import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../src/geometry/camera-geometry.js";
import type { ImageView } from "../../src/image/image-view.js";
import { birdsEyeSvg, renderBirdsEye } from "../../src/viz/birds-eye.js";
import {
  drawOverlayShapes,
  overlaySvg,
  renderDebugImage,
  type OverlayShape,
} from "../../src/viz/debug-image.js";
import { frame } from "./fixtures.js";

function stripes(width: number, height: number): ImageView {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.fill(x % 2 ? 255 : 0, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, step: width * 3, format: "rgb8", data };
}

async function rawOf(bytes: Uint8Array): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  return sharp(Buffer.from(bytes)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

/** Mean absolute difference between horizontally neighbouring pixels inside a box (high for stripes, ~0 when pixelated). */
function contrastIn(
  raw: { data: Buffer; info: sharp.OutputInfo },
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  const { data, info } = raw;
  let sum = 0,
    n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1 - 1; x++) {
      const i = (y * info.width + x) * info.channels;
      sum += Math.abs(data[i]! - data[i + info.channels]!);
      n++;
    }
  return sum / n;
}

describe("debug image", () => {
  const view = stripes(320, 180);
  const f = frame(1); // pedestrian boxes at x 100..130, y 40..120

  it("pixelates pedestrians by default and leaves the rest of the picture", async () => {
    const blurred = await rawOf(
      await renderDebugImage(view, f, {
        privacy: "blur_pedestrians",
        maxWidth: 640,
        format: "png",
      }),
    );
    const plain = await rawOf(
      await renderDebugImage(view, f, { privacy: "none", maxWidth: 640, format: "png" }),
    );
    expect(blurred.info.width).toBe(320);
    expect(contrastIn(plain, 104, 50, 126, 110)).toBeGreaterThan(100);
    expect(contrastIn(blurred, 104, 50, 126, 110)).toBeLessThan(10);
    expect(contrastIn(blurred, 200, 60, 260, 90)).toBeGreaterThan(100);
  });

  it("does not modify the input frame", async () => {
    const copy = view.data.slice();
    await renderDebugImage(view, f, { privacy: "blur_pedestrians", maxWidth: 640, format: "jpeg" });
    expect(Buffer.compare(Buffer.from(copy), Buffer.from(view.data))).toBe(0);
  });

  it("scales down to the maximum width and encodes JPEG", async () => {
    const jpeg = await renderDebugImage(stripes(1280, 720), f, {
      privacy: "blur_pedestrians",
      maxWidth: 640,
      format: "jpeg",
    });
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    expect((await sharp(Buffer.from(jpeg)).metadata()).width).toBe(640);
  });

  it("blends translucent fills as v + (c - v) * opacity, rounded, for every background byte", () => {
    const width = 64;
    const height = 8;
    const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => i % 256);
    const before = rgb.slice();
    const shapes: OverlayShape[] = [
      { kind: "band", x: 0, y: 0, w: width, h: 4, color: [0, 0, 0], opacity: 0.55 },
      { kind: "band", x: 0, y: 4, w: width, h: 4, color: [255, 128, 7], opacity: 0.2 },
    ];
    drawOverlayShapes(rgb, width, height, shapes);
    for (let i = 0; i < rgb.length; i++) {
      const band = Math.floor(i / 3 / width) < 4 ? shapes[0]! : shapes[1]!;
      if (band.kind !== "band") throw new Error("band expected");
      const c = band.color[i % 3]!;
      expect(rgb[i]).toBe(Math.round(before[i]! + (c - before[i]!) * band.opacity));
    }
  });

  it("renders the same bytes when renders overlap (each works on its own copy of the frame)", async () => {
    const frames = [frame(1), frame(2, { status: "degraded" }), frame(3, { pedestrians: [] })];
    const options = {
      privacy: "blur_pedestrians" as const,
      maxWidth: 640,
      format: "png" as const,
      statusText: "12.5 ms",
    };
    const one: Buffer[] = [];
    for (const fr of frames) one.push(Buffer.from(await renderDebugImage(view, fr, options)));
    const overlapped = await Promise.all(frames.map((fr) => renderDebugImage(view, fr, options)));
    overlapped.forEach((bytes, i) => expect(Buffer.compare(Buffer.from(bytes), one[i]!)).toBe(0));
    expect(Buffer.compare(one[0]!, one[1]!)).not.toBe(0);
  });

  it("projects lanes with the camera geometry and labels pedestrians with their track id", () => {
    const geometry = CameraGeometry.approximate({
      width: 320,
      height: 180,
      mountHeight: 1.5,
      pitchRad: 0.1,
    });
    const svg = overlaySvg(f, 320, 180, geometry);
    // Each lane: a dark outline under the coloured line.
    expect((svg.match(/class="outline"/g) ?? []).length).toBe(2);
    expect(svg).toContain("person #3 12.0 m");
    expect(overlaySvg(f, 320, 180, undefined)).not.toContain('class="outline"');
  });
});

describe("bird's-eye view", () => {
  it("draws the path, the track trail with its id, and renders a PNG", async () => {
    const frames = [0, 1, 2, 3].map((s) => frame(s));
    const svg = birdsEyeSvg(frames, undefined);
    expect(svg).toContain("#3");
    expect(svg).toContain("4 posed frames, 1 pedestrian tracks");
    const png = await renderBirdsEye(frames, undefined, { width: 400 });
    const meta = await sharp(Buffer.from(png)).metadata();
    expect(meta.format).toBe("png");
    expect(meta.width).toBe(400);
  });
});
