import { describe, expect, it } from "vitest";
import {
  checkComputeBudgetOptions,
  decideRates,
  LaneStability,
  plannedCores,
  reachM,
  workerRoomPerS,
  type ComputeBudgetOptions,
} from "../../../src/nodes/common/compute-budget-rates.js";

const OPTIONS: ComputeBudgetOptions = {
  pedestrianNearCrossingHz: 30,
  pedestrianHz: 10,
  laneHz: 10,
  laneStableHz: 5,
  crosswalkNearCrossingHz: 10,
  crosswalkHz: 2,
  reactionTimeS: 1,
  decelerationMps2: 4,
  crossingMarginM: 15,
  cpuBudgetCores: 2,
  costMs: { pedestrians: 30, lanes: 50, crosswalks: 8 },
  minHz: { pedestrians: 10, lanes: 2, crosswalks: 1 },
  pedestrianCropPassesNearCrossingPerS: 30,
  pedestrianCropPassesPerS: 10,
  pedestrianPassCostMs: 10,
  pedestrianWorkerMaxLoad: 0.8,
};

describe("compute budget policy", () => {
  it("reach is the stopping distance (v t + v^2 / 2a) plus the margin", () => {
    expect(reachM(OPTIONS, 0)).toBe(15);
    expect(reachM(OPTIONS, 10)).toBeCloseTo(10 + 100 / 8 + 15, 9);
    expect(reachM(OPTIONS, 27)).toBeCloseTo(27 + 729 / 8 + 15, 9);
  });

  it("raises pedestrians and crosswalks with a mapped crossing within reach, lowers them without one, and keeps them up when it cannot know", () => {
    const near = decideRates(OPTIONS, { speedMps: 10, crossingDistanceM: 30, laneStable: false });
    expect(near).toMatchObject({
      nearCrossing: true,
      rates: { pedestrians: 30, lanes: 10, crosswalks: 10 },
      pedestrianCropPassesPerS: 30,
      limitedByBudget: false,
    });
    expect(near.reason).toMatch(/crossing 30 m ahead, within 38 m/);
    const beyond = decideRates(OPTIONS, { speedMps: 10, crossingDistanceM: 40, laneStable: false });
    expect(beyond).toMatchObject({
      nearCrossing: false,
      rates: { pedestrians: 10, crosswalks: 2 },
    });
    const none = decideRates(OPTIONS, {
      speedMps: 27,
      crossingDistanceM: "none",
      laneStable: true,
    });
    expect(none).toMatchObject({
      nearCrossing: false,
      rates: { pedestrians: 10, lanes: 5, crosswalks: 2 },
      pedestrianCropPassesPerS: 10,
    });
    expect(none.plannedCores).toBeCloseTo((10 * 30 + 5 * 50 + 2 * 8 + 10 * 10) / 1000, 9);
    for (const unknown of [
      { speedMps: undefined, crossingDistanceM: 5 },
      { speedMps: 10, crossingDistanceM: undefined },
    ]) {
      const d = decideRates(OPTIONS, { ...unknown, laneStable: true });
      expect(d.nearCrossing).toBe(true);
      expect(d.rates.pedestrians).toBe(30);
      expect(d.pedestrianCropPassesPerS).toBe(30);
      expect(d.reason).toMatch(/unknown/);
    }
    // At a standstill the margin alone decides.
    expect(
      decideRates(OPTIONS, { speedMps: 0, crossingDistanceM: 14, laneStable: false }).nearCrossing,
    ).toBe(true);
    expect(
      decideRates(OPTIONS, { speedMps: 0, crossingDistanceM: 16, laneStable: false }).nearCrossing,
    ).toBe(false);
  });

  it("keeps the models within the CPU budget: crosswalks cut first, then lanes, then pedestrian crop passes, the pedestrian rate last, each to its floor", () => {
    const near = { speedMps: 5, crossingDistanceM: 10, laneStable: false };
    // Near a crossing: 30*30 + 10*50 + 10*8 + 30 crop passes * 10 = 1780 ms/s. 1.5 cores: crosswalks to 1 Hz, then lanes.
    const d = decideRates({ ...OPTIONS, cpuBudgetCores: 1.5 }, near);
    expect(d.limitedByBudget).toBe(true);
    expect(d.rates.crosswalks).toBe(1);
    expect(d.rates.pedestrians).toBe(30);
    expect(d.pedestrianCropPassesPerS).toBe(30);
    expect(d.rates.lanes).toBeCloseTo((1500 - 900 - 8 - 300) / 50, 9);
    expect(d.plannedCores).toBeCloseTo(1.5, 9);
    // 1.2 cores: lanes down to their floor, then the crop passes.
    const crops = decideRates({ ...OPTIONS, cpuBudgetCores: 1.2 }, near);
    expect(crops.rates).toEqual({ pedestrians: 30, lanes: 2, crosswalks: 1 });
    expect(crops.pedestrianCropPassesPerS).toBeCloseTo((1200 - 900 - 100 - 8) / 10, 9);
    expect(crops.plannedCores).toBeCloseTo(1.2, 9);
    // A budget too small for the floors of lanes and crosswalks takes every crop pass, then cuts pedestrians, not below their floor.
    const half = decideRates({ ...OPTIONS, cpuBudgetCores: 0.5 }, near);
    expect(half.rates.crosswalks).toBe(1);
    expect(half.rates.lanes).toBe(2);
    expect(half.pedestrianCropPassesPerS).toBe(0);
    expect(half.rates.pedestrians).toBeCloseTo((500 - 8 - 100) / 30, 9);
    const tight = decideRates({ ...OPTIONS, cpuBudgetCores: 0.3 }, near);
    expect(tight.rates).toEqual({ pedestrians: 10, lanes: 2, crosswalks: 1 });
    expect(tight.plannedCores).toBeCloseTo(0.408, 9); // the floors win: reported, not hidden
    expect(plannedCores(OPTIONS, tight.rates, 0)).toBeCloseTo(tight.plannedCores, 9);
    expect(decideRates(OPTIONS, near).limitedByBudget).toBe(false);
  });

  it("holds the crop passes to what the pedestrian worker has room for beside the whole-frame passes", () => {
    // 0.8 of a core at 10 ms a pass = 80 passes/s: at 30 Hz 50 of them are left for crops, at 10 Hz 70.
    expect(workerRoomPerS(OPTIONS, 30)).toBeCloseTo(50, 9);
    expect(workerRoomPerS(OPTIONS, 10)).toBeCloseTo(70, 9);
    expect(workerRoomPerS(OPTIONS, 90)).toBe(0);
    const wanting = {
      ...OPTIONS,
      pedestrianCropPassesNearCrossingPerS: 120,
      pedestrianCropPassesPerS: 120,
    };
    expect(
      decideRates(wanting, { speedMps: 5, crossingDistanceM: 10, laneStable: false })
        .pedestrianCropPassesPerS,
    ).toBeCloseTo(50, 9);
    expect(
      decideRates(wanting, { speedMps: 5, crossingDistanceM: "none", laneStable: false })
        .pedestrianCropPassesPerS,
    ).toBeCloseTo(70, 9);
  });

  it("refuses options that cannot work", () => {
    expect(() => checkComputeBudgetOptions(OPTIONS)).not.toThrow();
    expect(() => checkComputeBudgetOptions({ ...OPTIONS, decelerationMps2: 0 })).toThrow(
      /decelerationMps2 must be a positive number, got 0/,
    );
    expect(() =>
      checkComputeBudgetOptions({ ...OPTIONS, costMs: { ...OPTIONS.costMs, lanes: -1 } }),
    ).toThrow(/costMs.lanes/);
    expect(() => checkComputeBudgetOptions({ ...OPTIONS, pedestrianCropPassesPerS: -1 })).toThrow(
      /pedestrianCropPassesPerS must be a number >= 0, got -1/,
    );
    expect(() => checkComputeBudgetOptions({ ...OPTIONS, pedestrianPassCostMs: 0 })).toThrow(
      /pedestrianPassCostMs/,
    );
    expect(() => checkComputeBudgetOptions({ ...OPTIONS, pedestrianWorkerMaxLoad: 1.5 })).toThrow(
      /pedestrianWorkerMaxLoad must be in \(0, 1\]/,
    );
  });

  it("calls the ego lane stable after enough good frames in a row, and starts over on a bad one", () => {
    const s = new LaneStability({ frames: 3, maxLateralStdM: 0.3, minMapConsistency: 0.8 });
    const good = { egoLaneValid: true, lateralOffsetStd: 0.1, mapConsistency: 0.95 };
    expect([s.update(good), s.update(good), s.update(good)]).toEqual([false, false, true]);
    expect(s.update({ ...good, mapConsistency: 0.5 })).toBe(false);
    expect(s.update(good)).toBe(false);
    expect(s.update({ ...good, mapConsistency: NaN })).toBe(false); // no map: never stable
    expect(s.update({ ...good, lateralOffsetStd: 0.5 })).toBe(false);
    expect(s.update({ ...good, egoLaneValid: false })).toBe(false);
  });
});
