/**
 * YOLO txt labels: one `<image>.txt` per image, a line `class cx cy w h` per box (normalised to the
 * image size). The person class is the index of `person`/`pedestrian` in a `classes.txt` beside
 * the files, else 0 (COCO's order, which YOLO exports use).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { imageKey, labelError } from "./label-error.js";
import type { LabelSet, NormalizedPersonLabel } from "./still-labels.js";

/** The person class index of a folder's classes.txt, or 0. */
function yoloPersonClass(dir: string): number {
  const file = join(dir, "classes.txt");
  if (!existsSync(file)) return 0;
  const names = readFileSync(file, "utf8")
    .split("\n")
    .map((s) => s.trim());
  const i = names.findIndex((n) => n === "person" || n === "pedestrian");
  if (i < 0) throw labelError(file, undefined, "no 'person' or 'pedestrian' class");
  return i;
}

function readYoloFile(file: string, personClass: number): NormalizedPersonLabel[] {
  const out: NormalizedPersonLabel[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      const f = text.trim().split(/\s+/).map(Number);
      if (f.length < 5 || f.some((v) => !Number.isFinite(v)) || !Number.isInteger(f[0]))
        throw labelError(
          file,
          i + 1,
          "a YOLO box is 'class cx cy w h' (class an integer, the rest numbers)",
        );
      const [cls, cx, cy, w, h] = f as [number, number, number, number, number];
      if ([cx, cy, w, h].some((v) => v < 0 || v > 1))
        throw labelError(file, i + 1, "YOLO coordinates are normalised to 0..1");
      if (cls === personClass) out.push({ cx, cy, w, h });
    });
  return out;
}

export function readYoloLabels(files: readonly string[]): LabelSet {
  return new Map(
    files.map((f) => [
      imageKey(f),
      { normalizedPersons: readYoloFile(f, yoloPersonClass(dirname(f))) },
    ]),
  );
}
