import { describe, expect, it } from "vitest";
import { candidateOrientation, candidateTable } from "../../src/models/decoders/candidates.js";
import { decodeNanodet, nanodetFamily } from "../../src/models/decoders/nanodet.js";
import { detectorDecoderTypes, detectorFamily } from "../../src/models/decoders/registry.js";
import { ssdFamily } from "../../src/models/decoders/ssd.js";
import { decodeYolov5 } from "../../src/models/decoders/yolov5.js";
import { decodeSegmentation } from "../../src/models/decoders/segmentation.js";
import { decodeYolov8 } from "../../src/models/decoders/yolov8.js";
import { decodeYolox, yoloxFamily } from "../../src/models/decoders/yolox.js";

const round = (v: number): number => Math.round(v * 1e4) / 1e4;
const rounded = <T extends object>(o: T): T =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? round(v) : v]),
  ) as T;

describe("decodeYolox", () => {
  // 64x32 input, stride 32: a 2x1 grid = 2 anchors, 2 classes: rows of 7 values.
  const output = Float32Array.from([
    // anchor (gx 0, gy 0): objectness 0.1 -> below threshold
    0,
    0,
    0,
    0,
    0.1,
    0.9,
    0.1,
    // anchor (gx 1, gy 0): x 0.5, y 0.25, w log 2, h 0, obj 0.9, classes 0.2 / 0.8
    0.5,
    0.25,
    Math.log(2),
    0,
    0.9,
    0.2,
    0.8,
  ]);
  const base = {
    inputWidth: 64,
    inputHeight: 32,
    strides: [32],
    numClasses: 2,
    scoreThreshold: 0.3,
  };

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
    const m = decodeSegmentation(
      "ll",
      Float32Array.from([1, 2, 0, 5, /* class 1 */ 0, 3, 0, 4]),
      [1, 2, 2, 2],
    );
    expect(Array.from(m.classes)).toEqual([0, 1, 0, 0]);
    expect(() => decodeSegmentation("x", new Float32Array(8), [2, 2, 2])).toThrow(
      /\[1, C<=255, H, W\]/,
    );
  });

  it("overwrites a reused mask completely, NaN and -0/0 scores as a fresh one", () => {
    const data = Float32Array.from([1, 2, 0, NaN, -0, /* class 1 */ 0, 3, NaN, 4, 0]);
    const fresh = decodeSegmentation("ll", data, [1, 2, 1, 5]);
    expect(Array.from(fresh.classes)).toEqual([0, 1, 0, 0, 0]);
    const reused = decodeSegmentation("ll", data, [1, 2, 1, 5], Uint8Array.from([7, 7, 7, 7, 7]));
    expect(Array.from(reused.classes)).toEqual(Array.from(fresh.classes));
  });
});

describe("candidate tables", () => {
  it("read rows and columns, with or without a batch of 1, from the tensor's own dims", () => {
    // Two candidates of three features: (1, 2, 3) and (4, 5, 6).
    const rows = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const cols = Float32Array.from([1, 4, 2, 5, 3, 6]);
    for (const [data, dims, prefer] of [
      [rows, [2, 3], "rows"],
      [rows, [1, 2, 3], "columns"],
      [cols, [3, 2], "rows"],
      [cols, [1, 3, 2], "columns"],
    ] as const) {
      const t = candidateTable("o", data, dims, 3, prefer);
      expect([t.count, t.at(0, 0), t.at(0, 2), t.at(1, 1)], `${dims}`).toEqual([2, 1, 3, 5]);
    }
    expect(candidateOrientation([1, 3, 3], 3, "columns")).toBe("columns");
    expect(candidateOrientation([1, -1, 85], 85, "columns")).toBe("rows");
    expect(() => candidateTable("o", rows, [2, 4], 3, "rows")).toThrow(
      /output 'o' has shape \[2,4\], expected \[N,3\] or \[3,N\]/,
    );
  });
});

describe("decodeYolov5", () => {
  it("scores obj * class and reads pixel boxes from rows (rank 2 and 3 alike)", () => {
    const data = Float32Array.from([
      ...[50, 40, 20, 10, 0.9, 0.1, 0.8], // kept: 0.72 class 1
      ...[10, 10, 4, 4, 0.2, 0.9, 0.1], // obj below threshold
    ]);
    const expected = [{ x1: 40, y1: 35, x2: 60, y2: 45, score: 0.72, classId: 1 }];
    expect(decodeYolov5(data, [2, 7], { numClasses: 2, scoreThreshold: 0.3 }).map(rounded)).toEqual(
      expected,
    );
    expect(
      decodeYolov5(data, [1, 2, 7], { numClasses: 2, scoreThreshold: 0.3 }).map(rounded),
    ).toEqual(expected);
    expect(
      decodeYolov5(data, [1, 2, 7], { numClasses: 2, scoreThreshold: 0.3, classFilter: [0] }),
    ).toEqual([]);
  });
});

