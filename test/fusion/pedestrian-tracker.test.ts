import { describe, expect, it } from "vitest";
import { MultiObjectTracker, type TrackMeasurement } from "../../src/fusion/pedestrian-tracker.js";
import { Rng } from "./support/synthetic-drive.js";

const cov = [0.04, 0, 0, 0.04];
const m = (x: number, y: number, payload = ""): TrackMeasurement<string> => ({
  position: { x, y },
  covariance: cov,
  payload,
});

describe("MultiObjectTracker", () => {
  it("confirms a track after N hits and keeps its id", () => {
    const tracker = new MultiObjectTracker<string>({ confirmHits: 3 });
    const confirmed: boolean[] = [];
    for (let k = 0; k < 5; k++) {
      const tracks = tracker.step(k * 0.1, [m(10 + 0.1 * k, 0)]);
      expect(tracks).toHaveLength(1);
      confirmed.push(tracks[0]!.confirmed);
    }
    expect(confirmed).toEqual([false, false, true, true, true]);
    expect(tracker.tracks[0]!.id).toBe(1);
  });

  it("coasts a confirmed track through a 1 s occlusion and drops it after maxCoastSec", () => {
    const tracker = new MultiObjectTracker<string>({ maxCoastSec: 1.5 });
    const dt = 1 / 30;
    let k = 0;
    for (; k < 30; k++) tracker.step(k * dt, [m(1.4 * k * dt, 5)]);
    const id = tracker.tracks[0]!.id;
    for (; k < 60; k++) tracker.step(k * dt, []); // hidden for 1 s
    expect(tracker.tracks).toHaveLength(1);
    expect(tracker.tracks[0]!.updated).toBe(false);
    // Predicted on: the filter learnt the walking speed.
    expect(tracker.tracks[0]!.filter.state[0]).toBeCloseTo(1.4 * (k - 1) * dt, 0);
    const back = tracker.step(k * dt, [m(1.4 * k * dt, 5)]);
    expect(back).toHaveLength(1);
    expect(back[0]!.id).toBe(id);
    for (k++; k < 200; k++) tracker.step(k * dt, []);
    expect(tracker.tracks).toHaveLength(0);
  });

  it("keeps the ids of two pedestrians whose paths cross", () => {
    const rng = new Rng(9);
    const tracker = new MultiObjectTracker<string>();
    const dt = 1 / 30;
    const idOf = new Map<string, Set<number>>([
      ["a", new Set()],
      ["b", new Set()],
    ]);
    for (let k = 0; k < 150; k++) {
      const t = k * dt;
      // a walks east, b walks west, 1.5 m apart in y; they pass at t = 2.5 s.
      const a = m(-3 + 1.2 * t + rng.gauss(0.1), 0 + rng.gauss(0.1), "a");
      const b = m(3 - 1.2 * t + rng.gauss(0.1), 1.5 + rng.gauss(0.1), "b");
      for (const tr of tracker.step(t, [a, b]))
        if (tr.confirmed && tr.updated) idOf.get(tr.payload)!.add(tr.id);
    }
    expect(idOf.get("a")!.size).toBe(1);
    expect(idOf.get("b")!.size).toBe(1);
    expect([...idOf.get("a")!][0]).not.toBe([...idOf.get("b")!][0]);
  });

  it("does not spawn a duplicate track from one outlying detection", () => {
    const tracker = new MultiObjectTracker<string>();
    for (let k = 0; k < 20; k++) tracker.step(k * 0.1, [m(10, 0)]);
    tracker.step(2.0, [m(11.4, 0)]); // 7 sigma off, inside the hard gate
    expect(tracker.tracks).toHaveLength(1);
  });

  it("starts a new track for a detection far from every track, and resets on demand", () => {
    const tracker = new MultiObjectTracker<string>();
    tracker.step(0, [m(10, 0)]);
    tracker.step(0.1, [m(10, 0), m(20, 5)]);
    expect(tracker.tracks.map((t) => t.id)).toEqual([1, 2]);
    tracker.reset();
    expect(tracker.tracks).toHaveLength(0);
    tracker.step(0.2, [m(10, 0)]);
    expect(tracker.tracks[0]!.id).toBe(3);
  });
});
