import { describe, expect, it } from "vitest";
import { MultiObjectTracker, type TrackMeasurement } from "../../src/fusion/pedestrian-tracker.js";
import { fusionTuning } from "./support/map-fusion-tuning.js";
import { Rng } from "./support/synthetic-drive.js";

/** The tracker tuning of config/map_fusion.param.yaml. */
const options = fusionTuning().tracker;

const cov = [0.04, 0, 0, 0.04];
const m = (x: number, y: number, payload = ""): TrackMeasurement<string> => ({
  position: { x, y },
  covariance: cov,
  payload,
});

describe("MultiObjectTracker", () => {
  it("confirms a track after N hits and keeps its id", () => {
    const tracker = new MultiObjectTracker<string>(options);
    const confirmed: boolean[] = [];
    for (let k = 0; k < 5; k++) {
      const tracks = tracker.step(k * 0.1, [m(10 + 0.1 * k, 0)]);
      expect(tracks).toHaveLength(1);
      confirmed.push(tracks[0]!.confirmed);
    }
    expect(options.confirmHits).toBeGreaterThan(1);
    expect(confirmed).toEqual([0, 1, 2, 3, 4].map((k) => k + 1 >= options.confirmHits));
    expect(tracker.tracks[0]!.id).toBe(1);
  });

  it("coasts a confirmed track through a 1 s occlusion and drops it after maxCoastSec", () => {
    expect(options.maxCoastSec).toBeGreaterThan(1); // the occlusion below is shorter
    const tracker = new MultiObjectTracker<string>(options);
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
    const tracker = new MultiObjectTracker<string>(options);
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
    const tracker = new MultiObjectTracker<string>(options);
    for (let k = 0; k < 20; k++) tracker.step(k * 0.1, [m(10, 0)]);
    tracker.step(2.0, [m(11.4, 0)]); // 7 sigma off, inside the hard gate
    expect(tracker.tracks).toHaveLength(1);
  });

  it("starts a new track for a detection far from every track, and resets on demand", () => {
    const tracker = new MultiObjectTracker<string>(options);
    tracker.step(0, [m(10, 0)]);
    tracker.step(0.1, [m(10, 0), m(20, 5)]);
    expect(tracker.tracks.map((t) => t.id)).toEqual([1, 2]);
    tracker.reset();
    expect(tracker.tracks).toHaveLength(0);
    tracker.step(0.2, [m(10, 0)]);
    expect(tracker.tracks[0]!.id).toBe(3);
  });

  it("keeps one track on a far person whose monocular range wanders by more than the fixed gate", () => {
    // Someone standing 55 m ahead: range sd ~8 m, lateral ~1.2 m (what the detector reports at that
    // range). Successive ranges differ by up to 10 m, beyond the 4 m gate in plain metres.
    const far = [0.64, 0, 0, 0.0144].map((v) => v * 100);
    const ranges = [50, 58, 52, 60, 49, 57, 53, 61, 50, 56, 59, 51, 55, 60, 48];
    const tracker = new MultiObjectTracker<string>(options);
    const published = new Set<number>();
    ranges.forEach((x, k) => {
      const tracks = tracker.step(k / 15, [
        { position: { x, y: 9 }, covariance: far, payload: "" },
      ]);
      for (const t of tracks) if (t.confirmed) published.add(t.id);
    });
    expect([...published]).toEqual([1]);
    expect(tracker.tracks).toHaveLength(1);
  });

  it("does not pull a young track onto a newly found far person metres away", () => {
    // A tentative track on someone seen once at 30 m (range sd 2.3 m); next frame that person is
    // missed and someone new is found at 55 m (range sd 9.6 m). 25 m off is inside the chi-square gate
    // (about 9.3) and inside the range-widened hard gate, yet far likelier someone newly found than
    // the track's person jumping there: the new person starts a track of their own.
    const near = [5.3, 0, 0, 0.25];
    const far = [92, 0, 0, 2.9];
    const tracker = new MultiObjectTracker<string>(options);
    tracker.step(0, [{ position: { x: 30, y: -5 }, covariance: near, payload: "near" }]);
    const tracks = tracker.step(1 / 15, [
      { position: { x: 55, y: -8 }, covariance: far, payload: "far" },
    ]);
    expect(tracks).toHaveLength(2);
    expect(tracks[0]!.payload).toBe("near");
    expect(tracks[0]!.hits).toBe(1);
    expect(tracks[0]!.filter.state[0]).toBeCloseTo(30, 1);
    expect(tracks[1]!.payload).toBe("far");
  });

  it("updates a track with its own precise detection rather than a vague one that is merely as close", () => {
    // The track's person is detected 0.3 m off with sd 0.5 m; a vague detection (range sd 10 m) lies
    // 2 m off. In squared Mahalanobis distance alone the vague one looks nearer (0.04 vs ~0.3); the
    // likelihood (which counts the spread) prefers the precise one.
    const tracker = new MultiObjectTracker<string>(options);
    for (let k = 0; k < 10; k++) tracker.step(k * 0.1, [m(40, 0, "a")]);
    const id = tracker.tracks[0]!.id;
    const tracks = tracker.step(1.0, [
      { position: { x: 42, y: 0 }, covariance: [100, 0, 0, 1], payload: "vague" },
      { position: { x: 40.3, y: 0 }, covariance: [0.25, 0, 0, 0.25], payload: "precise" },
    ]);
    expect(tracks.find((t) => t.id === id)!.payload).toBe("precise");
  });
});
