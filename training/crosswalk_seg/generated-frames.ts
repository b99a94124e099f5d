/**
 * The frames a `generate-frames.ts` run wrote (`images.u8`: rgb8 frames back to back, `meta.json`:
 * their size), as calibration frames for `quantizeModel` (int8-figures.ts, scripts/arm64/prepare.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CalibrationFrame } from "../../src/report/quantize/calibration-frames.js";

/** Every frame of a generate-frames.ts output folder. */
export function readGeneratedFrames(dir: string): CalibrationFrame[] {
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as {
    width: number;
    height: number;
    frames: unknown[];
  };
  const bytes = readFileSync(join(dir, "images.u8"));
  const size = meta.width * meta.height * 3;
  return meta.frames.map((_, i) => ({
    source: `${dir}#${i}`,
    view: {
      width: meta.width,
      height: meta.height,
      step: meta.width * 3,
      format: "rgb8" as const,
      data: new Uint8Array(bytes.buffer, bytes.byteOffset + i * size, size),
    },
  }));
}
