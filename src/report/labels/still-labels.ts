/** Labels of still images, joined on the image key (file name without folders and extension). */
import type { Box } from "../box-matching.js";

/** A labelled person box. */
export interface PersonLabel {
  box: Box;
  /** Ground range in metres when the format has it (KITTI), else NaN. */
  range: number;
  /** Excluded from scoring (crowd, sitting person, cyclist, DontCare region, too small). */
  dontCare: boolean;
}

/** A YOLO box in normalised image coordinates, resolved when the image size is known. */
export interface NormalizedPersonLabel {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/** What is labelled for one image; a field absent means "not labelled", not "none there". */
export interface ImageLabels {
  persons?: PersonLabel[];
  /** YOLO boxes (normalised). */
  normalizedPersons?: NormalizedPersonLabel[];
  /** TuSimple: lane x per row (-2 = absent). */
  tusimple?: { rows: number[]; lanes: number[][] };
  /** CULane: lane polylines in pixels. */
  culane?: [number, number][][];
  /** A crossing is present. */
  crosswalk?: boolean;
}

export type LabelFormat = "tusimple" | "culane" | "kitti" | "coco" | "yolo" | "presence";

export type LabelSet = Map<string, ImageLabels>;

/** Merges `from` into `into` (several label sources for the same images). */
export function mergeLabels(into: LabelSet, from: LabelSet): LabelSet {
  for (const [key, l] of from) into.set(key, { ...(into.get(key) ?? {}), ...l });
  return into;
}
