/**
 * Scenario generator benchmark: generation speed (frames/s for a 300-frame 1280x720 JPEG drive, and
 * per-stage milliseconds), then a realism check: the real pretrained models (YOLOX-Nano for people,
 * TwinLiteNet 640x360 for lane lines) run on generated frames and are scored against the ground
 * truth. The realism figures are a check that the pictures look like roads to networks trained on
 * real ones, not a target to tune to.
 *
 * Environment: SCENARIO_BENCH_FRAMES (default 300) sets the speed drive's length;
 * SCENARIO_BENCH_REALISM_FRAMES (default 12) the frames per scenario scored by the models (rendered
 * directly at evenly spread instants of a 10 s drive and passed through JPEG as in a bag).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { sharedDir } from "../src/core/paths.js";
import type { ImageView } from "../src/image/image-view.js";
import { loadModelContract } from "../src/models/contract.js";
import { ModelSession } from "../src/models/session.js";
import { makeCameraRig } from "../tools/scenario/camera-rig.js";
import { generateDrive } from "../tools/scenario/generate-drive.js";
import type { GroundTruthFrame } from "../src/report/ground-truth.js";
import { buildGroundTruth } from "../tools/scenario/ground-truth-builder.js";
import { Renderer } from "../tools/scenario/render/renderer.js";
import { buildScenario } from "../tools/scenario/scenarios.js";
import { pedestrianAt, vehicleAt } from "../tools/scenario/world/actors.js";

const fmt = (v: number, d = 1): string => v.toFixed(d);

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "scenario-bench-"));
  try {
    await speed(dir);
    await realism();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function speed(dir: string): Promise<void> {
  const frames = Number(process.env.SCENARIO_BENCH_FRAMES ?? 300);
  for (const scenario of ["urban_intersection", "highway"]) {
    const cpu0 = process.cpuUsage();
    const r = await generateDrive({
      scenario,
      seed: 1,
      frames,
      out: join(dir, `speed_${scenario}`),
      compressed: true,
    });
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const s = r.stageMs;
    const render = Object.entries(s.render)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(", ");
    console.log(
      `  ${scenario}: ${frames} frames 1280x720 JPEG in ${fmt(r.seconds)} s wall = ${fmt(r.framesPerSecond, 2)} frames/s (setup ${fmt(s.setup / 1000, 2)} s)`,
    );
    console.log(
      `    CPU time (all threads, JPEG included): ${fmt(cpuSeconds)} s = ${fmt((1000 * cpuSeconds) / frames)} ms per frame; wall figures below include waiting for a busy machine`,
    );
    console.log(
      `    per frame ms: render {${render}}, ground truth ${fmt(s.groundTruth)}, waiting for JPEG ${fmt(s.waitForEncoding)}, bag write ${fmt(s.write)}`,
    );
  }
}

interface Score {
  frames: number;
  /** Visible pedestrians by visible height: 40-79 px and 80 px or more (1280x720 frames). */
  small: number;
  smallFound: number;
  large: number;
  largeFound: number;
  detections: number;
  matchedDetections: number;
  lanePoints: number;
  lanePointsOnMask: number;
}

const emptyScore = (): Score => ({
  frames: 0,
  small: 0,
  smallFound: 0,
  large: 0,
  largeFound: 0,
  detections: 0,
  matchedDetections: 0,
  lanePoints: 0,
  lanePointsOnMask: 0,
});

async function realism(): Promise<void> {
  const shared = sharedDir();
  if (!shared) {
    console.log("  realism check skipped: ../shared (models) is absent");
    return;
  }
  const modelDir = join(shared, "models");
  const yolox = await ModelSession.create(loadModelContract("yolox_nano"), {
    modelDir,
    log: () => {},
  });
  const twin = await ModelSession.create(loadModelContract("twinlitenet_640x360"), {
    modelDir,
    log: () => {},
  });
  const perScenario = Number(process.env.SCENARIO_BENCH_REALISM_FRAMES ?? 12);
  console.log(
    `  realism check on ${perScenario} frames per scenario spread over a 10 s drive, 1280x720, through JPEG q85:`,
  );
  console.log(
    "  YOLOX-Nano person recall (visible pedestrians >= 60 % visible, IoU >= 0.5 with the visible box) by visible height;",
  );
  console.log(
    "  TwinLiteNet lane-line recall (ground-truth marking points within 30 m with lane-mask pixels within 4 px):",
  );
  const total = emptyScore();
  const rig = makeCameraRig();
  for (const name of ["highway", "curve", "urban_intersection", "night", "rain", "sample"]) {
    const scenario = buildScenario(name, { seed: 3, duration: 10.5 });
    const renderer = new Renderer({
      world: scenario.world,
      rig,
      environment: scenario.environment,
      seed: 3,
    });
    const score = emptyScore();
    for (let k = 0; k < perScenario; k++) {
      const index = Math.round(((k + 0.5) * 300) / perScenario);
      const t = index / 30;
      const ego = scenario.ego.poseAt(t);
      const pedestrians = scenario.world.pedestrians.map((p) => pedestrianAt(p, t));
      const vehicles = scenario.world.vehicles.map((v) => vehicleAt(v, t));
      const frame = renderer.render({ index, ego, pedestrians, vehicles });
      const gt = buildGroundTruth({
        scenario: name,
        world: scenario.world,
        mapEdits: scenario.mapEdits,
        rig,
        imageTopic: "",
        frame: index,
        stamp: { sec: 0, nanosec: 0 },
        ego,
        egoSpeed: 0,
        pedestrians,
        vehicles,
        pixels: frame.pedestrians,
      });
      const jpeg = await sharp(Buffer.from(frame.rgb), {
        raw: { width: rig.model.width, height: rig.model.height, channels: 3 },
      })
        .jpeg({ quality: 85 })
        .toBuffer();
      const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      const view: ImageView = {
        width: info.width,
        height: info.height,
        step: info.width * 3,
        format: "rgb8",
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      };
      await scoreFrame(view, gt, yolox, twin, score);
    }
    for (const key of Object.keys(total) as Array<keyof Score>) total[key] += score[key];
    print(name, score);
  }
  print("all", total);
}

