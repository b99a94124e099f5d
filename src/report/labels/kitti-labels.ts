/**
 * KITTI object labels: `label_2/<id>.txt` with 15 fields per object (`type truncated occluded alpha
 * x1 y1 x2 y2 h w l x y z rotation_y`) and `calib/<id>.txt` (`P2: 12 numbers`, checked when
 * present). Pedestrians are scored; Person_sitting, Cyclist and DontCare regions are "don't care"
 * (KITTI's neighbouring classes), as are boxes lower than the thresholds' minimum height.
 * The range is the ground distance of the object's location (camera x, z).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { imageKey, labelError } from "./label-error.js";
import type { LabelSet, PersonLabel } from "./still-labels.js";

const DONT_CARE: ReadonlySet<string> = new Set(["Person_sitting", "Cyclist", "DontCare"]);

/** P2 of a calib file (3x4 row-major); throws naming the file and line when malformed. */
function readKittiCalibP2(file: string): number[] {
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^P2:\s*(.*)$/.exec(lines[i]!.trim());
    if (!m) continue;
    const nums = m[1]!.trim().split(/\s+/).map(Number);
    if (nums.length !== 12 || nums.some((n) => !Number.isFinite(n)))
      throw labelError(file, i + 1, "P2 must be 12 numbers");
    return nums;
  }
  throw labelError(file, undefined, "no 'P2:' line");
}

function readKittiLabelFile(file: string, minHeightPx: number): PersonLabel[] {
  const out: PersonLabel[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      const f = text.trim().split(/\s+/);
      if (f.length !== 15 && f.length !== 16)
        throw labelError(
          file,
          i + 1,
          `a KITTI object has 15 fields (16 with a score), got ${f.length}`,
        );
      const n = f.slice(1).map(Number);
      if (n.some((v) => !Number.isFinite(v)))
        throw labelError(file, i + 1, "fields 2-15 must be numbers");
      const type = f[0]!;
      if (type !== "Pedestrian" && !DONT_CARE.has(type)) return;
      const box = { x1: n[3]!, y1: n[4]!, x2: n[5]!, y2: n[6]! };
      if (!(box.x2 > box.x1 && box.y2 > box.y1))
        throw labelError(file, i + 1, "the box must have x2 > x1 and y2 > y1");
      const range = type === "DontCare" ? NaN : Math.hypot(n[10]!, n[12]!);
      out.push({ box, range, dontCare: type !== "Pedestrian" || box.y2 - box.y1 < minHeightPx });
    });
  return out;
}

/** A KITTI folder (`label_2/`, optional `calib/`). */
export function readKittiLabels(
  dir: string,
  files: readonly string[],
  minHeightPx: number,
): LabelSet {
  const out: LabelSet = new Map();
  for (const f of files) {
    const key = imageKey(f);
    const calib = join(dir, "calib", `${key}.txt`);
    if (existsSync(calib)) readKittiCalibP2(calib);
    out.set(key, { persons: readKittiLabelFile(f, minHeightPx) });
  }
  return out;
}
