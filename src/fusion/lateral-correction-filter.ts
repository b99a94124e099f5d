/** Tuning of the lateral correction filter. */
export interface LateralCorrectionFilterOptions {
  /** How fast the pose's lateral error may drift, m per sqrt(s) (random-walk process noise). */
  driftStdPerSqrtSec: number;
  /** An innovation beyond this many standard deviations restarts the filter at the measurement (pose relocalised). */
  resetSigma: number;
}

/**
 * A 1D Kalman filter on the camera-minus-map lateral shift: the pose's lateral error changes
 * slowly, the camera's per-frame measurement of it is noisy, so the shift is filtered over time.
 */
export class LateralCorrectionFilter {
  readonly #o: LateralCorrectionFilterOptions;
  #mean = NaN;
  #variance = NaN;
  #lastSec: number | undefined;

  constructor(options: LateralCorrectionFilterOptions) {
    this.#o = { ...options };
  }

  /** Forgets the estimate (time went backwards, pose lost or jumped). */
  reset(): void {
    this.#mean = NaN;
    this.#variance = NaN;
    this.#lastSec = undefined;
  }

  /**
   * Folds in one frame's measured shift (NaN: none this frame) and returns the estimate with its
   * standard deviation ({NaN, NaN} before any measurement).
   */
  update(timeSec: number, shift: number, shiftStd: number): { shift: number; std: number } {
    if (this.#lastSec !== undefined && Number.isFinite(this.#variance)) {
      const dt = Math.max(0, timeSec - this.#lastSec);
      this.#variance += this.#o.driftStdPerSqrtSec ** 2 * dt;
    }
    this.#lastSec = timeSec;
    if (Number.isFinite(shift) && Number.isFinite(shiftStd) && shiftStd > 0) {
      const r = shiftStd * shiftStd;
      if (
        !Number.isFinite(this.#mean) ||
        Math.abs(shift - this.#mean) > this.#o.resetSigma * Math.sqrt(this.#variance + r)
      ) {
        this.#mean = shift;
        this.#variance = r;
      } else {
        const k = this.#variance / (this.#variance + r);
        this.#mean += k * (shift - this.#mean);
        this.#variance *= 1 - k;
      }
    }
    return { shift: this.#mean, std: Math.sqrt(this.#variance) };
  }
}
