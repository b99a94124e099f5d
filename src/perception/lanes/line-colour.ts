/**
 * White vs yellow from the source image's pixels under a lane instance, judged against the road
 * beside it: the lighting (sodium lamps, low sun) tints road and paint alike, so what counts is how
 * much more yellow ((R+G)/2 - B, relative to brightness) the paint is than the asphalt next to it.
 */
import { LaneMarking } from "../../msgs/types.generated.js";
import type { ImageView } from "../../image/image-view.js";
import type { BevLookup } from "./bev-grid.js";
import type { LaneInstance } from "./lane-instances.js";
import { rgbReader } from "./image-sampling.js";

/** A paint colour with its probability. */
export interface LineColour {
  color: number;
  confidence: number;
}

/** Options of `classifyLineColour`. */
export interface LineColourOptions {
  /** Paint is yellow when its relative yellowness exceeds the road's by this; default 0.12. */
  yellowMargin?: number;
  /** Lateral offset of the road reference samples (metres); default 0.5. */
  roadOffset?: number;
  /** Most pixels sampled per instance; default 300. */
  maxSamples?: number;
}

function yellowness(rgb: Uint8Array): number {
  const bright = Math.max(rgb[0], rgb[1], rgb[2]);
  return ((rgb[0] + rgb[1]) / 2 - rgb[2]) / Math.max(40, bright);
}

/** Classifies an instance's paint colour; `occupancy` marks painted cells (so road samples avoid paint). */
export function classifyLineColour(
  instance: LaneInstance,
  view: ImageView,
  lookup: BevLookup,
  occupancy: Uint8Array,
  options: LineColourOptions = {},
): LineColour {
  const margin = options.yellowMargin ?? 0.12;
  const offsetCols = Math.max(2, Math.round((options.roadOffset ?? 0.5) / lookup.spec.dy));
  const maxSamples = options.maxSamples ?? 300;
  const read = rgbReader(view);
  const rgb = new Uint8Array(3);
  const cells: number[] = [];
  for (const p of instance.parts) for (const c of p.cells) cells.push(c);
  const stride = Math.max(1, Math.floor(cells.length / maxSamples));
  const paint: number[] = [];
  let roadSum = 0;
  let roadN = 0;
  let paintGrey = 0;
  let roadGrey = 0;
  for (let k = 0; k < cells.length; k += stride) {
    const cell = cells[k];
    const p = lookup.pixelIndex[cell];
    if (p < 0) continue;
    read(p, rgb, 0);
    paint.push(yellowness(rgb));
    paintGrey += rgb[0] + rgb[1] + rgb[2];
    const col = cell % lookup.cols;
    for (const side of [-offsetCols, offsetCols]) {
      const c2 = col + side;
      if (c2 < 0 || c2 >= lookup.cols) continue;
      const n = cell + side;
      if (occupancy[n]) continue;
      const q = lookup.pixelIndex[n];
      if (q < 0) continue;
      read(q, rgb, 0);
      roadSum += yellowness(rgb);
      roadGrey += rgb[0] + rgb[1] + rgb[2];
      roadN++;
    }
  }
  if (paint.length === 0) return { color: LaneMarking.COLOR_UNKNOWN, confidence: 0 };
  const road = roadN ? roadSum / roadN : 0;
  let yellowVotes = 0;
  for (const y of paint) if (y - road > margin) yellowVotes++;
  const fraction = yellowVotes / paint.length;
  // Paint no brighter than the road it lies on: the colour is not measurable.
  const contrast = paintGrey / paint.length - (roadN ? roadGrey / roadN : 0);
  const certainty = contrast > 15 ? 1 : 0.6;
  return fraction > 0.5
    ? { color: LaneMarking.COLOR_YELLOW, confidence: fraction * certainty }
    : { color: LaneMarking.COLOR_WHITE, confidence: (1 - fraction) * certainty };
}
