/**
 * Crosswalk presence on every labelled real frame: ../shared/data/cdnet_crosswalk (labels in
 * test/fixtures/crosswalk-labels.json, `complex/` reported separately) and the negatives of
 * test/fixtures/crosswalk-real-negatives.json (BDD100K, TuSimple, KITTI frames without a crossing).
 * Same product path as `edge-perception detect`: TwinLiteNet 640x360 lanes (vanishing point, else
 * the drivable area's top -> horizon; transverse lines) + the crosswalk detector with the sources,
 * threshold and uncalibrated camera of config/crosswalk_detector.param.yaml, on a still without
 * calibration. Prints one line per frame, the table, and the crosswalk stage's time per frame.
 *
 * Run: `nice -n 10 npx tsx scripts/crosswalk-presence.ts [--learned] [--verbose] [--repeat N]` (--learned:
 * the sources of `learned_source: auto` whatever the parameter file says, stripes + the learned source's verified proposals, fusion rule
 * max, instead of the stripes alone; the stage's time then includes the network; --repeat: the
 * crosswalk stage runs N times per frame and the fastest run is reported, so that a loaded machine's
 * stalls do not count as the stage's cost; --margin: also the best candidate's confidence below the
 * threshold, per frame, and the closest positives and negatives, i.e. the margin around it).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath, sharedDir } from "../src/core/paths.js";
import { readImageFile } from "../src/image/compressed-image.js";
import { loadModelContract } from "../src/models/contract.js";
import { CrosswalkDetector } from "../src/perception/crosswalks/crosswalk-detector.js";
import { crosswalkSources } from "../src/perception/crosswalks/verified-learned-source.js";
import { detectStill } from "../src/perception/lanes/detect-still.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../src/host/graph.js";
import { stillCameraOptions } from "../src/nodes/crosswalk-detector.js";
import { LaneDetector } from "../src/perception/lanes/lane-detector.js";
import { laneDetectorFileTuning } from "../src/nodes/lane-detector-tuning.js";

interface Frame {
  /** Path under ../shared/data. */
  file: string;
  present: boolean;
  group: "cdnet" | "cdnet complex" | "negatives";
}

const shared = sharedDir();
if (!shared) {
  console.error("../shared is absent: nothing to measure");
  process.exit(2);
}
const verbose = process.argv.includes("--verbose");
const repeatAt = process.argv.indexOf("--repeat");
const repeat = repeatAt > 0 ? Math.max(1, Number(process.argv[repeatAt + 1]) || 1) : 1;
const cdnet = (
  JSON.parse(readFileSync(projectPath("test/fixtures/crosswalk-labels.json"), "utf8")) as {
    frames: { file: string; present: boolean }[];
  }
).frames;
const negatives = (
  JSON.parse(readFileSync(projectPath("test/fixtures/crosswalk-real-negatives.json"), "utf8")) as {
    frames: { file: string }[];
  }
).frames;
const frames: Frame[] = [
  ...cdnet.map((f) => ({
    file: `cdnet_crosswalk/${f.file}`,
    present: f.present,
    group: f.file.startsWith("complex/") ? ("cdnet complex" as const) : ("cdnet" as const),
  })),
  ...negatives.map((f) => ({ file: f.file, present: false, group: "negatives" as const })),
];

