/**
 * A constant-velocity Kalman filter on a ground position: state (x, y, vx, vy), measurement (x, y).
 * Process noise is white acceleration of standard deviation `accelStd` (m/s^2) on each axis.
 * Matrices are row-major Float64Arrays; everything is written out for 4x4 / 2x2 so a filter step
 * allocates nothing beyond its result.
 */
export class ConstantVelocityFilter {
  /** (x, y, vx, vy). */
  readonly state = new Float64Array(4);
  /** Row-major 4x4 covariance. */
  readonly covariance = new Float64Array(16);

  /**
   * @param position initial position (m)
   * @param positionCov row-major 2x2 covariance of the position (m^2)
   * @param velocityStd initial standard deviation of each velocity component (m/s)
   */
  constructor(
    position: { x: number; y: number },
    positionCov: ArrayLike<number>,
    velocityStd: number,
  ) {
    this.state[0] = position.x;
    this.state[1] = position.y;
    const P = this.covariance;
    P[0] = positionCov[0]!;
    P[1] = positionCov[1]!;
    P[4] = positionCov[2]!;
    P[5] = positionCov[3]!;
    P[10] = velocityStd * velocityStd;
    P[15] = velocityStd * velocityStd;
  }

  /** Moves the state dt seconds ahead (dt >= 0). */
  predict(dt: number, accelStd: number): void {
    if (!(dt > 0)) return;
    const s = this.state;
    s[0] = s[0]! + dt * s[2]!;
    s[1] = s[1]! + dt * s[3]!;
    const P = this.covariance;
    // P = F P F^T + Q with F = [[I, dt I], [0, I]], computed block-wise per axis pair.
    const next = new Float64Array(16);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        // (F P)[i][j]
        next[i * 4 + j] = P[i * 4 + j]! + (i < 2 ? dt * P[(i + 2) * 4 + j]! : 0);
      }
    }
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        // (F P F^T)[i][j] = (FP)[i][j] + dt * (FP)[i][j+2] for j < 2
        P[i * 4 + j] = next[i * 4 + j]! + (j < 2 ? dt * next[i * 4 + j + 2]! : 0);
      }
    }
    const q = accelStd * accelStd;
    const q11 = (q * dt ** 4) / 4;
    const q13 = (q * dt ** 3) / 2;
    const q33 = q * dt * dt;
    P[0] = P[0]! + q11;
    P[5] = P[5]! + q11;
    P[2] = P[2]! + q13;
    P[8] = P[8]! + q13;
    P[7] = P[7]! + q13;
    P[13] = P[13]! + q13;
    P[10] = P[10]! + q33;
    P[15] = P[15]! + q33;
  }

  /** Innovation covariance S = H P H^T + R (row-major 2x2). */
  innovationCovariance(R: ArrayLike<number>): [number, number, number, number] {
    const P = this.covariance;
    return [P[0]! + R[0]!, P[1]! + R[1]!, P[4]! + R[2]!, P[5]! + R[3]!];
  }

  /** Squared Mahalanobis distance of a measurement; Infinity when S is singular. */
  mahalanobis2(z: { x: number; y: number }, R: ArrayLike<number>): number {
    const [a, b, c, d] = this.innovationCovariance(R);
    const det = a * d - b * c;
    if (!(det > 0)) return Infinity;
    const nx = z.x - this.state[0]!;
    const ny = z.y - this.state[1]!;
    return (d * nx * nx - (b + c) * nx * ny + a * ny * ny) / det;
  }

  /** Standard Kalman update with a position measurement of covariance R (Joseph form for stability). */
  update(z: { x: number; y: number }, R: ArrayLike<number>): void {
    const [a, b, c, d] = this.innovationCovariance(R);
    const det = a * d - b * c;
    if (!(det > 0)) return;
    const si = [d / det, -b / det, -c / det, a / det];
    const P = this.covariance;
    // K = P H^T S^-1 (4x2); P H^T = first two columns of P.
    const K = new Float64Array(8);
    for (let i = 0; i < 4; i++) {
      const p0 = P[i * 4]!;
      const p1 = P[i * 4 + 1]!;
      K[i * 2] = p0 * si[0]! + p1 * si[2]!;
      K[i * 2 + 1] = p0 * si[1]! + p1 * si[3]!;
    }
    const nx = z.x - this.state[0]!;
    const ny = z.y - this.state[1]!;
    for (let i = 0; i < 4; i++)
      this.state[i] = this.state[i]! + K[i * 2]! * nx + K[i * 2 + 1]! * ny;
    // Joseph form: P = (I - KH) P (I - KH)^T + K R K^T.
    const IKH = new Float64Array(16);
    for (let i = 0; i < 4; i++) {
      IKH[i * 4 + i] = 1;
      IKH[i * 4] = IKH[i * 4]! - K[i * 2]!;
      IKH[i * 4 + 1] = IKH[i * 4 + 1]! - K[i * 2 + 1]!;
    }
    const tmp = multiply4(IKH, P);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += tmp[i * 4 + k]! * IKH[j * 4 + k]!;
        const k0i = K[i * 2]!,
          k1i = K[i * 2 + 1]!,
          k0j = K[j * 2]!,
          k1j = K[j * 2 + 1]!;
        sum += k0i * (R[0]! * k0j + R[1]! * k1j) + k1i * (R[2]! * k0j + R[3]! * k1j);
        P[i * 4 + j] = sum;
      }
  }

  /** Re-expresses the filter in a frame rotated by `angle` and translated: p' = R p + t, v' = R v. */
  changeFrame(angle: number, tx: number, ty: number): void {
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const x = this.state[0]!,
      y = this.state[1]!,
      vx = this.state[2]!,
      vy = this.state[3]!;
    this.state[0] = c * x - s * y + tx;
    this.state[1] = s * x + c * y + ty;
    this.state[2] = c * vx - s * vy;
    this.state[3] = s * vx + c * vy;
    // P' = T P T^T with T = blockdiag(R, R).
    const T = new Float64Array(16);
    T[0] = c;
    T[1] = -s;
    T[4] = s;
    T[5] = c;
    T[10] = c;
    T[11] = -s;
    T[14] = s;
    T[15] = c;
    const tmp = multiply4(T, this.covariance);
    this.covariance.set(multiply4(tmp, T, true));
  }

  /** Row-major 2x2 covariance of the position. */
  positionCovariance(): [number, number, number, number] {
    const P = this.covariance;
    return [P[0]!, P[1]!, P[4]!, P[5]!];
  }

  /** Row-major 2x2 covariance of the velocity. */
  velocityCovariance(): [number, number, number, number] {
    const P = this.covariance;
    return [P[10]!, P[11]!, P[14]!, P[15]!];
  }
}

/** a * b (or a * b^T) for row-major 4x4 matrices. */
function multiply4(a: Float64Array, b: Float64Array, transposeB = false): Float64Array {
  const out = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let sum = 0;
      for (let k = 0; k < 4; k++)
        sum += a[i * 4 + k]! * (transposeB ? b[j * 4 + k]! : b[k * 4 + j]!);
      out[i * 4 + j] = sum;
    }
  }
  return out;
}
