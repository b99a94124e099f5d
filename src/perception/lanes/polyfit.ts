/**
 * Weighted least-squares polynomial y(x) of degree 0..3 with a residual-based covariance:
 * Cov = s^2 (A^T W A)^-1 with s^2 = sum(w r^2) / (n - p), floored at 1 so that the a-priori
 * weights (1 / sigma^2) are never trusted more than they claim. x is scaled internally for
 * conditioning; results are in the caller's units.
 */

/** One observation. */
export interface FitSample {
  x: number;
  y: number;
  /** Weight, 1 / sigma_y^2 (sigma in metres). */
  w: number;
}

/** A fitted cubic (unused higher coefficients are 0 with their prior std). */
export interface PolyFit {
  /** c[0..3] of y = c0 + c1 x + c2 x^2 + c3 x^3. */
  coefficients: Float64Array;
  /** One standard deviation of each coefficient. */
  coefficientStd: Float64Array;
  /** Full 4x4 covariance, row-major (zero rows/columns for unfitted coefficients, prior on the diagonal). */
  covariance: Float64Array;
  /** Degree actually fitted. */
  degree: number;
  /** Weighted RMS residual (metres). */
  rms: number;
}

/** Prior std of coefficients that the data cannot support (a road's curvature stays within these). */
const PRIOR_STD = [10, 1, 2e-3, 5e-5];

/**
 * Scratch of `fitPolynomial` (at most 4 unknowns), reused by every call: the normal equations
 * A^T W A (row stride 4) and A^T W y, the powers of one sample's x, the Gauss-Jordan work rows
 * [A | I] (row stride 8), the inverse (row stride 4) and the scaled coefficients.
 */
const ata = new Float64Array(16);
const aty = new Float64Array(4);
const pow = new Float64Array(4);
const augmented = new Float64Array(32);
const inverse = new Float64Array(16);
const scaledCoefficients = new Float64Array(4);

/**
 * Inverts the n x n symmetric positive matrix `ata` (row stride 4) into `inverse` (row stride 4)
 * by Gauss-Jordan with partial pivoting; false when singular.
 */
function invert(n: number): boolean {
  const w = 2 * n;
  const a = augmented;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      a[i * w + j] = ata[i * 4 + j]!;
      a[i * w + n + j] = i === j ? 1 : 0;
    }
  }
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r * w + col]!) > Math.abs(a[pivot * w + col]!)) pivot = r;
    if (Math.abs(a[pivot * w + col]!) < 1e-12) return false;
    if (pivot !== col) {
      for (let j = 0; j < w; j++) {
        const t = a[col * w + j]!;
        a[col * w + j] = a[pivot * w + j]!;
        a[pivot * w + j] = t;
      }
    }
    const d = a[col * w + col]!;
    for (let j = 0; j < w; j++) a[col * w + j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * w + col]!;
      if (f === 0) continue;
      for (let j = 0; j < w; j++) a[r * w + j]! -= f * a[col * w + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) inverse[i * 4 + j] = a[i * w + n + j]!;
  return true;
}

/** Observations as parallel arrays: sample i (i < n) is y[i] at x[i] with weight w[i] (1 / sigma_y^2). */
export interface FitSampleArrays {
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  n: number;
}

/** `fitPolynomial`'s copy of its samples (grown on demand). */
let copied: FitSampleArrays = {
  x: new Float64Array(64),
  y: new Float64Array(64),
  w: new Float64Array(64),
  n: 0,
};

/** Fits y(x) of the given degree (clamped to what the samples support); undefined with fewer than degree+2 samples. */
export function fitPolynomial(samples: readonly FitSample[], degree: number): PolyFit | undefined {
  if (copied.x.length < samples.length) {
    const size = samples.length;
    copied = {
      x: new Float64Array(size),
      y: new Float64Array(size),
      w: new Float64Array(size),
      n: 0,
    };
  }
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    copied.x[i] = s.x;
    copied.y[i] = s.y;
    copied.w[i] = s.w;
  }
  copied.n = samples.length;
  return fitSampleArrays(copied, degree);
}

/** `fitPolynomial` on samples given as arrays (no object per sample). */
export function fitSampleArrays(samples: FitSampleArrays, degree: number): PolyFit | undefined {
  const { x: xs, y: ys, w: ws, n } = samples;
  const deg = Math.max(0, Math.min(3, Math.min(degree, n - 2)));
  if (n < deg + 2) return undefined;
  const p = deg + 1;
  const scale = 1 / 30; // x in units of 30 m
  ata.fill(0);
  aty.fill(0);
  for (let k = 0; k < n; k++) {
    const t = xs[k]! * scale;
    const w = ws[k]!;
    const y = ys[k]!;
    pow[0] = 1;
    for (let e = 1; e < p; e++) pow[e] = pow[e - 1]! * t;
    for (let i = 0; i < p; i++) {
      aty[i]! += w * pow[i]! * y;
      for (let j = i; j < p; j++) ata[i * 4 + j]! += w * pow[i]! * pow[j]!;
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) ata[i * 4 + j] = ata[j * 4 + i]!;
  if (!invert(p)) return deg > 0 ? fitSampleArrays(samples, deg - 1) : undefined;
  const cs = scaledCoefficients;
  for (let i = 0; i < p; i++) {
    let acc = 0;
    for (let j = 0; j < p; j++) acc = acc + inverse[i * 4 + j]! * aty[j]!;
    cs[i] = acc;
  }
  let chi2 = 0;
  let sw = 0;
  for (let k = 0; k < n; k++) {
    const t = xs[k]! * scale;
    let yhat = 0;
    for (let e = p - 1; e >= 0; e--) yhat = yhat * t + cs[e]!;
    chi2 += ws[k]! * (ys[k]! - yhat) ** 2;
    sw += ws[k]!;
  }
  const dof = Math.max(1, n - p);
  const s2 = Math.max(1, chi2 / dof);
  const coefficients = new Float64Array(4);
  const covariance = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    if (i < p) {
      coefficients[i] = cs[i]! * scale ** i;
      for (let j = 0; j < p; j++)
        covariance[i * 4 + j] = s2 * inverse[i * 4 + j]! * scale ** i * scale ** j;
    } else covariance[i * 4 + i] = PRIOR_STD[i]! ** 2;
  }
  const coefficientStd = new Float64Array(4);
  for (let i = 0; i < 4; i++) coefficientStd[i] = Math.sqrt(Math.max(0, covariance[i * 5]!));
  return {
    coefficients,
    coefficientStd,
    covariance,
    degree: deg,
    rms: Math.sqrt(chi2 / Math.max(sw, 1e-12)),
  };
}

/** y(x) of a cubic. */
export function evalPoly(c: ArrayLike<number>, x: number): number {
  return c[0]! + x * (c[1]! + x * (c[2]! + x * c[3]!));
}

/** One standard deviation of y(x) from the covariance (J Cov J^T, J = [1, x, x^2, x^3]). */
export function polyStdAt(fit: Pick<PolyFit, "covariance" | "degree">, x: number): number {
  const j = pow;
  j[0] = 1;
  j[1] = x;
  j[2] = x * x;
  j[3] = x * x * x;
  const p = fit.degree + 1;
  let v = 0;
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) v += j[a]! * fit.covariance[a * 4 + b]! * j[b]!;
  return Math.sqrt(Math.max(0, v));
}