// The crosswalk_detector node's parameters (config/crosswalk_detector.param.yaml): the uncalibrated
// camera and the threshold \`edge-perception detect\` uses, so that the figure is the product's.
const crosswalkParams = (await graphToNodeSpecs(loadLaunchGraph())).find(
  (s) => s.name === "crosswalk_detector",
)!.parameters;
const stillCamera = stillCameraOptions((name) => crosswalkParams[name]);
const lanes = await LaneDetector.create({
  ...laneDetectorFileTuning(),
  contract: loadModelContract("twinlitenet_640x360"),
  modelDir: join(shared, "models"),
  session: { log: () => {} },
});
const learnedSetup = await crosswalkSources(
  process.argv.includes("--learned") ? "auto" : (crosswalkParams.learned_source as "auto" | "off"),
  () => {},
);
const crosswalks = new CrosswalkDetector({
  sources: learnedSetup.sources,
  fusion: learnedSetup.fusion,
  minConfidence: crosswalkParams.min_confidence as number,
});
const margin = process.argv.includes("--margin");
// The same sources with no confidence threshold: the best candidate of every frame, found or not.
const unthresholded = new CrosswalkDetector({
  sources: learnedSetup.sources,
  fusion: learnedSetup.fusion,
  minConfidence: 0,
});
const rows: {
  frame: Frame;
  found: boolean;
  confidence: number;
  /** The best candidate's confidence with no threshold (0 without a candidate); with --margin. */
  best: number;
  ms: number;
  status: string;
  evidence: string;
  /** How the horizon was found, and its row as a fraction of the height. */
  camera: string;
}[] = [];
for (const frame of frames) {
  const view = await readImageFile(join(shared, "data", frame.file));
  // Time the crosswalk stage alone: the lane stage runs first, then the detector on its result.
  const still = await detectStill(view, {
    lanes,
    camera: { kind: "auto", ...stillCamera },
  });
  let ms = Infinity;
  let r = still.crosswalks;
  for (let k = 0; k < repeat; k++) {
    const t0 = performance.now();
    r = await crosswalks.detect(
      view,
      still.geometry,
      still.crosswalks.header.stamp,
      still.laneResult,
    );
    ms = Math.min(ms, performance.now() - t0);
  }
  const found = r.crosswalks.length > 0;
  let best = 0;
  if (margin) {
    const all = await unthresholded.detect(
      view,
      still.geometry,
      still.crosswalks.header.stamp,
      still.laneResult,
    );
    best = Math.max(0, ...all.crosswalks.map((c) => c.confidence));
    if (verbose && !found && all.crosswalks.length)
      console.log(`  below the threshold: ${unthresholded.lastEvidence.join("; ")}`);
  }
  rows.push({
    best,
    frame,
    found,
    confidence: Math.max(0, ...r.crosswalks.map((c) => c.confidence)),
    ms,
    status: r.status,
    evidence: crosswalks.lastEvidence.join("; "),
    camera: `${still.cameraSource}@${(still.horizonRow / view.height).toFixed(2)}`,
  });
  if (verbose)
    console.log(
      `${frame.file.padEnd(62)} ${frame.present ? "yes" : "no "} found=${found ? "yes" : "no "} conf=${rows[rows.length - 1]!.confidence.toFixed(2)}${margin ? ` best=${best.toFixed(2)}` : ""} ${ms.toFixed(1)} ms ${rows[rows.length - 1]!.camera} ${r.status} ${rows[rows.length - 1]!.evidence}`,
    );
}
await lanes.release();
await learnedSetup.learned?.release();

const table = (name: string, sel: typeof rows) => {
  const tp = sel.filter((r) => r.found && r.frame.present).length;
  const fp = sel.filter((r) => r.found && !r.frame.present).length;
  const fn = sel.filter((r) => !r.found && r.frame.present).length;
  const tn = sel.length - tp - fp - fn;
  const p = tp + fp ? tp / (tp + fp) : NaN;
  const rc = tp + fn ? tp / (tp + fn) : NaN;
  const f1 = p + rc > 0 ? (2 * p * rc) / (p + rc) : NaN;
  const ms = sel.map((r) => r.ms).sort((a, b) => a - b);
  console.log(
    `| ${name.padEnd(22)} | ${String(sel.length).padStart(3)} | ${tp} | ${fp} | ${fn} | ${tn} | ${p.toFixed(2)} | ${rc.toFixed(2)} | ${f1.toFixed(2)} | ${ms[0]!.toFixed(1)}-${ms[ms.length - 1]!.toFixed(1)} (median ${ms[ms.length >> 1]!.toFixed(1)}) |`,
  );
};
console.log("| frames | n | TP | FP | FN | TN | precision | recall | F1 | crosswalk stage ms |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
table(
  "cdnet frames/",
  rows.filter((r) => r.frame.group === "cdnet"),
);
table(
  "cdnet complex/",
  rows.filter((r) => r.frame.group === "cdnet complex"),
);
table(
  "cdnet all",
  rows.filter((r) => r.frame.group !== "negatives"),
);
table(
  "negatives (BDD/TuS/KITTI)",
  rows.filter((r) => r.frame.group === "negatives"),
);
table("all labelled", rows);
const missed = rows.filter((r) => r.frame.present && !r.found).map((r) => r.frame.file);
const alarms = rows.filter((r) => !r.frame.present && r.found).map((r) => r.frame.file);
console.log(`missed: ${missed.join(", ") || "none"}\nfalse alarms: ${alarms.join(", ") || "none"}`);
if (margin) {
  const pos = rows.filter((r) => r.frame.present).sort((a, b) => a.best - b.best);
  const neg = rows.filter((r) => !r.frame.present).sort((a, b) => b.best - a.best);
  const fmt = (r: (typeof rows)[number]) => `${r.frame.file} ${r.best.toFixed(2)}`;
  console.log(`weakest positives: ${pos.slice(0, 5).map(fmt).join(", ")}`);
  console.log(`strongest negatives: ${neg.slice(0, 5).map(fmt).join(", ")}`);
}
