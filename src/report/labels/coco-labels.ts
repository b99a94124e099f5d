/**
 * COCO detection JSON (`images`, `annotations` with `bbox` [x, y, w, h], `categories`): the
 * `person` (or `pedestrian`) category is scored, crowd boxes are "don't care", as are boxes lower
 * than the thresholds' minimum height. Errors name the file, the line and the element.
 */
import { readFileSync } from "node:fs";
import { imageKey, labelError, lineOfOffset, parseJsonText } from "./label-error.js";
import type { LabelSet } from "./still-labels.js";

interface CocoDoc {
  images?: unknown;
  annotations?: unknown;
  categories?: unknown;
}

/** The line of the n-th occurrence of `"key"` in the text (to point at a bad element). */
function lineOfNth(text: string, key: string, n: number): number | undefined {
  let at = -1;
  for (let k = 0; k <= n; k++) {
    at = text.indexOf(`"${key}"`, at + 1);
    if (at < 0) return undefined;
  }
  return lineOfOffset(text, at);
}

export function isCocoDoc(v: unknown): boolean {
  return (
    !!v &&
    typeof v === "object" &&
    Array.isArray((v as CocoDoc).images) &&
    Array.isArray((v as CocoDoc).annotations)
  );
}

export function readCocoLabels(file: string, minHeightPx: number): LabelSet {
  const text = readFileSync(file, "utf8");
  const doc = parseJsonText(text, file) as CocoDoc;
  if (!isCocoDoc(doc))
    throw labelError(file, 1, "a COCO file needs 'images' and 'annotations' arrays");
  const cats = Array.isArray(doc.categories)
    ? (doc.categories as { id?: unknown; name?: unknown }[])
    : [];
  const personIds = new Set(
    cats.filter((c) => c.name === "person" || c.name === "pedestrian").map((c) => c.id),
  );
  if (personIds.size === 0)
    throw labelError(
      file,
      lineOfNth(text, "categories", 0),
      "no 'person' or 'pedestrian' category",
    );
  const out: LabelSet = new Map();
  const keyOf = new Map<unknown, string>();
  (doc.images as { id?: unknown; file_name?: unknown }[]).forEach((img, i) => {
    if (typeof img?.file_name !== "string" || img.id === undefined)
      throw labelError(
        file,
        lineOfNth(text, "file_name", i) ?? lineOfNth(text, "id", i),
        `images[${i}] needs 'id' and 'file_name'`,
      );
    keyOf.set(img.id, imageKey(img.file_name));
    out.set(imageKey(img.file_name), { persons: [] });
  });
  (
    doc.annotations as {
      image_id?: unknown;
      category_id?: unknown;
      bbox?: unknown;
      iscrowd?: unknown;
    }[]
  ).forEach((a, i) => {
    const line = lineOfNth(text, "bbox", i);
    const b = a?.bbox;
    if (
      !Array.isArray(b) ||
      b.length !== 4 ||
      !b.every((v) => typeof v === "number" && Number.isFinite(v)) ||
      b[2] <= 0 ||
      b[3] <= 0
    ) {
      throw labelError(
        file,
        line,
        `annotations[${i}].bbox must be [x, y, width, height] with positive size`,
      );
    }
    const key = keyOf.get(a.image_id);
    if (key === undefined)
      throw labelError(
        file,
        line,
        `annotations[${i}].image_id ${String(a.image_id)} names no image`,
      );
    if (!personIds.has(a.category_id)) return;
    const [x, y, w, h] = b as number[];
    out.get(key)!.persons!.push({
      box: { x1: x!, y1: y!, x2: x! + w!, y2: y! + h! },
      range: NaN,
      dontCare: a.iscrowd === 1 || h! < minHeightPx,
    });
  });
  return out;
}
