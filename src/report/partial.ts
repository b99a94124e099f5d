/**
 * What one evaluated unit (a drive, a set of still images) contributes to the metrics: sums and
 * counts only, so that units merge by addition in any grouping. The metrics JSON is computed from
 * the merge of all units sorted by unit id (`finalizeMetrics`), which is why a merge of shard
 * results equals an unsharded run byte for byte.
 */

/** True positives, false positives, false negatives. */
export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** Sum, sum of squares, count and maximum of absolute errors. */
export interface ErrorSum {
  n: number;
  sum: number;
  sumSq: number;
  max: number;
}

/** One object class's detection counts. */
export interface DetectionPartial {
  counts: Counts;
  /** By range band of the labelled object (TP, FN) or of the detection (FP). */
  byRange: Record<string, Counts>;
  /** By box height band, likewise. */
  byHeight: Record<string, Counts>;
  /** Per `pr_thresholds` entry: matched and unmatched detections with a score >= the threshold. */
  prTp: number[];
  prFp: number[];
}

/** CLEAR-MOT and identity counts of one class over sequences. */
export interface TrackingPartial {
  /** Labelled objects summed over frames. */
  gt: number;
  fp: number;
  fn: number;
  idSwitches: number;
  fragmentations: number;
  idtp: number;
  idfp: number;
  idfn: number;
  /** Labelled trajectories (distinct ids). */
  trajectories: number;
}

/** Lane markings. */
export interface LanePartial {
  /** Frames scored with the TuSimple rules and the sums of their per-frame scores. */
  tusimpleFrames: number;
  tusimpleAccuracy: number;
  tusimpleFp: number;
  tusimpleFn: number;
  /** Marking-level matches in base_link (or in the image for still labels). */
  counts: Counts;
  /** |lateral error| of matched markings by range band of x, metres. */
  lateral: Record<string, ErrorSum>;
}

/** Crosswalks. */
export interface CrosswalkPartial {
  /** Per frame: a crossing present (labelled) vs detected. */
  presence: Counts;
  /** Frames with only out-of-range crossings in view (not scored for presence). */
  dontCareFrames: number;
  /** Polygon matches (base_link) and the IoU and distance-ahead error of matched ones. */
  polygons: Counts;
  iou: ErrorSum;
  distance: ErrorSum;
}

/** Ego lane. */
export interface EgoPartial {
  frames: number;
  /** Frames whose EgoLaneState is valid. */
  valid: number;
  /** Valid frames whose lane id equals the labelled one. */
  idCorrect: number;
  /** |lateral offset error| on valid frames, metres. */
  offset: ErrorSum;
}

/** Map disagreements found vs injected (one entry per drive with map edits or findings). */
export interface MapPartial {
  injected: number;
  found: number;
  tp: number;
  fp: number;
  fn: number;
  /** "<unit>: <kind> <map id>" of missed and spurious disagreements. */
  missed: string[];
  spurious: string[];
}

/** Stream frame counts: camera frames vs frames each stage published. */
export interface DropPartial {
  expected: number;
  received: number;
}

export interface EvalPartial {
  /** Frames with ground truth. */
  frames: number;
  detection: Record<string, DetectionPartial>;
  /** Pedestrian ground position error by range band (matched detections), metres. */
  position: Record<string, ErrorSum>;
  tracking: Record<string, TrackingPartial>;
  lanes?: LanePartial;
  crosswalks?: CrosswalkPartial;
  ego?: EgoPartial;
  map?: MapPartial;
  /** Sparse latency histograms per stage: bin index -> count. */
  latency: Record<string, Record<string, number>>;
  drops: Record<string, DropPartial>;
}

/** An evaluated unit: its id (relative path), scenario and contribution. */
export interface EvalUnit {
  id: string;
  scenario: string;
  partial: EvalPartial;
}

export function emptyPartial(): EvalPartial {
  return { frames: 0, detection: {}, position: {}, tracking: {}, latency: {}, drops: {} };
}

export function zeroCounts(): Counts {
  return { tp: 0, fp: 0, fn: 0 };
}

export function zeroErrors(): ErrorSum {
  return { n: 0, sum: 0, sumSq: 0, max: 0 };
}

/** Adds one absolute error. */
export function addError(e: ErrorSum, value: number): void {
  const v = Math.abs(value);
  e.n++;
  e.sum += v;
  e.sumSq += v * v;
  if (v > e.max) e.max = v;
}

/**
 * Adds `b` into a copy of `a`, field by field: numbers add (fields named `max` take the larger),
 * number arrays add element-wise, string arrays concatenate (sorted), objects merge by key.
 */
export function mergeInto<T>(a: T | undefined, b: T | undefined): T {
  if (a === undefined) return structuredClone(b) as T;
  if (b === undefined) return structuredClone(a);
  return mergeValue(a, b, "") as T;
}

function mergeValue(a: unknown, b: unknown, key: string): unknown {
  if (a === undefined) return structuredClone(b);
  if (b === undefined) return structuredClone(a);
  if (typeof a === "number" && typeof b === "number") return key === "max" ? Math.max(a, b) : a + b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every((v) => typeof v === "string") && b.every((v) => typeof v === "string"))
      return [...a, ...b].sort();
    if (a.length !== b.length)
      throw new Error(`cannot merge arrays of lengths ${a.length} and ${b.length} at '${key}'`);
    return a.map((v, i) => (v as number) + (b[i] as number));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const out: Record<string, unknown> = {};
    const ka = a as Record<string, unknown>;
    const kb = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ka), ...Object.keys(kb)])].sort()) {
      out[k] =
        k in ka && k in kb ? mergeValue(ka[k], kb[k], k) : structuredClone(k in ka ? ka[k] : kb[k]);
    }
    return out;
  }
  throw new Error(`cannot merge ${typeof a} with ${typeof b} at '${key}'`);
}

/** Merges units in id order (the order is what makes the sums reproducible). */
export function mergeUnits(units: readonly EvalUnit[]): EvalPartial {
  let acc = emptyPartial();
  for (const u of [...units].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)))
    acc = mergeInto(acc, u.partial);
  return acc;
}
