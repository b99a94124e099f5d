/**
 * A map- and context-aware compute budget for the camera models (the edge constraints are latency
 * and battery): pedestrians at a high rate while the HD map puts a crossing within the stopping
 * distance (or when it cannot be known: no pose, no map), a low rate elsewhere; lanes at a low rate
 * while the ego lane estimate has been stable and the map agreed for a while; crosswalks at a low
 * rate when no mapped crossing is near (still looking for unmapped ones); the pedestrian detector's
 * crop coverage (crop passes per second: crops around the crossings ahead, then along the horizon
 * band) raised near a crossing too, and held within what one model worker can run beside the
 * whole-frame passes; and a hard CPU budget over the models' measured cost per run, met by
 * lowering crosswalks first, then lanes, then pedestrian crop passes, the pedestrian rate last.
 * Pure: the compute_budget node (src/nodes/compute-budget.ts) feeds it and publishes the rates.
 */
import { PerceptionError } from "../../core/errors.js";

/** A model the budget sets the rate of. */
export type BudgetedModel = "pedestrians" | "lanes" | "crosswalks";

/** Rates per model, Hz. */
export type ModelRates = Record<BudgetedModel, number>;

export interface ComputeBudgetOptions {
  /** Pedestrian rate with a crossing within the stopping distance (or unknown), Hz. */
  pedestrianNearCrossingHz: number;
  /** Pedestrian rate elsewhere, Hz. */
  pedestrianHz: number;
  /** Lane rate while the ego lane is not (yet) stable, Hz. */
  laneHz: number;
  /** Lane rate while it is stable and the map agrees, Hz. */
  laneStableHz: number;
  /** Crosswalk rate with a mapped crossing within the stopping distance, Hz. */
  crosswalkNearCrossingHz: number;
  /** Crosswalk rate elsewhere (unmapped crossings), Hz. */
  crosswalkHz: number;
  /** Reaction time in the stopping distance (v * t + v^2 / 2a), s. */
  reactionTimeS: number;
  /** Braking deceleration in the stopping distance, m/s^2 (> 0). */
  decelerationMps2: number;
  /** Added to the stopping distance (a crossing this close at standstill still counts), m. */
  crossingMarginM: number;
  /** Hard budget: the models' CPU at the chosen rates stays within this many cores. */
  cpuBudgetCores: number;
  /**
   * CPU cost of one run per model, ms (measured on the target: `npm run bench -- pipeline`); for
   * pedestrians one frame without its crop passes (JPEG decode, the whole-frame pass, merging).
   */
  costMs: ModelRates;
  /** Lowest rate the budget may cut each model to, Hz. */
  minHz: ModelRates;
  /** Pedestrian crop passes per second wanted with a crossing within the stopping distance (or unknown). */
  pedestrianCropPassesNearCrossingPerS: number;
  /** Pedestrian crop passes per second wanted elsewhere (the horizon band). */
  pedestrianCropPassesPerS: number;
  /** CPU cost of one pedestrian model pass (a crop: preprocessing, inference, decoding), ms. */
  pedestrianPassCostMs: number;
  /**
   * Share of one core the pedestrian model's passes (whole frames and crops) may keep its worker
   * busy (0..1]: the passes of a frame run one after another on one worker thread, so above ~0.8
   * a frame is not done before the next arrives and frames are dropped, whatever the other core does.
   */
  pedestrianWorkerMaxLoad: number;
}

/** What the policy knows at a decision. */
export interface BudgetContext {
  /** Ego speed over ground, m/s; undefined when unknown (no pose). */
  speedMps: number | undefined;
  /** Distance to the nearest mapped crossing ahead, m: a number, `"none"` (none within reach), or undefined (no map or no pose: unknown). */
  crossingDistanceM: number | "none" | undefined;
  /** The ego lane estimate has been stable, and the map agreed, long enough. */
  laneStable: boolean;
}

export interface BudgetDecision {
  rates: ModelRates;
  /** Pedestrian crop passes per second. */
  pedestrianCropPassesPerS: number;
  /** A crossing is within the stopping distance, or it is unknown. */
  nearCrossing: boolean;
  /** Why pedestrians run at the rate chosen (for diagnostics). */
  reason: string;
  /** Stopping distance plus margin at the current speed, m (NaN when the speed is unknown). */
  reachM: number;
  /** Cores the models use at the chosen rates and crop passes (by their costs). */
  plannedCores: number;
  /** True when the CPU budget lowered some rate. */
  limitedByBudget: boolean;
}

const MODELS: readonly BudgetedModel[] = ["pedestrians", "lanes", "crosswalks"];
/** Who gives way first when over budget: crosswalk and lane rates, pedestrian crop passes, the pedestrian rate last. */
const CUT_ORDER: readonly (BudgetedModel | "crops")[] = [
  "crosswalks",
  "lanes",
  "crops",
  "pedestrians",
];

function positive(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0)
    throw new PerceptionError(
      "parameter",
      `compute budget: ${name} must be a positive number, got ${v}`,
    );
}

