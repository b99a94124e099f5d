/**
 * Whether a segmentation mask handed to the crosswalk stage can be believed: a lane-line or
 * crosswalk class is paint, a small share of the frame in connected strokes. A mask from a model
 * fed the wrong input, or a corrupted output, shows up as a class over most of the frame, or as
 * speckle (positive pixels with at most one positive neighbour: random noise of 10 % density gives
 * 80 % such pixels, painted strokes a few). Such a mask is ignored and its cause named,
 * so it cannot invent crosswalk edges.
 */
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import type { TensorToImage } from "../../image/tensor-mapping.js";

/** Options of `checkMask`. */
export interface MaskCheckOptions {
  /** Class whose pixels are checked; default: every class other than 0 (background). */
  classId?: number;
  /** Largest share of the mask the class may cover; default 0.4. */
  maxCoverage?: number;
  /** Largest share of the class's pixels with at most one 8-neighbour of the class (speckle; a painted stroke gives two or more); default 0.35. */
  maxIsolated?: number;
}

/** A reason the mask is garbage, or undefined when it passes. */
export function checkMask(
  mask: SegmentationMask,
  toImage?: TensorToImage,
  options: MaskCheckOptions = {},
): string | undefined {
  const { width: w, height: h, classes } = mask;
  if (!(w > 0 && h > 0) || classes.length !== w * h)
    return `mask '${mask.name}' holds ${classes.length} values for ${w}x${h}`;
  if (toImage && (toImage.tensorWidth !== w || toImage.tensorHeight !== h)) {
    return `mask '${mask.name}' is ${w}x${h} but its image mapping is for ${toImage.tensorWidth}x${toImage.tensorHeight}`;
  }
  // Class test without a closure (this runs over every mask pixel of every frame): any non-zero
  // class when `target` is -1, else that class.
  const target = options.classId ?? -1;
  const isClass = (c: number) => (target < 0 ? c !== 0 : c === target);
  let positive = 0;
  if (target < 0) for (let i = 0; i < classes.length; i++) positive += classes[i] !== 0 ? 1 : 0;
  else for (let i = 0; i < classes.length; i++) positive += classes[i] === target ? 1 : 0;
  const coverage = positive / (w * h);
  if (coverage > (options.maxCoverage ?? 0.4))
    return `mask '${mask.name}' covers ${(100 * coverage).toFixed(0)} % of the frame with paint`;
  if (positive < 20) return undefined;
  // Speckle, judged on an even subsample of at most ~4096 of the class's pixels (a drivable area
  // holds 10^5: checking every neighbourhood would cost more than the crosswalk search).
  const stride = Math.max(1, Math.floor(positive / 4096));
  let seen = 0;
  let checked = 0;
  let isolated = 0;
  for (let i = 0; i < classes.length; i++) {
    if ((target < 0 ? classes[i] === 0 : classes[i] !== target) || seen++ % stride !== 0) continue;
    checked++;
    const r = Math.floor(i / w);
    const c = i - r * w;
    let neighbours = 0;
    for (let dr = -1; dr <= 1 && neighbours < 2; dr++) {
      const rr = r + dr;
      if (rr < 0 || rr >= h) continue;
      for (let dc = -1; dc <= 1; dc++) {
        const cc = c + dc;
        if ((dr || dc) && cc >= 0 && cc < w && isClass(classes[rr * w + cc]!)) neighbours++;
      }
    }
    if (neighbours < 2) isolated++;
  }
  if (isolated / checked > (options.maxIsolated ?? 0.35)) {
    return `mask '${mask.name}' is speckle: ${((100 * isolated) / checked).toFixed(0)} % of its pixels have at most one neighbour`;
  }
  return undefined;
}
