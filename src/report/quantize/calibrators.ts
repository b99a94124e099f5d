/**
 * Activation ranges from calibration statistics: MinMax (observed extremes), percentile (clip the
 * rarest values of each tail) and entropy (the clipping threshold whose 8-bit histogram keeps the
 * most information: smallest KL divergence, as TensorRT calibrates).
 */

/** How an activation's range is chosen. */
export type Calibrator =
  | { kind: "minmax" }
  | {
      kind: "percentile";
      /** Kept share of each tail in percent (99.99: the 0.01 % most extreme values on each side are clipped). */
      percentile: number;
    }
  | { kind: "entropy" };

/** A float range [min, max]. */
export interface Range {
  min: number;
  max: number;
}

/** Histogram bins collected per tensor (second calibration pass). */
const HISTOGRAM_BINS = 2048;

/** Running statistics of one tensor over the calibration frames. */
export class TensorStats {
  min = Infinity;
  max = -Infinity;
  /** Values histogram over [min, max] of the first pass (percentile). */
  values?: Float64Array;
  /** |x| histogram over [0, max |x|] of the first pass (entropy). */
  magnitudes?: Float64Array;
  #lo = 0;
  #hi = 0;
  #amax = 0;

  /** First pass: extremes. */
  observeRange(data: Float32Array): void {
    let mn = this.min;
    let mx = this.max;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    this.min = mn;
    this.max = mx;
  }

  /** Starts the second pass for a calibrator that needs histograms. */
  startHistograms(c: Calibrator): void {
    this.#lo = this.min;
    this.#hi = this.max;
    this.#amax = Math.max(Math.abs(this.min), Math.abs(this.max));
    if (c.kind === "percentile") this.values = new Float64Array(HISTOGRAM_BINS);
    if (c.kind === "entropy") this.magnitudes = new Float64Array(HISTOGRAM_BINS);
  }

  /** Second pass: histograms. */
  observeHistogram(data: Float32Array): void {
    const n = HISTOGRAM_BINS;
    if (this.values) {
      const k = this.#hi > this.#lo ? n / (this.#hi - this.#lo) : 0;
      const h = this.values;
      for (let i = 0; i < data.length; i++)
        h[Math.min(n - 1, Math.max(0, Math.floor((data[i]! - this.#lo) * k)))]! += 1;
    }
    if (this.magnitudes) {
      const k = this.#amax > 0 ? n / this.#amax : 0;
      const h = this.magnitudes;
      for (let i = 0; i < data.length; i++)
        h[Math.min(n - 1, Math.floor(Math.abs(data[i]!) * k))]! += 1;
    }
  }

  /** The range the calibrator chooses. */
  range(c: Calibrator): Range {
    if (!(this.max >= this.min)) return { min: 0, max: 0 };
    switch (c.kind) {
      case "minmax":
        return { min: this.min, max: this.max };
      case "percentile": {
        const h = this.values;
        if (!h) return { min: this.min, max: this.max };
        const total = h.reduce((a, b) => a + b, 0);
        const tail = (total * (100 - c.percentile)) / 100;
        const width = (this.#hi - this.#lo) / HISTOGRAM_BINS;
        let acc = 0;
        let lowBin = 0;
        while (lowBin < HISTOGRAM_BINS - 1 && acc + h[lowBin]! <= tail) acc += h[lowBin++]!;
        acc = 0;
        let highBin = HISTOGRAM_BINS - 1;
        while (highBin > 0 && acc + h[highBin]! <= tail) acc += h[highBin--]!;
        return { min: this.#lo + lowBin * width, max: this.#lo + (highBin + 1) * width };
      }
      case "entropy": {
        const h = this.magnitudes;
        if (!h || this.#amax === 0) return { min: this.min, max: this.max };
        const levels = this.min >= 0 ? 256 : 128;
        const t = (entropyThresholdBin(h, levels) + 0.5) * (this.#amax / HISTOGRAM_BINS);
        return { min: Math.max(this.min, -t), max: Math.min(this.max, t) };
      }
    }
  }
}

/**
 * The histogram bin (of |x|) to clip at: for each candidate i, P is the histogram cut at i with the
 * clipped mass added to its last bin, Q the same bins merged into `levels` quantization levels and
 * spread back over their non-empty bins; the i with the smallest KL(P || Q) wins.
 */
export function entropyThresholdBin(hist: Float64Array, levels: number): number {
  const n = hist.length;
  // Only bins up to the last non-empty one matter.
  let last = n - 1;
  while (last > 0 && hist[last] === 0) last--;
  if (last < levels) return last;
  let best = last;
  let bestKl = Infinity;
  const step = Math.max(1, Math.floor((last + 1 - levels) / 256));
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  for (let i = levels; i <= last + 1; i += step) {
    let outliers = 0;
    for (let k = i; k < n; k++) outliers += hist[k]!;
    for (let k = 0; k < i; k++) p[k] = hist[k]!;
    p[i - 1]! += outliers;
    // Merge the i bins into `levels` levels; spread each level's mass over its non-empty bins.
    const per = i / levels;
    for (let l = 0; l < levels; l++) {
      const start = Math.floor(l * per);
      const end = l === levels - 1 ? i : Math.floor((l + 1) * per);
      let mass = 0;
      let nonEmpty = 0;
      for (let k = start; k < end; k++) {
        mass += hist[k]!;
        if (hist[k]! > 0) nonEmpty++;
      }
      for (let k = start; k < end; k++) q[k] = hist[k]! > 0 && nonEmpty > 0 ? mass / nonEmpty : 0;
    }
    let ps = 0;
    let qs = 0;
    for (let k = 0; k < i; k++) {
      ps += p[k]!;
      qs += q[k]!;
    }
    let kl = 0;
    for (let k = 0; k < i; k++) {
      const pk = p[k]! / ps;
      if (pk === 0) continue;
      const qk = q[k]! / qs;
      kl += qk > 0 ? pk * Math.log(pk / qk) : pk * 20; // mass Q cannot represent: heavy penalty
    }
    if (kl < bestKl) {
      bestKl = kl;
      best = i - 1;
    }
  }
  return best;
}

/** uint8 asymmetric quantization parameters of a range (zero exactly representable). */
export function uint8Params(r: Range): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}
