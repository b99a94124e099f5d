/**
 * Zebra stripes seen in BEV: along one BEV row (constant x), the grey level across the road (y)
 * alternates paint / asphalt with a regular period (0.8-2.0 m). Per row, the profile is detrended
 * and, in lateral windows (a crosswalk need not span the whole view), its normalised
 * autocorrelation R(lag) computed; a square wave of period T has R(T), R(2T) near +1 and R(T/2),
 * R(3T/2) near -1, so a window's stripe score is (R(T) - R(T/2) + R(2T) - R(3T/2)) / 4 at the best
 * T (an interior local maximum of R). The row keeps its best window. Working row by row keeps the
 * score intact when the stripes are slanted in BEV (crossing at an angle, or an approximate camera).
 *
 * Cost: this runs on every crosswalk frame over the whole stripe grid (152 x 200 cells), so the
 * analyser allocates nothing per row or per frame (see `RowStripeAnalyser`), and computes R(lag)
 * only at the lags the peak search reads (each value with the same summation as a full sweep).
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
  /**
   * Least share of a window's cells that must be seen; default 0.6: a window may reach past the
   * edge of the view (a crossing cut by the image edge, the narrow near rows), the unseen cells
   * counting as the local mean; the swing, period and shape checks still need several stripes seen.
   * (On the labelled real frames 0.9 -> 0.6 raised the weakest found crossing, under a wiper, from
   * 0.50 to 0.62 and left every frame without a crossing where it was.)
   */
  minSeenFraction?: number;
  /**
   * Square-wave shape: zebra paint and the asphalt between stripes both lie well away from the local
   * mean (a cell is "decided" when it is more than half the window's RMS from it), with paint on
   * 20-80 % of the decided cells. Two lane lines a lane apart are periodic too, but their thin paint
   * leaves most cells undecided. Least share of decided cells; default 0.5 (0 turns the check off).
   */
  minDecided?: number;
  /** Square-wave shape: paint share of the decided cells allowed; default 0.2..0.8. */
  minDuty?: number;
  maxDuty?: number;
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
  // A fresh analyser: the caller owns the returned arrays.
  return new RowStripeAnalyser().analyse(grey, rows, cols, dy, options);
}

/** The options resolved for one call: defaults applied, lengths in grid cells. */
interface StripeSettings {
  lagMin: number;
  lagMax: number;
  /** Longest lag the score reads (R(2T) at T < lagMax). */
  maxLag: number;
  /** Half width of the detrending window. */
  half: number;
  /** Analysis window width and the step between windows. */
  win: number;
  step: number;
  /** A window is analysed only when at least this many of its cells are seen. */
  minValidInWindow: number;
  maxWindows: number;
  minPeakCorrelation: number;
  swingLevel: number;
  minSwings: number;
  requireRegular: boolean;
  minDecided: number;
  minDuty: number;
  maxDuty: number;
}

function resolveSettings(
  options: StripePeriodicityOptions,
  cols: number,
  dy: number,
): StripeSettings {
  const lagMin = Math.max(2, Math.round((options.minPeriod ?? 0.8) / dy));
  const lagMax = Math.max(lagMin + 2, Math.round((options.maxPeriod ?? 2.0) / dy));
  const maxLag = 2 * lagMax;
  const win = Math.min(cols, Math.max(maxLag + 4, Math.round((options.window ?? 6) / dy)));
  return {
    lagMin,
    lagMax,
    maxLag,
    half: Math.max(2, Math.round((options.detrendWindow ?? 3) / dy / 2)),
    win,
    step: Math.max(1, Math.round((options.windowStep ?? 2) / dy)),
    minValidInWindow: win * (options.minSeenFraction ?? 0.6),
    maxWindows: options.maxWindows ?? 3,
    minPeakCorrelation: options.minPeakCorrelation ?? 0.25,
    swingLevel: options.swingLevel ?? 8,
    minSwings: options.minSwings ?? 4,
    requireRegular: options.requireRegularStarts ?? false,
    minDecided: options.minDecided ?? 0.5,
    minDuty: options.minDuty ?? 0.2,
    maxDuty: options.maxDuty ?? 0.8,
  };
}

