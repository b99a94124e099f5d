/**
 * Fits the confidence of the learned crosswalk source's verified proposals
 * (models/crosswalk_seg.verification.json: a logistic in the features it names) on every labelled
 * real frame (test/fixtures/crosswalk-labels.json: ../shared/data/cdnet_crosswalk frames/ and
 * complex/; test/fixtures/crosswalk-real-negatives.json), and reports presence figures of
 * stripes alone and of stripes + verified proposals (fusion rule max, threshold 0.5 = the detector's
 * min_confidence, not tuned) with the weights fitted on all frames and leave-one-out (each frame
 * judged by weights fitted without it), so that the generalisation is visible.
 * Same product path as scripts/crosswalk-presence.ts: TwinLiteNet 640x360 lanes, horizon from their
 * vanishing point, else the drivable area's top (the crosswalk_detector's still_* parameters), the
 * stripe source with the lane evidence.
 *
 * One training row per frame: the plausible proposal with the highest first feature (zeros when
 * none passes the gate), label = the frame's. L2-regularised (`--l2`, default 0.3, on the weights,
 * not the bias), Newton iterations.
 *
 * Run: `nice -n 10 npx tsx scripts/crosswalk-verification-fit.ts [--write] [--l2 0.3] [--verbose]`
 * (--write: the fitted weights, bias and figures into models/crosswalk_seg.verification.json).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath, sharedDir } from "../src/core/paths.js";
import { readImageFile } from "../src/image/compressed-image.js";
import { loadModelContract } from "../src/models/contract.js";
import { CrosswalkDetector } from "../src/perception/crosswalks/crosswalk-detector.js";
import { LEARNED_CONTRACT, projectModelDir } from "../src/perception/crosswalks/learned-source.js";
import { openLearnedSource } from "../src/perception/crosswalks/verified-learned-source.js";
import { detectStill } from "../src/perception/lanes/detect-still.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../src/host/graph.js";
import { stillCameraOptions } from "../src/nodes/crosswalk-detector.js";
import { LaneDetector } from "../src/perception/lanes/lane-detector.js";
import { laneDetectorFileTuning } from "../src/nodes/lane-detector-tuning.js";

const shared = sharedDir();
if (!shared) {
  console.error("../shared is absent: nothing to fit");
  process.exit(2);
}
const write = process.argv.includes("--write");
const verbose = process.argv.includes("--verbose");
const l2At = process.argv.indexOf("--l2");
const l2 = l2At > 0 ? Number(process.argv[l2At + 1]) : 0.3;

type Group = "cdnet frames/" | "cdnet complex/" | "negatives";
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
const frames = [
  ...cdnet.map((f) => ({
    file: `cdnet_crosswalk/${f.file}`,
    present: f.present,
    group: (f.file.startsWith("complex/") ? "cdnet complex/" : "cdnet frames/") as Group,
  })),
  ...negatives.map((f) => ({ file: f.file, present: false, group: "negatives" as Group })),
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
const stripes = new CrosswalkDetector();
const verified = (await openLearnedSource("auto", () => {}))!;
const rows: {
  file: string;
  present: boolean;
  group: Group;
  stripes: boolean;
  proposals: number[][];
  best: number[];
}[] = [];
for (const f of frames) {
  const view = await readImageFile(join(shared, "data", f.file));
  const still = await detectStill(view, {
    lanes,
    crosswalks: stripes,
    camera: { kind: "auto", ...stillCamera },
  });
  const { proposals } = await verified.propose({
    view,
    geometry: still.geometry,
    stamp: still.crosswalks.header.stamp,
    drivableMask: still.laneResult.drivableMask,
    toImage: still.laneResult.toImage,
  });
  const plausible = proposals.filter((p) => p.plausible).map((p) => p.features);
  const best =
    plausible.reduce<number[] | undefined>((a, b) => (!a || b[0]! > a[0]! ? b : a), undefined) ??
    verified.calibration.features.map(() => 0);
  rows.push({ ...f, stripes: still.crosswalks.crosswalks.length > 0, proposals: plausible, best });
  if (verbose)
    console.log(
      `${f.present ? "pos" : "neg"} stripes=${still.crosswalks.crosswalks.length > 0} ${f.file} proposals ${proposals.map((p) => `[${p.features.map((v) => v.toFixed(2)).join(",")}${p.plausible ? "" : " gated"}]`).join(" ")}`,
    );
}
await lanes.release();
await verified.release();

/** L2-regularised logistic regression (Newton): weights then bias. */
function fitLogistic(x: number[][], y: number[]): number[] {
  const d = x[0]!.length + 1;
  const w = new Array<number>(d).fill(0);
  for (let it = 0; it < 50; it++) {
    const g = new Array<number>(d).fill(0);
    const h = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    x.forEach((xi, n) => {
      const xb = [...xi, 1];
      const p = 1 / (1 + Math.exp(-xb.reduce((s, v, k) => s + v * w[k]!, 0)));
      for (let a = 0; a < d; a++) {
        g[a]! += (p - y[n]!) * xb[a]!;
        for (let b = 0; b < d; b++) h[a]![b]! += p * (1 - p) * xb[a]! * xb[b]!;
      }
    });
    for (let a = 0; a < d - 1; a++) {
      g[a]! += l2 * w[a]!;
      h[a]![a]! += l2;
    }
    const step = solve(h, g);
    for (let a = 0; a < d; a++) w[a]! -= step[a]!;
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return w;
}

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / pivot;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / (row[i]! || 1e-12));
}

