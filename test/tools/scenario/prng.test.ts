import { describe, expect, it } from "vitest";
import { Prng, SmoothNoise1D, hash2 } from "../../../tools/scenario/prng.js";

describe("Prng", () => {
  it("gives the same sequence for the same seed and a different one for another seed", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 20 }, () => a.nextUint32());
    const sb = Array.from({ length: 20 }, () => b.nextUint32());
    const sc = Array.from({ length: 20 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it("draws uniform values in range with a plausible mean", () => {
    const p = new Prng(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const v = p.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      sum += v;
    }
    expect(sum / 10000).toBeCloseTo(0.5, 1);
    for (let i = 0; i < 1000; i++) {
      const k = p.int(3, 5);
      expect([3, 4, 5]).toContain(k);
    }
  });

  it("forks independent streams that are stable per label", () => {
    const x = new Prng(9).fork("ego").next();
    const y = new Prng(9).fork("ego").next();
    const z = new Prng(9).fork("speed").next();
    expect(x).toBe(y);
    expect(x).not.toBe(z);
  });
});

describe("SmoothNoise1D", () => {
  it("is continuous (small steps give small changes) and stays within [-1, 1]", () => {
    const n = new SmoothNoise1D(new Prng(3), 2, 100);
    let prev = n.at(0);
    for (let x = 0.01; x < 100; x += 0.01) {
      const v = n.at(x);
      expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(Math.abs(v - prev)).toBeLessThan(0.05);
      prev = v;
    }
  });
});

describe("hash2", () => {
  it("is a pure function of its inputs", () => {
    expect(hash2(5, 7, 1)).toBe(hash2(5, 7, 1));
    expect(hash2(5, 7, 1)).not.toBe(hash2(7, 5, 1));
  });
});
