/**
 * Merging the person boxes of several passes (the whole frame and crops) into one set.
 *
 * A crop cuts people at its edges: a box touching an edge of the crop that is not an edge of the
 * image is a part of a person. Such a box is kept only when nothing better covers it (the whole
 * frame's box of the same person, or the neighbouring crop's whole box), and never when the cut is
 * at the crop's bottom: its feet, which set the ground position, are missing. Between the rest,
 * greedy suppression by IoU and by containment (a box mostly inside a kept one is the same person
 * seen at another scale).
 */
import type { PixelRect } from "../../image/crop.js";
import { containedFraction, iou, type Detection } from "../../models/detection.js";

/** One pass's boxes, already in source-image pixels. */
export interface PassBoxes {
  /** The pass's rectangle in the source image (the whole image for the whole-frame pass). */
  rect: PixelRect;
  boxes: readonly Detection[];
}

export interface MergeOptions {
  /** Boxes overlapping a kept box by IoU above this are dropped (0..1). */
  iouThreshold: number;
  /** Boxes with this fraction or more of their area inside a kept box are dropped (0..1). */
  containment: number;
  /** A box edge within this many pixels of an inner crop edge counts as cut there. */
  edgeMarginPx: number;
}

/** Which sides of a box are cut by its pass's inner edges. */
function cutSides(
  b: Detection,
  rect: PixelRect,
  imageWidth: number,
  imageHeight: number,
  margin: number,
): { any: boolean; bottom: boolean } {
  const left = rect.x > 0 && b.x1 <= rect.x + margin;
  const right = rect.x + rect.width < imageWidth && b.x2 >= rect.x + rect.width - margin;
  const top = rect.y > 0 && b.y1 <= rect.y + margin;
  const bottom = rect.y + rect.height < imageHeight && b.y2 >= rect.y + rect.height - margin;
  return { any: left || right || top || bottom, bottom };
}

/**
 * The merged boxes, best first: whole boxes before cut ones, then by score. A single pass is
 * returned as it is (the session already applied NMS).
 */
export function mergePasses(
  passes: readonly PassBoxes[],
  imageWidth: number,
  imageHeight: number,
  o: MergeOptions,
): Detection[] {
  if (passes.length === 1) return [...passes[0]!.boxes];
  const candidates: { box: Detection; cut: boolean }[] = [];
  for (const pass of passes) {
    for (const box of pass.boxes) {
      const cut = cutSides(box, pass.rect, imageWidth, imageHeight, o.edgeMarginPx);
      if (cut.bottom) continue;
      candidates.push({ box, cut: cut.any });
    }
  }
  candidates.sort((a, b) => Number(a.cut) - Number(b.cut) || b.box.score - a.box.score);
  const kept: Detection[] = [];
  for (const c of candidates) {
    const same = kept.some(
      (k) =>
        iou(k, c.box) > o.iouThreshold ||
        containedFraction(k, c.box) >= o.containment ||
        containedFraction(c.box, k) >= o.containment,
    );
    if (!same) kept.push(c.box);
  }
  return kept.sort((a, b) => b.score - a.score);
}