describe("ssd family", () => {
  const get = (outputs: Record<string, { data: number[]; dims: number[] }>) => (name: string) => ({
    data: Float32Array.from(outputs[name]!.data),
    dims: outputs[name]!.dims,
  });
  const settings = { inputWidth: 200, inputHeight: 100, scoreThreshold: 0.5 };
  it("relative yxyx boxes, softmax scores with a background class", () => {
    const d = {
      type: "ssd" as const,
      numClasses: 3,
      boxFormat: "yxyx" as const,
      boxUnits: "relative" as const,
      scoreActivation: "softmax" as const,
      backgroundClass: 0,
    };
    const outputs = {
      b: { data: [0.1, 0.2, 0.5, 0.6, 0, 0, 1, 1], dims: [1, 2, 4] },
      // candidate 0: class 2 wins (softmax of [0, 0, ln 8] -> 0.8); candidate 1: background wins (not reported, class 1 at 0.1)
      s: { data: [0, 0, Math.log(8), Math.log(8), 0, 0], dims: [1, 2, 3] },
    };
    const boxes = ssdFamily
      .decode(d, { boxes: "b", scores: "s" }, get(outputs), settings)
      .map(rounded);
    expect(boxes).toEqual([{ x1: 40, y1: 10, x2: 120, y2: 50, score: 0.8, classId: 2 }]);
  });
  it("binds boxes and scores by shape, or by declared role when shapes are ambiguous", () => {
    const d = {
      type: "ssd" as const,
      numClasses: 4,
      boxFormat: "xyxy" as const,
      boxUnits: "pixels" as const,
      scoreActivation: "none" as const,
      backgroundClass: -1,
    };
    const ctx = {
      contract: "'m' (m.onnx)",
      inputWidth: 8,
      inputHeight: 8,
      declared: [],
      outputs: [
        { name: "x", dims: [1, 10, 4] },
        { name: "y", dims: [1, 10, 4] },
      ],
    };
    expect(() => ssdFamily.bind(d, ctx)).toThrow(
      /several outputs fit a boxes output \[1,N,4\] \(x, y\); name one in the contract's outputs with role: boxes/,
    );
    const declared = [
      { name: "y", shape: [1, 10, 4], role: "boxes" },
      { name: "x", shape: [1, 10, 4], role: "scores" },
    ];
    expect(ssdFamily.bind(d, { ...ctx, declared })).toEqual({ boxes: "y", scores: "x" });
    expect(() =>
      ssdFamily.bind(d, { ...ctx, declared: [{ name: "z", shape: [1, 10, 4], role: "boxes" }] }),
    ).toThrow(/declares output 'z' as boxes, the model has no output of that name/);
  });
});

describe("nanodet family", () => {
  const d = { type: "nanodet" as const, strides: [8], numClasses: 2, regMax: 1, centerOffset: 0.5 };
  const L3 = Math.log(3);
  const scores = [0.1, 0.2, 0.05, 0.7];
  const boxes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, L3, 0, 0, L3, 0, 0];
  const settings = { inputWidth: 16, inputHeight: 8, scoreThreshold: 0.3 };
  const expected = [{ x1: 8, y1: 2, x2: 18, y2: 8, score: 0.7, classId: 1 }];
  it("rank-2 per-level outputs (NanoDet-m) found by shape", () => {
    const ctx = {
      contract: "'m' (m.onnx)",
      inputWidth: 16,
      inputHeight: 8,
      declared: [],
      outputs: [
        { name: "cls", dims: [2, 2] },
        { name: "dis", dims: [2, 8] },
      ],
    };
    const b = nanodetFamily.bind(d, ctx);
    expect(b).toEqual({ kind: "levels", levels: [{ stride: 8, scores: "cls", boxes: "dis" }] });
    const out = {
      cls: { data: Float32Array.from(scores), dims: [2, 2] },
      dis: { data: Float32Array.from(boxes), dims: [2, 8] },
    };
    expect(
      nanodetFamily.decode(d, b, (n) => out[n as "cls" | "dis"], settings).map(rounded),
    ).toEqual(expected);
  });
  it("one concatenated output (NanoDet-Plus) decodes to the same boxes", () => {
    const ctx = {
      contract: "'m' (m.onnx)",
      inputWidth: 16,
      inputHeight: 8,
      declared: [],
      outputs: [{ name: "output", dims: [1, 2, 10] }],
    };
    const b = nanodetFamily.bind(d, ctx);
    expect(b).toEqual({ kind: "concatenated", output: "output" });
    const data = Float32Array.from([
      ...scores.slice(0, 2),
      ...boxes.slice(0, 8),
      ...scores.slice(2),
      ...boxes.slice(8),
    ]);
    expect(
      nanodetFamily.decode(d, b, () => ({ data, dims: [1, 2, 10] }), settings).map(rounded),
    ).toEqual(expected);
  });
});

describe("yolox family", () => {
  it("reads a rank-2 [N, 5 + C] export like the rank-3 one", () => {
    const d = { type: "yolox" as const, strides: [32], numClasses: 2 };
    const ctx = {
      contract: "'m' (m.onnx)",
      inputWidth: 64,
      inputHeight: 32,
      declared: [],
      outputs: [{ name: "out", dims: [2, 7] }],
    };
    const b = yoloxFamily.bind(d, ctx);
    const data = Float32Array.from([
      0,
      0,
      0,
      0,
      0.1,
      0.9,
      0.1,
      0.5,
      0.25,
      Math.log(2),
      0,
      0.9,
      0.2,
      0.8,
    ]);
    const boxes = yoloxFamily.decode(d, b, () => ({ data, dims: [2, 7] }), {
      inputWidth: 64,
      inputHeight: 32,
      scoreThreshold: 0.3,
    });
    expect(boxes.map(rounded)).toEqual([
      { x1: 16, y1: -8, x2: 80, y2: 24, score: 0.72, classId: 1 },
    ]);
    expect(() =>
      yoloxFamily.bind(d, { ...ctx, outputs: [{ name: "out", dims: [1, 7, 2] }] }),
    ).toThrow(/expected an output of shape \[1,2,7\], found none/);
  });
});

describe("registry", () => {
  it("lists every detector family once, each with its layout", () => {
    expect(detectorDecoderTypes()).toEqual(["yolox", "nanodet", "yolov5", "yolov8", "ssd"]);
    for (const t of detectorDecoderTypes())
      expect(detectorFamily(t)!.layout.length).toBeGreaterThan(20);
    expect(detectorFamily("segmentation")).toBeUndefined();
  });
});
