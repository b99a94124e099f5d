/**
 * CULane `<image>.lines.txt`: one lane per line as `x1 y1 x2 y2 ...` pixel pairs (a folder is
 * searched for every `.lines.txt`).
 */
import { readFileSync } from "node:fs";
import { imageKey, labelError } from "./label-error.js";
import type { LabelSet } from "./still-labels.js";

export function readCuLaneFile(file: string): [number, number][][] {
  const lanes: [number, number][][] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      const nums = text.trim().split(/\s+/).map(Number);
      if (nums.length < 4 || nums.length % 2 !== 0 || nums.some((n) => !Number.isFinite(n))) {
        throw labelError(
          file,
          i + 1,
          "a CULane lane is an even count (>= 4) of numbers: x1 y1 x2 y2 ...",
        );
      }
      const pts: [number, number][] = [];
      for (let k = 0; k < nums.length; k += 2) pts.push([nums[k]!, nums[k + 1]!]);
      lanes.push(pts);
    });
  return lanes;
}

export function readCuLaneLabels(files: readonly string[]): LabelSet {
  return new Map(files.map((f) => [imageKey(f), { culane: readCuLaneFile(f) }]));
}
