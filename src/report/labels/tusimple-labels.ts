/**
 * TuSimple `label_data_*.json`: JSON lines `{"lanes": [[x...]...], "h_samples": [y...], "raw_file": "clips/.../20.jpg"}`,
 * x = -2 where a lane is absent on a row.
 */
import { readFileSync } from "node:fs";
import { imageKey, labelError, parseJsonText } from "./label-error.js";
import type { LabelSet } from "./still-labels.js";

export function readTuSimpleLabels(file: string): LabelSet {
  const out: LabelSet = new Map();
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      const line = i + 1;
      const v = parseJsonText(text, file, line) as {
        lanes?: unknown;
        h_samples?: unknown;
        raw_file?: unknown;
      };
      if (!v || typeof v !== "object")
        throw labelError(file, line, "a TuSimple record must be an object");
      if (typeof v.raw_file !== "string")
        throw labelError(file, line, "'raw_file' must be a string");
      const rows = v.h_samples;
      if (!Array.isArray(rows) || !rows.every((r) => typeof r === "number"))
        throw labelError(file, line, "'h_samples' must be an array of numbers");
      if (!Array.isArray(v.lanes))
        throw labelError(file, line, "'lanes' must be an array of lanes");
      v.lanes.forEach((lane, k) => {
        if (
          !Array.isArray(lane) ||
          lane.length !== rows.length ||
          !lane.every((x) => typeof x === "number")
        ) {
          throw labelError(
            file,
            line,
            `lane ${k} must be ${rows.length} numbers (one per h_sample, -2 where absent)`,
          );
        }
      });
      out.set(imageKey(v.raw_file), {
        tusimple: { rows: rows as number[], lanes: v.lanes as number[][] },
      });
    });
  return out;
}
