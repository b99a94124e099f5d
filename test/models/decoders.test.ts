import { describe, expect, it } from "vitest";
import { decodeNanodet } from "../../src/models/decoders/nanodet.js";
import { decodeSegmentation } from "../../src/models/decoders/segmentation.js";
import { decodeYolov8 } from "../../src/models/decoders/yolov8.js";
import { decodeYolox } from "../../src/models/decoders/yolox.js";

const round = (v: number): number => Math.round(v * 1e4) / 1e4;
const rounded = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? round(v) : v])) as T;

describe("decodeYolox", () => {
  // 64x32 input, stride 32: a 2x1 grid = 2 anchors, 2 classes: rows of 7 values.
  const output = Float32Array.from([
    // anchor (gx 0, gy 0): objectness 0.1 -> below threshold
    0, 0, 0, 0, 0.1, 0.9, 0.1,
    // anchor (gx 1, gy 0): x 0.5, y 0.25, w log 2, h 0, obj 0.9, classes 0.2 / 0.8
    0.5, 0.25, Math.log(2), 0, 0.9, 0.2, 0.8,
  ]);
  const base = { inputWidth: 64, inputHeight: 32, strides: [32], numClasses: 2, scoreThreshold: 0.3 };

  it("decodes grid offsets and log sizes (hand-computed)", () => {
    // cx = (0.5 + 1) * 32 = 48, cy = 0.25 * 32 = 8, w = 2 * 32 = 64, h = 32, score 0.9 * 0.8
    const d = decodeYolox(output, base).map(rounded);
    expect(d).toEqual([{ x1: 16, y1: -8, x2: 80, y2: 24, score: 0.72, classId: 1 }]);
  });

  it("drops anchors whose best class is filtered out", () => {
    expect(decodeYolox(output, { ...base, classFilter: [0] })).toEqual([]);
    expect(decodeYolox(output, { ...base, classFilter: [1] })).toHaveLength(1);
  });

  it("rejects an output of the wrong size", () => {
    expect(() => decodeYolox(output.subarray(0, 7), base)).toThrow(/expected 2 x 7/);
  });
});

describe("decodeYolov8", () => {
  it("reads channels-first cx, cy, w, h and class scores", () => {
    // [1, 4 + 2, 3]: three candidates
    const n = 3;
    const t = new Float32Array(6 * n);
    t.set([100, 10, 50], 0); // cx
    t.set([200, 20, 60], n); // cy
    t.set([40, 4, 10], 2 * n); // w
    t.set([80, 8, 20], 3 * n); // h
    t.set([0.9, 0.1, 0.2], 4 * n); // class 0
    t.set([0.3, 0.2, 0.6], 5 * n); // class 1
    const d = decodeYolov8(t, [1, 6, n], { numClasses: 2, scoreThreshold: 0.5 }).map(rounded);
    expect(d).toEqual([
      { x1: 80, y1: 160, x2: 120, y2: 240, score: 0.9, classId: 0 },
      { x1: 45, y1: 50, x2: 55, y2: 70, score: 0.6, classId: 1 },
    ]);
  });
});

describe("decodeNanodet", () => {
  it("takes the expectation of each side's softmax distribution (hand-computed)", () => {
    // 16x8 input, stride 8: 2x1 cells; regMax 1 (2 bins per side); 2 classes.
    const scores = Float32Array.from([0.1, 0.2, /* cell 1 */ 0.05, 0.7]);
    const L3 = Math.log(3);
    const boxes = Float32Array.from([
      ...[0, 0, 0, 0, 0, 0, 0, 0], // cell 0 (filtered by score)
      // left: [0, 0] -> 0.5 bin; top: [ln 3, 0] -> p = 0.75/0.25 -> 0.25 bin;
      // right: [0, ln 3] -> 0.75 bin; bottom: [0, 0] -> 0.5 bin
      ...[0, 0, L3, 0, 0, L3, 0, 0],
    ]);
    const d = decodeNanodet([{ stride: 8, scores, boxes }], {
      inputWidth: 16,
      inputHeight: 8,
      numClasses: 2,
      regMax: 1,
      centerOffset: 0.5,
      scoreThreshold: 0.3,
    }).map(rounded);
    // centre (1.5 * 8, 0.5 * 8) = (12, 4); distances 4, 2, 6, 4 px
    expect(d).toEqual([{ x1: 8, y1: 2, x2: 18, y2: 8, score: 0.7, classId: 1 }]);
  });
});

describe("decodeSegmentation", () => {
  it("takes the argmax per pixel over C classes", () => {
    // [1, 3, 2, 2]
    const data = Float32Array.from([
      ...[0.1, 0.9, 0.3, 0.2], // class 0
      ...[0.5, 0.2, 0.3, 0.1], // class 1
      ...[0.2, 0.1, 0.8, 0.0], // class 2
    ]);
    const m = decodeSegmentation("seg", data, [1, 3, 2, 2]);
    expect([m.width, m.height, m.classCount]).toEqual([2, 2, 3]);
    expect(Array.from(m.classes)).toEqual([1, 0, 2, 0]);
  });

  it("handles the two-class case (ties to class 0) and rejects bad shapes", () => {
    const m = decodeSegmentation("ll", Float32Array.from([1, 2, 0, 5, /* class 1 */ 0, 3, 0, 4]), [1, 2, 2, 2]);
    expect(Array.from(m.classes)).toEqual([0, 1, 0, 0]);
    expect(() => decodeSegmentation("x", new Float32Array(8), [2, 2, 2])).toThrow(/\[1, C<=255, H, W\]/);
  });

  it("overwrites a reused mask completely, NaN and -0/0 scores as a fresh one", () => {
    const data = Float32Array.from([1, 2, 0, NaN, -0, /* class 1 */ 0, 3, NaN, 4, 0]);
    const fresh = decodeSegmentation("ll", data, [1, 2, 1, 5]);
    expect(Array.from(fresh.classes)).toEqual([0, 1, 0, 0, 0]);
    const reused = decodeSegmentation("ll", data, [1, 2, 1, 5], Uint8Array.from([7, 7, 7, 7, 7]));
    expect(Array.from(reused.classes)).toEqual(Array.from(fresh.classes));
  });
});
