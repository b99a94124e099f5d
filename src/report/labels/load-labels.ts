/**
 * Reads still-image labels from a file or folder, recognising the format (or taking it from
 * `--truth-format`): TuSimple JSON lines, CULane `.lines.txt`, KITTI `label_2/` (+ `calib/`),
 * COCO JSON, YOLO txt, a crosswalk presence list. An unknown format is an error naming the path.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { EvalConfig } from "../eval-config.js";
import { isCocoDoc, readCocoLabels } from "./coco-labels.js";
import { readCuLaneLabels } from "./culane-labels.js";
import { readKittiLabels } from "./kitti-labels.js";
import { labelError } from "./label-error.js";
import { isPresenceJson, readPresenceJson, readPresenceText } from "./presence-labels.js";
import type { LabelFormat, LabelSet } from "./still-labels.js";
import { readTuSimpleLabels } from "./tusimple-labels.js";
import { readYoloLabels } from "./yolo-labels.js";

export const LABEL_FORMATS: readonly LabelFormat[] = [
  "tusimple",
  "culane",
  "kitti",
  "coco",
  "yolo",
  "presence",
];

function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

function firstLine(file: string): string {
  return (
    readFileSync(file, "utf8")
      .split("\n")
      .find((l) => l.trim() !== "" && !l.trim().startsWith("#"))
      ?.trim() ?? ""
  );
}

/** Recognises the format of a label file or folder. */
export function detectLabelFormat(path: string): LabelFormat {
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, "label_2"))) return "kitti";
    if (filesUnder(path, ".lines.txt").length) return "culane";
    const txt = filesUnder(path, ".txt").filter((f) => !f.endsWith("classes.txt"));
    if (txt.length && /^\d+(\s+[-+\d.eE]+){4}/.test(firstLine(txt[0]!))) return "yolo";
    throw labelError(
      path,
      undefined,
      "unknown label folder: expected KITTI (label_2/), CULane (*.lines.txt) or YOLO (*.txt with 'class cx cy w h')",
    );
  }
  if (path.endsWith(".lines.txt")) return "culane";
  const head = firstLine(path);
  if (path.endsWith(".json") || path.endsWith(".jsonl")) {
    try {
      const doc = JSON.parse(readFileSync(path, "utf8")) as unknown;
      if (isCocoDoc(doc)) return "coco";
      if (isPresenceJson(doc)) return "presence";
      if (doc && typeof doc === "object" && "h_samples" in doc) return "tusimple";
    } catch {
      // JSON lines: look at the first record.
    }
    if (/"h_samples"/.test(head)) return "tusimple";
    throw labelError(
      path,
      1,
      "unknown JSON labels: expected COCO (images/annotations), TuSimple JSON lines (h_samples) or a presence list (frames)",
    );
  }
  if (path.endsWith(".txt")) {
    if (
      /^\S.*\s+(yes|no|1|0|true|false|present|absent|y|n)$/i.test(head) &&
      head.split(/\s+/).length === 2
    )
      return "presence";
    if (/^\d+(\s+[-+\d.eE]+){4}\s*$/.test(head)) return "yolo";
    if (head.split(/\s+/).length >= 15) return "kitti";
  }
  throw labelError(
    path,
    1,
    "unknown label format (give --truth-format tusimple|culane|kitti|coco|yolo|presence)",
  );
}

/** Reads labels in `format` (recognised when undefined). */
export function loadLabels(path: string, config: EvalConfig, format?: LabelFormat): LabelSet {
  if (!existsSync(path)) throw labelError(path, undefined, "no such label file or folder");
  const f = format ?? detectLabelFormat(path);
  const dir = statSync(path).isDirectory();
  const minH = config.pedestrians.ignore_min_height_px;
  switch (f) {
    case "tusimple":
      return dir
        ? new Map(filesUnder(path, ".json").flatMap((p) => [...readTuSimpleLabels(p)]))
        : readTuSimpleLabels(path);
    case "culane":
      return readCuLaneLabels(dir ? filesUnder(path, ".lines.txt") : [path]);
    case "kitti":
      return readKittiLabels(
        dir ? path : join(path, "..", ".."),
        dir ? filesUnder(join(path, "label_2"), ".txt") : [path],
        minH,
      );
    case "coco":
      return readCocoLabels(path, minH);
    case "yolo":
      return readYoloLabels(
        dir ? filesUnder(path, ".txt").filter((p) => !p.endsWith("classes.txt")) : [path],
      );
    case "presence": {
      if (path.endsWith(".json")) {
        const text = readFileSync(path, "utf8");
        const doc = JSON.parse(text) as { frames: unknown[] };
        if (!isPresenceJson(doc))
          throw labelError(path, 1, "a presence JSON needs a 'frames' array");
        return readPresenceJson(path, text, doc);
      }
      return readPresenceText(path);
    }
  }
}
