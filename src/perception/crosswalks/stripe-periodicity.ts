/**
 * Zebra stripes seen in BEV: along one BEV row (constant x), the grey level across the road (y)
 * alternates paint / asphalt with a regular period (0.6-2.2 m). Per row, the profile is detrended
 * and its normalised autocorrelation R(lag) computed; a square wave of period T has R(T) near +1
 * and R(T/2) near -1, so the row's stripe score is (R(T) - R(T/2)) / 2 at the best T. Working row by
 * row keeps the score intact when the stripes are slanted in BEV (crossing at an angle, or an
 * approximate camera).
 */

/** Options of `rowStripeScores`. */
export interface StripePeriodicityOptions {
  /** Shortest stripe period considered (metres); default 0.6. */
  minPeriod?: number;
  /** Longest stripe period considered (metres); default 2.2. */
  maxPeriod?: number;
  /** Detrending window (metres); default 3. */
  detrendWindow?: number;
  /** Rows need this much seen road across (metres); default 4. */
  minWidth?: number;
}

/** Per BEV row: stripe score (-1..1, NaN when unseen), best period (m), contrast (std of the detrended profile, grey levels). */
export interface RowStripeScores {
  score: Float32Array;
  period: Float32Array;
  contrast: Float32Array;
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
  const lagMin = Math.max(2, Math.round((options.minPeriod ?? 0.6) / dy));
  const lagMax = Math.max(lagMin + 1, Math.round((options.maxPeriod ?? 2.2) / dy));
  const half = Math.max(2, Math.round((options.detrendWindow ?? 3) / dy / 2));
  const minCells = Math.round((options.minWidth ?? 4) / dy);
  const score = new Float32Array(rows).fill(NaN);
  const period = new Float32Array(rows).fill(NaN);
  const contrast = new Float32Array(rows);
  const detrended = new Float32Array(rows * cols);
  const prefix = new Float64Array(cols + 1);
  const count = new Int32Array(cols + 1);
  const p = new Float32Array(cols);
  const valid = new Uint8Array(cols);
  const r = new Float64Array(lagMax + 1);
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
    if (nValid < minCells) continue;
    let energy = 0;
    for (let c = 0; c < cols; c++) {
      if (!valid[c]) {
        p[c] = 0;
        continue;
      }
      const a = Math.max(0, c - half);
      const b = Math.min(cols, c + half + 1);
      const mean = (prefix[b] - prefix[a]) / Math.max(1, count[b] - count[a]);
      p[c] = grey[base + c] - mean;
      energy += p[c] * p[c];
      detrended[base + c] = p[c];
    }
    contrast[row] = Math.sqrt(energy / nValid);
    if (energy <= 1e-6) continue;
    const needLag = Math.floor(lagMin / 2);
    for (let lag = needLag; lag <= lagMax; lag++) {
      let s = 0;
      let n = 0;
      for (let c = 0; c + lag < cols; c++) {
        if (valid[c] & valid[c + lag]) {
          s += p[c] * p[c + lag];
          n++;
        }
      }
      r[lag] = n > minCells / 2 ? s / n / (energy / nValid) : 0;
    }
    let best = -Infinity;
    let bestLag = lagMin;
    for (let lag = lagMin; lag <= lagMax; lag++) {
      // A true period is a local maximum of R.
      if (lag < lagMax && r[lag + 1] > r[lag]) continue;
      if (r[lag - 1] > r[lag]) continue;
      const h = r[Math.round(lag / 2)];
      const sc = (r[lag] - h) / 2;
      if (sc > best) {
        best = sc;
        bestLag = lag;
      }
    }
    if (best > -Infinity) {
      score[row] = best;
      period[row] = bestLag * dy;
    }
  }
  return { score, period, contrast, detrended };
}
