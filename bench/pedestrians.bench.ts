// Small-pedestrian recall by box height (< 40, 40-80, >= 80 px) and cost per frame for each way of
// looking (issue 11): the whole frame at 416 only; horizon-band crops (all every frame, or a few
// per frame in turn); a larger band scale; crops around the crosswalks ahead (map + pose); and the
// HOG fallback. On every labelled real frame (test/fixtures/person-boxes.json, ../shared/data) and
// on generated drives (exact ground truth; generated into a temporary folder).
// PEDESTRIANS_BENCH_STRIDE: every n-th frame of the drives (default 3: the drives' 30 Hz camera
// seen at 10 Hz; the crop pass budget rows spread their passes over that rate).
// PEDESTRIANS_BENCH_ONLY: a regular expression; only the ways of looking whose name matches run.
// PEDESTRIANS_BENCH_CROP_BUDGETS: crop pass budgets per second to compare (comma-separated;
// default the node's crop_passes_per_s), each a "budget <n>/s" row.
// PEDESTRIANS_BENCH_INPUT_SIZES: a folder with YOLOX-Nano re-exported at other input sizes, named
// yolox_nano_<h>x<w>.onnx (the network is fully convolutional: the ONNX file's input and output
// dims can be rewritten, e.g. with python3-onnx, setting input [1,3,h,w] and output
// [1, h*w/64 + h*w/256 + h*w/1024, 85]); each adds a "whole frame <w>x<h>" row.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBag } from "../src/bag/open-bag.js";
import { projectPath, sharedDir } from "../src/core/paths.js";
import { CameraGeometry } from "../src/geometry/camera-geometry.js";
import { CameraModel } from "../src/geometry/camera-model.js";
import { decodeCompressedImage } from "../src/image/compressed-image.js";
import { toPackedRgb, type ImageView } from "../src/image/image-view.js";
import { readImageFile } from "../src/image/compressed-image.js";
import type { Detection } from "../src/models/detection.js";
import type { CompressedImage } from "../src/msgs/types.generated.js";
import {
  formatSummary,
  scoreFrame,
  summarise,
  type BoxXyxy,
  type FrameScore,
} from "../src/perception/pedestrians/box-recall.js";
import {
  bandCropSidePx,
  bandHorizonRow,
  CropSchedule,
  horizonBandCrops,
  regionCrops,
  type PlannedCrop,
} from "../src/perception/pedestrians/crop-plan.js";
import { CropPassBudget } from "../src/perception/pedestrians/crop-budget.js";
import {
  PedestrianDetector,
  type PedestrianCropOptions,
  type PedestrianRegion,
} from "../src/perception/pedestrians/pedestrian-detector.js";
import { pedestrianCropOptions } from "../src/nodes/pedestrian-detector.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../src/host/graph.js";
import { generateDrive } from "../tools/scenario/generate-drive.js";
import { loadGroundTruth } from "../src/report/ground-truth.js";
import { loadModelContract, type ModelContract } from "../src/models/contract.js";
import { readdirSync } from "node:fs";

const MIN_IOU = 0.5;

/** The crop settings and score threshold of config/pedestrian_detector.param.yaml through the launch graph, as the node reads them. */
async function shipped(): Promise<{
  crops: PedestrianCropOptions;
  scoreThreshold: number;
  passesPerS: number;
  maxPerFrame: number;
}> {
  const spec = (await graphToNodeSpecs(loadLaunchGraph())).find(
    (s) => s.name === "pedestrian_detector",
  )!;
  return {
    crops: pedestrianCropOptions((name) => spec.parameters[name], true),
    scoreThreshold: spec.parameters.score_threshold as number,
    passesPerS: spec.parameters.crop_passes_per_s as number,
    maxPerFrame: spec.parameters.crop_passes_max_per_frame as number,
  };
}

interface Frame {
  view: ImageView;
  people: BoxXyxy[];
  ignore: BoxXyxy[];
  geometry?: CameraGeometry;
  regions: PedestrianRegion[];
}

