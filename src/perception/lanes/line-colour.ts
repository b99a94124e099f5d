/**
 * White vs yellow from the source image's pixels under a lane instance, judged against the road
 * beside it: the lighting (sodium lamps, low sun) tints road and paint alike, so what counts is how
 * much more yellow ((R+G)/2 - B, relative to brightness) the paint is than the asphalt next to it.
 */
import { LaneMarking } from "../../msgs/types.generated.js";
import type { ImageView } from "../../image/image-view.js";
import type { BevLookup } from "../bev/bev-grid.js";
import type { LaneInstance } from "./lane-instances.js";
import { PixelSampler } from "../bev/image-sampling.js";

/** A paint colour with its probability. */
export interface LineColour {
  color: number;
  confidence: number;
}

/** Options of `classifyLineColour`. */
export interface LineColourOptions {
  /** Paint is yellow when its relative yellowness exceeds the road's by this. */
  yellowMargin: number;
  /** Lateral offset of the road reference samples (metres). */
  roadOffset: number;
  /** Most pixels sampled per instance. */
  maxSamples: number;
}

function yellowness(rgb: Uint8Array): number {
  const bright = Math.max(rgb[0]!, rgb[1]!, rgb[2]!);
  return ((rgb[0]! + rgb[1]!) / 2 - rgb[2]!) / Math.max(40, bright);
}

/** Scratch of `classifyLineColour`: one pixel's R, G, B and the paint samples' yellowness (grown on demand). */
const rgb = new Uint8Array(3);
let paintScratch = new Float64Array(512);

/** Running sums of the road samples beside the paint. */
interface RoadSums {
  yellow: number;
  grey: number;
  n: number;
}

/** Adds the road cell `side` columns beside `cell` (when in the grid, unpainted and seen) to `road`. */
function addRoadSample(
  cell: number,
  side: number,
  lookup: BevLookup,
  occupancy: Uint8Array,
  sampler: PixelSampler,
  road: RoadSums,
): void {
  const c2 = (cell % lookup.cols) + side;
  if (c2 < 0 || c2 >= lookup.cols) return;
  const n = cell + side;
  if (occupancy[n]) return;
  const q = lookup.pixelIndex[n]!;
  if (q < 0) return;
  sampler.rgbInto(q, rgb, 0);
  road.yellow += yellowness(rgb);
  road.grey += rgb[0]! + rgb[1]! + rgb[2]!;
  road.n++;
}

/** Classifies an instance's paint colour; `occupancy` marks painted cells (so road samples avoid paint). */
export function classifyLineColour(
  instance: LaneInstance,
  view: ImageView,
  lookup: BevLookup,
  occupancy: Uint8Array,
  options: LineColourOptions,
): LineColour {
  const margin = options.yellowMargin;
  const offsetCols = Math.max(2, Math.round(options.roadOffset / lookup.spec.dy));
  const maxSamples = options.maxSamples;
  const sampler = new PixelSampler(view);
  // Every `stride`-th cell of the instance, its parts' cells taken one after the other.
  let cellCount = 0;
  for (const p of instance.parts) cellCount += p.cells.length;
  const stride = Math.max(1, Math.floor(cellCount / maxSamples));
  if (paintScratch.length < Math.ceil(cellCount / stride))
    paintScratch = new Float64Array(Math.ceil(cellCount / stride));
  const paint = paintScratch;
  let paintN = 0;
  const road: RoadSums = { yellow: 0, grey: 0, n: 0 };
  let paintGrey = 0;
  let partStart = 0;
  let k = 0;
  for (const part of instance.parts) {
    for (; k < partStart + part.cells.length; k += stride) {
      const cell = part.cells[k - partStart]!;
      const p = lookup.pixelIndex[cell]!;
      if (p < 0) continue;
      sampler.rgbInto(p, rgb, 0);
      paint[paintN++] = yellowness(rgb);
      paintGrey += rgb[0]! + rgb[1]! + rgb[2]!;
      addRoadSample(cell, -offsetCols, lookup, occupancy, sampler, road);
      addRoadSample(cell, offsetCols, lookup, occupancy, sampler, road);
    }
    partStart += part.cells.length;
  }
  if (paintN === 0) return { color: LaneMarking.COLOR_UNKNOWN, confidence: 0 };
  const roadYellow = road.n ? road.yellow / road.n : 0;
  let yellowVotes = 0;
  for (let i = 0; i < paintN; i++) if (paint[i]! - roadYellow > margin) yellowVotes++;
  const fraction = yellowVotes / paintN;
  // Paint no brighter than the road it lies on: the colour is not measurable.
  const contrast = paintGrey / paintN - (road.n ? road.grey / road.n : 0);
  const certainty = contrast > 15 ? 1 : 0.6;
  return fraction > 0.5
    ? { color: LaneMarking.COLOR_YELLOW, confidence: fraction * certainty }
    : { color: LaneMarking.COLOR_WHITE, confidence: (1 - fraction) * certainty };
}
