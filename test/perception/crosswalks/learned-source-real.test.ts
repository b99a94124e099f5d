/**
 * The learned crosswalk source (models/crosswalk_seg.onnx, trained only on generated frames) on
 * every labelled real frame: ../shared/data/cdnet_crosswalk (frames/ and complex/, labels in
 * test/fixtures/crosswalk-labels.json) and the real negatives of BDD100K, TuSimple and KITTI
 * (test/fixtures/crosswalk-real-negatives.json). Presence = probability >= 0.5. The figures are
 * printed and written into the model card (models/crosswalk_seg.md); the floors below are those
 * figures, so a retrained model that does worse on real frames fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { projectPath, sharedDir } from "../../../src/core/paths.js";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { readImageFile } from "../../../src/image/compressed-image.js";
import { loadModelContract } from "../../../src/models/contract.js";
import { CrosswalkDetector } from "../../../src/perception/crosswalks/crosswalk-detector.js";
import type { LearnedCrosswalkSource } from "../../../src/perception/crosswalks/learned-source.js";
import {
  crosswalkSources,
  openLearnedSource,
} from "../../../src/perception/crosswalks/verified-learned-source.js";
import { detectStill } from "../../../src/perception/lanes/detect-still.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { productStillCamera } from "../../support/still-camera.js";
import { testTimeout } from "../../support/emulation.js";
import { laneTuning } from "../lanes/support/lane-tuning.js";

interface RealLabel {
  /** Path under ../shared/data. */
  path: string;
  present: boolean;
  set: "cdnet frames" | "cdnet complex" | "bdd100k" | "tusimple" | "kitti";
}

function labels(): RealLabel[] {
  const cdnet = JSON.parse(
    readFileSync(projectPath("test/fixtures/crosswalk-labels.json"), "utf8"),
  ) as { frames: { file: string; present: boolean }[] };
  const negatives = JSON.parse(
    readFileSync(projectPath("test/fixtures/crosswalk-real-negatives.json"), "utf8"),
  ) as { frames: { file: string; present: boolean }[] };
  return [
    ...cdnet.frames.map(
      (f): RealLabel => ({
        path: join("cdnet_crosswalk", f.file),
        present: f.present,
        set: f.file.startsWith("complex/") ? "cdnet complex" : "cdnet frames",
      }),
    ),
    ...negatives.frames.map(
      (f): RealLabel => ({
        path: f.file,
        present: f.present,
        set: f.file.split("/")[0] as RealLabel["set"],
      }),
    ),
  ];
}

const shared = sharedDir();
if (!shared)
  console.warn("skipping the learned crosswalk source on real frames: ../shared is absent");

describe("real-frame labels", () => {
  it("negatives are viewed frames with a note each, none repeated", () => {
    const negatives = JSON.parse(
      readFileSync(projectPath("test/fixtures/crosswalk-real-negatives.json"), "utf8"),
    ) as { frames: { file: string; present: boolean; note: string }[] };
    expect(new Set(negatives.frames.map((f) => f.file)).size).toBe(negatives.frames.length);
    for (const f of negatives.frames) {
      expect(f.present).toBe(false);
      expect(f.note.length).toBeGreaterThan(10);
    }
  });
});

