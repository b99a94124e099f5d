import { describe, expect, it } from "vitest";
import { minCostAssignment } from "../../src/report/assignment.js";
import {
  boxIoU,
  matchBoxes,
  type PredictedObject,
  type TruthObject,
} from "../../src/report/box-matching.js";
import { emptyCrosswalks, scoreCrosswalkFrame } from "../../src/report/crosswalk-score.js";
import { cuLaneCounts } from "../../src/report/culane-score.js";
import { emptyDetection, scoreDetections } from "../../src/report/detection-score.js";
import { bandOf, loadEvalConfig } from "../../src/report/eval-config.js";
import { emptyLanes, polylineLane, scoreGroundLanes } from "../../src/report/lane-score.js";
import { addLatency, summarizeLatency } from "../../src/report/latency-histogram.js";
import { scoreMapDisagreements } from "../../src/report/map-score.js";
import { finalizeMetrics } from "../../src/report/metrics.js";
import { emptyPartial, mergeInto, type EvalUnit } from "../../src/report/partial.js";
import { trackGate } from "../../src/report/score-drive.js";
import {
  emptyTracking,
  scoreTracking,
  type TrackingFrame,
} from "../../src/report/tracking-score.js";
import { MapDisagreement } from "../../src/msgs/types.generated.js";

const config = loadEvalConfig();

const truth = (
  id: string,
  x1: number,
  h: number,
  range: number,
  dontCare = false,
): TruthObject => ({
  id,
  box: { x1, y1: 100, x2: x1 + h / 2, y2: 100 + h },
  range,
  position: [range, 0],
  dontCare,
});
const pred = (x1: number, h: number, score: number, range: number): PredictedObject => ({
  box: { x1, y1: 100, x2: x1 + h / 2, y2: 100 + h },
  score,
  range,
  position: [range + 0.5, 0],
});

