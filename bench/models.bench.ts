// Model runtime figures: fused preprocessing vs YOLOX-Nano inference on a 1280x720 frame, the
// share of a pedestrian frame spent outside session.run, FP32 (YOLOX-Nano) vs INT8 (NanoDet-m),
// TwinLiteNet 320 and 640, the HOG fallback, and memory over many frames (leaks).
// Frame count of the memory run: MODELS_BENCH_FRAMES (default 2000; the issue asks 10000).
import { join } from "node:path";
import { sharedDir } from "../src/core/paths.js";
import { toPackedRgb, type ImageView } from "../src/image/image-view.js";
import { readImageFile } from "../src/image/compressed-image.js";
import { loadCv, trackedMatCount } from "../src/image/mats.js";
import { Preprocessor } from "../src/image/preprocess.js";
import { loadModelContract } from "../src/models/contract.js";
import { HogPeopleDetector } from "../src/models/hog-people-detector.js";
import { ModelSession } from "../src/models/session.js";
import { CameraGeometry } from "../src/geometry/camera-geometry.js";
import { PedestrianDetector } from "../src/perception/pedestrians/pedestrian-detector.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

function ms(x: number): string {
  return `${x.toFixed(2)} ms`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** The frame in another pixel format, to time sampling straight from it. */
function asFormat(rgb: ImageView, format: "bgr8" | "yuyv"): ImageView {
  const { width, height, data } = rgb;
  if (format === "bgr8") {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i += 3) {
      out[i] = data[i + 2]!;
      out[i + 1] = data[i + 1]!;
      out[i + 2] = data[i]!;
    }
    return { width, height, step: width * 3, format, data: out };
  }
  const out = new Uint8Array(width * height * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x += 2) {
      const i = (y * width + x) * 3;
      const lum = (p: number): number =>
        16 + 0.257 * data[p]! + 0.504 * data[p + 1]! + 0.098 * data[p + 2]!;
      const u = 128 - 0.148 * data[i]! - 0.291 * data[i + 1]! + 0.439 * data[i + 2]!;
      const v = 128 + 0.439 * data[i]! - 0.368 * data[i + 1]! - 0.071 * data[i + 2]!;
      out.set(
        [lum(i), u, lum(i + 3), v].map((c) => Math.max(0, Math.min(255, Math.round(c)))),
        (y * width + x) * 2,
      );
    }
  }
  return { width, height, step: width * 2, format: "yuyv", data: out };
}

async function timeRuns(
  session: ModelSession,
  view: ImageView,
  n: number,
): Promise<{ pre: number; inf: number; dec: number }> {
  const pre: number[] = [];
  const inf: number[] = [];
  const dec: number[] = [];
  for (let i = 0; i < n; i++) {
    const out = await session.run(view);
    pre.push(out.timings.preprocessMs);
    inf.push(out.timings.inferenceMs);
    dec.push(out.timings.decodeMs);
  }
  return { pre: median(pre), inf: median(inf), dec: median(dec) };
}