const confidence = (w: number[], x: number[]) =>
  1 / (1 + Math.exp(-(w[w.length - 1]! + x.reduce((s, v, k) => s + v * w[k]!, 0))));
const x = rows.map((r) => r.best);
const y = rows.map((r) => (r.present ? 1 : 0));
const weightsAll = fitLogistic(x, y);
const said = { stripes: rows.map((r) => r.stripes), all: [] as boolean[], loo: [] as boolean[] };
rows.forEach((r, i) => {
  const wLoo = fitLogistic(
    x.filter((_, k) => k !== i),
    y.filter((_, k) => k !== i),
  );
  const verifiedBy = (w: number[]) => r.proposals.some((p) => confidence(w, p) >= 0.5);
  said.all.push(r.stripes || verifiedBy(weightsAll));
  said.loo.push(r.stripes || verifiedBy(wLoo));
});

type Counts = { tp: number; fp: number; fn: number };
const counts = (kind: keyof typeof said, group?: Group): Counts => {
  const c = { tp: 0, fp: 0, fn: 0 };
  rows.forEach((r, i) => {
    if (group && r.group !== group) return;
    const s = said[kind][i]!;
    if (s && r.present) c.tp++;
    else if (s) c.fp++;
    else if (r.present) c.fn++;
  });
  return c;
};
const fmt = (c: Counts) => {
  const p = c.tp + c.fp ? c.tp / (c.tp + c.fp) : NaN;
  const rc = c.tp + c.fn ? c.tp / (c.tp + c.fn) : NaN;
  const f1 = p + rc > 0 ? (2 * p * rc) / (p + rc) : NaN;
  return `${c.tp}/${c.fp}/${c.fn} | ${p.toFixed(2)} | ${rc.toFixed(2)} | ${f1.toFixed(2)}`;
};
console.log(
  `features ${verified.calibration.features.join(", ")}; fitted weights ${weightsAll
    .slice(0, -1)
    .map((v) => v.toFixed(3))
    .join(", ")}, bias ${weightsAll[weightsAll.length - 1]!.toFixed(3)} (L2 ${l2})`,
);
console.log(
  "| frames | stripes alone TP/FP/FN, P, R, F1 | + verified proposals, fit on all frames | + verified proposals, leave-one-out |",
);
console.log("|---|---|---|---|");
for (const g of ["cdnet frames/", "cdnet complex/", "negatives", undefined] as const) {
  console.log(
    `| ${g ?? "all labelled"} (${rows.filter((r) => !g || r.group === g).length}) | ${fmt(counts("stripes", g))} | ${fmt(counts("all", g))} | ${fmt(counts("loo", g))} |`,
  );
}
const diff = (kind: "all" | "loo") =>
  rows
    .filter((r, i) => said[kind][i] !== r.stripes)
    .map((r) => `${r.file} (${r.present ? "crossing" : "none"})`);
console.log(
  `changed from stripes alone, all-frames fit: ${diff("all").join(", ") || "none"}; leave-one-out: ${diff("loo").join(", ") || "none"}`,
);

if (write) {
  const path = join(
    projectModelDir(),
    loadModelContract(LEARNED_CONTRACT).file.replace(/\.onnx$/, "") + ".verification.json",
  );
  const doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  doc.weights = weightsAll.slice(0, -1).map((v) => Number(v.toFixed(4)));
  doc.bias = Number(weightsAll[weightsAll.length - 1]!.toFixed(4));
  const all = counts("all");
  const loo = counts("loo");
  doc.fit = {
    script: "scripts/crosswalk-verification-fit.ts",
    frames: rows.length,
    with_crossing: rows.filter((r) => r.present).length,
    l2,
    threshold: 0.5,
    stripes_alone: counts("stripes"),
    fused_all_frames: all,
    fused_leave_one_out: loo,
  };
  writeFileSync(path, JSON.stringify(doc, null, 2) + "\n");
  console.log(`written: ${path}`);
}
