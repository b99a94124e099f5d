// The learned crosswalk source (models/crosswalk_seg.onnx) on a 1280x720 frame: model time
// (preprocess + inference + decode, one intra-op thread) and the whole analyse() (blob, outline,
// ground projection), median of 30 runs after warm-up.
import { join } from "node:path";
import { sharedDir } from "../src/core/paths.js";
import { CameraGeometry } from "../src/geometry/camera-geometry.js";
import { readImageFile } from "../src/image/compressed-image.js";
import { toPackedRgb } from "../src/image/image-view.js";
import { openLearnedSource } from "../src/perception/crosswalks/verified-learned-source.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(): Promise<void> {
  const shared = sharedDir();
  if (!shared) {
    console.log("  skipped: ../shared (frames) is absent");
    return;
  }
  const verified = await openLearnedSource("auto", () => undefined);
  const source = verified?.learned;
  if (!verified || !source) {
    console.log("  skipped: models/crosswalk_seg.onnx is absent");
    return;
  }
  const view = toPackedRgb(await readImageFile(join(shared, "data/cdnet_crosswalk/frames/filename_00040.jpg")));
  const geometry = CameraGeometry.approximate({ width: view.width, height: view.height, mountHeight: 1.5, horizontalFovDeg: 60, horizonRow: 0.55 * view.height });
  const frame = { view, geometry, stamp: { sec: 0, nanosec: 0 } };
  for (let i = 0; i < 5; i++) await source.analyse(frame);
  const model: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = await source.analyse(frame);
    total.push(performance.now() - t0);
    model.push(r.modelMs);
  }
  // The verified source: the model plus the local stripe check of every proposal (the product path).
  const checked: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    await verified.candidates(frame);
    checked.push(performance.now() - t0);
  }
  await verified.release();
  console.log(`  crosswalk_seg 256x144 on a 1280x720 frame: model ${median(model).toFixed(2)} ms, analyse() ${median(total).toFixed(2)} ms (median of 30); with the proposals verified (candidates()) ${median(checked).toFixed(2)} ms`);
}
