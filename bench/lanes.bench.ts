/**
 * Lane and crosswalk figures on real 1280x720 frames (TuSimple 0000, a cdnet zebra crossing):
 *   (a) post-processing beyond the model: lane BEV + instances + fit + classification, and the
 *       crosswalk stage (stripe BEV + periodicity + edges), per frame, median and p90 over
 *       repeated runs on cached masks (the camera lookups are built once per geometry: shown apart);
 *   (b) the classical fallback (no model) per frame;
 *   (c) TwinLiteNet 640x360 vs 320x320 inference (preprocess + run + argmax), median of 7;
 *   (d) lane post-processing alone on every labelled real frame (the 3 TuSimple frames and
 *       test/fixtures/lane-labels.json), camera from the masks' vanishing point as `detect` does:
 *       per model, the median over frames of each frame's median, the slowest frame, mean CPU.
 * Wall times on a shared 2-core machine are noisy: process CPU time is printed beside them.
 * Needs ../shared. Run alone: npx tsx -e "import('./bench/lanes.bench.ts').then(m=>m.run())"
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../src/core/paths.js";
import { sharedDir } from "../src/core/paths.js";
import { CameraGeometry } from "../src/geometry/camera-geometry.js";
import { readImageFile } from "../src/image/compressed-image.js";
import type { ImageView } from "../src/image/image-view.js";
import { loadModelContract } from "../src/models/contract.js";
import { CrosswalkDetector } from "../src/perception/crosswalks/crosswalk-detector.js";
import { estimateHorizonFromLanes } from "../src/perception/lanes/horizon-estimate.js";
import { LaneDetector, type LaneSegmentation } from "../src/perception/lanes/lane-detector.js";
import { loadavg } from "node:os";
import { laneDetectorFileTuning } from "../src/nodes/lane-detector-tuning.js";

const REPEATS = Number(process.env.LANES_BENCH_REPEATS ?? 40);
const stamp = { sec: 0, nanosec: 0 };

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(2)} ms, p90 ${q(0.9).toFixed(2)} ms (n=${s.length})`;
}

async function postprocessFigures(
  label: string,
  detector: LaneDetector,
  crosswalks: CrosswalkDetector,
  view: ImageView,
  horizonFallback: number,
  seg: LaneSegmentation | undefined,
): Promise<void> {
  const horizon = seg?.laneMask
    ? (estimateHorizonFromLanes(seg.laneMask, seg.toImage)?.row ?? horizonFallback)
    : horizonFallback;
  const geometry = CameraGeometry.approximate({
    width: view.width,
    height: view.height,
    mountHeight: 1.5,
    horizonRow: horizon,
  });
  let t = performance.now();
  const first = detector.detectSegmented(view, geometry, stamp, seg);
  await crosswalks.detect(view, geometry, stamp, first);
  const firstMs = performance.now() - t;
  const lanes: number[] = [];
  const cross: number[] = [];
  const both: number[] = [];
  let markings = 0;
  let found = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < REPEATS; i++) {
    t = performance.now();
    const r = detector.detectSegmented(view, geometry, stamp, seg);
    const t1 = performance.now();
    const c = await crosswalks.detect(view, geometry, stamp, r);
    const t2 = performance.now();
    lanes.push(t1 - t);
    cross.push(t2 - t1);
    both.push(t2 - t);
    markings = r.markings.markings.length;
    found = c.crosswalks.length;
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `  ${label}: ${markings} markings, ${found} crosswalks; first frame (builds camera lookups) ${firstMs.toFixed(1)} ms`,
  );
  console.log(
    `    process CPU time per frame (lanes + crosswalks; robust to other processes) ${((cpu.user + cpu.system) / 1000 / REPEATS).toFixed(2)} ms`,
  );
  console.log(`    lanes post-processing      ${stats(lanes)}`);
  console.log(`    crosswalk detection        ${stats(cross)}`);
  console.log(`    lanes + crosswalks         ${stats(both)}   (budget 5 ms)`);
}

export async function run(): Promise<void> {
  const shared = sharedDir();
  if (!shared) {
    console.log("lanes bench: skipped, ../shared is absent");
    return;
  }
  const modelDir = join(shared, "models");
  const tusimple = await readImageFile(join(shared, "data/tusimple/image/0000.png"));
  const zebra = await readImageFile(join(shared, "data/cdnet_crosswalk/frames/filename_00040.jpg"));
  const crosswalks = new CrosswalkDetector();
  console.log(`lanes bench (1280x720 frames; load average ${loadavg()[0]!.toFixed(1)})`);
  console.log(" (c) TwinLiteNet inference (preprocess + onnxruntime + argmax), median of 7");
  const segs = new Map<string, LaneSegmentation | undefined>();
  for (const name of ["640x360", "320x320"]) {
    const d = await LaneDetector.create({
      ...laneDetectorFileTuning(),
      contract: loadModelContract(`twinlitenet_${name}`),
      modelDir,
      session: { log: () => {} },
    });
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push((await d.segment(tusimple))!.inferenceMs);
    console.log(`    twinlitenet_${name}: ${stats(times)}`);
    segs.set(`${name}:tusimple`, await d.segment(tusimple));
    segs.set(`${name}:zebra`, await d.segment(zebra));
    // No model threads running while post-processing is timed.
    await d.release();
  }
  const detector = await LaneDetector.create({
    ...laneDetectorFileTuning(),
    segmenter: {
      segment: async () => {
        throw new Error("masks are precomputed");
      },
    },
  });
  for (const name of ["640x360", "320x320"]) {
    console.log(` (a) post-processing beyond the model, TwinLiteNet ${name} masks`);
    await postprocessFigures(
      "TuSimple 0000 (highway)",
      detector,
      crosswalks,
      tusimple,
      250,
      segs.get(`${name}:tusimple`),
    );
    await postprocessFigures(
      "cdnet 00040 (zebra crossing, night)",
      detector,
      crosswalks,
      zebra,
      396,
      segs.get(`${name}:zebra`),
    );
  }
  console.log(" (b) classical fallback (no model), whole lane + crosswalk stage");
  const classical = await LaneDetector.create(laneDetectorFileTuning());
  await postprocessFigures(
    "TuSimple 0000 (highway)",
    classical,
    crosswalks,
    tusimple,
    250,
    undefined,
  );
  await labelledFrameFigures(shared);
}

/** (d): lane post-processing per frame on every labelled real frame, per model and for the classical fallback. */
async function labelledFrameFigures(shared: string): Promise<void> {
  const labelled = (
    JSON.parse(readFileSync(projectPath("test", "fixtures", "lane-labels.json"), "utf8")) as {
      frames: { file: string }[];
    }
  ).frames.map((f) => f.file);
  const files = [
    "tusimple/image/0000.png",
    "tusimple/image/0001.png",
    "tusimple/image/0002.png",
    ...labelled,
  ];
  const views = await Promise.all(files.map((f) => readImageFile(join(shared, "data", f))));
  const repeats = Math.max(3, Math.round(REPEATS / 4));
  console.log(
    ` (d) lane post-processing on the ${files.length} labelled real frames (${repeats} runs each)`,
  );
  for (const name of ["twinlitenet_320x320", "twinlitenet_640x360", "classical"]) {
    const model =
      name === "classical"
        ? undefined
        : await LaneDetector.create({
            ...laneDetectorFileTuning(),
            contract: loadModelContract(name),
            modelDir: join(shared, "models"),
            session: { log: () => {} },
          });
    const segs = model
      ? await Promise.all(views.map((v) => model.segment(v)))
      : views.map(() => undefined);
    await model?.release();
    const detector = model
      ? await LaneDetector.create({
          ...laneDetectorFileTuning(),
          segmenter: {
            segment: async () => {
              throw new Error("masks are precomputed");
            },
          },
        })
      : await LaneDetector.create(laneDetectorFileTuning());
    const perFrame: number[] = [];
    let cpuMs = 0;
    for (let i = 0; i < views.length; i++) {
      const view = views[i]!;
      const seg = segs[i];
      const horizon = seg?.laneMask
        ? (estimateHorizonFromLanes(seg.laneMask, seg.toImage)?.row ?? 0.45 * view.height)
        : 0.45 * view.height;
      const geometry = CameraGeometry.approximate({
        width: view.width,
        height: view.height,
        mountHeight: 1.5,
        horizonRow: horizon,
      });
      detector.detectSegmented(view, geometry, stamp, seg);
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let k = 0; k < repeats; k++)
        times.push(detector.detectSegmented(view, geometry, stamp, seg).timings.postprocessMs);
      const cpu = process.cpuUsage(cpu0);
      cpuMs += (cpu.user + cpu.system) / 1000 / repeats;
      perFrame.push([...times].sort((a, b) => a - b)[times.length >> 1]!);
    }
    const sorted = [...perFrame].sort((a, b) => a - b);
    console.log(
      `    ${name}: median ${sorted[sorted.length >> 1]!.toFixed(2)} ms, slowest frame ${sorted[sorted.length - 1]!.toFixed(2)} ms, mean process CPU ${(cpuMs / views.length).toFixed(2)} ms per frame`,
    );
  }
}