function print(name: string, s: Score): void {
  const pct = (a: number, b: number): string => (b > 0 ? `${fmt((100 * a) / b, 0)} %` : "n/a");
  console.log(
    `    ${name.padEnd(20)} people found: 80+ px ${s.largeFound}/${s.large} (${pct(s.largeFound, s.large)}), 40-79 px ${s.smallFound}/${s.small} (${pct(s.smallFound, s.small)}); ` +
      `person detections on a generated person ${pct(s.matchedDetections, s.detections)} of ${s.detections}; lane points on the lane mask ${s.lanePointsOnMask}/${s.lanePoints} (${pct(s.lanePointsOnMask, s.lanePoints)})`,
  );
}

async function scoreFrame(
  view: ImageView,
  gt: GroundTruthFrame,
  yolox: ModelSession,
  twin: ModelSession,
  s: Score,
): Promise<void> {
  s.frames++;
  const det = await yolox.run(view);
  const boxes = det.kind === "detections" ? det.detections.filter((d) => d.classId === 0) : [];
  s.detections += boxes.length;
  const iou = (
    a: { x1: number; y1: number; x2: number; y2: number },
    b: { x1: number; y1: number; x2: number; y2: number },
  ): number => {
    const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
    const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
    const inter = w * h;
    return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
  };
  const people = gt.pedestrians.filter((p) => p.visible_box);
  const asBox = (b: { u0: number; v0: number; u1: number; v1: number }) => ({
    x1: b.u0,
    y1: b.v0,
    x2: b.u1 + 1,
    y2: b.v1 + 1,
  });
  for (const p of people) {
    const b = p.visible_box!;
    const height = b.v1 - b.v0 + 1;
    if (height < 40 || p.visible_fraction < 0.6) continue;
    const found = boxes.some((d) => iou(d, asBox(b)) >= 0.5);
    if (height >= 80) {
      s.large++;
      if (found) s.largeFound++;
    } else {
      s.small++;
      if (found) s.smallFound++;
    }
  }
  for (const d of boxes)
    if (people.some((p) => iou(d, asBox(p.box!)) >= 0.3 || iou(d, asBox(p.visible_box!)) >= 0.3))
      s.matchedDetections++;

  const seg = await twin.run(view);
  if (seg.kind !== "segmentation") return;
  const ll = seg.masks.find((m) => m.name === "ll") ?? seg.masks[1]!;
  const map = seg.toImage;
  for (const m of gt.lane_markings) {
    if (m.type === "road_edge") continue;
    m.points_base.forEach((xy, i) => {
      const uv = m.points_image[i];
      if (!uv || xy[0] > 30) return;
      s.lanePoints++;
      // Image pixel -> mask pixel, then a 4 px (image) neighbourhood.
      const tx = uv[0] * map.scaleX + map.offsetX;
      const ty = uv[1] * map.scaleY + map.offsetY;
      const r = Math.max(1, Math.round(4 * map.scaleX));
      let hit = false;
      for (let dy = -r; dy <= r && !hit; dy++) {
        for (let dx = -r; dx <= r && !hit; dx++) {
          const x = Math.round(tx) + dx;
          const y = Math.round(ty) + dy;
          if (
            x >= 0 &&
            y >= 0 &&
            x < ll.width &&
            y < ll.height &&
            ll.classes[y * ll.width + x] === 1
          )
            hit = true;
        }
      }
      if (hit) s.lanePointsOnMask++;
    });
  }
}
