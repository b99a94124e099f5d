/**
 * The TuSimple bar on ../shared/data/tusimple (3 labelled 1280x720 frames, no calibration): lanes
 * from TwinLiteNet through the BEV pipeline with the camera estimated from the lanes' vanishing
 * point, projected back to TuSimple's rows and scored like the official LaneEval.bench.
 */
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { sharedDir } from "../../../src/core/paths.js";
import { readImageFile } from "../../../src/image/compressed-image.js";
import { loadModelContract } from "../../../src/models/contract.js";
import { LaneMarking } from "../../../src/msgs/types.generated.js";
import { polylineAtRows } from "../../../src/report/lane-score.js";
import { benchmarkImageLanes } from "../../../src/perception/lanes/benchmark-lanes.js";
import { productStillCamera } from "../../support/still-camera.js";
import { detectStill, type StillCamera } from "../../../src/perception/lanes/detect-still.js";
import { estimateHorizonFromLanes } from "../../../src/perception/lanes/horizon-estimate.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import {
  lanesFromInstanceMask,
  markingToTuSimpleLane,
  tusimpleFrameScore,
  TUSIMPLE_H_SAMPLES,
} from "../../../src/perception/lanes/tusimple-metric.js";
import { laneTuning } from "./support/lane-tuning.js";

const shared = sharedDir();
if (!shared) console.warn("skipping TuSimple lane tests: ../shared is absent");
const FRAMES = ["0000", "0001", "0002"];

async function loadFrames(root: string) {
  return Promise.all(
    FRAMES.map(async (id) => {
      const view = await readImageFile(join(root, "data/tusimple/image", `${id}.png`));
      const gtImg = await sharp(join(root, "data/tusimple/gt_instance", `${id}.png`))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const gt = lanesFromInstanceMask(
        new Uint8Array(gtImg.data),
        gtImg.info.width,
        gtImg.info.height,
        gtImg.info.channels,
      );
      return { id, view, gt };
    }),
  );
}

async function evaluate(
  detector: LaneDetector,
  frames: Awaited<ReturnType<typeof loadFrames>>,
  camera: StillCamera,
) {
  const scores: (ReturnType<typeof tusimpleFrameScore> & {
    cameraSource: string;
    horizonRow: number;
    edges: number;
    edgeMatches: number;
    visible: ReturnType<typeof tusimpleFrameScore>;
  })[] = [];
  for (const f of frames) {
    const r = await detectStill(f.view, { lanes: detector, camera });
    // The lines as `detect --format tusimple` writes them (`benchmarkImageLanes`): road edges (kerbs,
    // barriers, published as their own type) left out, and each line drawn on through the vehicles
    // that hide it, as TuSimple's annotators draw lanes (the detector's `continuation`).
    const atRows = (lanes: [number, number][][]) =>
      lanes
        .map((pts) => polylineAtRows(pts, TUSIMPLE_H_SAMPLES, f.view.width))
        .filter((xs) => xs.some((x) => x >= 0));
    const pred = atRows(
      benchmarkImageLanes(r.lanes.markings, r.laneResult.continuation, r.geometry),
    );
    const visible = tusimpleFrameScore(
      atRows(
        benchmarkImageLanes(r.lanes.markings, r.laneResult.continuation, r.geometry, {
          visibleOnly: true,
        }),
      ),
      f.gt,
    );
    const edges = r.lanes.markings
      .filter((m) => m.type === LaneMarking.TYPE_ROAD_EDGE)
      .map((m) => markingToTuSimpleLane(m, r.geometry, f.view.width));
    // An edge scored as if it were a lane line: it must match no labelled (painted) lane.
    const edgeMatches = edges.filter((e) => tusimpleFrameScore([e], f.gt).fp === 0).length;
    scores.push({
      ...tusimpleFrameScore(pred, f.gt),
      cameraSource: r.cameraSource,
      horizonRow: r.horizonRow,
      edges: edges.length,
      edgeMatches,
      visible,
    });
  }
  const mean = (k: "accuracy" | "fp" | "fn") =>
    scores.reduce((s, x) => s + x[k], 0) / scores.length;
  const meanVisible = (k: "accuracy" | "fp" | "fn") =>
    scores.reduce((s, x) => s + x.visible[k], 0) / scores.length;
  // Scored over the visible extents only (lines stopping at the cars ahead), for the record: TuSimple's labels run on behind them.
  const visible = {
    accuracy: meanVisible("accuracy"),
    fp: meanVisible("fp"),
    fn: meanVisible("fn"),
  };
  return { scores, accuracy: mean("accuracy"), fp: mean("fp"), fn: mean("fn"), visible };
}

/** The horizon where the ground-truth lanes meet (median of pairwise intersections of their line fits). */
function gtVanishingRow(gt: number[][]): number {
  const fits = gt.map((l) => {
    const pts = l.map((x, i) => [TUSIMPLE_H_SAMPLES[i], x]).filter(([, x]) => x! >= 0);
    const mv = pts.reduce((s, p) => s + p[0]!, 0) / pts.length;
    const mu = pts.reduce((s, p) => s + p[1]!, 0) / pts.length;
    const b =
      pts.reduce((s, p) => s + (p[0]! - mv) * (p[1]! - mu), 0) /
      pts.reduce((s, p) => s + (p[0]! - mv) ** 2, 0);
    return { a: mu - b * mv, b };
  });
  const rows: number[] = [];
  for (let i = 0; i < fits.length; i++)
    for (let j = i + 1; j < fits.length; j++)
      if (Math.sign(fits[i]!.b) !== Math.sign(fits[j]!.b))
        rows.push((fits[j]!.a - fits[i]!.a) / (fits[i]!.b - fits[j]!.b));
  rows.sort((a, b) => a - b);
  return rows[rows.length >> 1]!;
}