/** Checks the options (a `parameter` PerceptionError names the bad one). */
export function checkComputeBudgetOptions(o: ComputeBudgetOptions): void {
  for (const k of [
    "pedestrianNearCrossingHz",
    "pedestrianHz",
    "laneHz",
    "laneStableHz",
    "crosswalkNearCrossingHz",
    "crosswalkHz",
    "decelerationMps2",
    "cpuBudgetCores",
    "pedestrianPassCostMs",
  ] as const)
    positive(k, o[k]);
  for (const k of ["pedestrianCropPassesNearCrossingPerS", "pedestrianCropPassesPerS"] as const) {
    if (!(Number.isFinite(o[k]) && o[k] >= 0))
      throw new PerceptionError(
        "parameter",
        `compute budget: ${k} must be a number >= 0, got ${o[k]}`,
      );
  }
  if (!(o.pedestrianWorkerMaxLoad > 0 && o.pedestrianWorkerMaxLoad <= 1))
    throw new PerceptionError(
      "parameter",
      `compute budget: pedestrianWorkerMaxLoad must be in (0, 1], got ${o.pedestrianWorkerMaxLoad}`,
    );
  for (const m of MODELS) {
    positive(`costMs.${m}`, o.costMs[m]);
    positive(`minHz.${m}`, o.minHz[m]);
  }
  if (!(o.reactionTimeS >= 0) || !(o.crossingMarginM >= 0))
    throw new PerceptionError(
      "parameter",
      "compute budget: reactionTimeS and crossingMarginM must be >= 0",
    );
}

/** Stopping distance plus margin at `speed`, m. */
export function reachM(o: ComputeBudgetOptions, speedMps: number): number {
  const v = Math.max(0, speedMps);
  return v * o.reactionTimeS + (v * v) / (2 * o.decelerationMps2) + o.crossingMarginM;
}

/** Cores the models use at these rates and pedestrian crop passes per second. */
export function plannedCores(
  o: ComputeBudgetOptions,
  rates: ModelRates,
  cropPassesPerS: number,
): number {
  return (
    MODELS.reduce((a, m) => a + (rates[m] * o.costMs[m]) / 1000, 0) +
    (cropPassesPerS * o.pedestrianPassCostMs) / 1000
  );
}

/**
 * Crop passes per second the pedestrian worker has room for at a pedestrian rate: its share of a
 * core over the cost of a pass, less the whole-frame passes (one a frame).
 */
export function workerRoomPerS(o: ComputeBudgetOptions, pedestrianHz: number): number {
  return Math.max(0, (o.pedestrianWorkerMaxLoad * 1000) / o.pedestrianPassCostMs - pedestrianHz);
}

/** The rates for this context. */
export function decideRates(o: ComputeBudgetOptions, c: BudgetContext): BudgetDecision {
  const reach = c.speedMps === undefined ? NaN : reachM(o, c.speedMps);
  let nearCrossing: boolean;
  let reason: string;
  if (c.crossingDistanceM === undefined || c.speedMps === undefined) {
    nearCrossing = true;
    reason = "crossings unknown (no pose or no map): pedestrians at the crossing rate";
  } else if (c.crossingDistanceM === "none" || c.crossingDistanceM > reach) {
    nearCrossing = false;
    reason = `no mapped crossing within ${reach.toFixed(0)} m (stopping distance + margin)`;
  } else {
    nearCrossing = true;
    reason = `crossing ${c.crossingDistanceM.toFixed(0)} m ahead, within ${reach.toFixed(0)} m`;
  }
  const rates: ModelRates = {
    pedestrians: nearCrossing ? o.pedestrianNearCrossingHz : o.pedestrianHz,
    lanes: c.laneStable ? o.laneStableHz : o.laneHz,
    crosswalks: nearCrossing ? o.crosswalkNearCrossingHz : o.crosswalkHz,
  };
  // Crop coverage where people can be; never more than the pedestrian worker has room for.
  let crops = Math.min(
    nearCrossing ? o.pedestrianCropPassesNearCrossingPerS : o.pedestrianCropPassesPerS,
    workerRoomPerS(o, rates.pedestrians),
  );
  // The hard budget: cut in order, each down to its floor, until the models fit.
  let limited = false;
  const budgetMs = o.cpuBudgetCores * 1000;
  const overMs = (): number => plannedCores(o, rates, crops) * 1000 - budgetMs;
  for (const step of CUT_ORDER) {
    const over = overMs();
    if (over <= 1e-9) break;
    if (step === "crops") {
      const cut = Math.max(0, crops - over / o.pedestrianPassCostMs);
      if (cut < crops) {
        crops = cut;
        limited = true;
      }
      continue;
    }
    const floor = Math.min(rates[step], o.minHz[step]);
    const cut = Math.max(floor, rates[step] - over / o.costMs[step]);
    if (cut < rates[step]) {
      rates[step] = cut;
      limited = true;
    }
  }
  return {
    rates,
    pedestrianCropPassesPerS: crops,
    nearCrossing,
    reason,
    reachM: reach,
    plannedCores: plannedCores(o, rates, crops),
    limitedByBudget: limited,
  };
}

/** Tells whether the ego lane estimate has been stable long enough (consecutive good frames). */
export class LaneStability {
  #run = 0;

  readonly #options: { frames: number; maxLateralStdM: number; minMapConsistency: number };

  constructor(options: { frames: number; maxLateralStdM: number; minMapConsistency: number }) {
    this.#options = options;
  }

  /**
   * One fused frame: good when the ego lane is valid, its lateral offset is known to within
   * `maxLateralStdM`, and the map agrees (consistency score >= `minMapConsistency`; NaN = no map:
   * never stable). Returns whether the last `frames` frames were all good.
   */
  update(f: { egoLaneValid: boolean; lateralOffsetStd: number; mapConsistency: number }): boolean {
    const good =
      f.egoLaneValid &&
      f.lateralOffsetStd <= this.#options.maxLateralStdM &&
      f.mapConsistency >= this.#options.minMapConsistency;
    this.#run = good ? this.#run + 1 : 0;
    return this.#run >= this.#options.frames;
  }

  /** Forgets the history (time went back). */
  reset(): void {
    this.#run = 0;
  }
}
