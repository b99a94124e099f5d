import { describe, expect, it } from "vitest";
import {
  RowStripeAnalyser,
  rowStripeScores,
} from "../../../src/perception/crosswalks/stripe-periodicity.js";

const cols = 200; // 20 m at 0.1 m
const dy = 0.1;

function grid(rows: ((c: number) => number)[]): Float32Array {
  const g = new Float32Array(rows.length * cols);
  rows.forEach((f, r) => {
    for (let c = 0; c < cols; c++) g[r * cols + c] = f(c);
  });
  return g;
}

describe("rowStripeScores", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;

  it("scores zebra stripes (0.5 m paint, 0.7 m gap) high and finds their period", () => {
    const zebra = (c: number) => ((c * dy) % 1.2 < 0.5 ? 220 : 90) + (rand() - 0.5) * 20;
    const r = rowStripeScores(grid([zebra]), 1, cols, dy);
    expect(r.score[0]).toBeGreaterThan(0.6);
    expect(r.period[0]).toBeCloseTo(1.2, 1);
    expect(r.contrast[0]).toBeGreaterThan(40);
  });

  it("finds stripes that cover only part of the row", () => {
    const partial = (c: number) =>
      (c >= 120 && (c * dy) % 1.0 < 0.45 ? 210 : 95) + (rand() - 0.5) * 10;
    const r = rowStripeScores(grid([partial]), 1, cols, dy);
    expect(r.score[0]).toBeGreaterThan(0.5);
    expect(r.centreCol[0]).toBeGreaterThan(110);
  });

  it("scores plain asphalt, a lone lane line and a brightness step low", () => {
    const noise = () => 90 + (rand() - 0.5) * 30;
    const line = (c: number) => (Math.abs(c - 100) < 2 ? 220 : 90) + (rand() - 0.5) * 10;
    const step = (c: number) => (c < 100 ? 80 : 160) + (rand() - 0.5) * 10;
    const r = rowStripeScores(grid([noise, line, step]), 3, cols, dy);
    for (let k = 0; k < 3; k++) expect(r.score[k]).toBeLessThan(0.3);
  });

  it("leaves unseen rows NaN", () => {
    const r = rowStripeScores(new Float32Array(cols).fill(NaN), 1, cols, dy);
    expect(Number.isNaN(r.score[0])).toBe(true);
  });

  it("a reused analyser gives exactly the fresh results, whatever it analysed before", () => {
    const zebra = (c: number) => ((c * dy) % 1.2 < 0.5 ? 220 : 90) + (rand() - 0.5) * 20;
    const partial = (c: number) =>
      (c >= 120 && (c * dy) % 1.0 < 0.45 ? 210 : 95) + (rand() - 0.5) * 10;
    const noise = () => 90 + (rand() - 0.5) * 30;
    const unseen = () => NaN;
    const frames = [
      grid([zebra, noise, partial]),
      grid([unseen, zebra]),
      grid([noise, noise, zebra, unseen]),
    ];
    const analyser = new RowStripeAnalyser();
    for (const options of [{}, { requireRegularStarts: true, maxWindows: 1 }]) {
      for (const g of frames) {
        const rows = g.length / cols;
        const fresh = rowStripeScores(g, rows, cols, dy, options);
        const reused = analyser.analyse(g, rows, cols, dy, options);
        for (const key of ["score", "period", "contrast", "centreCol", "detrended"] as const)
          expect(Array.from(reused[key])).toEqual(Array.from(fresh[key]));
      }
    }
  });
});