describe.skipIf(!shared)("TuSimple accuracy (3 labelled frames)", () => {
  const modelDir = shared ? join(shared, "models") : "";
  let frames: Awaited<ReturnType<typeof loadFrames>> = [];
  beforeAll(async () => {
    frames = await loadFrames(shared!);
  });

  it("TwinLiteNet 640x360: mean accuracy >= 0.92 and FP <= 0.2 with the camera from the vanishing point; road edges match no painted lane", async () => {
    const detector = await LaneDetector.create({
      ...laneTuning(),
      contract: loadModelContract("twinlitenet_640x360"),
      modelDir,
      session: { log: () => {} },
    });
    const r = await evaluate(detector, frames, await productStillCamera());
    await detector.release();
    console.log(
      `TuSimple twinlitenet_640x360: accuracy ${r.accuracy.toFixed(3)} FP ${r.fp.toFixed(3)} FN ${r.fn.toFixed(3)}`,
      r.scores.map((s) => s.accuracy.toFixed(3)).join(" "),
      `(visible extents only: ${r.visible.accuracy.toFixed(3)} / ${r.visible.fp.toFixed(3)} / ${r.visible.fn.toFixed(3)})`,
    );
    expect(r.scores.every((s) => s.cameraSource === "vanishing-point")).toBe(true);
    // The vanishing point lands within 20 px (1.1 degrees of pitch at f = 1108 px) of where the ground-truth lanes meet.
    const gtRows = frames.map((f) => gtVanishingRow(f.gt));
    console.log(
      "horizon rows (estimated / from ground truth):",
      r.scores.map((s, i) => `${s.horizonRow.toFixed(0)}/${gtRows[i]!.toFixed(0)}`).join(" "),
    );
    gtRows.forEach((row, i) => expect(Math.abs(r.scores[i]!.horizonRow - row)).toBeLessThan(20));
    expect(r.accuracy).toBeGreaterThanOrEqual(0.92);
    expect(r.fp).toBeLessThanOrEqual(0.2);
    expect(r.fn).toBeLessThanOrEqual(0.2);
    // The guard-rail bases beyond the right edge lines of 0000 and 0001 are reported as road edges, and no edge is a labelled lane.
    console.log("road edges per frame:", r.scores.map((s) => s.edges).join(" "));
    expect(r.scores.reduce((n, s) => n + s.edges, 0)).toBeGreaterThan(0);
    expect(r.scores.every((s) => s.edgeMatches === 0)).toBe(true);
  });

  it("TwinLiteNet 320x320 (the node's default): mean accuracy >= 0.92 and FP <= 0.2", async () => {
    const detector = await LaneDetector.create({
      ...laneTuning(),
      contract: loadModelContract("twinlitenet_320x320"),
      modelDir,
      session: { log: () => {} },
    });
    const r = await evaluate(detector, frames, await productStillCamera());
    await detector.release();
    console.log(
      `TuSimple twinlitenet_320x320: accuracy ${r.accuracy.toFixed(3)} FP ${r.fp.toFixed(3)} FN ${r.fn.toFixed(3)} (visible extents only: ${r.visible.accuracy.toFixed(3)} / ${r.visible.fp.toFixed(3)} / ${r.visible.fn.toFixed(3)})`,
    );
    expect(r.accuracy).toBeGreaterThanOrEqual(0.92);
    expect(r.fp).toBeLessThanOrEqual(0.2);
  });

  it("classical fallback (no model, approximate camera): mean accuracy >= 0.75", async () => {
    const detector = await LaneDetector.create(laneTuning());
    const r = await evaluate(detector, frames, {
      kind: "approximate",
      approximate: { mountHeight: 1.5, horizonRow: 250 },
    });
    console.log(
      `TuSimple classical: accuracy ${r.accuracy.toFixed(3)} FP ${r.fp.toFixed(3)} FN ${r.fn.toFixed(3)}`,
    );
    expect(r.scores.every((s) => s.cameraSource === "approximate")).toBe(true);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.75);
  });
});

describe("horizon from the lanes' vanishing point", () => {
  it("is undefined for a mask without lines", () => {
    const mask = {
      name: "ll",
      width: 64,
      height: 36,
      classCount: 2,
      classes: new Uint8Array(64 * 36),
    };
    const toImage = {
      tensorWidth: 64,
      tensorHeight: 36,
      imageWidth: 64,
      imageHeight: 36,
      scaleX: 1,
      scaleY: 1,
      offsetX: 0,
      offsetY: 0,
      contentWidth: 64,
      contentHeight: 36,
    };
    expect(estimateHorizonFromLanes(mask, toImage)).toBeUndefined();
  });
});
