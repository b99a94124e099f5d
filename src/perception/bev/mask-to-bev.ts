/**
 * Lane-line mask -> BEV occupancy. Each BEV cell reads the mask pixel that sees its centre through
 * the exact tensor->image mapping of the model (`TensorToImage`), so the BEV is metric whatever the
 * model's input size (640x360, 320x320, letterboxed or stretched).
 */
import { imagePixelToTensor, type TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import { sameKeyNumber, type BevLookup } from "./bev-grid.js";

/** Where each BEV cell reads the mask. */
export interface BevMaskIndex {
  /** Per cell, the mask pixel index (row * mask width + col) that sees its centre, or -1. */
  index: Int32Array;
  /**
   * Per cell, how many mask rows above and below the centre pixel also belong to the cell (half
   * the rows between the neighbouring BEV rows): far away one BEV row spans several image rows, and
   * a thin transverse line between two cell centres must not fall through.
   */
  halfSpan: Uint8Array;
  maskWidth: number;
  maskHeight: number;
}

/** A cached mask index with the mapping numbers it was built for. */
interface MaskIndexEntry {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
  index: BevMaskIndex;
}

/**
 * Mask indices per lookup object (a new lookup, i.e. a new geometry or grid, starts afresh; the
 * entries go with it), told apart by mask size and the mapping's scale and offset (compared by the
 * numbers): at most 5 each, all dropped when a 6th comes.
 */
const maskIndexCache = new WeakMap<BevLookup, MaskIndexEntry[]>();

/** Most mask rows pooled on each side of a cell's centre pixel. */
const MAX_HALF_SPAN = 6;

/** Per BEV cell, the mask pixels that see it. Cached per lookup and mapping. */
export function bevMaskIndex(
  lookup: BevLookup,
  toImage: TensorToImage,
  maskWidth: number,
  maskHeight: number,
): BevMaskIndex {
  let perLookup = maskIndexCache.get(lookup);
  if (!perLookup) maskIndexCache.set(lookup, (perLookup = []));
  for (const e of perLookup) {
    if (
      sameKeyNumber(e.index.maskWidth, maskWidth) &&
      sameKeyNumber(e.index.maskHeight, maskHeight) &&
      sameKeyNumber(e.scaleX, toImage.scaleX) &&
      sameKeyNumber(e.scaleY, toImage.scaleY) &&
      sameKeyNumber(e.offsetX, toImage.offsetX) &&
      sameKeyNumber(e.offsetY, toImage.offsetY)
    ) {
      return e.index;
    }
  }
  const out = buildMaskIndex(lookup, toImage, maskWidth, maskHeight);
  if (perLookup.length > 4) perLookup.length = 0;
  perLookup.push({
    scaleX: toImage.scaleX,
    scaleY: toImage.scaleY,
    offsetX: toImage.offsetX,
    offsetY: toImage.offsetY,
    index: out,
  });
  return out;
}

function buildMaskIndex(
  lookup: BevLookup,
  toImage: TensorToImage,
  maskWidth: number,
  maskHeight: number,
): BevMaskIndex {
  const index = new Int32Array(lookup.pixelIndex.length).fill(-1);
  const halfSpan = new Uint8Array(lookup.pixelIndex.length);
  const w = lookup.imageWidth;
  const cols = lookup.cols;
  const imageRow = (i: number): number =>
    i >= 0 && i < lookup.pixelIndex.length && lookup.pixelIndex[i]! >= 0
      ? Math.floor(lookup.pixelIndex[i]! / w)
      : NaN;
  for (let i = 0; i < index.length; i++) {
    const p = lookup.pixelIndex[i]!;
    if (p < 0) continue;
    const v = Math.floor(p / w);
    const t = imagePixelToTensor(toImage, { u: p - v * w, v });
    const mu = Math.round(t.u);
    const mv = Math.round(t.v);
    if (mu < 0 || mv < 0 || mu >= maskWidth || mv >= maskHeight) continue;
    index[i] = mv * maskWidth + mu;
    const before = imageRow(i - cols);
    const after = imageRow(i + cols);
    const spanImageRows =
      Number.isFinite(before) && Number.isFinite(after)
        ? Math.abs(before - after) / 2
        : Number.isFinite(before)
          ? Math.abs(before - v)
          : Number.isFinite(after)
            ? Math.abs(after - v)
            : 0;
    halfSpan[i] = Math.min(MAX_HALF_SPAN, Math.floor((spanImageRows * toImage.scaleY) / 2));
  }
  return { index, halfSpan, maskWidth, maskHeight };
}

/** Fills `occupancy` (one byte per cell) with 1 where the cell's mask pixels include `positiveClass`. Returns the count. */
export function maskToBev(
  mask: SegmentationMask,
  maskIndex: BevMaskIndex,
  occupancy: Uint8Array,
  positiveClass = 1,
): number {
  let n = 0;
  const classes = mask.classes;
  const { index, halfSpan } = maskIndex;
  const w = mask.width;
  const size = classes.length;
  for (let i = 0; i < index.length; i++) {
    const m = index[i]!;
    let on = 0;
    if (m >= 0) {
      if (classes[m] === positiveClass) on = 1;
      else {
        for (let k = 1; k <= halfSpan[i]! && !on; k++) {
          const up = m - k * w;
          const down = m + k * w;
          if (
            (up >= 0 && classes[up] === positiveClass) ||
            (down < size && classes[down] === positiveClass)
          )
            on = 1;
        }
      }
    }
    occupancy[i] = on;
    n += on;
  }
  return n;
}

/** Fraction of the mask's pixels that are `positiveClass`, estimated from every `stride`-th pixel (default 5; 1 = exact). */
export function maskFraction(mask: SegmentationMask, positiveClass = 1, stride = 5): number {
  const classes = mask.classes;
  const length = classes.length;
  let n = 0;
  let total = 0;
  for (let i = 0; i < length; i += stride) {
    total++;
    if (classes[i] === positiveClass) n++;
  }
  return total ? n / total : 0;
}