describe("box matching and detection counts", () => {
  it("matches greedily by score at the IoU threshold; don't-care objects neither count nor excuse elsewhere", () => {
    expect(boxIoU({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(
      1 / 3,
      9,
    );
    const truths = [
      truth("a", 100, 60, 15),
      truth("b", 300, 30, 45),
      truth("c", 500, 20, 70, true),
    ];
    const preds = [
      pred(102, 60, 0.9, 15),
      pred(100, 60, 0.5, 15),
      pred(501, 20, 0.6, 70),
      pred(800, 50, 0.45, 25),
    ];
    const m = matchBoxes(preds, truths, 0.5);
    expect(m.matches).toEqual([{ pred: 0, truth: 0, iou: expect.any(Number) }]);
    expect(m.falsePositives.sort()).toEqual([1, 3]); // the duplicate and the stray box
    expect(m.ignored).toEqual([2]);
    expect(m.missed).toEqual([1]);

    const d = emptyDetection(config);
    const position = {};
    scoreDetections([{ preds, truths }], config, d, position);
    expect(d.counts).toEqual({ tp: 1, fp: 2, fn: 1 });
    expect(d.byRange).toEqual({
      "10-20": { tp: 1, fp: 1, fn: 0 },
      "40+": { tp: 0, fp: 0, fn: 1 },
      "20-40": { tp: 0, fp: 1, fn: 0 },
    });
    expect(d.byHeight["40-80"]).toEqual({ tp: 1, fp: 2, fn: 0 });
    expect(d.byHeight["0-40"]).toEqual({ tp: 0, fp: 0, fn: 1 });
    // PR thresholds 0.1..0.9: the 0.9 match counts everywhere, the 0.5 duplicate up to 0.5, the 0.45 box up to 0.4.
    expect(d.prTp).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(d.prFp).toEqual([2, 2, 2, 2, 1, 0, 0, 0, 0]);
    expect(position).toEqual({ "10-20": { n: 1, sum: 0.5, sumSq: 0.25, max: 0.5 } });
  });

  it("bands values by the configured edges", () => {
    expect([
      bandOf([10, 20, 40], 0),
      bandOf([10, 20, 40], 10),
      bandOf([10, 20, 40], 39.9),
      bandOf([10, 20, 40], 400),
      bandOf([10, 20, 40], NaN),
    ]).toEqual(["0-10", "10-20", "20-40", "40+", "unknown"]);
  });
});

describe("tracking", () => {
  const at = (id: string, x: number): { id: string; position: [number, number] } => ({
    id,
    position: [x, 0],
  });

  it("counts an ID switch, a fragmentation and the identity scores", () => {
    // Person A walks 10 frames; track 1 follows 4 frames, loses it 2, track 2 takes over for 4.
    const frames: TrackingFrame[] = [];
    for (let k = 0; k < 10; k++) {
      const tracks = k < 4 ? [at("1", 10 + k * 0.1)] : k < 6 ? [] : [at("2", 10 + k * 0.1)];
      frames.push({ truths: [at("A", 10 + k * 0.1)], tracks });
    }
    frames.push({ truths: [], tracks: [at("9", 50)] }); // a false track
    const t = emptyTracking();
    scoreTracking(frames, 2, t);
    expect(t).toMatchObject({
      gt: 10,
      fn: 2,
      fp: 1,
      idSwitches: 1,
      fragmentations: 1,
      trajectories: 1,
    });
    // Identity: A <-> 2 (4 frames) or 1 (4 frames): IDTP 4, IDFN 6, IDFP 5 (4 + 1 frames of other tracks).
    expect([t.idtp, t.idfn, t.idfp]).toEqual([4, 6, 5]);
    const m = finalizeMetrics(
      [
        {
          id: "d",
          scenario: "s",
          partial: { ...emptyPartial(), frames: 11, tracking: { pedestrian: t } },
        },
      ],
      config,
    );
    expect(m.overall.tracking.pedestrian!.mota).toBeCloseTo(1 - (2 + 1 + 1) / 10, 9);
    expect(m.overall.tracking.pedestrian!.idf1).toBeCloseTo((2 * 4) / (2 * 4 + 5 + 6), 6);
  });

  it("widens the gate with range (monocular depth) and does not count tracks on don't-care people", () => {
    expect([trackGate(15, config), trackGate(50, config)]).toEqual([2, 5]);
    const near: TrackingFrame = {
      truths: [{ id: "A", position: [15, 0], gate: trackGate(15, config) }],
      tracks: [at("1", 19)],
    };
    const far: TrackingFrame = {
      truths: [{ id: "B", position: [50, 0], gate: trackGate(50, config) }],
      tracks: [at("2", 54)],
    };
    const gone: TrackingFrame = {
      truths: [{ id: "C", position: [3, 6], dontCare: true }],
      tracks: [{ id: "3", position: [3.5, 6] }],
    };
    const tn = emptyTracking();
    scoreTracking([near], 2, tn);
    expect([tn.fp, tn.fn]).toEqual([1, 1]);
    const tf = emptyTracking();
    scoreTracking([far, gone], 2, tf);
    expect([tf.gt, tf.fp, tf.fn, tf.idtp]).toEqual([1, 0, 0, 1]);
  });

  it("finds the optimal assignment where greedy would not", () => {
    // Greedy on the smallest cost takes (0,0)=1 and then (1,1)=10; optimal is (0,1)+(1,0) = 2+2.
    expect(
      minCostAssignment([
        [1, 2],
        [2, 10],
      ]),
    ).toEqual([1, 0]);
    expect(minCostAssignment([[5], [1], [3]])).toEqual([-1, 0, -1]);
  });
});

describe("lanes, crosswalks, map, latency", () => {
  it("matches markings in base_link and bands the lateral error by x", () => {
    const t1 = polylineLane([
      [0, 1.8],
      [60, 1.8],
    ])!;
    const t2 = polylineLane([
      [0, -1.8],
      [60, -1.8],
    ])!;
    const p1 = polylineLane([
      [3, 1.9],
      [30, 1.9],
    ])!; // 0.1 m off
    const p2 = polylineLane([
      [3, 5.0],
      [30, 5.0],
    ])!; // nothing there
    const l = emptyLanes();
    scoreGroundLanes([p1, p2], [t1, t2], config, l);
    expect(l.counts).toEqual({ tp: 1, fp: 1, fn: 1 });
    expect(l.lateral["0-10"]!.n).toBe(7); // x = 3..9
    expect(l.lateral["20-40"]!.n).toBe(11); // x = 20..30
    expect(l.lateral["10-20"]!.sum / l.lateral["10-20"]!.n).toBeCloseTo(0.1, 9);
  });

  it("scores crosswalk presence, polygon IoU and distance; far crossings are don't care", () => {
    const square = (x0: number, x1: number) => [
      { x: x0, y: -4 },
      { x: x1, y: -4 },
      { x: x1, y: 4 },
      { x: x0, y: 4 },
    ];
    const c = emptyCrosswalks();
    scoreCrosswalkFrame(
      {
        preds: [{ polygon: square(12, 16), distanceAhead: 12 }],
        truths: [{ polygon: square(10, 14), distanceAhead: 10 }],
      },
      config,
      c,
    );
    scoreCrosswalkFrame(
      { preds: [], truths: [{ polygon: square(50, 54), distanceAhead: 50 }] },
      config,
      c,
    );
    scoreCrosswalkFrame(
      { preds: [{ polygon: square(5, 9), distanceAhead: 5 }], truths: [] },
      config,
      c,
    );
    expect(c.presence).toEqual({ tp: 1, fp: 1, fn: 0 });
    expect(c.dontCareFrames).toBe(1);
    expect(c.iou.sum).toBeCloseTo(2 / 6, 9);
    expect(c.distance.sum).toBeCloseTo(2, 9);
    expect(c.polygons).toEqual({ tp: 1, fp: 1, fn: 0 });
  });

  it("scores CULane lanes by 30 px mask IoU", () => {
    const gt: [number, number][][] = [
      [
        [800, 590],
        [820, 300],
      ],
      [
        [400, 590],
        [600, 300],
      ],
    ];
    const pred: [number, number][][] = [
      [
        [805, 590],
        [825, 300],
      ],
      [
        [1200, 590],
        [1000, 300],
      ],
    ];
    expect(cuLaneCounts(pred, gt, 1640, 590)).toEqual({ tp: 1, fp: 1, fn: 1 });
  });

  it("counts map disagreements found vs injected", () => {
    const p = scoreMapDisagreements(
      "d",
      [
        { kind: "shift_boundary", boundaryId: "main_b1_0" },
        { kind: "omit_crosswalk", crosswalkId: "cw" },
        { kind: "crosswalk_only_in_map", crosswalkId: "ghost" },
      ],
      [
        {
          kind: MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED,
          mapId: "main_b1_0",
          position: { x: 0, y: 0 },
        },
        { kind: MapDisagreement.KIND_CROSSWALK_UNMAPPED, mapId: "", position: { x: 30, y: 0 } },
        { kind: MapDisagreement.KIND_CROSSWALK_UNMAPPED, mapId: "", position: { x: 31, y: 1 } },
        {
          kind: MapDisagreement.KIND_LANE_BOUNDARY_TYPE,
          mapId: "main_b0_0",
          position: { x: 0, y: 0 },
        },
      ],
    );
    expect(p).toMatchObject({ injected: 3, found: 3, tp: 2, fp: 1, fn: 1 });
    expect(p.missed).toEqual(["d: crosswalk_missing ghost"]);
    expect(p.spurious).toEqual(["d: lane_boundary_type main_b0_0"]);
  });

  it("summarises latency histograms by nearest rank (bin upper edges)", () => {
    const h = {};
    for (let i = 1; i <= 100; i++) addLatency(h, i, config);
    expect(summarizeLatency(h, config)).toEqual({
      count: 100,
      p50: 50.5,
      p90: 90.5,
      p99: 99.5,
      max: 100.5,
    });
  });
});

describe("merging", () => {
  it("adds counts, keeps maxima and gives the same metrics for any grouping of units", () => {
    const u = (id: string, tp: number, err: number): EvalUnit => ({
      id,
      scenario: id.startsWith("n") ? "night" : "day",
      partial: {
        ...emptyPartial(),
        frames: 10,
        detection: {
          pedestrian: {
            counts: { tp, fp: 1, fn: 2 },
            byRange: {},
            byHeight: {},
            prTp: new Array(9).fill(tp),
            prFp: new Array(9).fill(1),
          },
        },
        position: { "0-10": { n: 1, sum: err, sumSq: err * err, max: err } },
      },
    });
    const units = [u("d1", 3, 0.1), u("n1", 1, 0.7), u("d2", 5, 0.3)];
    expect(mergeInto(units[0]!.partial, units[1]!.partial).position["0-10"]).toMatchObject({
      n: 2,
      max: 0.7,
    });
    const a = JSON.stringify(finalizeMetrics(units, config));
    expect(JSON.stringify(finalizeMetrics([...units].reverse(), config))).toBe(a);
    const m = finalizeMetrics(units, config);
    expect(m.overall.detection.pedestrian).toMatchObject({ tp: 9, fp: 3, fn: 6 });
    expect(m.scenarios.night!.detection.pedestrian!.recall).toBeCloseTo(1 / 3, 6);
    expect(() => finalizeMetrics([units[0]!, units[0]!], config)).toThrow(/appears twice/);
  });
});
