/**
 * Crops of the person false alarms of a robustness run, to look at what each one is: for every
 * false alarm in `people.falseAlarmBoxes` of scripts/robustness.ts's JSON, the frame under the same
 * transform, cut around the box (a margin of 1.5 box heights, at least MIN_MARGIN_PX), enlarged to
 * about CROP_HEIGHT_PX high and the box drawn in red. Writes
 * `<out>/<transform>/<frame path with / as _>_<k>.png`.
 *
 * Run: `npx tsx scripts/robustness/false-alarm-crops.ts <robustness.json> [--transforms ev-1,w1920]
 * [--out out/robustness/false-alarms]`. Exit 2 when ../shared is absent.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { readImageFile } from "../../src/image/compressed-image.js";
import { sharpOf, transformNamed, type Box, type FrameSize } from "./transforms.js";

/** Least margin around a box, pixels of the transformed frame. */
const MIN_MARGIN_PX = 40;
/** Margin around a box as a multiple of its height. */
const MARGIN_HEIGHTS = 1.5;
/** Height the crop is enlarged to (never shrunk, at most MAX_ZOOM). */
const CROP_HEIGHT_PX = 400;
const MAX_ZOOM = 6;

/** The part of a robustness JSON this reads. */
interface RobustnessJson {
  transforms: {
    transform: string;
    perFrame: {
      file: string;
      people?: { falseAlarmBoxes?: { box: Box; score: number }[] };
    }[];
  }[];
}

/** Whole-pixel rectangle. */
export interface CropRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The rectangle around a box with its margin, inside the frame. */
export function cropAround(box: Box, frame: FrameSize): CropRect {
  const margin = Math.max(MIN_MARGIN_PX, MARGIN_HEIGHTS * (box[3] - box[1]));
  const left = Math.max(0, Math.floor(box[0] - margin));
  const top = Math.max(0, Math.floor(box[1] - margin));
  const right = Math.min(frame.width, Math.ceil(box[2] + margin));
  const bottom = Math.min(frame.height, Math.ceil(box[3] + margin));
  if (right <= left || bottom <= top)
    throw new Error(
      `box [${box.join(", ")}] lies outside the ${frame.width}x${frame.height} frame`,
    );
  return { left, top, width: right - left, height: bottom - top };
}

/** The zoom that brings a crop to about CROP_HEIGHT_PX high (1 to MAX_ZOOM). */
export function cropZoom(rect: CropRect): number {
  return Math.max(1, Math.min(MAX_ZOOM, CROP_HEIGHT_PX / rect.height));
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { transforms: { type: "string" }, out: { type: "string" } },
  });
  const input = positionals[0];
  if (!input) {
    console.error("false-alarm-crops: give the robustness JSON (scripts/robustness.ts --out)");
    return 1;
  }
  const shared = sharedDir();
  if (!shared) {
    console.error("false-alarm-crops: ../shared is absent: no frames to crop");
    return 2;
  }
  const run = JSON.parse(readFileSync(input, "utf8")) as RobustnessJson;
  const only = values.transforms?.split(",");
  const outDir = values.out ?? projectPath("out", "robustness", "false-alarms");
  let written = 0;
  for (const t of run.transforms) {
    if (only && !only.includes(t.transform)) continue;
    const transform = transformNamed(t.transform);
    mkdirSync(join(outDir, t.transform), { recursive: true });
    for (const f of t.perFrame) {
      const alarms = f.people?.falseAlarmBoxes ?? [];
      if (alarms.length === 0) continue;
      const view = await transform.apply(await readImageFile(join(shared, "data", f.file)));
      const png = await sharpOf(view).png().toBuffer();
      for (const [k, { box, score }] of alarms.entries()) {
        const rect = cropAround(box, view);
        const zoom = cropZoom(rect);
        const w = Math.round(rect.width * zoom);
        const h = Math.round(rect.height * zoom);
        const enlarged = await sharp(png).extract(rect).resize(w, h).png().toBuffer();
        const outline = `<svg width="${w}" height="${h}"><rect x="${(box[0] - rect.left) * zoom}" y="${(box[1] - rect.top) * zoom}" width="${(box[2] - box[0]) * zoom}" height="${(box[3] - box[1]) * zoom}" fill="none" stroke="red"/></svg>`;
        const name = `${f.file.replace(/\//g, "_")}_${k}.png`;
        await sharp(enlarged)
          .composite([{ input: Buffer.from(outline), top: 0, left: 0 }])
          .png()
          .toFile(join(outDir, t.transform, name));
        console.log(
          `${t.transform} ${f.file} [${box.map((x) => Math.round(x)).join(", ")}] score ${score.toFixed(2)} -> ${name}`,
        );
        written++;
      }
    }
  }
  console.error(`false-alarm-crops: ${written} crops in ${outDir}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
