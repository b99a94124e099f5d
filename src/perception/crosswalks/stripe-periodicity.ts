/**
 * Zebra stripes seen in BEV: along one BEV row (constant x), the grey level across the road (y)
 * alternates paint / asphalt with a regular period (0.8-2.0 m). Per row, the profile is detrended
 * and, in lateral windows (a crosswalk need not span the whole view), its normalised
 * autocorrelation R(lag) computed; a square wave of period T has R(T), R(2T) near +1 and R(T/2),
 * R(3T/2) near -1, so a window's stripe score is (R(T) - R(T/2) + R(2T) - R(3T/2)) / 4 at the best
 * T (an interior local maximum of R). The row keeps its best window. Working row by row keeps the
 * score intact when the stripes are slanted in BEV (crossing at an angle, or an approximate camera).
 */

/** Options of `rowStripeScores`. */
export interface StripePeriodicityOptions {
  /** Shortest stripe period considered (metres); default 0.8. */
  minPeriod?: number;
  /** Longest stripe period considered (metres); default 2.0 (zebra periods are 1.0-1.6 m, longer across a slant). */
  maxPeriod?: number;
  /** Detrending window (metres); default 3. */
  detrendWindow?: number;
  /** Lateral analysis window (metres); default 6. */
  window?: number;
  /** Step between windows (metres); default 2. */
  windowStep?: number;
  /**
   * Pre-filter: a window is analysed only when its detrended profile swings between +h and -h at
   * least `minSwings` times (h in grey levels; default 8 and 4, i.e. two stripes). Rows of plain
   * asphalt skip the autocorrelation.
   */
  swingLevel?: number;
  minSwings?: number;
  /** R(T) at the chosen period must reach this; default 0.25. */
  minPeakCorrelation?: number;
  /** Windows analysed per row, those with the most swings first; default 3. */
  maxWindows?: number;
  /** Pre-filter: also require regularly spaced stripe starts in the window; default false. */
  requireRegularStarts?: boolean;
}

/** Per BEV row: stripe score (-1..1, NaN when unseen), best period (m), contrast and lateral centre of the best window. */
export interface RowStripeScores {
  score: Float32Array;
  period: Float32Array;
  /** RMS of the detrended grey level in the best window (grey levels). */
  contrast: Float32Array;
  /** Column of the best window's centre (-1 when none). */
  centreCol: Int32Array;
  /** Per cell: the detrended grey level (0 where unseen), for locating the stripes laterally. */
  detrended: Float32Array;
}

