// The learned crosswalk source (models/crosswalk_seg.onnx): model time (preprocess + inference +
// decode, one intra-op thread) and the whole analyse() on a 1280x720 frame, median of 30 runs after
// warm-up; then the cost of the local stripe check of its proposals (verified-learned-source.ts,
// `lastCheckMs`: blobs, evidence, gate; the model not counted) per frame over every labelled real
// frame (test/fixtures/crosswalk-labels.json and crosswalk-real-negatives.json), each frame's
// median of 3 runs, with an assumed camera (1.5 m, 60 degrees, horizon at 0.55 of the height): the
// source alone, and in the detector after the stripe source (no lane evidence here).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath, sharedDir } from "../src/core/paths.js";
import { CameraGeometry } from "../src/geometry/camera-geometry.js";
import { readImageFile } from "../src/image/compressed-image.js";
import { toPackedRgb } from "../src/image/image-view.js";
import { CrosswalkDetector } from "../src/perception/crosswalks/crosswalk-detector.js";
import { StripeCrosswalkSource } from "../src/perception/crosswalks/stripe-source.js";
import { openLearnedSource } from "../src/perception/crosswalks/verified-learned-source.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
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
  const approximate = (width: number, height: number) =>
    CameraGeometry.approximate({
      width,
      height,
      mountHeight: 1.5,
      horizontalFovDeg: 60,
      horizonRow: 0.55 * height,
    });
  const view = toPackedRgb(
    await readImageFile(join(shared, "data/cdnet_crosswalk/frames/filename_00040.jpg")),
  );
  const frame = {
    view,
    geometry: approximate(view.width, view.height),
    stamp: { sec: 0, nanosec: 0 },
  };
  for (let i = 0; i < 5; i++) await source.analyse(frame);
  const model: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = await source.analyse(frame);
    total.push(performance.now() - t0);
    model.push(r.modelMs);
  }
  console.log(
    `  crosswalk_seg 256x144 on a 1280x720 frame: model ${median(model).toFixed(2)} ms, analyse() ${median(total).toFixed(2)} ms (median of 30)`,
  );

  // The proposal check per labelled real frame: the source alone (every proposal checked), and in
  // the detector after the stripe source (learned_source: auto; proposals on a crossing the stripes
  // located are left unchecked).
  const labels = (file: string) =>
    (
      JSON.parse(readFileSync(projectPath("test/fixtures", file), "utf8")) as {
        frames: { file: string }[];
      }
    ).frames;
  const files = [
    ...labels("crosswalk-labels.json").map((f) => `cdnet_crosswalk/${f.file}`),
    ...labels("crosswalk-real-negatives.json").map((f) => f.file),
  ];
  const detector = new CrosswalkDetector({
    sources: [new StripeCrosswalkSource(), verified],
    fusion: { rule: "max" },
  });
  const perFrame: number[] = [];
  const inDetector: number[] = [];
  const proposals: number[] = [];
  let widest = "";
  for (const file of files) {
    const v = toPackedRgb(await readImageFile(join(shared, "data", file)));
    const f = { view: v, geometry: approximate(v.width, v.height), stamp: { sec: 0, nanosec: 0 } };
    const runs: number[] = [];
    const detected: number[] = [];
    for (let i = 0; i < 4; i++) {
      await verified.candidates(f);
      if (i > 0) runs.push(verified.lastCheckMs);
      await detector.detect(f.view, f.geometry, f.stamp);
      if (i > 0) detected.push(verified.lastCheckMs);
    }
    perFrame.push(median(runs));
    inDetector.push(median(detected));
    proposals.push(verified.lastProposals.length + verified.lastCovered);
    if (median(runs) >= Math.max(...perFrame))
      widest = `${file} (${v.width}x${v.height}, ${verified.lastProposals.length + verified.lastCovered} proposals)`;
  }
  await verified.release();
  console.log(
    `  proposal check per frame over ${files.length} labelled real frames: median ${median(perFrame).toFixed(1)} ms, p90 ${quantile(perFrame, 0.9).toFixed(1)} ms, ` +
      `max ${Math.max(...perFrame).toFixed(1)} ms (${widest}); proposals per frame median ${median(proposals)}, max ${Math.max(...proposals)}`,
  );
  console.log(
    `  the same in the detector after the stripe source (covered proposals skipped): median ${median(inDetector).toFixed(1)} ms, p90 ${quantile(inDetector, 0.9).toFixed(1)} ms, max ${Math.max(...inDetector).toFixed(1)} ms`,
  );
}
