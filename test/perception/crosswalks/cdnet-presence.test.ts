/**
 * The crosswalk-presence bar on ../shared/data/cdnet_crosswalk (20 consecutive night frames
 * approaching two crossings + 5 hard cases), labelled by eye in test/fixtures/crosswalk-labels.json,
 * and false alarms on real frames without a crossing (BDD100K, TuSimple, KITTI:
 * test/fixtures/crosswalk-real-negatives.json).
 * Product path, as `edge-perception detect` runs it: TwinLiteNet 640x360 lanes (their vanishing
 * point, else the drivable area's top, gives the horizon; transverse lines give crossing edges) +
 * the stripe source, with the threshold and the uncalibrated camera of
 * config/crosswalk_detector.param.yaml.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { projectPath, sharedDir } from "../../../src/core/paths.js";
import { readImageFile } from "../../../src/image/compressed-image.js";
import { loadModelContract } from "../../../src/models/contract.js";
import { CrosswalkDetector } from "../../../src/perception/crosswalks/crosswalk-detector.js";
import { detectStill } from "../../../src/perception/lanes/detect-still.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { testTimeout } from "../../support/emulation.js";
import { crosswalkDetectorParameters, productStillCamera } from "../../support/still-camera.js";
import { laneTuning } from "../lanes/support/lane-tuning.js";

interface Label {
  file: string;
  present: boolean;
  visibility: "clear" | "faint" | "none";
  note: string;
}

const shared = sharedDir();
if (!shared) console.warn("skipping crosswalk presence on cdnet_crosswalk: ../shared is absent");
const labels = (
  JSON.parse(readFileSync(projectPath("test/fixtures/crosswalk-labels.json"), "utf8")) as {
    frames: Label[];
  }
).frames;
const negatives = (
  JSON.parse(readFileSync(projectPath("test/fixtures/crosswalk-real-negatives.json"), "utf8")) as {
    frames: { file: string }[];
  }
).frames;

describe("crosswalk labels", () => {
  it("cover every frame once, with a note each", () => {
    expect(new Set(labels.map((l) => l.file)).size).toBe(labels.length);
    for (const l of labels) {
      expect(l.note.length).toBeGreaterThan(10);
      expect(l.present).toBe(l.visibility !== "none");
    }
  });
});

describe.skipIf(!shared)("crosswalk presence on cdnet_crosswalk", () => {
  let precision = NaN;
  let recall = NaN;
  let clearRecall = NaN;
  let complexRecall = NaN;
  const falseAlarms: string[] = [];
  // The setup runs TwinLiteNet + the crosswalk detector on all 37 real frames (25 labelled, 12
  // negatives): about 4 s on an idle machine, yet past the 60 s default hook limit under heavy load
  // (it once skipped the 3 tests below). The longer limit is for load only: no threshold changed.
  beforeAll(async () => {
    const root = shared!;
    const lanes = await LaneDetector.create({
      ...laneTuning(),
      contract: loadModelContract("twinlitenet_640x360"),
      modelDir: join(root, "models"),
      session: { log: () => {} },
    });
    const params = await crosswalkDetectorParameters();
    const camera = await productStillCamera();
    const crosswalks = new CrosswalkDetector({ minConfidence: params.min_confidence as number });
    const results: { label: Label; found: boolean; confidence: number }[] = [];
    for (const label of labels) {
      const view = await readImageFile(join(root, "data/cdnet_crosswalk", label.file));
      const r = await detectStill(view, { lanes, crosswalks, camera });
      results.push({
        label,
        found: r.crosswalks.crosswalks.length > 0,
        confidence: Math.max(0, ...r.crosswalks.crosswalks.map((c) => c.confidence)),
      });
    }
    for (const n of negatives) {
      const view = await readImageFile(join(root, "data", n.file));
      const r = await detectStill(view, { lanes, crosswalks, camera });
      if (r.crosswalks.crosswalks.length > 0)
        falseAlarms.push(
          `${n.file} (${r.crosswalks.crosswalks.map((c) => c.confidence.toFixed(2)).join(", ")})`,
        );
    }
    await lanes.release();
    const tp = results.filter((r) => r.found && r.label.present).length;
    const fp = results.filter((r) => r.found && !r.label.present).length;
    const fn = results.filter((r) => !r.found && r.label.present).length;
    const clear = results.filter((r) => r.label.visibility === "clear");
    precision = tp / Math.max(1, tp + fp);
    recall = tp / Math.max(1, tp + fn);
    clearRecall = clear.filter((r) => r.found).length / clear.length;
    const complex = results.filter((r) => r.label.file.startsWith("complex/"));
    complexRecall = complex.filter((r) => r.found).length / complex.length;
    console.log(
      `cdnet crosswalk presence: TP ${tp} FP ${fp} FN ${fn} precision ${precision.toFixed(2)} recall ${recall.toFixed(2)} (clear-only recall ${clearRecall.toFixed(2)}, complex/ ${complexRecall.toFixed(2)}); false alarms on ${negatives.length} negatives: ${falseAlarms.length ? falseAlarms.join(", ") : "none"}`,
      "\n" +
        results
          .map(
            (r) =>
              `${r.label.file} label=${r.label.present ? r.label.visibility : "no"} found=${r.found} conf=${r.confidence.toFixed(2)}`,
          )
          .join("\n"),
    );
  }, testTimeout(180_000));

  it("precision 1.00: no crossing claimed in a frame without one (the low-contrast path must not add any)", () => {
    expect(precision).toBe(1);
  });

  it("recall >= 0.9 overall (the issue's bar), >= 0.95 on clearly visible crossings and >= 0.8 on the complex/ hard cases (13/14, 10/10 and 5/5 measured with the node's still camera: horizon from the drivable area's top where the lanes give no vanishing point; the faint far crossing in glare, 00046, is missed, and 00047 is found only with the drivable top taken at 60 m, not at 40 or 80 m)", () => {
    expect(recall).toBeGreaterThanOrEqual(0.9);
    expect(clearRecall).toBeGreaterThanOrEqual(0.95);
    expect(complexRecall).toBeGreaterThanOrEqual(0.8);
  });

  it("no crossing claimed on the real frames without one (BDD100K barriers and fence, tunnel, snow; TuSimple highways; KITTI tram tracks)", () => {
    expect(falseAlarms).toEqual([]);
  });
});