/** Scores every row of a BEV grey image (rows x cols, NaN = unseen) with lateral cell size dy. */
export function rowStripeScores(
  grey: Float32Array,
  rows: number,
  cols: number,
  dy: number,
  options: StripePeriodicityOptions = {},
): RowStripeScores {
  const lagMin = Math.max(2, Math.round((options.minPeriod ?? 0.8) / dy));
  const lagMax = Math.max(lagMin + 2, Math.round((options.maxPeriod ?? 2.0) / dy));
  const maxLag = 2 * lagMax;
  const half = Math.max(2, Math.round((options.detrendWindow ?? 3) / dy / 2));
  const win = Math.min(cols, Math.max(maxLag + 4, Math.round((options.window ?? 6) / dy)));
  const step = Math.max(1, Math.round((options.windowStep ?? 2) / dy));
  const score = new Float32Array(rows).fill(NaN);
  const period = new Float32Array(rows).fill(NaN);
  const contrast = new Float32Array(rows);
  const centreCol = new Int32Array(rows).fill(-1);
  const detrended = new Float32Array(rows * cols);
  const prefix = new Float64Array(cols + 1);
  const count = new Int32Array(cols + 1);
  const p = new Float64Array(cols);
  const valid = new Uint8Array(cols);
  const validPrefix = new Int32Array(cols + 1);
  const energyPrefix = new Float64Array(cols + 1);
  const maxWindows = options.maxWindows ?? 3;
  const minPeakCorrelation = options.minPeakCorrelation ?? 0.25;
  const r = new Float64Array(maxLag + 1);
  const swingLevel = options.swingLevel ?? 8;
  const minSwings = options.minSwings ?? 4;
  const swingPrefix = new Int32Array(cols + 1);
  const rises: number[] = [];
  const requireRegular = options.requireRegularStarts ?? false;
  for (let row = 0; row < rows; row++) {
    const base = row * cols;
    let nValid = 0;
    for (let c = 0; c < cols; c++) {
      const g = grey[base + c];
      const ok = !Number.isNaN(g);
      valid[c] = ok ? 1 : 0;
      prefix[c + 1] = prefix[c] + (ok ? g : 0);
      count[c + 1] = count[c] + (ok ? 1 : 0);
      nValid += ok ? 1 : 0;
    }
    if (nValid < win) continue;
    for (let c = 0; c < cols; c++) {
      if (valid[c]) {
        const a = Math.max(0, c - half);
        const b = Math.min(cols, c + half + 1);
        p[c] = grey[base + c] - (prefix[b] - prefix[a]) / Math.max(1, count[b] - count[a]);
      } else p[c] = 0;
      detrended[base + c] = p[c];
      validPrefix[c + 1] = validPrefix[c] + valid[c];
      energyPrefix[c + 1] = energyPrefix[c] + p[c] * p[c];
    }
    // Swings: alternations between +swingLevel and -swingLevel (hysteresis); the columns where the
    // profile turns bright (stripe starts) are kept to check their spacing.
    let state = 0;
    rises.length = 0;
    for (let c = 0; c < cols; c++) {
      let swing = 0;
      if (p[c] > swingLevel && state <= 0) {
        swing = state < 0 ? 1 : 0;
        if (state < 0) rises.push(c);
        state = 1;
      } else if (p[c] < -swingLevel && state >= 0) {
        swing = state > 0 ? 1 : 0;
        state = -1;
      }
      swingPrefix[c + 1] = swingPrefix[c] + swing;
    }
    const candidateWindows: number[] = [];
    for (let c0 = 0; c0 + win <= cols; c0 += step) {
      const c1 = c0 + win;
      if (validPrefix[c1] - validPrefix[c0] < win * 0.9) continue;
      if (swingPrefix[c1] - swingPrefix[c0] < minSwings) continue;
      if (requireRegular && !regularRises(rises, c0, c1, lagMin, lagMax)) continue;
      candidateWindows.push(c0);
    }
    if (candidateWindows.length === 0) {
      score[row] = 0;
      contrast[row] = Math.sqrt(energyPrefix[cols] / Math.max(1, nValid));
      continue;
    }
    // Only the windows with the most swings are analysed (the stripes, where there are any): the
    // autocorrelation is the costly part.
    candidateWindows.sort((a, b) => swingPrefix[b + win] - swingPrefix[b] - (swingPrefix[a + win] - swingPrefix[a]));
    const analysed = candidateWindows.slice(0, maxWindows);
    let bestRow = -Infinity;
    for (const c0 of analysed) {
      const c1 = c0 + win;
      const energy = (energyPrefix[c1] - energyPrefix[c0]) / win;
      if (energy <= 1e-6) continue;
      for (let lag = Math.floor(lagMin / 2); lag <= maxLag; lag++) {
        let acc = 0;
        for (let c = c0; c + lag < c1; c++) acc += p[c] * p[c + lag];
        r[lag] = acc / (win - lag) / energy;
      }
      for (let lag = lagMin; lag < lagMax; lag++) {
        // An interior local maximum, itself clearly positive: two lane lines 2T apart give R(2T) > 0
        // but R(T) <= 0, and must not pass for stripes of period T.
        if (r[lag + 1] > r[lag] || r[lag - 1] > r[lag] || r[lag] < minPeakCorrelation) continue;
        const sc = (r[lag] - r[Math.round(lag / 2)] + r[2 * lag] - r[Math.round((3 * lag) / 2)]) / 4;
        if (sc > bestRow) {
          bestRow = sc;
          score[row] = sc;
          period[row] = lag * dy;
          contrast[row] = Math.sqrt(energy);
          centreCol[row] = c0 + (win >> 1);
        }
      }
    }
  }
  return { score, period, contrast, centreCol, detrended };
}

/**
 * Whether the stripe starts inside [c0, c1) are regular: at least three, spaced by a period in
 * [lagMin, lagMax] cells give or take, the longest spacing at most twice the shortest (one missed
 * stripe is tolerated by the autocorrelation, not here).
 */
function regularRises(rises: number[], c0: number, c1: number, lagMin: number, lagMax: number): boolean {
  let prev = -1;
  let n = 0;
  let minGap = Infinity;
  let maxGap = 0;
  for (const c of rises) {
    if (c < c0) continue;
    if (c >= c1) break;
    if (prev >= 0) {
      const gap = c - prev;
      minGap = Math.min(minGap, gap);
      maxGap = Math.max(maxGap, gap);
    }
    prev = c;
    n++;
  }
  return n >= 3 && maxGap <= 2 * minGap && minGap >= lagMin * 0.6 && maxGap <= lagMax * 1.5;
}
