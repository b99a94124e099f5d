/**
 * Lane-line mask -> BEV occupancy. Each BEV cell reads the mask pixel that sees its centre through
 * the exact tensor->image mapping of the model (`TensorToImage`), so the BEV is metric whatever the
 * model's input size (640x360, 320x320, letterboxed or stretched).
 */
import { imagePixelToTensor, type TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import type { BevLookup } from "./bev-grid.js";

const maskIndexCache = new WeakMap<BevLookup, Map<string, Int32Array>>();

/** Per BEV cell, the mask pixel index (row * mask width + col) that sees it, or -1. Cached. */
export function bevMaskIndex(lookup: BevLookup, toImage: TensorToImage, maskWidth: number, maskHeight: number): Int32Array {
  const key = `${maskWidth}x${maskHeight}:${toImage.scaleX},${toImage.scaleY},${toImage.offsetX},${toImage.offsetY}`;
  let perLookup = maskIndexCache.get(lookup);
  if (!perLookup) maskIndexCache.set(lookup, (perLookup = new Map()));
  const hit = perLookup.get(key);
  if (hit) return hit;
  const out = new Int32Array(lookup.pixelIndex.length).fill(-1);
  const w = lookup.imageWidth;
  for (let i = 0; i < out.length; i++) {
    const p = lookup.pixelIndex[i];
    if (p < 0) continue;
    const v = Math.floor(p / w);
    const t = imagePixelToTensor(toImage, { u: p - v * w, v });
    const mu = Math.round(t.u);
    const mv = Math.round(t.v);
    if (mu < 0 || mv < 0 || mu >= maskWidth || mv >= maskHeight) continue;
    out[i] = mv * maskWidth + mu;
  }
  if (perLookup.size > 4) perLookup.clear();
  perLookup.set(key, out);
  return out;
}

/** Fills `occupancy` (one byte per cell) with 1 where the mask's class equals `positiveClass`. Returns the count. */
export function maskToBev(
  mask: SegmentationMask,
  maskIndex: Int32Array,
  occupancy: Uint8Array,
  positiveClass = 1,
): number {
  let n = 0;
  const classes = mask.classes;
  for (let i = 0; i < maskIndex.length; i++) {
    const m = maskIndex[i];
    const on = m >= 0 && classes[m] === positiveClass ? 1 : 0;
    occupancy[i] = on;
    n += on;
  }
  return n;
}

/** Fraction of the mask's pixels that are `positiveClass`. */
export function maskFraction(mask: SegmentationMask, positiveClass = 1): number {
  let n = 0;
  for (let i = 0; i < mask.classes.length; i++) if (mask.classes[i] === positiveClass) n++;
  return mask.classes.length ? n / mask.classes.length : 0;
}
