/**
 * Still images scored: `detect --json` output against still-image labels (one or more label
 * files/folders, joined on the image key). Person boxes (placed and unplaced) vs labelled boxes;
 * lanes with the TuSimple rules or CULane's; crosswalk presence.
 */
import { readFileSync } from "node:fs";
import { PerceptionError, errorMessage } from "../core/errors.js";
import type { PredictedObject, TruthObject } from "./box-matching.js";
import { addPresence, emptyCrosswalks } from "./crosswalk-score.js";
import { cuLaneCounts } from "./culane-score.js";
import { emptyDetection, scoreDetections, type DetectionFrame } from "./detection-score.js";
import type { EvalConfig } from "./eval-config.js";
import { emptyLanes, polylineAtRows, scoreTuSimpleFrame } from "./lane-score.js";
import { imageKey } from "./labels/label-error.js";
import { loadLabels } from "./labels/load-labels.js";
import {
  mergeLabels,
  type ImageLabels,
  type LabelFormat,
  type LabelSet,
} from "./labels/still-labels.js";
import { emptyPartial, type EvalUnit } from "./partial.js";

/** The part of a `detect --json` result eval reads. */
export interface DetectJsonResult {
  image: string;
  camera: { width: number; height: number };
  pedestrians: {
    confidence: number;
    range: number;
    position: { x: number; y: number };
    box: { x1: number; y1: number; x2: number; y2: number };
  }[];
  unplacedBoxes: { x1: number; y1: number; x2: number; y2: number; score: number }[];
  /** Each lane marking as a pixel polyline over its visible extent (road edges included). */
  lanesImage?: [number, number][][];
  /** The lane lines as the benchmarks draw them (no road edges, on through occluding vehicles); scored when present, else `lanesImage`. */
  benchmarkLanes?: [number, number][][];
  crosswalks: unknown[];
}

/** Reads labels from several sources (comma-separated `--truth` entries or repeated flags). */
function loadLabelSources(truth: string, config: EvalConfig, format?: LabelFormat): LabelSet {
  const set: LabelSet = new Map();
  for (const path of truth.split(",").filter(Boolean))
    mergeLabels(set, loadLabels(path, config, format));
  return set;
}

function personTruths(
  l: ImageLabels,
  width: number,
  height: number,
  config: EvalConfig,
): TruthObject[] | undefined {
  if (l.persons)
    return l.persons.map((p, i) => ({
      id: String(i),
      box: p.box,
      range: p.range,
      dontCare: p.dontCare,
    }));
  if (l.normalizedPersons) {
    return l.normalizedPersons.map((p, i) => {
      const box = {
        x1: (p.cx - p.w / 2) * width,
        y1: (p.cy - p.h / 2) * height,
        x2: (p.cx + p.w / 2) * width,
        y2: (p.cy + p.h / 2) * height,
      };
      return {
        id: String(i),
        box,
        range: NaN,
        dontCare: box.y2 - box.y1 < config.pedestrians.ignore_min_height_px,
      };
    });
  }
  return undefined;
}

/** Scores one detect --json file against the labels at `truth`. */
export function scoreStills(
  id: string,
  detectJson: string,
  truth: string,
  config: EvalConfig,
  format?: LabelFormat,
): EvalUnit {
  let results: DetectJsonResult[];
  try {
    results = (JSON.parse(readFileSync(detectJson, "utf8")) as { results: DetectJsonResult[] })
      .results;
    if (!Array.isArray(results)) throw new Error("no 'results' array");
  } catch (err) {
    throw new PerceptionError("eval", `not detect --json output: ${errorMessage(err)}`, {
      path: detectJson,
    });
  }
  const labels = loadLabelSources(truth, config, format);
  const partial = emptyPartial();
  const detection = emptyDetection(config);
  const lanes = emptyLanes();
  const crosswalks = emptyCrosswalks();
  const frames: DetectionFrame[] = [];
  let sawLanes = false;
  let sawCrosswalks = false;
  for (const r of results) {
    const l = labels.get(imageKey(r.image));
    if (!l) continue;
    partial.frames++;
    const { width, height } = r.camera;
    const truths = personTruths(l, width, height, config);
    if (truths) {
      const preds: PredictedObject[] = [
        ...r.pedestrians.map((p) => ({
          box: p.box,
          score: p.confidence,
          range: p.range,
          position: [p.position.x, p.position.y] as [number, number],
        })),
        ...r.unplacedBoxes.map((b) => ({ box: b, score: b.score, range: NaN })),
      ];
      frames.push({ preds, truths });
    }
    const predLanes = r.benchmarkLanes ?? r.lanesImage ?? [];
    if (l.tusimple) {
      sawLanes = true;
      const pred = predLanes
        .map((pts) => polylineAtRows(pts, l.tusimple!.rows, width))
        .filter((xs) => xs.some((x) => x >= 0));
      scoreTuSimpleFrame(pred, l.tusimple.lanes, l.tusimple.rows, width, config, lanes);
    }
    if (l.culane) {
      sawLanes = true;
      const c = cuLaneCounts(predLanes, l.culane, width, height);
      lanes.counts.tp += c.tp;
      lanes.counts.fp += c.fp;
      lanes.counts.fn += c.fn;
    }
    if (l.crosswalk !== undefined) {
      sawCrosswalks = true;
      addPresence(crosswalks, l.crosswalk, r.crosswalks.length > 0);
    }
  }
  if (frames.length) {
    scoreDetections(frames, config, detection, partial.position);
    partial.detection.pedestrian = detection;
  }
  if (sawLanes) partial.lanes = lanes;
  if (sawCrosswalks) partial.crosswalks = crosswalks;
  return { id, scenario: id.replace(/\.json$/, ""), partial };
}
