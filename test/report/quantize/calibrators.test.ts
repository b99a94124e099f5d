import { describe, expect, it } from "vitest";
import {
  TensorStats,
  entropyThresholdBin,
  uint8Params,
} from "../../../src/report/quantize/calibrators.js";
import { quantizeWeights } from "../../../src/report/quantize/qdq.js";

/** Deterministic values: 10000 in [-1, 1] plus a few far outliers. */
function values(): Float32Array {
  const v = new Float32Array(10_010);
  for (let i = 0; i < 10_000; i++) v[i] = Math.sin(i * 12.9898) * 1; // spread over [-1, 1]
  for (let i = 0; i < 10; i++) v[10_000 + i] = 40 + i; // outliers up to 49
  return v;
}

describe("calibrators", () => {
  const stats = (kind: "minmax" | "percentile" | "entropy") => {
    const s = new TensorStats();
    s.observeRange(values());
    const c = kind === "percentile" ? { kind, percentile: 99.9 } : { kind };
    if (kind !== "minmax") {
      s.startHistograms(c);
      s.observeHistogram(values());
    }
    return s.range(c);
  };
  it("minmax keeps the outliers; percentile and entropy clip them", () => {
    const mm = stats("minmax");
    expect(mm.max).toBeCloseTo(49, 5);
    const p = stats("percentile");
    expect(p.max).toBeLessThan(2); // 10 outliers of 10010 are beyond the 99.9th percentile
    expect(p.min).toBeGreaterThan(-1.1);
    const e = stats("entropy");
    expect(e.max).toBeLessThan(10);
    expect(e.max).toBeGreaterThan(0.9); // the bulk of the values is kept
  });
  it("entropy keeps everything when nothing is far out", () => {
    const h = new Float64Array(2048);
    for (let i = 0; i < 300; i++) h[i] = 100;
    expect(entropyThresholdBin(h, 128)).toBeGreaterThanOrEqual(290);
  });
  it("uint8 parameters represent 0 exactly and cover the range", () => {
    expect(uint8Params({ min: -1, max: 3 })).toEqual({ scale: 4 / 255, zeroPoint: 64 });
    expect(uint8Params({ min: 0.5, max: 2 })).toEqual({ scale: 2 / 255, zeroPoint: 0 }); // widened to include 0
    expect(uint8Params({ min: 0, max: 0 }).scale).toBe(1);
  });
  it("weights: symmetric int8 per output channel", () => {
    // Two output channels of three values: amax 2 and 0.5.
    const { q, scales } = quantizeWeights(
      Float32Array.from([2, -1, 0.5, 0.5, -0.3, 0]),
      [2, 3],
      0,
      8,
    );
    expect(Array.from(scales)).toEqual([2 / 127, 0.5 / 127].map((x) => Math.fround(x)));
    expect(Array.from(q)).toEqual([127, -64, 32, 127, -76, 0]); // -1 / (2/127) = -63.5 -> -64 (halves to even, as QuantizeLinear)
    const seven = quantizeWeights(Float32Array.from([63, -31.5, 10.5]), [3], -1, 7);
    expect(Array.from(seven.q)).toEqual([63, -32, 10]); // scale 1: -31.5 -> -32, 10.5 -> 10 (halves to even)
    // ConvTranspose layout [C_in, C_out, k]: channels on axis 1.
    const t = quantizeWeights(Float32Array.from([1, 4, -2, 8]), [2, 2, 1], 1, 8);
    expect(Array.from(t.scales)).toEqual([2 / 127, 8 / 127].map((x) => Math.fround(x)));
  });
});
