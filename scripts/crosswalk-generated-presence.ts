/**
 * Crosswalk presence of the stripe source on generated frames: the learned source's training
 * generator (training/crosswalk_seg/generate-frames.ts: random junctions, crossings at any angle
 * to the camera, the ego turned across them, paint that is not a crossing, day / overcast / night,
 * wet roads, random camera height, pitch, field of view and distortion), on seeds the network was
 * not trained on. The ground truth is the generator's class map: a frame is positive when at least
 * `--min-pixels` pixels (default 300 at 640x360, a crossing a few stripes wide within 32 m) are
 * crossing within FAR_CROSSWALK_M, negative when none are and no far crossing is in view either
 * (class `ignore`), otherwise not scored (a sliver at the image edge, or a crossing beyond 32 m).
 * The detector gets the rig's exact camera and no lane evidence (no TwinLiteNet: no transverse
 * edges, no drivable area), at its default confidence threshold.
 *
 * This is where the stripe source's settings are to be judged (they must not be fitted to the
 * labelled real frames, which the project is judged on alongside frames held back from it).
 *
 * `--still`: the frames judged as `edge-perception detect` judges a still without calibration
 * instead: TwinLiteNet 640x360 lanes, the horizon from their vanishing point, else the drivable
 * area's top, else the assumed fraction (the uncalibrated camera and threshold of
 * config/crosswalk_detector.param.yaml), the lane evidence passed on; also prints how far each
 * horizon estimate falls from the rig's true horizon (the generator varies height, pitch and field
 * of view, so a fixed assumption is wrong here as on other roads).
 *
 * Run: `nice -n 10 npx tsx scripts/crosswalk-generated-presence.ts [--seed 1001] [--worlds 30]
 *   [--frames-per-world 6] [--min-pixels 300] [--stripes '<StripeSourceOptions JSON>'] [--still] [--verbose]`
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sharedDir } from "../src/core/paths.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../src/host/graph.js";
import { loadModelContract } from "../src/models/contract.js";
import { stillCameraOptions } from "../src/nodes/crosswalk-detector.js";
import { detectStill } from "../src/perception/lanes/detect-still.js";
import { estimateHorizonFromLanes } from "../src/perception/lanes/horizon-estimate.js";
import { estimateHorizonFromDrivable } from "../src/perception/lanes/horizon-from-drivable.js";
import { LaneDetector } from "../src/perception/lanes/lane-detector.js";
import { ZERO_TIME } from "../src/core/time.js";
import { CrosswalkDetector } from "../src/perception/crosswalks/crosswalk-detector.js";
import type { StripeSourceOptions } from "../src/perception/crosswalks/stripe-source.js";
import { CLASSES, generatedFrames } from "../training/crosswalk_seg/generate-frames.js";
import { laneDetectorFileTuning } from "../src/nodes/lane-detector-tuning.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1001" },
    worlds: { type: "string", default: "30" },
    "frames-per-world": { type: "string", default: "6" },
    width: { type: "string", default: "640" },
    height: { type: "string", default: "360" },
    "min-pixels": { type: "string", default: "300" },
    stripes: { type: "string" },
    still: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const width = Number(values.width);
const height = Number(values.height);
const minPixels = Number(values["min-pixels"]);
const stripes = values.stripes ? (JSON.parse(values.stripes) as StripeSourceOptions) : undefined;
// --still: the product's still path (lanes + the node's uncalibrated camera and threshold).
const still = values.still ? await stillPath() : undefined;
const detector = new CrosswalkDetector({
  stripes,
  ...(still ? { minConfidence: still.minConfidence } : {}),
});
const unthresholded = new CrosswalkDetector({ stripes, minConfidence: 0 });

async function stillPath() {
  const shared = sharedDir();
  if (!shared) throw new Error("--still needs ../shared/models (TwinLiteNet)");
  const params = (await graphToNodeSpecs(loadLaunchGraph())).find(
    (n) => n.name === "crosswalk_detector",
  )!.parameters;
  const lanes = await LaneDetector.create({
    ...laneDetectorFileTuning(),
    contract: loadModelContract("twinlitenet_640x360"),
    modelDir: join(shared, "models"),
    session: { log: () => {} },
  });
  // One TwinLiteNet run per frame: the former camera (below) reuses the frame's masks.
  const segmentOnce = lanes.segment.bind(lanes);
  let cached: { view: unknown; seg: Awaited<ReturnType<typeof segmentOnce>> } | undefined;
  lanes.segment = async (v) => {
    if (cached?.view !== v) cached = { view: v, seg: await segmentOnce(v) };
    return cached.seg;
  };
  return {
    lanes,
    camera: { kind: "auto" as const, ...stillCameraOptions((name) => params[name]) },
    minConfidence: params.min_confidence as number,
  };
}
/** Per frame of --still: the horizon source used and each estimate's error against the rig (fraction of the height). */
const horizons: {
  source: string;
  error: number;
  /** The rig's true horizon row as a fraction of the height. */
  truth: number;
  vp?: number;
  drivable?: number;
  /** The former still camera's horizon error: the vanishing point, else the fixed fraction. */
  former: number;
}[] = [];
/** Per frame of --still: found with the former still camera (vanishing point, else the fixed fraction). */
const formerFound: boolean[] = [];