export async function run(): Promise<void> {
  const shared = sharedDir();
  if (!shared) {
    console.log("  skipped: ../shared (models, frames) is absent");
    return;
  }
  const modelDir = join(shared, "models");
  const quiet = { modelDir, log: () => undefined };
  const frame = toPackedRgb(
    await readImageFile(join(shared, "data/bdd100k/cb22c820-f094952f.jpg")),
  );
  const reps = 15;

  // 1. Preprocessing vs inference, same run.
  const yoloxContract = loadModelContract("yolox_nano");
  const yolox = await ModelSession.create(yoloxContract, quiet);
  const t = await timeRuns(yolox, frame, reps);
  console.log(
    `  YOLOX-Nano 1280x720 rgb8: preprocess ${ms(t.pre)}, inference ${ms(t.inf)}, decode ${ms(t.dec)} (median of ${reps})`,
  );
  console.log(`  preprocess / inference: ${((100 * t.pre) / t.inf).toFixed(1)} % (target < 15 %)`);
  const pre = new Preprocessor({ ...yoloxContract.input, width: 416, height: 416 });
  for (const format of ["bgr8", "yuyv"] as const) {
    const view = asFormat(frame, format);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      pre.run(view);
      times.push(performance.now() - t0);
    }
    console.log(`  preprocess 1280x720 ${format} -> 416x416: ${ms(median(times))}`);
  }

  // 2. A pedestrian frame: what is spent outside session.run.
  const detector = await PedestrianDetector.create({
    modelDir,
    log: () => undefined,
    tiling: { kind: "none" },
  });
  const geometry = CameraGeometry.approximate({
    width: 1280,
    height: 720,
    mountHeight: 1.4,
    horizonRow: 300,
  });
  const totals: number[] = [];
  const inside: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = await detector.detect(frame, geometry, { sec: 0, nanosec: 0 });
    totals.push(performance.now() - t0);
    inside.push(r.timings.preprocessMs + r.timings.inferenceMs + r.timings.decodeMs);
  }
  const outside = median(totals.map((tt, i) => tt - inside[i]!));
  console.log(
    `  pedestrian frame: total ${ms(median(totals))}, outside session.run ${ms(outside)} = ${((100 * outside) / median(totals)).toFixed(1)} % (target < 10 %)`,
  );
  await detector.release();

  // 3. FP32 vs INT8 side by side.
  const nanodet = await ModelSession.create(loadModelContract("nanodet_m_416_int8"), quiet);
  const n = await timeRuns(nanodet, frame, reps);
  console.log(
    `  FP32 YOLOX-Nano 416: inference ${ms(t.inf)} | INT8 NanoDet-m 416: inference ${ms(n.inf)} (x86 has no int8 dot-product speed-up)`,
  );
  await nanodet.release();

  // 4. TwinLiteNet.
  for (const name of ["twinlitenet_320x320", "twinlitenet_640x360"]) {
    const s = await ModelSession.create(loadModelContract(name), quiet);
    const r = await timeRuns(s, frame, 5);
    console.log(
      `  ${name}: preprocess ${ms(r.pre)}, inference ${ms(r.inf)}, argmax ${ms(r.dec)} (median of 5)`,
    );
    await s.release();
  }

  // 5. HOG fallback.
  const hog = await HogPeopleDetector.create();
  const hogTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    hog.detect(frame);
    hogTimes.push(performance.now() - t0);
  }
  console.log(
    `  HOG fallback (960 px wide): ${ms(median(hogTimes))} per frame, Mats alive after: ${trackedMatCount()}`,
  );
  const cv = await loadCv();
  const heap0 = (cv.HEAPU8 as Uint8Array).length;
  const hogFrames = Number(process.env.MODELS_BENCH_HOG_FRAMES ?? 10);
  for (let i = 0; i < hogFrames; i++) hog.detect(frame);
  console.log(
    `  HOG WASM heap: ${mib(heap0)} -> ${mib((cv.HEAPU8 as Uint8Array).length)} after ${hogFrames} more frames (MODELS_BENCH_HOG_FRAMES)`,
  );
  hog.release();

  // 6. Memory over many frames.
  const frames = Number(process.env.MODELS_BENCH_FRAMES ?? 2000);
  const sample = Math.max(1, Math.floor(frames / 5));
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const line: string[] = [];
  let rssAtSample = rss0;
  let rssFirstSample: number | undefined;
  const t0 = performance.now();
  for (let i = 1; i <= frames; i++) {
    await yolox.run(frame);
    if (i % sample === 0) {
      global.gc?.();
      rssAtSample = process.memoryUsage().rss;
      rssFirstSample ??= rssAtSample;
      line.push(`${i}: ${mib(rssAtSample)}`);
    }
  }
  const per = (performance.now() - t0) / frames;
  console.log(
    `  memory over ${frames} YOLOX frames (${ms(per)} each): start ${mib(rss0)}; ${line.join(", ")}`,
  );
  console.log(
    `  RSS growth from the first sample to the last: ${mib(rssAtSample - (rssFirstSample ?? rss0))} (flat = no leaked tensors)`,
  );
  await yolox.release();
}
