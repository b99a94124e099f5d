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

/** Solves the symmetric positive system in place by Gauss-Jordan; returns the inverse or undefined when singular. */
function invert(m: number[][]): number[][] | undefined {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < 1e-12) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const d = a[col][col];
    for (let j = 0; j < 2 * n; j++) a[col][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col];
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[col][j];
    }
  }
  return a.map((row) => row.slice(n));
}

/** Fits y(x) of the given degree (clamped to what the samples support); undefined with fewer than degree+2 samples. */
export function fitPolynomial(samples: readonly FitSample[], degree: number): PolyFit | undefined {
  const deg = Math.max(0, Math.min(3, Math.min(degree, samples.length - 2)));
  if (samples.length < deg + 2) return undefined;
  const p = deg + 1;
  const scale = 1 / 30; // x in units of 30 m
  const ata = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const aty = new Array<number>(p).fill(0);
  const pow = new Array<number>(p);
  for (const s of samples) {
    const t = s.x * scale;
    pow[0] = 1;
    for (let k = 1; k < p; k++) pow[k] = pow[k - 1] * t;
    for (let i = 0; i < p; i++) {
      aty[i] += s.w * pow[i] * s.y;
      for (let j = i; j < p; j++) ata[i][j] += s.w * pow[i] * pow[j];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) ata[i][j] = ata[j][i];
  const inv = invert(ata);
  if (!inv) return deg > 0 ? fitPolynomial(samples, deg - 1) : undefined;
  const cs = inv.map((row) => row.reduce((acc, v, j) => acc + v * aty[j], 0));
  let chi2 = 0;
  let sw = 0;
  for (const s of samples) {
    const t = s.x * scale;
    let yhat = 0;
    for (let k = p - 1; k >= 0; k--) yhat = yhat * t + cs[k];
    chi2 += s.w * (s.y - yhat) ** 2;
    sw += s.w;
  }
  const dof = Math.max(1, samples.length - p);
  const s2 = Math.max(1, chi2 / dof);
  const coefficients = new Float64Array(4);
  const covariance = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    if (i < p) {
      coefficients[i] = cs[i] * scale ** i;
      for (let j = 0; j < p; j++) covariance[i * 4 + j] = s2 * inv[i][j] * scale ** i * scale ** j;
    } else covariance[i * 4 + i] = PRIOR_STD[i] ** 2;
  }
  const coefficientStd = new Float64Array(4);
  for (let i = 0; i < 4; i++) coefficientStd[i] = Math.sqrt(Math.max(0, covariance[i * 5]));
  return { coefficients, coefficientStd, covariance, degree: deg, rms: Math.sqrt(chi2 / Math.max(sw, 1e-12)) };
}

/** y(x) of a cubic. */
export function evalPoly(c: ArrayLike<number>, x: number): number {
  return c[0] + x * (c[1] + x * (c[2] + x * c[3]));
}

/** One standard deviation of y(x) from the covariance (J Cov J^T, J = [1, x, x^2, x^3]). */
export function polyStdAt(fit: Pick<PolyFit, "covariance" | "degree">, x: number): number {
  const j = [1, x, x * x, x * x * x];
  const p = fit.degree + 1;
  let v = 0;
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) v += j[a] * fit.covariance[a * 4 + b] * j[b];
  return Math.sqrt(Math.max(0, v));
}