describe.skipIf(!shared)("learned crosswalk source on every labelled real frame", () => {
  let source: LearnedCrosswalkSource;
  const rows: { label: RealLabel; probability: number; area: number }[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;

  beforeAll(async () => {
    source = (await openLearnedSource("auto", () => undefined))!.learned;
    for (const label of labels()) {
      const view = await readImageFile(join(shared!, "data", label.path));
      // Presence does not depend on the camera; the geometry only places the outline on the ground.
      const geometry = CameraGeometry.approximate({
        width: view.width,
        height: view.height,
        mountHeight: 1.5,
        horizontalFovDeg: 60,
        horizonRow: 0.55 * view.height,
      });
      const r = await source.analyse({ view, geometry, stamp: { sec: 0, nanosec: 0 } });
      rows.push({ label, probability: r.probability, area: r.areaFraction });
      const said = r.probability >= 0.5;
      if (said && label.present) tp++;
      else if (said) fp++;
      else if (label.present) fn++;
      else tn++;
    }
    console.log(
      `learned crosswalk presence on ${rows.length} real frames: TP ${tp} FP ${fp} FN ${fn} TN ${tn}, precision ${(tp / Math.max(1, tp + fp)).toFixed(2)} recall ${(tp / Math.max(1, tp + fn)).toFixed(2)}\n` +
        rows
          .map(
            (r) =>
              `${r.label.present ? "pos" : "neg"} p=${r.probability.toFixed(2)} area=${(100 * r.area).toFixed(2)}% ${r.label.path}`,
          )
          .join("\n"),
    );
  }, testTimeout(120_000));
  afterAll(async () => {
    await source?.release();
  });

  it("runs on all of them (cdnet positives incl. complex/, real negatives)", () => {
    expect(rows.length).toBe(37);
    expect(rows.filter((r) => r.label.present).length).toBe(14);
  });

  it("keeps the figures of the model card", () => {
    expect(tp).toBeGreaterThanOrEqual(FLOOR.tp);
    expect(fp).toBeLessThanOrEqual(FLOOR.fp);
  });
});

describe.skipIf(!shared)(
  "stripes alone vs stripes + verified learned proposals (CrosswalkDetector, TwinLiteNet lanes) on every labelled real frame",
  () => {
    const counts = { stripes: { tp: 0, fp: 0, fn: 0 }, fused: { tp: 0, fp: 0, fn: 0 } };

    beforeAll(async () => {
      const root = shared!;
      const lanes = await LaneDetector.create({
        ...laneTuning(),
        contract: loadModelContract("twinlitenet_640x360"),
        modelDir: join(root, "models"),
        session: { log: () => {} },
      });
      // The sources and fusion of learned_source: auto (the node's and `detect`'s), whatever the default.
      const { sources, fusion, learned } = await crosswalkSources("auto", () => undefined);
      const camera = await productStillCamera();
      const detectors = {
        stripes: new CrosswalkDetector(),
        fused: new CrosswalkDetector({ sources, fusion }),
      };
      const lines: string[] = [];
      for (const label of labels()) {
        const view = await readImageFile(join(root, "data", label.path));
        const found: string[] = [];
        for (const kind of ["stripes", "fused"] as const) {
          // As the cdnet presence test and `detect`: the uncalibrated camera of the node's parameters.
          const r = await detectStill(view, { lanes, crosswalks: detectors[kind], camera });
          const said = r.crosswalks.crosswalks.length > 0;
          const c = counts[kind];
          if (said && label.present) c.tp++;
          else if (said) c.fp++;
          else if (label.present) c.fn++;
          found.push(`${kind}=${said}`);
        }
        lines.push(`${label.present ? "pos" : "neg"} ${found.join(" ")} ${label.path}`);
      }
      await lanes.release();
      await learned!.release();
      const f = (c: { tp: number; fp: number; fn: number }): string =>
        `TP ${c.tp} FP ${c.fp} FN ${c.fn} precision ${(c.tp / Math.max(1, c.tp + c.fp)).toFixed(2)} recall ${(c.tp / Math.max(1, c.tp + c.fn)).toFixed(2)}`;
      console.log(
        `crosswalk presence on 37 real frames\n  stripes alone: ${f(counts.stripes)}\n  stripes + verified learned proposals: ${f(counts.fused)}\n${lines.join("\n")}`,
      );
    }, testTimeout(300_000));

    it("the calibration file's fit figures are those of the shipped check (refit with scripts/crosswalk-verification-fit.ts --write after changing it)", () => {
      const fit = loadFitFigures();
      expect(counts.stripes).toEqual(fit.stripes_alone);
      expect(counts.fused).toEqual(fit.fused_all_frames);
    });

    it("the learned source is on by default (learned_source: auto) only if the fused figures beat the stripes' (precision no worse, recall higher), with the weights fitted on all frames and leave-one-out", () => {
      expect(counts.stripes.tp + counts.stripes.fn).toBe(14);
      expect(counts.fused.tp + counts.fused.fn).toBe(14);
      const defaultMode = (
        parseYaml(
          readFileSync(projectPath("config/crosswalk_detector.param.yaml"), "utf8"),
        ) as Record<string, { ros__parameters: { learned_source: string } }>
      )["/**"]!.ros__parameters.learned_source;
      const precision = (c: { tp: number; fp: number }): number => c.tp / Math.max(1, c.tp + c.fp);
      const beats = (c: { tp: number; fp: number }) =>
        precision(c) >= precision(counts.stripes) && c.tp > counts.stripes.tp;
      const helps = beats(counts.fused) && beats(loadFitFigures().fused_leave_one_out);
      expect(defaultMode).toBe(helps ? "auto" : "off");
    });
  },
);

/** The fit figures stored in models/crosswalk_seg.verification.json by the fit script. */
function loadFitFigures(): Record<
  "stripes_alone" | "fused_all_frames" | "fused_leave_one_out",
  { tp: number; fp: number; fn: number }
> {
  return (
    JSON.parse(readFileSync(projectPath("models/crosswalk_seg.verification.json"), "utf8")) as {
      fit: ReturnType<typeof loadFitFigures>;
    }
  ).fit;
}

/** Measured with the shipped model (models/crosswalk_seg.md): true positives at least, false alarms at most. */
const FLOOR = { tp: 13, fp: 13 };
