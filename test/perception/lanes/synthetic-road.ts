/**
 * Renders a flat road seen by a CameraGeometry: asphalt with noise, painted lane lines (solid or
 * dashed, white or yellow, cubic y(x)) and optionally a zebra crossing, plus the exact lane-line
 * mask a perfect segmentation model would return. Ground truth is known exactly, so tests can
 * check metric accuracy of the BEV pipeline.
 */
import type { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import type { ImageView } from "../../../src/image/image-view.js";
import type { TensorToImage } from "../../../src/image/tensor-mapping.js";
import type { SegmentationMask } from "../../../src/models/decoders/segmentation.js";

export interface SyntheticLine {
  /** y(x) = c0 + c1 x + c2 x^2 + c3 x^3 (metres). */
  c: [number, number, number, number];
  dashed: boolean;
  colour: "white" | "yellow";
  /** Paint width (metres); default 0.15. */
  width?: number;
}

export interface SyntheticCrosswalk {
  xNear: number;
  xFar: number;
  yRight: number;
  yLeft: number;
  /** Stripe width and gap (metres). */
  stripe: number;
  gap: number;
  /** Rotation of the crossing about its centre (degrees, counter-clockwise seen from above: the car turning); default 0. */
  angleDeg?: number;
}

export interface SyntheticScene {
  lines: SyntheticLine[];
  crosswalk?: SyntheticCrosswalk;
  /** Dash and gap lengths (metres); default 3 and 9. */
  dash?: number;
  dashGap?: number;
  /** Seed of the asphalt noise. */
  seed?: number;
}

export function lineY(l: SyntheticLine, x: number): number {
  return l.c[0] + x * (l.c[1] + x * (l.c[2] + x * l.c[3]));
}

/** Renders the scene: an rgb8 image, a lane mask (class 1 = paint of lane lines or crosswalk edges) and a drivable mask. */
export function renderRoad(
  geometry: CameraGeometry,
  scene: SyntheticScene,
): {
  view: ImageView;
  laneMask: SegmentationMask;
  drivableMask: SegmentationMask;
  toImage: TensorToImage;
} {
  const width = geometry.model.width;
  const height = geometry.model.height;
  const data = new Uint8Array(width * height * 3);
  const lane = new Uint8Array(width * height);
  const drivable = new Uint8Array(width * height);
  let seed = scene.seed ?? 1;
  const rand = (): number => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const dash = scene.dash ?? 3;
  const dashGap = scene.dashGap ?? 9;
  const cw = scene.crosswalk;
  const cwCos = Math.cos(((cw?.angleDeg ?? 0) * Math.PI) / 180);
  const cwSin = Math.sin(((cw?.angleDeg ?? 0) * Math.PI) / 180);
  const cwX = cw ? (cw.xNear + cw.xFar) / 2 : 0;
  const cwY = cw ? (cw.yRight + cw.yLeft) / 2 : 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const o = (v * width + u) * 3;
      const g = geometry.pixelToGround({ u, v });
      if (!g || g.x > 200) {
        data[o] = 150;
        data[o + 1] = 170;
        data[o + 2] = 200;
        continue;
      }
      const n = (rand() - 0.5) * 16;
      let rgb: [number, number, number] = [88 + n, 88 + n, 92 + n];
      if (Math.abs(g.y) < 12) drivable[v * width + u] = 1;
      for (const l of scene.lines) {
        const half = (l.width ?? 0.15) / 2;
        if (Math.abs(g.y - lineY(l, g.x)) > half) continue;
        if (l.dashed && ((g.x % (dash + dashGap)) + dash + dashGap) % (dash + dashGap) >= dash)
          continue;
        rgb = l.colour === "white" ? [225 + n, 225 + n, 225 + n] : [215 + n, 180 + n, 40 + n];
        lane[v * width + u] = 1;
      }
      // The ground point in the crossing's own frame (rotated back about its centre).
      const cx = cw ? cwX + cwCos * (g.x - cwX) + cwSin * (g.y - cwY) : g.x;
      const cy = cw ? cwY - cwSin * (g.x - cwX) + cwCos * (g.y - cwY) : g.y;
      if (cw && cx >= cw.xNear && cx <= cw.xFar && cy >= cw.yRight && cy <= cw.yLeft) {
        const k = (cy - cw.yRight) % (cw.stripe + cw.gap);
        if (k < cw.stripe) rgb = [225 + n, 225 + n, 225 + n];
      }
      // TwinLiteNet marks a crossing's near and far edges as transverse lines (~0.6 m deep on the ground).
      if (
        cw &&
        cy >= cw.yRight &&
        cy <= cw.yLeft &&
        (Math.abs(cx - cw.xNear) < 0.3 || Math.abs(cx - cw.xFar) < 0.3)
      )
        lane[v * width + u] = 1;
      data[o] = Math.max(0, Math.min(255, Math.round(rgb[0])));
      data[o + 1] = Math.max(0, Math.min(255, Math.round(rgb[1])));
      data[o + 2] = Math.max(0, Math.min(255, Math.round(rgb[2])));
    }
  }
  const toImage: TensorToImage = {
    tensorWidth: width,
    tensorHeight: height,
    imageWidth: width,
    imageHeight: height,
    scaleX: 1,
    scaleY: 1,
    offsetX: 0,
    offsetY: 0,
    contentWidth: width,
    contentHeight: height,
  };
  return {
    view: { width, height, step: width * 3, format: "rgb8", data },
    laneMask: { name: "ll", width, height, classCount: 2, classes: lane },
    drivableMask: { name: "da", width, height, classCount: 2, classes: drivable },
    toImage,
  };
}

/** A segmenter that returns fixed masks (stands in for the model). */
export function fixedSegmenter(masks: SegmentationMask[], toImage: TensorToImage) {
  return { segment: async () => ({ masks, toImage, inferenceMs: 0 }) };
}
