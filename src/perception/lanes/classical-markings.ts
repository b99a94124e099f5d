/**
 * The classical marking filter (no model): the image warped to BEV (grey level and yellowness per
 * cell), then per BEV row a lateral top-hat: a cell is paint when it is brighter (or yellower) than
 * both flanks 0.2-0.6 m to either side. In BEV, paint has the same width at every range, so one
 * filter width fits near and far; wide bright things (cars, sunlit patches) have bright flanks and
 * do not respond. Paint lies on the road: both flanks must be grey like asphalt (low chroma: not a
 * car's paint, a verge, a tail light or blue headlight glare) and the paint itself white or
 * yellow, else the cell is not paint, whatever its contrast. Grey is not enough (snow banks,
 * concrete kerbs and pavements are grey too): the road's own brightness is read straight ahead of
 * the car (`roadAppearance`), and the flanks must be that bright, give or take.
 */
import type { ImageView } from "../../image/image-view.js";
import { rowX, type BevLookup } from "../bev/bev-grid.js";
import { sampleBevColour } from "../bev/image-sampling.js";

/** Options of `classicalMarkingOccupancy`. */
export interface ClassicalMarkingOptions {
  /** Inner flank offset (metres). */
  flankInner: number;
  /** Outer flank offset (metres). */
  flankOuter: number;
  /** Minimum grey-level excess over the brighter flank (0-255). */
  minContrast: number;
  /** Minimum yellowness excess over the flanks for yellow paint. */
  minYellowContrast: number;
  /** Rows beyond this range are not searched (metres): far rows are blurred and full of cars. */
  maxRange: number;
  /** Most mean chroma (max - min of R, G, B) of a flank (or cell, or image pixel) for it to be road. */
  maxRoadChroma: number;
  /** Most chroma of white paint (yellow paint passes by its yellowness). */
  maxWhiteChroma: number;
  /** Where the road's appearance is read: nearest range ahead (metres). */
  roadSampleNear: number;
  /** Where the road's appearance is read: farthest range ahead (metres). */
  roadSampleFar: number;
  /** ... and half-width (metres) of the strip straight ahead. */
  roadSampleHalfWidth: number;
  /** A flank (or cell) is road when its grey level is within this of the road's median (grey levels), or `roadSpreadFactor` times the road's median absolute deviation if larger. */
  roadGreyTolerance: number;
  /** Multiple of the road's median absolute deviation that widens `roadGreyTolerance`. */
  roadSpreadFactor: number;
}

/** The road's appearance straight ahead: median grey level and its spread. */
export interface RoadAppearance {
  grey: number;
  /** Median absolute deviation of the grey level. */
  spread: number;
  /** Grey levels within [low, high] are road-like. */
  low: number;
  high: number;
}

/**
 * The road's grey level from the low-chroma cells in the strip straight ahead of the car (median
 * and median absolute deviation; lane paint and cars there are few of the cells); undefined when
 * fewer than 20 such cells are seen.
 */
export function roadAppearance(
  lookup: BevLookup,
  grey: Float32Array,
  chroma: Float32Array,
  options: ClassicalMarkingOptions,
): RoadAppearance | undefined {
  const { spec, rows, cols } = lookup;
  const near = options.roadSampleNear;
  const far = options.roadSampleFar;
  const half = options.roadSampleHalfWidth;
  const maxRoadChroma = options.maxRoadChroma;
  const values: number[] = [];
  const c0 = Math.max(0, Math.floor((-half - spec.yMin) / spec.dy));
  const c1 = Math.min(cols - 1, Math.floor((half - spec.yMin) / spec.dy));
  for (let r = 0; r < rows; r++) {
    const x = rowX(spec, r);
    if (x < near || x > far) continue;
    for (let c = c0; c <= c1; c++) {
      const g = grey[r * cols + c]!;
      if (!Number.isNaN(g) && chroma[r * cols + c]! <= maxRoadChroma) values.push(g);
    }
  }
  if (values.length < 20) return undefined;
  values.sort((a, b) => a - b);
  const median = values[values.length >> 1]!;
  const dev = values.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  const spread = dev[dev.length >> 1]!;
  const tol = Math.max(options.roadGreyTolerance, options.roadSpreadFactor * spread);
  return { grey: median, spread, low: median - tol, high: median + tol };
}

/** Per-row prefix sums of `classicalMarkingOccupancy` (grey, yellowness, NaN count), reused by every call and grown to the widest grid seen. */
let prefix = {
  grey: new Float64Array(1),
  yellow: new Float64Array(1),
  chroma: new Float64Array(1),
  nan: new Int32Array(1),
};

/** What `classicalMarkingOccupancy` found. */
export interface ClassicalMarkings {
  /** Paint-like cells. */
  count: number;
  /** The road's appearance straight ahead (undefined when it could not be read: no road test then). */
  appearance: RoadAppearance | undefined;
}

