/**
 * How many crop passes (horizon band, map regions) a pedestrian frame may run: a budget of crop
 * passes per second of node-clock time, spread over the frames the detector's rate asks for. At
 * 30 crop passes/s a detector at 30 Hz runs one crop a frame, at 10 Hz three; 15 passes/s at
 * 30 Hz gives one crop every other frame. The fraction left is carried to the next frame, so the
 * average is the budget; passes a frame cannot use (nothing to crop) are not saved up, so the
 * model never gets a burst of crops after a quiet stretch. The compute_budget node sets the
 * budget at run time from the CPU budget and the measured cost of one pass.
 */
import { PerceptionError } from "../../core/errors.js";

export class CropPassBudget {
  #perSecond: number;
  #maxPerFrame: number;
  /** Passes earned and not yet granted (< 1 after each frame). */
  #credit = 0;

  /**
   * @param perSecond crop passes per second (>= 0)
   * @param maxPerFrame most crop passes one frame may run (a whole number >= 0)
   */
  constructor(perSecond: number, maxPerFrame: number) {
    this.#perSecond = CropPassBudget.#checkRate(perSecond);
    this.#maxPerFrame = CropPassBudget.#checkMax(maxPerFrame);
  }

  static #checkRate(v: number): number {
    if (!(Number.isFinite(v) && v >= 0))
      throw new PerceptionError(
        "parameter",
        `crop passes per second must be a number >= 0, got ${v}`,
      );
    return v;
  }

  static #checkMax(v: number): number {
    if (!(Number.isInteger(v) && v >= 0))
      throw new PerceptionError(
        "parameter",
        `crop passes per frame must be a whole number >= 0, got ${v}`,
      );
    return v;
  }

  /** Crop passes per second now. */
  get perSecond(): number {
    return this.#perSecond;
  }

  /** Most crop passes of one frame. */
  get maxPerFrame(): number {
    return this.#maxPerFrame;
  }

  /** A new budget (from the next frame on); a `parameter` PerceptionError when negative or not finite. */
  setPerSecond(v: number): void {
    this.#perSecond = CropPassBudget.#checkRate(v);
  }

  /** A new cap per frame (from the next frame on). */
  setMaxPerFrame(v: number): void {
    this.#maxPerFrame = CropPassBudget.#checkMax(v);
  }

  /**
   * The crop passes of the next frame for a detector running at `rateHz` (its asked rate, so
   * frames lost to a busy model do not raise the passes of the rest): the budget's share of one
   * frame plus the fraction carried, whole passes, at most `maxPerFrame`.
   */
  next(rateHz: number): number {
    if (!(Number.isFinite(rateHz) && rateHz > 0))
      throw new PerceptionError(
        "parameter",
        `detector rate must be a positive number of Hz, got ${rateHz}`,
      );
    const credit = this.#credit + this.#perSecond / rateHz;
    // Tiny float error must not turn 30 / 30 into 0.9999.
    const passes = Math.min(this.#maxPerFrame, Math.floor(credit + 1e-9));
    // Only the fraction is carried: what the cap cut is not owed later.
    this.#credit = Math.min(Math.max(0, credit - passes), 1 - 1e-9);
    return passes;
  }

  /** Forgets the carried fraction (a new time line). */
  reset(): void {
    this.#credit = 0;
  }
}
