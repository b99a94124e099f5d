import { describe, expect, it } from "vitest";
import { ConstantVelocityFilter } from "../../src/fusion/kalman-cv.js";
import { Rng } from "./support/synthetic-drive.js";

describe("ConstantVelocityFilter", () => {
  it("predicts with F P F^T + Q (white-noise acceleration)", () => {
    const f = new ConstantVelocityFilter({ x: 1, y: 2 }, [0.5, 0, 0, 0.5], 2);
    f.state[2] = 3;
    f.state[3] = -1;
    f.predict(0.5, 1);
    expect(f.state[0]).toBeCloseTo(2.5, 12);
    expect(f.state[1]).toBeCloseTo(1.5, 12);
    // var(x) = 0.5 + dt^2 * 4 + dt^4/4; cov(x, vx) = dt * 4 + dt^3 / 2; var(vx) = 4 + dt^2.
    expect(f.covariance[0]).toBeCloseTo(0.5 + 0.25 * 4 + 0.0625 / 4, 12);
    expect(f.covariance[2]).toBeCloseTo(0.5 * 4 + 0.125 / 2, 12);
    expect(f.covariance[8]).toBeCloseTo(f.covariance[2]!, 12);
    expect(f.covariance[10]).toBeCloseTo(4 + 0.25, 12);
    expect(f.covariance[1]).toBe(0);
  });

  it("updates towards the measurement by the Kalman gain", () => {
    const f = new ConstantVelocityFilter({ x: 0, y: 0 }, [1, 0, 0, 1], 1);
    f.update({ x: 2, y: -2 }, [1, 0, 0, 1]);
    // Equal variances: halfway, and the variance halves.
    expect(f.state[0]).toBeCloseTo(1, 12);
    expect(f.state[1]).toBeCloseTo(-1, 12);
    expect(f.covariance[0]).toBeCloseTo(0.5, 12);
    expect(f.mahalanobis2({ x: 1, y: -1 }, [1, 0, 0, 1])).toBeCloseTo(0, 12);
    expect(f.mahalanobis2({ x: 1 + Math.sqrt(1.5), y: -1 }, [1, 0, 0, 1])).toBeCloseTo(1, 9);
  });

  it("learns the velocity of a walking pedestrian from noisy positions", () => {
    const rng = new Rng(3);
    const f = new ConstantVelocityFilter({ x: 0, y: 0 }, [0.04, 0, 0, 0.04], 2);
    for (let k = 1; k <= 90; k++) {
      f.predict(1 / 30, 1);
      const t = k / 30;
      f.update({ x: 1.2 * t + rng.gauss(0.2), y: -0.5 * t + rng.gauss(0.2) }, [0.04, 0, 0, 0.04]);
    }
    expect(f.state[2]).toBeCloseTo(1.2, 0);
    expect(Math.abs(f.state[2]! - 1.2)).toBeLessThan(0.3);
    expect(Math.abs(f.state[3]! + 0.5)).toBeLessThan(0.3);
    const [vxx, , , vyy] = f.velocityCovariance();
    expect(vxx).toBeGreaterThan(0);
    expect(vyy).toBeLessThan(0.2);
  });

  it("changes frame consistently (rotation and translation of state and covariance)", () => {
    const f = new ConstantVelocityFilter({ x: 1, y: 0 }, [0.5, 0, 0, 0.1], 1);
    f.state[2] = 1;
    f.changeFrame(Math.PI / 2, 10, 0);
    expect(f.state[0]).toBeCloseTo(10, 12);
    expect(f.state[1]).toBeCloseTo(1, 12);
    expect(f.state[2]).toBeCloseTo(0, 12);
    expect(f.state[3]).toBeCloseTo(1, 12);
    const [xx, , , yy] = f.positionCovariance();
    expect(xx).toBeCloseTo(0.1, 12);
    expect(yy).toBeCloseTo(0.5, 12);
  });
});