interface Row {
  truth: boolean;
  found: boolean;
  best: number;
  ms: number;
  lighting: string;
  weather: string;
}
const rows: Row[] = [];
let skipped = 0;
let index = 0;
for (const frame of generatedFrames({
  seed: Number(values.seed),
  worlds: Number(values.worlds),
  framesPerWorld: Number(values["frames-per-world"]),
  width,
  height,
})) {
  index++;
  let ignore = 0;
  for (const c of frame.classes) if (c === CLASSES.ignore) ignore++;
  const truth = frame.crosswalkPixels >= minPixels;
  if (!truth && (frame.crosswalkPixels > 0 || ignore > 0)) {
    skipped++;
    continue;
  }
  const view = {
    width,
    height,
    step: width * 3,
    format: "rgb8" as const,
    data: frame.rgb,
  };
  let geometry = frame.rig.geometry;
  let lanes: Awaited<ReturnType<typeof detectStill>>["laneResult"] | undefined;
  if (still) {
    const s = await detectStill(view, { lanes: still.lanes, camera: still.camera });
    const truthRow = frame.rig.geometry.horizonRow();
    const seg = s.laneResult;
    const vp =
      seg.laneMask && seg.toImage ? estimateHorizonFromLanes(seg.laneMask, seg.toImage) : undefined;
    const da =
      seg.drivableMask && seg.toImage
        ? estimateHorizonFromDrivable(seg.drivableMask, seg.toImage, {
            focalPx: s.geometry.model.fy,
            mountHeight: still.camera.mountHeight,
            farDistance: still.camera.drivableTopDistance,
          })
        : undefined;
    // The camera `detect` used before the drivable-area step: the vanishing point, else the fraction.
    const formerRow = vp ? vp.row : still.camera.assumedHorizonFraction * height;
    const former = await detectStill(view, {
      lanes: still.lanes,
      crosswalks: detector,
      camera: {
        kind: "approximate",
        approximate: {
          mountHeight: still.camera.mountHeight,
          horizontalFovDeg: still.camera.horizontalFovDeg,
          horizonRow: formerRow,
        },
      },
    });
    formerFound.push(former.crosswalks.crosswalks.length > 0);
    horizons.push({
      former: (formerRow - truthRow) / height,
      source: s.cameraSource,
      error: (s.horizonRow - truthRow) / height,
      truth: truthRow / height,
      ...(vp ? { vp: (vp.row - truthRow) / height } : {}),
      ...(da ? { drivable: (da.row - truthRow) / height } : {}),
    });
    geometry = s.geometry;
    lanes = s.laneResult;
  }
  const t0 = performance.now();
  const r = await detector.detect(view, geometry, ZERO_TIME, lanes);
  const ms = performance.now() - t0;
  const all = await unthresholded.detect(view, geometry, ZERO_TIME, lanes);
  const row: Row = {
    truth,
    found: r.crosswalks.length > 0,
    best: Math.max(0, ...all.crosswalks.map((c) => c.confidence)),
    ms,
    lighting: frame.lighting,
    weather: frame.weather,
  };
  rows.push(row);
  if (values.verbose)
    console.log(
      `#${index - 1} world ${frame.world} ${frame.lighting}/${frame.weather} crossing px ${frame.crosswalkPixels} truth=${truth ? "yes" : "no "} found=${row.found ? "yes" : "no "} best=${row.best.toFixed(2)} ${unthresholded.lastEvidence[0] ?? ""}`,
    );
}