/**
 * `rowStripeScores` with its working memory kept between calls: one per detector.
 *
 * Buffer ownership: the analyser owns every array it touches, the row scratch (prefix sums,
 * detrended profile, swings, stripe starts, candidate windows, autocorrelation) and the returned
 * `RowStripeScores`, and reallocates them only when the grid's size changes. Each `analyse` call
 * overwrites the previous result in place: read it before the next call and do not keep it.
 */
export class RowStripeAnalyser {
  #result: RowStripeScores = emptyScores(0, 0);

  // Row scratch; the prefix sums have cols + 1 entries, entry 0 staying 0.
  #prefix = new Float64Array(1);
  #count = new Int32Array(1);
  #valid = new Uint8Array(0);
  #profile = new Float64Array(0);
  #validPrefix = new Int32Array(1);
  #energyPrefix = new Float64Array(1);
  #swingPrefix = new Int32Array(1);
  /** Columns where the profile turns bright (stripe starts), ascending; `riseCount` of them are set. */
  #rises = new Int32Array(0);
  #riseCount = 0;
  /** Start columns of the row's candidate windows, most swings first after `orderWindowsBySwings`. */
  #windows = new Int32Array(0);

  // The window being scored: its autocorrelation, filled lag by lag on first use.
  #correlation = new Float64Array(0);
  #correlationReady = new Uint8Array(0);

  /** Scores every row of a BEV grey image (rows x cols, NaN = unseen); the result is the analyser's (see the class). */
  analyse(
    grey: Float32Array,
    rows: number,
    cols: number,
    dy: number,
    options: StripePeriodicityOptions = {},
  ): RowStripeScores {
    const settings = resolveSettings(options, cols, dy);
    this.#fit(rows, cols, settings.maxLag);
    const { score, contrast, detrended } = this.#result;
    for (let row = 0; row < rows; row++) {
      const base = row * cols;
      const nValid = this.#loadRow(grey, base, cols);
      if (nValid < settings.win) {
        detrended.fill(0, base, base + cols);
        continue;
      }
      this.#detrendRow(grey, base, cols, settings.half, detrended);
      this.#findSwings(cols, settings.swingLevel);
      const windowCount = this.#collectWindows(cols, settings);
      if (windowCount === 0) {
        score[row] = 0;
        contrast[row] = Math.sqrt(this.#energyPrefix[cols]! / Math.max(1, nValid));
        continue;
      }
      // Only the windows with the most swings are analysed (the stripes, where there are any): the
      // autocorrelation is the costly part.
      this.#orderWindowsBySwings(windowCount, settings.win);
      const analysed = leadingCount(windowCount, settings.maxWindows);
      let best = -Infinity;
      for (let k = 0; k < analysed; k++)
        best = this.#scoreWindow(row, this.#windows[k]!, best, dy, settings);
    }
    return this.#result;
  }

  /** (Re)allocates the buffers when the grid's size changes and resets the result to "nothing found". */
  #fit(rows: number, cols: number, maxLag: number): void {
    if (this.#valid.length !== cols) {
      this.#prefix = new Float64Array(cols + 1);
      this.#count = new Int32Array(cols + 1);
      this.#valid = new Uint8Array(cols);
      this.#profile = new Float64Array(cols);
      this.#validPrefix = new Int32Array(cols + 1);
      this.#energyPrefix = new Float64Array(cols + 1);
      this.#swingPrefix = new Int32Array(cols + 1);
      this.#rises = new Int32Array(cols);
      this.#windows = new Int32Array(cols + 1);
    }
    if (this.#correlation.length !== maxLag + 1) {
      this.#correlation = new Float64Array(maxLag + 1);
      this.#correlationReady = new Uint8Array(maxLag + 1);
    }
    if (this.#result.score.length !== rows || this.#result.detrended.length !== rows * cols)
      this.#result = emptyScores(rows, cols);
    const { score, period, contrast, centreCol } = this.#result;
    score.fill(NaN);
    period.fill(NaN);
    contrast.fill(0);
    centreCol.fill(-1);
  }

  /** Marks the row's seen cells and sums their grey levels; returns how many are seen. */
  #loadRow(grey: Float32Array, base: number, cols: number): number {
    const valid = this.#valid;
    const prefix = this.#prefix;
    const count = this.#count;
    let nValid = 0;
    for (let c = 0; c < cols; c++) {
      const g = grey[base + c]!;
      const ok = !Number.isNaN(g);
      valid[c] = ok ? 1 : 0;
      prefix[c + 1] = prefix[c]! + (ok ? g : 0);
      count[c + 1] = count[c]! + (ok ? 1 : 0);
      nValid += ok ? 1 : 0;
    }
    return nValid;
  }

