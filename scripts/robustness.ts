/**
 * Robustness of the perception to other cameras: every labelled real frame of ../shared/data run
 * through `edge-perception detect`'s own path (`openDetectors` + `detectView`: no calibration, the
 * camera from the lanes' vanishing point, every band crop) under each transform of
 * scripts/robustness/transforms.ts (mirror, other resolutions, a 4:3 crop, exposure, gamma), the
 * labels transformed with the image, and scored with the project's scorers:
 *   - crosswalk presence (test/fixtures/crosswalk-labels.json + crosswalk-real-negatives.json):
 *     TP / FP / FN / TN, a frame counts as found when any crosswalk is reported;
 *   - pedestrians (test/fixtures/person-boxes.json): recall by box height with box-recall.ts (IoU
 *     0.5, ignore regions; the height classes of the ORIGINAL frame, so a person stays in one class
 *     under every transform), false alarms; a person cut by a crop to less than half of its box
 *     becomes an ignore region;
 *   - lanes: TuSimple accuracy / FP / FN (tusimple-metric.ts, rows and the 20 px threshold scaled
 *     with the image) on the TuSimple frames (test/fixtures/eval/tusimple_label_data.json), and
 *     CULane-style counts (culane-metric.ts, 30 px bands scaled) on test/fixtures/lane-labels.json.
 * Prints one table (a row per transform) and writes the figures with the per-frame results as
 * JSON (default out/robustness/robustness.json).
 *
 * Run: `nice -n 10 npx tsx scripts/robustness.ts [--transforms identity,w1920] [--frames <substring,...>]
 * [--out <file.json>]`. Exit 2 when ../shared is absent.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  detectView,
  openDetectors,
  type DetectContext,
  type DetectImageResult,
} from "../src/cli/commands/detect.js";
import { detectorChoice } from "../src/cli/detector-choice.js";
import { projectPath, sharedDir } from "../src/core/paths.js";
import { readImageFile } from "../src/image/compressed-image.js";
import type { Detection } from "../src/models/detection.js";
import {
  culaneFrameCounts,
  culaneScores,
  type CulaneCounts,
} from "../src/perception/lanes/culane-metric.js";
import {
  tusimpleFrameScore,
  type TuSimpleFrameScore,
} from "../src/perception/lanes/tusimple-metric.js";
import {
  scoreFrame,
  summarise,
  type FrameScore,
  type RecallSummary,
} from "../src/perception/pedestrians/box-recall.js";
import { polylineAtRows } from "../src/report/lane-score.js";
import {
  TRANSFORMS,
  clipBox,
  lengthScale,
  mapBox,
  mapPoint,
  transformNamed,
  type Box,
  type ImageTransform,
  type PlaneMap,
} from "./robustness/transforms.js";

/** IoU at which a detection finds a labelled person (as the pedestrian tests score). */
const PERSON_MIN_IOU = 0.5;
/** A person cut by the image edge to less than this fraction of their box is not expected to be found. */
const PERSON_MIN_VISIBLE = 0.5;
/** TuSimple's pixel threshold and CULane's band width at the labels' scale. */
const TUSIMPLE_PIXEL_THRESHOLD = 20;
const CULANE_WIDTH = 30;

/** Every label a frame has (one frame may be in several label files). */
export interface LabelledFrame {
  /** Path under ../shared/data. */
  file: string;
  /** Crosswalk presence, when labelled. */
  crosswalk?: boolean;
  /** Person boxes and ignore regions, when labelled. */
  people?: { boxes: Box[]; ignore: Box[] };
  /** Painted lane lines as the benchmarks draw them (hidden parts included), pixel centres [u, v]. */
  lanes?: [number, number][][];
  /** TuSimple ground truth: x per row (-2: none). */
  tusimple?: { rows: number[]; lanes: number[][] };
}

function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(projectPath(relative), "utf8")) as T;
}

