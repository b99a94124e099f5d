/**
 * Side-by-side frames where two runs differ most (for `compare --report ... --frames`): both
 * runs' `/perception/frame` at each common stamp are compared (pedestrian boxes matched at IoU 0.5,
 * lane and seen-crossing counts); the stamps with the largest differences are drawn from the
 * input drive's camera image, baseline left, candidate right, each as the debug image (people
 * pixelated) with a caption saying what differs.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { openBag } from "../bag/open-bag.js";
import { timeToNs } from "../core/time.js";
import { boxIoU } from "./box-matching.js";
import { driveCamera, readScenarioInfo } from "./drive-camera.js";
import { decodeCompressedImage } from "../image/compressed-image.js";
import { imageViewFromMessage, type ImageView } from "../image/image-view.js";
import type {
  CompressedImage,
  Image,
  PerceptionFrame,
  Pedestrian,
} from "../msgs/types.generated.js";
import { isDetectedCrosswalk, renderDebugImage } from "../viz/debug-image.js";

export interface SideBySideOptions {
  /** The input drive (camera images; scenario.json for the camera). */
  drive: string;
  /** The two runs' output bags. */
  baseline: string;
  candidate: string;
  /** How many frames to draw. */
  count: number;
  /** Folder the PNGs go to. */
  dir: string;
}

/** One drawn frame. */
export interface DifferingFrame {
  file: string;
  stampNs: bigint;
  score: number;
  /** What differs, in words. */
  why: string;
}

async function framesOf(bag: string): Promise<Map<bigint, PerceptionFrame>> {
  const out = new Map<bigint, PerceptionFrame>();
  const reader = await openBag(bag);
  try {
    for await (const e of reader.messages({ topics: ["/perception/frame"] })) {
      if (e.kind === "message")
        out.set(
          timeToNs((e.message as PerceptionFrame).header.stamp),
          e.message as PerceptionFrame,
        );
    }
  } finally {
    await reader.close();
  }
  return out;
}

function unmatched(a: readonly Pedestrian[], b: readonly Pedestrian[]): number {
  const box = (p: Pedestrian) => ({
    x1: p.image_box.x_offset,
    y1: p.image_box.y_offset,
    x2: p.image_box.x_offset + p.image_box.width,
    y2: p.image_box.y_offset + p.image_box.height,
  });
  const used = new Set<number>();
  let n = 0;
  for (const p of a) {
    const j = b.findIndex((q, k) => !used.has(k) && boxIoU(box(p), box(q)) >= 0.5);
    if (j >= 0) used.add(j);
    else n++;
  }
  return n + (b.length - used.size);
}

/** How much two frames differ, and why. */
function frameDifference(a: PerceptionFrame, b: PerceptionFrame): { score: number; why: string } {
  const peds = unmatched(a.pedestrians, b.pedestrians);
  const lanes = Math.abs(a.lanes.length - b.lanes.length);
  const seenA = a.crosswalks.filter(isDetectedCrosswalk).length;
  const seenB = b.crosswalks.filter(isDetectedCrosswalk).length;
  const cw = Math.abs(seenA - seenB);
  const why: string[] = [];
  if (peds)
    why.push(`pedestrians ${a.pedestrians.length} vs ${b.pedestrians.length} (${peds} unmatched)`);
  if (lanes) why.push(`lanes ${a.lanes.length} vs ${b.lanes.length}`);
  if (cw) why.push(`crossings seen ${seenA} vs ${seenB}`);
  return { score: 2 * peds + lanes + 2 * cw, why: why.join(", ") };
}

async function cameraImages(
  drive: string,
  stamps: Set<bigint>,
  topic: string | undefined,
): Promise<Map<bigint, ImageView>> {
  const out = new Map<bigint, ImageView>();
  const reader = await openBag(drive);
  try {
    for await (const e of reader.messages()) {
      if (e.kind !== "message" || !/image/.test(e.topic) || (topic && e.topic !== topic)) continue;
      const msg = e.message as CompressedImage | Image;
      const ns = timeToNs(msg.header.stamp);
      if (!stamps.has(ns) || out.has(ns)) continue;
      out.set(ns, "format" in msg ? await decodeCompressedImage(msg) : imageViewFromMessage(msg));
      if (out.size === stamps.size) break;
    }
  } finally {
    await reader.close();
  }
  return out;
}

function caption(text: string, width: number): Buffer {
  const esc = text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="28"><rect width="${width}" height="28" fill="black"/><text x="8" y="19" font-family="DejaVu Sans, sans-serif" font-size="14" fill="white">${esc}</text></svg>`,
  );
}

/** Writes `differ_<k>.png` for the most differing stamps; returns them, most different first. */
export async function writeSideBySide(o: SideBySideOptions): Promise<DifferingFrame[]> {
  const [a, b] = await Promise.all([framesOf(o.baseline), framesOf(o.candidate)]);
  const ranked = [...a.keys()]
    .filter((ns) => b.has(ns))
    .map((ns) => ({ ns, ...frameDifference(a.get(ns)!, b.get(ns)!) }))
    .filter((d) => d.score > 0)
    .sort((x, y) => y.score - x.score || (x.ns < y.ns ? -1 : 1))
    .slice(0, o.count);
  if (ranked.length === 0) return [];
  const info = readScenarioInfo(o.drive);
  const geometry = driveCamera(info);
  const images = await cameraImages(o.drive, new Set(ranked.map((r) => r.ns)), info.image_topic);
  const out: DifferingFrame[] = [];
  for (const [k, r] of ranked.entries()) {
    const view = images.get(r.ns);
    if (!view) continue;
    const opts = {
      privacy: "blur_pedestrians" as const,
      maxWidth: 640,
      format: "png" as const,
      ...(geometry ? { geometry } : {}),
    };
    const left = Buffer.from(await renderDebugImage(view, a.get(r.ns)!, opts));
    const right = Buffer.from(await renderDebugImage(view, b.get(r.ns)!, opts));
    const meta = await sharp(left).metadata();
    const w = meta.width!;
    const h = meta.height!;
    const file = `differ_${k + 1}.png`;
    const png = await sharp({
      create: {
        width: 2 * w + 8,
        height: h + 28,
        channels: 3,
        background: { r: 255, g: 255, b: 255 },
      },
    })
      .composite([
        { input: caption(`baseline  (${(Number(r.ns) / 1e9).toFixed(3)} s)`, w), left: 0, top: 0 },
        { input: caption(`candidate: ${r.why}`, w), left: w + 8, top: 0 },
        { input: left, left: 0, top: 28 },
        { input: right, left: w + 8, top: 28 },
      ])
      .png()
      .toBuffer();
    writeFileSync(join(o.dir, file), png);
    out.push({ file, stampNs: r.ns, score: r.score, why: r.why });
  }
  return out;
}