  /** The row minus its local mean (0 where unseen), with prefix sums of seen cells and of energy. */
  #detrendRow(
    grey: Float32Array,
    base: number,
    cols: number,
    half: number,
    detrended: Float32Array,
  ): void {
    const valid = this.#valid;
    const prefix = this.#prefix;
    const count = this.#count;
    const profile = this.#profile;
    const validPrefix = this.#validPrefix;
    const energyPrefix = this.#energyPrefix;
    for (let c = 0; c < cols; c++) {
      let v = 0;
      if (valid[c]) {
        const a = Math.max(0, c - half);
        const b = Math.min(cols, c + half + 1);
        v = grey[base + c]! - (prefix[b]! - prefix[a]!) / Math.max(1, count[b]! - count[a]!);
      }
      profile[c] = v;
      detrended[base + c] = v;
      validPrefix[c + 1] = validPrefix[c]! + valid[c]!;
      energyPrefix[c + 1] = energyPrefix[c]! + v * v;
    }
  }

  /**
   * Swings: alternations between +swingLevel and -swingLevel (hysteresis), as prefix counts; the
   * columns where the profile turns bright (stripe starts) are kept to check their spacing.
   */
  #findSwings(cols: number, swingLevel: number): void {
    const profile = this.#profile;
    const swingPrefix = this.#swingPrefix;
    const rises = this.#rises;
    let state = 0;
    let riseCount = 0;
    for (let c = 0; c < cols; c++) {
      let swing = 0;
      const v = profile[c]!;
      if (v > swingLevel && state <= 0) {
        if (state < 0) {
          swing = 1;
          rises[riseCount++] = c;
        }
        state = 1;
      } else if (v < -swingLevel && state >= 0) {
        swing = state > 0 ? 1 : 0;
        state = -1;
      }
      swingPrefix[c + 1] = swingPrefix[c]! + swing;
    }
    this.#riseCount = riseCount;
  }

  /** Start columns of the windows worth analysing (mostly seen, enough swings), left to right; returns their count. */
  #collectWindows(cols: number, settings: StripeSettings): number {
    const validPrefix = this.#validPrefix;
    const swingPrefix = this.#swingPrefix;
    const windows = this.#windows;
    const { win, step, minValidInWindow, minSwings, requireRegular, lagMin, lagMax } = settings;
    let n = 0;
    for (let c0 = 0; c0 + win <= cols; c0 += step) {
      const c1 = c0 + win;
      if (validPrefix[c1]! - validPrefix[c0]! < minValidInWindow) continue;
      if (swingPrefix[c1]! - swingPrefix[c0]! < minSwings) continue;
      if (requireRegular && !regularRises(this.#rises, this.#riseCount, c0, c1, lagMin, lagMax))
        continue;
      windows[n++] = c0;
    }
    return n;
  }

  /** Sorts the first `n` windows by swing count, most first, ties left to right (a stable sort). */
  #orderWindowsBySwings(n: number, win: number): void {
    const windows = this.#windows;
    const swingPrefix = this.#swingPrefix;
    for (let i = 1; i < n; i++) {
      const c0 = windows[i]!;
      const swings = swingPrefix[c0 + win]! - swingPrefix[c0]!;
      let j = i - 1;
      while (j >= 0 && swingPrefix[windows[j]! + win]! - swingPrefix[windows[j]!]! < swings) {
        windows[j + 1] = windows[j]!;
        j--;
      }
      windows[j + 1] = c0;
    }
  }

  /**
   * Scores the window starting at `c0`: the best period among the interior local maxima of R;
   * writes the row's result when it beats `best` and returns the new best.
   */
  #scoreWindow(
    row: number,
    c0: number,
    best: number,
    dy: number,
    settings: StripeSettings,
  ): number {
    const { win, lagMin, lagMax, minPeakCorrelation } = settings;
    const c1 = c0 + win;
    const energy = (this.#energyPrefix[c1]! - this.#energyPrefix[c0]!) / win;
    if (energy <= 1e-6) return best;
    this.#correlationReady.fill(0);
    const { score, period, contrast, centreCol } = this.#result;
    for (let lag = lagMin; lag < lagMax; lag++) {
      // An interior local maximum, itself clearly positive: two lane lines 2T apart give R(2T) > 0
      // but R(T) <= 0, and must not pass for stripes of period T.
      const r = this.#correlationAt(lag, c0, win, energy);
      if (
        r < minPeakCorrelation ||
        this.#correlationAt(lag + 1, c0, win, energy) > r ||
        this.#correlationAt(lag - 1, c0, win, energy) > r
      )
        continue;
      const rHalf = this.#correlationAt(Math.round(lag / 2), c0, win, energy);
      const rDouble = this.#correlationAt(2 * lag, c0, win, energy);
      const rThreeHalves = this.#correlationAt(Math.round((3 * lag) / 2), c0, win, energy);
      const sc = (r - rHalf + rDouble - rThreeHalves) / 4;
      if (sc > best && this.#squareWave(c0, win, energy, settings)) {
        best = sc;
        score[row] = sc;
        period[row] = lag * dy;
        contrast[row] = Math.sqrt(energy);
        centreCol[row] = c0 + (win >> 1);
      }
    }
    return best;
  }

  /** Whether the window's profile has the shape of zebra paint (see `minDecided`). */
  #squareWave(c0: number, win: number, energy: number, settings: StripeSettings): boolean {
    if (settings.minDecided <= 0) return true;
    const level = 0.5 * Math.sqrt(energy);
    const p = this.#profile;
    let bright = 0;
    let dark = 0;
    for (let c = c0; c < c0 + win; c++) {
      if (p[c]! > level) bright++;
      else if (p[c]! < -level) dark++;
    }
    const decided = bright + dark;
    if (decided < settings.minDecided * win) return false;
    const duty = bright / decided;
    return duty >= settings.minDuty && duty <= settings.maxDuty;
  }

  /**
   * R(lag) of the window [c0, c0 + win) whose mean energy is `energy` (normalised by overlap and
   * energy), summed on first use since `scoreWindow` reset the ready flags.
   */
  #correlationAt(lag: number, c0: number, win: number, energy: number): number {
    const correlation = this.#correlation;
    if (this.#correlationReady[lag] === 0) {
      const p = this.#profile;
      const end = c0 + win - lag;
      let acc = 0;
      for (let c = c0; c < end; c++) acc += p[c]! * p[c + lag]!;
      correlation[lag] = acc / (win - lag) / energy;
      this.#correlationReady[lag] = 1;
    }
    return correlation[lag]!;
  }
}

function emptyScores(rows: number, cols: number): RowStripeScores {
  return {
    score: new Float32Array(rows),
    period: new Float32Array(rows),
    contrast: new Float32Array(rows),
    centreCol: new Int32Array(rows),
    detrended: new Float32Array(rows * cols),
  };
}

/** How many of `n` items `Array.prototype.slice(0, limit)` keeps (negative limits count from the end). */
function leadingCount(n: number, limit: number): number {
  const k = Number.isNaN(limit) ? 0 : Math.trunc(limit);
  return k < 0 ? Math.max(0, n + k) : Math.min(k, n);
}

/**
 * Whether the stripe starts inside [c0, c1) are regular: at least three, spaced by a period in
 * [lagMin, lagMax] cells give or take, the longest spacing at most twice the shortest (one missed
 * stripe is tolerated by the autocorrelation, not here). `rises` holds `riseCount` columns, ascending.
 */
function regularRises(
  rises: Int32Array,
  riseCount: number,
  c0: number,
  c1: number,
  lagMin: number,
  lagMax: number,
): boolean {
  let prev = -1;
  let n = 0;
  let minGap = Infinity;
  let maxGap = 0;
  for (let k = 0; k < riseCount; k++) {
    const c = rises[k]!;
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