/** The labelled frames of test/fixtures, one entry per frame with all its labels. */
export function loadLabelledFrames(): LabelledFrame[] {
  const byFile = new Map<string, LabelledFrame>();
  const frame = (file: string): LabelledFrame => {
    let f = byFile.get(file);
    if (!f) byFile.set(file, (f = { file }));
    return f;
  };
  for (const f of readJson<{ frames: { file: string; present: boolean }[] }>(
    "test/fixtures/crosswalk-labels.json",
  ).frames)
    frame(`cdnet_crosswalk/${f.file}`).crosswalk = f.present;
  for (const f of readJson<{ frames: { file: string }[] }>(
    "test/fixtures/crosswalk-real-negatives.json",
  ).frames)
    frame(f.file).crosswalk = false;
  for (const f of readJson<{
    frames: { file: string; people: { box: Box }[]; ignore?: Box[] }[];
  }>("test/fixtures/person-boxes.json").frames)
    frame(f.file).people = { boxes: f.people.map((p) => p.box), ignore: f.ignore ?? [] };
  for (const f of readJson<{
    frames: {
      file: string;
      lanes: [number, number][][];
      hidden?: Record<string, [number, number][]>;
    }[];
  }>("test/fixtures/lane-labels.json").frames)
    frame(f.file).lanes = f.lanes.map((l, i) => [...l, ...(f.hidden?.[String(i)] ?? [])]);
  const tusimple = readFileSync(projectPath("test/fixtures/eval/tusimple_label_data.json"), "utf8");
  for (const line of tusimple.split("\n").filter((l) => l.trim())) {
    const t = JSON.parse(line) as { raw_file: string; lanes: number[][]; h_samples: number[] };
    frame(`tusimple/${t.raw_file}`).tusimple = { rows: t.h_samples, lanes: t.lanes };
  }
  return [...byFile.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** A frame's labels in a transformed image. */
export interface TransformedLabels {
  crosswalk?: boolean;
  /** Persons with their height in the original frame (the height class); ignore regions. */
  people?: { boxes: Box[]; originalHeights: number[]; ignore: Box[] };
  lanes?: [number, number][][];
  tusimple?: { rows: number[]; lanes: number[][] };
}

/**
 * The labels carried through a plane map: boxes mapped and clipped (a person less than
 * PERSON_MIN_VISIBLE inside becomes an ignore region), lane points mapped (the scorers clip them to
 * the image), TuSimple rows and x mapped (x outside the image: -2). Crosswalk presence is kept.
 */
export function transformLabels(f: LabelledFrame, m: PlaneMap): TransformedLabels {
  const out: TransformedLabels = {};
  if (f.crosswalk !== undefined) out.crosswalk = f.crosswalk;
  if (f.people) {
    const boxes: Box[] = [];
    const originalHeights: number[] = [];
    const ignore: Box[] = [];
    for (const b of f.people.boxes) {
      const mapped = mapBox(m, b);
      const clipped = clipBox(mapped, m.output);
      if (!clipped) continue;
      const area = (x: Box) => (x[2] - x[0]) * (x[3] - x[1]);
      if (area(clipped) >= PERSON_MIN_VISIBLE * area(mapped)) {
        boxes.push(clipped);
        originalHeights.push(b[3] - b[1]);
      } else ignore.push(clipped);
    }
    for (const g of f.people.ignore) {
      const clipped = clipBox(mapBox(m, g), m.output);
      if (clipped) ignore.push(clipped);
    }
    out.people = { boxes, originalHeights, ignore };
  }
  if (f.lanes) out.lanes = f.lanes.map((l) => l.map((p) => mapPoint(m, p)));
  if (f.tusimple) {
    const rows = f.tusimple.rows.map((v) => mapPoint(m, [0, v])[1]);
    const lanes = f.tusimple.lanes
      .map((xs) =>
        xs.map((x) => {
          if (x < 0) return -2;
          const u = mapPoint(m, [x, 0])[0];
          return u >= 0 && u < m.output.width ? u : -2;
        }),
      )
      .filter((xs) => xs.some((x) => x >= 0));
    out.tusimple = { rows, lanes };
  }
  return out;
}

/** One frame's result under one transform. */
export interface FrameResult {
  file: string;
  width: number;
  height: number;
  crosswalk?: { labelled: boolean; found: boolean };
  people?: FrameScore;
  tusimple?: TuSimpleFrameScore;
  culane?: CulaneCounts;
  /** The detector's status lines (why a stage found nothing). */
  status: DetectImageResult["status"];
}

/** The figures of one transform over every frame. */
export interface TransformFigures {
  transform: string;
  description: string;
  frames: number;
  crosswalks: { tp: number; fp: number; fn: number; tn: number };
  pedestrians: RecallSummary;
  tusimple: { frames: number; accuracy: number; fp: number; fn: number };
  culane: ReturnType<typeof culaneScores>;
  seconds: number;
  perFrame: FrameResult[];
}

/** Scores one detect result against the transformed labels. */
export function scoreResult(
  file: string,
  r: DetectImageResult,
  labels: TransformedLabels,
  m: PlaneMap,
): FrameResult {
  const { width, height } = r.camera;
  const out: FrameResult = { file, width, height, status: r.status };
  if (labels.crosswalk !== undefined)
    out.crosswalk = { labelled: labels.crosswalk, found: r.crosswalks.length > 0 };
  if (labels.people) {
    // What `eval` scores: the boxes placed on the ground and those that were not.
    const detections: Detection[] = [
      ...r.pedestrians.map((p) => ({ ...p.box, score: p.confidence, classId: 0 })),
      ...r.unplacedBoxes,
    ];
    const s = scoreFrame(labels.people.boxes, labels.people.ignore, detections, PERSON_MIN_IOU);
    out.people = {
      ...s,
      people: s.people.map((p, i) => ({ ...p, height: labels.people!.originalHeights[i]! })),
    };
  }
  const scale = lengthScale(m);
  if (labels.tusimple) {
    const pred = r.benchmarkLanes
      .map((pts) => polylineAtRows(pts, labels.tusimple!.rows, width))
      .filter((xs) => xs.some((x) => x >= 0));
    out.tusimple = tusimpleFrameScore(
      pred,
      labels.tusimple.lanes,
      labels.tusimple.rows,
      TUSIMPLE_PIXEL_THRESHOLD * scale,
    );
  }
  if (labels.lanes)
    out.culane = culaneFrameCounts(r.benchmarkLanes, labels.lanes, width, height, {
      width: CULANE_WIDTH * scale,
    });
  return out;
}

/** Sums the per-frame results of one transform. */
export function figuresOf(
  t: Pick<ImageTransform, "name" | "description">,
  perFrame: FrameResult[],
  seconds: number,
): TransformFigures {
  const crosswalks = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const f of perFrame) {
    if (!f.crosswalk) continue;
    const { labelled, found } = f.crosswalk;
    crosswalks[labelled ? (found ? "tp" : "fn") : found ? "fp" : "tn"]++;
  }
  const tus = perFrame.flatMap((f) => (f.tusimple ? [f.tusimple] : []));
  const mean = (k: "accuracy" | "fp" | "fn") =>
    tus.length ? tus.reduce((s, x) => s + x[k], 0) / tus.length : NaN;
  return {
    transform: t.name,
    description: t.description,
    frames: perFrame.length,
    crosswalks,
    pedestrians: summarise(perFrame.flatMap((f) => (f.people ? [f.people] : []))),
    tusimple: { frames: tus.length, accuracy: mean("accuracy"), fp: mean("fp"), fn: mean("fn") },
    culane: culaneScores(perFrame.flatMap((f) => (f.culane ? [f.culane] : []))),
    seconds,
    perFrame,
  };
}

export interface RobustnessOptions {
  /** ../shared (frames under data/). */
  shared: string;
  transforms: readonly ImageTransform[];
  /** Only frames whose path contains one of these; undefined: every labelled frame. */
  frameFilter?: readonly string[];
  /** Progress lines. */
  log: (line: string) => void;
}

/** Runs every selected frame under every transform through `detect`'s path and scores it. */
export async function runRobustness(o: RobustnessOptions): Promise<TransformFigures[]> {
  const frames = loadLabelledFrames().filter(
    (f) => !o.frameFilter || o.frameFilter.some((s) => f.file.includes(s)),
  );
  if (frames.length === 0) throw new Error("no labelled frame matches --frames");
  const detectors = await openDetectors({
    models: undefined,
    detector: detectorChoice(undefined, undefined),
    withLanes: true,
    log: () => undefined,
  });
  // `detect`'s defaults: no calibration (camera from the lanes; crosswalk_detector's still_*
  // parameters), no pitch.
  const ctx: DetectContext = {
    ...detectors,
    calibration: undefined,
    pitchDeg: 0,
  };
  const out: TransformFigures[] = [];
  try {
    for (const t of o.transforms) {
      const t0 = performance.now();
      const perFrame: FrameResult[] = [];
      for (const f of frames) {
        const original = await readImageFile(join(o.shared, "data", f.file));
        const m = t.plane(original);
        const view = await t.apply(original);
        if (view.width !== m.output.width || view.height !== m.output.height)
          throw new Error(
            `${t.name} made ${view.width}x${view.height} of ${f.file}, its plane map says ${m.output.width}x${m.output.height}`,
          );
        const { result } = await detectView(view, f.file, ctx);
        perFrame.push(scoreResult(f.file, result, transformLabels(f, m), m));
      }
      const figures = figuresOf(t, perFrame, (performance.now() - t0) / 1000);
      o.log(`${t.name}: ${frames.length} frames in ${figures.seconds.toFixed(0)} s`);
      out.push(figures);
    }
  } finally {
    await detectors.release();
  }
  return out;
}

function ratio(found: number, total: number): string {
  return total ? `${found}/${total}` : "-";
}

/** The figures as a markdown table, a row per transform. */
export function formatTable(figures: readonly TransformFigures[]): string {
  const lines = [
    "| transform | crosswalk TP/FP/FN (TN) | ped <40 | ped 40-80 | ped >=80 | ped FA | TuSimple acc / FP / FN | CULane-style P / R / F1 (tp/fp/fn) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const f of figures) {
    const c = f.crosswalks;
    const bin = (label: string) => {
      const b = f.pedestrians.bins.find((x) => x.label === label)!;
      return ratio(b.found, b.total);
    };
    const t = f.tusimple;
    const l = f.culane;
    lines.push(
      `| ${f.transform} | ${c.tp}/${c.fp}/${c.fn} (${c.tn}) | ${bin("<40")} | ${bin("40-80")} | ${bin(">=80")} | ${f.pedestrians.falseAlarms} | ${t.frames ? `${t.accuracy.toFixed(3)} / ${t.fp.toFixed(3)} / ${t.fn.toFixed(3)}` : "-"} | ${l.precision.toFixed(2)} / ${l.recall.toFixed(2)} / ${l.f1.toFixed(2)} (${l.tp}/${l.fp}/${l.fn}) |`,
    );
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      transforms: { type: "string" },
      frames: { type: "string" },
      out: { type: "string" },
    },
  });
  const shared = sharedDir();
  if (!shared) {
    console.error("robustness: ../shared is absent: no labelled real frames to run");
    return 2;
  }
  const transforms = values.transforms
    ? values.transforms.split(",").map(transformNamed)
    : TRANSFORMS;
  const figures = await runRobustness({
    shared,
    transforms,
    ...(values.frames ? { frameFilter: values.frames.split(",") } : {}),
    log: (line) => console.error(line),
  });
  console.log(formatTable(figures));
  const outFile = values.out ?? projectPath("out", "robustness", "robustness.json");
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ transforms: figures }, null, 1) + "\n");
  console.error(`robustness: figures and per-frame results in ${outFile}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