interface Strategy {
  name: string;
  /** Crops for a frame (index i in its sequence). */
  crops: (f: Frame) => PlannedCrop[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

async function evaluate(
  det: PedestrianDetector,
  frames: Frame[],
  strategies: Strategy[],
  label: string,
): Promise<void> {
  const only = process.env.PEDESTRIANS_BENCH_ONLY
    ? new RegExp(process.env.PEDESTRIANS_BENCH_ONLY)
    : undefined;
  for (const st of strategies) {
    if (only && !only.test(st.name)) continue;
    const cpu0 = process.cpuUsage();
    const scores: FrameScore[] = [];
    const heldScores: FrameScore[] = [];
    const ms: number[] = [];
    const passes: number[] = [];
    const history: Detection[][] = [];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const crops = st.crops(f);
      const t0 = performance.now();
      const r = await det.detectBoxes(f.view, crops, f.geometry);
      ms.push(performance.now() - t0);
      passes.push(r.timings.passes);
      const boxes = r.boxes;
      scores.push(scoreFrame(f.people, f.ignore, boxes, MIN_IOU));
      history.push(boxes);
      // What a tracker can hold: found in this frame or the 2 before (people move little in 0.2-0.3 s).
      const recent = history.slice(-3).flat();
      const held = scoreFrame(f.people, f.ignore, recent, 0.3);
      const now = scores[scores.length - 1]!;
      heldScores.push({
        people: held.people,
        falseAlarms: now.falseAlarms,
        falseAlarmBoxes: now.falseAlarmBoxes,
      });
    }
    const s = summarise(scores);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / frames.length;
    const cost = `${median(ms).toFixed(0)} ms/frame (p10-p90 ${[0.1, 0.9].map((q) => [...ms].sort((a, b) => a - b)[Math.floor(q * (ms.length - 1))]!.toFixed(0)).join("-")}), CPU ${cpuMs.toFixed(1)} ms/frame, ${(passes.reduce((a, b) => a + b, 0) / passes.length).toFixed(2)} passes`;
    console.log(`  ${label.padEnd(22)} ${st.name.padEnd(26)} ${formatSummary(s)}  | ${cost}`);
    if (/turn|budget/.test(st.name))
      console.log(
        `  ${"".padEnd(22)} ${"  held 3 frames".padEnd(26)} ${formatSummary(summarise(heldScores))}`,
      );
  }
}

async function realFrames(shared: string): Promise<Frame[]> {
  const fixture = JSON.parse(
    readFileSync(projectPath("test/fixtures/person-boxes.json"), "utf8"),
  ) as {
    frames: { file: string; people: { box: BoxXyxy }[]; ignore: BoxXyxy[] }[];
  };
  const out: Frame[] = [];
  for (const f of fixture.frames) {
    out.push({
      view: toPackedRgb(await readImageFile(join(shared, "data", f.file))),
      people: f.people.map((p) => p.box),
      ignore: f.ignore,
      regions: [],
    });
  }
  return out;
}

async function driveFrames(dir: string, stride: number): Promise<Frame[]> {
  const scenario = JSON.parse(readFileSync(join(dir, "scenario.json"), "utf8"));
  const c = scenario.camera;
  const model = CameraModel.fromIntrinsics({
    width: c.width,
    height: c.height,
    fx: c.fx,
    fy: c.fy,
    cx: c.cx,
    cy: c.cy,
    distortion: c.d,
    frameId: c.frame_id,
  });
  const geometry = new CameraGeometry(model, c.base_from_optical);
  const truth = loadGroundTruth(dir);
  const bag = await openBag(dir);
  const out: Frame[] = [];
  let index = 0;
  for await (const e of bag.messages<CompressedImage>({ topics: [scenario.image_topic] })) {
    if (e.kind !== "message") continue;
    const i = index++;
    if (i % stride !== 0) continue;
    const gt = truth[i]!;
    const people: BoxXyxy[] = [];
    const ignore: BoxXyxy[] = [];
    for (const p of gt.pedestrians) {
      if (!p.in_image || !p.box) continue;
      const b: BoxXyxy = [p.box.u0, p.box.v0, p.box.u1, p.box.v1];
      if (p.visible_fraction >= 0.5 && !p.truncated) people.push(b);
      else ignore.push(b);
    }
    const regions = gt.crosswalks
      .filter((cw) => cw.in_map)
      .map((cw) => ({ id: cw.id, polygon: cw.polygon_base.map(([x, y]) => ({ x, y })) }));
    out.push({
      view: toPackedRgb(await decodeCompressedImage(e.message)),
      people,
      ignore,
      geometry,
      regions,
    });
  }
  await bag.close();
  return out;
}

export async function run(): Promise<void> {
  const shared = sharedDir();
  if (!shared) {
    console.log("  skipped: ../shared (models, frames) is absent");
    return;
  }
  const stride = Number(process.env.PEDESTRIANS_BENCH_STRIDE ?? 3);
  const { crops, scoreThreshold, passesPerS, maxPerFrame } = await shipped();
  // The drives' frames as the bench sees them: the camera's 30 Hz over the stride.
  const benchHz = 30 / stride;
  const budgets = (process.env.PEDESTRIANS_BENCH_CROP_BUDGETS ?? String(passesPerS))
    .split(",")
    .map((v) => new CropPassBudget(Number(v), maxPerFrame));
  const modelDir = join(shared, "models");
  const det = await PedestrianDetector.create({
    modelDir,
    log: () => undefined,
    crops,
    scoreThreshold,
  });
  const band = crops.band!;
  const schedules = new Map<string, CropSchedule>();
  /** side "node": the node's, from band_crop_side_deg and the frame's camera. */
  const bandOf = (
    f: Frame,
    side: number | "node",
    perFrame: number,
    key = "all",
  ): PlannedCrop[] => {
    const row = bandHorizonRow(
      f.geometry,
      f.view.width,
      f.view.height,
      band.fallbackHorizonFraction,
    );
    const all = horizonBandCrops(f.view.width, f.view.height, row, {
      side: side === "node" ? bandCropSidePx(f.view.width, f.geometry?.model?.fx, band) : side,
      overlap: band.overlap,
      aboveHorizon: band.aboveHorizon,
      minZoom: band.minZoom,
      inputSide: 416,
    });
    if (perFrame >= all.length) return all;
    if (!schedules.has(key)) schedules.set(key, new CropSchedule());
    return schedules.get(key)!.take(all, perFrame);
  };
  const regionsOf = (f: Frame, key: string, perFrame: number): PlannedCrop[] => {
    if (!f.geometry) return [];
    const byId = [...f.regions].sort((a, b) => (a.id < b.id ? -1 : 1));
    const all = regionCrops(byId, f.geometry, f.view.width, f.view.height, {
      ...crops.regions!,
      inputSide: 416,
      fullFrameScale: 416 / Math.max(f.view.width, f.view.height),
    });
    if (!schedules.has(key)) schedules.set(key, new CropSchedule());
    return schedules.get(key)!.take(all, perFrame);
  };
  /** The node's way: the crop pass budget over the frame rate, crosswalk crops first, then the band in turn. */
  const budgeted =
    (budget: CropPassBudget) =>
    (f: Frame): PlannedCrop[] =>
      det.planCrops(f.view, f.geometry, f.regions, budget.next(benchHz));
  /** withMap: a drive (consecutive frames, geometry, crosswalks); else still images. */
  const strategies = (withMap: boolean): Strategy[] => [
    { name: "whole frame 416", crops: () => [] },
    { name: `band ${band.sideDeg} deg all`, crops: (f) => bandOf(f, "node", 99) },
    // Taking turns only means something over a drive (consecutive frames), not over still images.
    ...(withMap
      ? [
          {
            name: `band ${band.sideDeg} deg 1/frame in turn`,
            crops: (f: Frame) => bandOf(f, "node", 1, "rr1"),
          },
        ]
      : []),
    { name: "band 624 all (larger scale)", crops: (f) => bandOf(f, 624, 99) },
    ...(withMap
      ? [
          { name: "map crosswalk crops 2/frame", crops: (f: Frame) => regionsOf(f, "regions", 2) },
          // What issue 11 shipped: every frame up to 2 crosswalk crops and 1 band crop in turn.
          {
            name: "map 2 + band 1/frame in turn",
            crops: (f: Frame) => [
              ...regionsOf(f, "regionsmap", 2),
              ...bandOf(f, "node", 1, "rrmap"),
            ],
          },
          ...budgets.map((b) => ({
            name: `budget ${b.perSecond}/s at ${benchHz.toFixed(0)} Hz`,
            crops: budgeted(b),
          })),
        ]
      : []),
  ];

  // Larger inputs (whole frame only), when re-exported models are given.
  const sizesDir = process.env.PEDESTRIANS_BENCH_INPUT_SIZES;
  const larger: { name: string; det: PedestrianDetector }[] = [];
  if (sizesDir) {
    const base = loadModelContract("yolox_nano");
    for (const file of readdirSync(sizesDir)
      .filter((f) => /^yolox_nano_\d+x\d+\.onnx$/.test(f))
      .sort()) {
      const [h, w] = file
        .match(/(\d+)x(\d+)/)!
        .slice(1)
        .map(Number) as [number, number];
      const anchors = (h * w) / 64 + (h * w) / 256 + (h * w) / 1024;
      const contract: ModelContract = {
        ...base,
        name: `yolox_nano_${h}x${w}`,
        file,
        input: { ...base.input, width: w, height: h },
        outputs: [{ name: "output", shape: [1, anchors, 85] }],
      };
      larger.push({
        name: `whole frame ${w}x${h}`,
        det: await PedestrianDetector.create({
          contract,
          modelDir: sizesDir,
          log: () => undefined,
          scoreThreshold,
          tiling: { kind: "none" },
        }),
      });
    }
  }
  const evaluateLarger = async (frames: Frame[], label: string): Promise<void> => {
    for (const l of larger)
      await evaluate(l.det, frames, [{ name: l.name, crops: () => [] }], label);
  };

  console.log(
    `  recall by box height (IoU >= ${MIN_IOU}; held: IoU >= 0.3 in the last 3 frames), false alarms outside ignore regions, score >= ${scoreThreshold} (the node's)`,
  );
  const real = await realFrames(shared);
  await evaluate(det, real, strategies(false), `real frames (${real.length})`);
  await evaluateLarger(real, `real frames (${real.length})`);

  const tmp = mkdtempSync(join(tmpdir(), "peds-bench-"));
  try {
    const drives: { name: string; dir: string }[] = [
      { name: "sample 960x540", dir: projectPath("bags/sample_drive") },
    ];
    for (const [scenario, seed] of [
      ["urban_intersection", 3],
      ["night", 2],
      ["rain", 4],
    ] as const) {
      const dir = join(tmp, `${scenario}${seed}`);
      await generateDrive({
        scenario,
        seed,
        frames: 240,
        out: dir,
        compressed: true,
        jpegQuality: 85,
      });
      drives.push({ name: `${scenario} s${seed}`, dir });
    }
    for (const d of drives) {
      schedules.clear();
      det.resetSchedule();
      for (const b of budgets) b.reset();
      const frames = await driveFrames(d.dir, stride);
      await evaluate(det, frames, strategies(true), `${d.name} (${frames.length})`);
      await evaluateLarger(frames, `${d.name} (${frames.length})`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  await det.release();
  for (const l of larger) await l.det.release();

  // HOG fallback (no model file): real frames and one drive.
  if (
    process.env.PEDESTRIANS_BENCH_ONLY &&
    !new RegExp(process.env.PEDESTRIANS_BENCH_ONLY).test("HOG fallback")
  )
    return;
  const empty = mkdtempSync(join(tmpdir(), "no-models-"));
  try {
    const hog = await PedestrianDetector.create({ modelDir: empty, log: () => undefined });
    await evaluate(
      hog,
      real,
      [{ name: "HOG fallback", crops: () => [] }],
      `real frames (${real.length})`,
    );
    const kitti = join(empty, "kitti-like");
    await generateDrive({
      scenario: "urban_intersection",
      seed: 3,
      frames: 216,
      out: kitti,
      compressed: true,
      jpegQuality: 90,
      camera: { width: 1242, height: 375, horizontalFovDeg: 81, pitchDeg: 0 },
    });
    await evaluate(
      hog,
      await driveFrames(kitti, 4),
      [{ name: "HOG fallback", crops: () => [] }],
      "KITTI-like 1242x375",
    );
    await hog.release();
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}