const line = (name: string, sel: Row[]): string => {
  const tp = sel.filter((r) => r.found && r.truth).length;
  const fp = sel.filter((r) => r.found && !r.truth).length;
  const fn = sel.filter((r) => !r.found && r.truth).length;
  const p = tp + fp ? tp / (tp + fp) : NaN;
  const rc = tp + fn ? tp / (tp + fn) : NaN;
  const ms = sel.map((r) => r.ms).sort((a, b) => a - b);
  return `| ${name} | ${sel.length} | ${tp} | ${fp} | ${fn} | ${p.toFixed(2)} | ${rc.toFixed(2)} | ${ms.length ? `${ms[ms.length >> 1]!.toFixed(1)} / ${ms[ms.length - 1]!.toFixed(1)}` : "-"} |`;
};
console.log(
  `generated frames: seed ${values.seed}, ${rows.length} scored, ${skipped} not scored (sliver or far crossing only)`,
);
console.log("| frames | n | TP | FP | FN | precision | recall | ms median / max |");
console.log("|---|---|---|---|---|---|---|---|");
console.log(line("all", rows));
for (const lighting of [...new Set(rows.map((r) => r.lighting))].sort())
  console.log(
    line(
      lighting,
      rows.filter((r) => r.lighting === lighting),
    ),
  );
console.log(
  line(
    "wet",
    rows.filter((r) => r.weather !== "clear"),
  ),
);
const neg = rows
  .filter((r) => !r.truth)
  .map((r) => r.best)
  .sort((a, b) => b - a);
const pos = rows
  .filter((r) => r.truth)
  .map((r) => r.best)
  .sort((a, b) => a - b);
console.log(
  `strongest negatives: ${neg
    .slice(0, 5)
    .map((v) => v.toFixed(2))
    .join(", ")}; weakest positives: ${pos
    .slice(0, 5)
    .map((v) => v.toFixed(2))
    .join(", ")}`,
);
if (still) {
  await still.lanes.release();
  const summary = (name: string, errors: number[]): string => {
    const abs = errors.map(Math.abs).sort((a, b) => a - b);
    const signed = [...errors].sort((a, b) => a - b);
    return abs.length
      ? `${name}: ${abs.length} frames, |error| median ${abs[abs.length >> 1]!.toFixed(3)}, p90 ${abs[Math.floor(0.9 * (abs.length - 1))]!.toFixed(3)}, signed median ${signed[signed.length >> 1]!.toFixed(3)} of the height; within 0.03: ${abs.filter((e) => e <= 0.03).length}`
      : `${name}: no frames`;
  };
  console.log("horizon against the rig's true horizon (+ = estimated below it):");
  for (const source of [...new Set(horizons.map((h) => h.source))].sort())
    console.log(
      `  used, ${summary(
        source,
        horizons.filter((h) => h.source === source).map((h) => h.error),
      )}`,
    );
  console.log(
    `  ${summary(
      "vanishing point wherever found",
      horizons.flatMap((h) => (h.vp === undefined ? [] : [h.vp])),
    )}`,
  );
  console.log(
    `  ${summary(
      "drivable top wherever found",
      horizons.flatMap((h) => (h.drivable === undefined ? [] : [h.drivable])),
    )}`,
  );
  const noVp = horizons.filter((h) => h.vp === undefined);
  console.log(
    `  ${summary(
      "frames without a vanishing point, as used now",
      noVp.map((h) => h.error),
    )}`,
  );
  console.log(
    `  ${summary(
      "the same frames, the former fixed fraction",
      noVp.map((h) => h.former),
    )}`,
  );
  const formerRows = rows.map((r, i) => ({ ...r, found: formerFound[i]! }));
  console.log("former still camera (vanishing point, else the fixed fraction), same frames:");
  console.log(line("all", formerRows));
  const fraction = still.camera.assumedHorizonFraction;
  console.log(
    `  ${summary(
      `fixed fraction ${fraction} on every frame`,
      horizons.map((h) => fraction - h.truth),
    )}`,
  );
}