/** Whether a pixel's colour is road-like for `appearance` (its grey level, low chroma). */
export function isRoadColour(
  r: number,
  g: number,
  b: number,
  appearance: RoadAppearance,
  maxRoadChroma: number,
): boolean {
  const grey = 0.299 * r + 0.587 * g + 0.114 * b;
  return (
    grey >= appearance.low &&
    grey <= appearance.high &&
    Math.max(r, g, b) - Math.min(r, g, b) <= maxRoadChroma
  );
}

/**
 * Fills `occupancy` with 1 on paint-like cells. Scratch arrays are reused when passed. With `road`
 * (same size), it is filled with 1 on road-like cells (low chroma, the road's grey level) and on
 * paint, 0 elsewhere; all 1 when the road's appearance could not be read.
 */
export function classicalMarkingOccupancy(
  view: ImageView,
  lookup: BevLookup,
  occupancy: Uint8Array,
  options: ClassicalMarkingOptions,
  scratch?: { grey: Float32Array; yellow: Float32Array; chroma?: Float32Array },
  road?: Uint8Array,
): ClassicalMarkings {
  const { rows, cols, spec } = lookup;
  const k1 = Math.max(1, Math.round(options.flankInner / spec.dy));
  const k2 = Math.max(k1 + 1, Math.round(options.flankOuter / spec.dy));
  const minContrast = options.minContrast;
  const minYellow = options.minYellowContrast;
  const maxRange = options.maxRange;
  const n = rows * cols;
  const grey = scratch?.grey.length === n ? scratch.grey : new Float32Array(n);
  const yellow = scratch?.yellow.length === n ? scratch.yellow : new Float32Array(n);
  const chroma = scratch?.chroma?.length === n ? scratch.chroma : new Float32Array(n);
  const maxRoadChroma = options.maxRoadChroma;
  const maxWhiteChroma = options.maxWhiteChroma;
  sampleBevColour(view, lookup.pixelIndex, grey, yellow, chroma);
  occupancy.fill(0);
  const appearance = roadAppearance(lookup, grey, chroma, options);
  const low = appearance?.low ?? -Infinity;
  const high = appearance?.high ?? Infinity;
  if (prefix.grey.length < cols + 1)
    prefix = {
      grey: new Float64Array(cols + 1),
      yellow: new Float64Array(cols + 1),
      chroma: new Float64Array(cols + 1),
      nan: new Int32Array(cols + 1),
    };
  // Prefix sums along the current row; entry 0 stays 0, entries 1..cols are rewritten per row.
  const pg = prefix.grey;
  const py = prefix.yellow;
  const pc = prefix.chroma;
  const pn = prefix.nan; // NaN count
  const width = k2 - k1 + 1;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (rowX(spec, r) > maxRange) break;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const g = grey[base + c]!;
      const bad = Number.isNaN(g);
      pg[c + 1] = pg[c]! + (bad ? 0 : g);
      py[c + 1] = py[c]! + (bad ? 0 : yellow[base + c]!);
      pc[c + 1] = pc[c]! + (bad ? 0 : chroma[base + c]!);
      pn[c + 1] = pn[c]! + (bad ? 1 : 0);
    }
    for (let c = k2; c < cols - k2; c++) {
      const g = grey[base + c]!;
      if (Number.isNaN(g)) continue;
      const l0 = c - k2;
      const l1 = c - k1 + 1;
      const r0 = c + k1;
      const r1 = c + k2 + 1;
      // A flank that leaves the image is ignored (paint at the image border keeps the other flank).
      const leftOk = pn[l1]! - pn[l0]! === 0;
      const rightOk = pn[r1]! - pn[r0]! === 0;
      if (!leftOk && !rightOk) continue;
      const left = leftOk ? (pg[l1]! - pg[l0]!) / width : -Infinity;
      const right = rightOk ? (pg[r1]! - pg[r0]!) / width : -Infinity;
      const greyExcess = g - Math.max(left, right);
      const yl = leftOk ? (py[l1]! - py[l0]!) / width : -Infinity;
      const yr = rightOk ? (py[r1]! - py[r0]!) / width : -Infinity;
      const yellowExcess = yellow[base + c]! - Math.max(yl, yr);
      const isYellow = yellowExcess >= minYellow && greyExcess > 0;
      if (!(greyExcess >= minContrast || isYellow)) continue;
      // Road on the flanks that are seen, white or yellow paint in the middle.
      if (leftOk && (pc[l1]! - pc[l0]!) / width > maxRoadChroma) continue;
      if (rightOk && (pc[r1]! - pc[r0]!) / width > maxRoadChroma) continue;
      // ... and as bright as the road (not a snow bank, a pavement, a kerb's top).
      if (leftOk && !(left >= low && left <= high)) continue;
      if (rightOk && !(right >= low && right <= high)) continue;
      if (!isYellow && chroma[base + c]! > maxWhiteChroma) continue;
      occupancy[base + c] = 1;
      count++;
    }
  }
  if (road) {
    for (let i = 0; i < n; i++) {
      const g = grey[i]!;
      road[i] =
        occupancy[i] ||
        !appearance ||
        (!Number.isNaN(g) && g >= low && g <= high && chroma[i]! <= maxRoadChroma)
          ? 1
          : 0;
    }
  }
  return { count, appearance };
}
