import { describe, expect, it } from "vitest";
import { LaneMarking } from "../../../src/msgs/types.generated.js";
import { assignPositions } from "../../../src/perception/lanes/ego-position.js";
import {
  evalPoly,
  fitPolynomial,
  polyStdAt,
  type FitSample,
} from "../../../src/perception/lanes/polyfit.js";
import { laneTuning } from "./support/lane-tuning.js";

describe("fitPolynomial", () => {
  const truth = [1.5, 0.02, -1e-3, 8e-6];

  it("recovers an exact cubic", () => {
    const samples: FitSample[] = Array.from({ length: 40 }, (_, i) => ({
      x: 3 + i,
      y: evalPoly(truth, 3 + i),
      w: 1,
    }));
    const fit = fitPolynomial(samples, 3)!;
    expect(fit.degree).toBe(3);
    fit.coefficients.forEach((c, i) => expect(c).toBeCloseTo(truth[i]!, 8));
  });

  it("gives coefficient stds that cover the truth and grow with the noise (residual-based)", () => {
    let seed = 11;
    const gauss = () => {
      const u = ((seed = (seed * 1664525 + 1013904223) >>> 0) + 1) / 2 ** 32;
      const v = ((seed = (seed * 1664525 + 1013904223) >>> 0) + 1) / 2 ** 32;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    };
    const fitWith = (noise: number) =>
      // Weights claim 5 cm; the residuals decide when the noise is larger.
      fitPolynomial(
        Array.from({ length: 60 }, (_, i) => ({
          x: 3 + i * 0.6,
          y: evalPoly(truth, 3 + i * 0.6) + noise * gauss(),
          w: 1 / 0.05 ** 2,
        })),
        3,
      )!;
    const quiet = fitWith(0.05);
    const loud = fitWith(0.3);
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(quiet.coefficients[i]! - truth[i]!)).toBeLessThan(
        4 * quiet.coefficientStd[i]!,
      );
      expect(Math.abs(loud.coefficients[i]! - truth[i]!)).toBeLessThan(4 * loud.coefficientStd[i]!);
      expect(loud.coefficientStd[i]).toBeGreaterThan(3 * quiet.coefficientStd[i]!);
    }
    expect(loud.rms).toBeGreaterThan(0.2);
    // Extrapolation is less certain than the middle of the data.
    expect(polyStdAt(quiet, 60)).toBeGreaterThan(polyStdAt(quiet, 20));
  });

  it("lowers the degree when there are too few samples, priors on the rest", () => {
    const fit = fitPolynomial(
      [
        { x: 5, y: 1, w: 1 },
        { x: 6, y: 1.1, w: 1 },
        { x: 7, y: 1.2, w: 1 },
      ],
      3,
    )!;
    expect(fit.degree).toBe(1);
    expect(fit.coefficients[1]).toBeCloseTo(0.1, 9);
    expect(fit.coefficients[3]).toBe(0);
    expect(fit.coefficientStd[3]).toBeGreaterThan(0);
    expect(fitPolynomial([{ x: 1, y: 1, w: 1 }], 3)).toBeUndefined();
  });
});

describe("assignPositions", () => {
  /** Ego ordering tuning from config/lane_detector.param.yaml (3.6 m lanes, ranked up to 25 m ahead). */
  const position = laneTuning().pipeline.position;
  const P = LaneMarking;
  it("orders markings around ego by their offset at x = 0", () => {
    expect(assignPositions([1.8, -1.7, 5.4, -5.3, 9.1, -12], position)).toEqual([
      P.POSITION_EGO_LEFT,
      P.POSITION_EGO_RIGHT,
      P.POSITION_NEXT_LEFT,
      P.POSITION_NEXT_RIGHT,
      P.POSITION_OTHER_LEFT,
      P.POSITION_OTHER_RIGHT,
    ]);
  });
  it("keeps the next-lane slot for a line one lane out when the ego line is missing", () => {
    expect(assignPositions([5.3], position)).toEqual([P.POSITION_NEXT_LEFT]);
  });
  it("leaves markings that start far ahead unranked", () => {
    expect(assignPositions([1.8, -0.4], position, [5, 60])).toEqual([
      P.POSITION_EGO_LEFT,
      P.POSITION_UNKNOWN,
    ]);
  });
});
