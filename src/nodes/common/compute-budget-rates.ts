/**
 * A map- and context-aware compute budget for the camera models (the edge constraints are latency
 * and battery): pedestrians at a high rate while the HD map puts a crossing within the stopping
 * distance (or when it cannot be known: no pose, no map), a low rate elsewhere; lanes at a low rate
 * while the ego lane estimate has been stable and the map agreed for a while; crosswalks at a low
 * rate when no mapped crossing is near (still looking for unmapped ones); and a hard CPU budget over
 * the models' measured cost per run, met by lowering crosswalks first, then lanes, pedestrians last.
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
  /** CPU cost of one run per model, ms (measured on the target: `npm run bench -- models`). */
  costMs: ModelRates;
  /** Lowest rate the budget may cut each model to, Hz. */
  minHz: ModelRates;
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
  /** A crossing is within the stopping distance, or it is unknown. */
  nearCrossing: boolean;
  /** Why pedestrians run at the rate chosen (for diagnostics). */
  reason: string;
  /** Stopping distance plus margin at the current speed, m (NaN when the speed is unknown). */
  reachM: number;
  /** Cores the models use at the chosen rates (by their costs). */
  plannedCores: number;
  /** True when the CPU budget lowered some rate. */
  limitedByBudget: boolean;
}

const MODELS: readonly BudgetedModel[] = ["pedestrians", "lanes", "crosswalks"];
/** Who gives way first when over budget. */
const CUT_ORDER: readonly BudgetedModel[] = ["crosswalks", "lanes", "pedestrians"];

function positive(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new PerceptionError("parameter", `compute budget: ${name} must be a positive number, got ${v}`);
}

/** Checks the options (a `parameter` PerceptionError names the bad one). */
export function checkComputeBudgetOptions(o: ComputeBudgetOptions): void {
  for (const k of ["pedestrianNearCrossingHz", "pedestrianHz", "laneHz", "laneStableHz", "crosswalkNearCrossingHz", "crosswalkHz", "decelerationMps2", "cpuBudgetCores"] as const) positive(k, o[k]);
  for (const m of MODELS) {
    positive(`costMs.${m}`, o.costMs[m]);
    positive(`minHz.${m}`, o.minHz[m]);
  }
  if (!(o.reactionTimeS >= 0) || !(o.crossingMarginM >= 0)) throw new PerceptionError("parameter", "compute budget: reactionTimeS and crossingMarginM must be >= 0");
}

/** Stopping distance plus margin at `speed`, m. */
export function reachM(o: ComputeBudgetOptions, speedMps: number): number {
  const v = Math.max(0, speedMps);
  return v * o.reactionTimeS + (v * v) / (2 * o.decelerationMps2) + o.crossingMarginM;
}

/** Cores the models use at these rates. */
export function plannedCores(o: ComputeBudgetOptions, rates: ModelRates): number {
  return MODELS.reduce((a, m) => a + (rates[m] * o.costMs[m]) / 1000, 0);
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
  // The hard budget: cut in order, each down to its floor, until the models fit.
  let limited = false;
  const budgetMs = o.cpuBudgetCores * 1000;
  for (const m of CUT_ORDER) {
    const over = plannedCores(o, rates) * 1000 - budgetMs;
    if (over <= 1e-9) break;
    const floor = Math.min(rates[m], o.minHz[m]);
    const cut = Math.max(floor, rates[m] - over / o.costMs[m]);
    if (cut < rates[m]) {
      rates[m] = cut;
      limited = true;
    }
  }
  return { rates, nearCrossing, reason, reachM: reach, plannedCores: plannedCores(o, rates), limitedByBudget: limited };
}

/** Tells whether the ego lane estimate has been stable long enough (consecutive good frames). */
export class LaneStability {
  #run = 0;

  constructor(private readonly options: { frames: number; maxLateralStdM: number; minMapConsistency: number }) {}

  /**
   * One fused frame: good when the ego lane is valid, its lateral offset is known to within
   * `maxLateralStdM`, and the map agrees (consistency score >= `minMapConsistency`; NaN = no map:
   * never stable). Returns whether the last `frames` frames were all good.
   */
  update(f: { egoLaneValid: boolean; lateralOffsetStd: number; mapConsistency: number }): boolean {
    const good = f.egoLaneValid && f.lateralOffsetStd <= this.options.maxLateralStdM && f.mapConsistency >= this.options.minMapConsistency;
    this.#run = good ? this.#run + 1 : 0;
    return this.#run >= this.options.frames;
  }

  /** Forgets the history (time went back). */
  reset(): void {
    this.#run = 0;
  }
}
