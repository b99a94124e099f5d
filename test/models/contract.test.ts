import { describe, expect, it } from "vitest";
import {
  loadModelContract,
  loadModelContracts,
  parseModelContracts,
} from "../../src/models/contract.js";

describe("model contracts", () => {
  it("reads config/models.yaml", () => {
    const all = loadModelContracts();
    expect([...all.keys()].sort()).toEqual([
      "crosswalk_seg",
      "nanodet_m_416_int8",
      "twinlitenet_320x320",
      "twinlitenet_640x360",
      "yolox_nano",
    ]);
    const yolox = all.get("yolox_nano")!;
    expect(yolox.input).toEqual({
      name: "images",
      width: 416,
      height: 416,
      channelOrder: "bgr",
      normalization: { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
      resize: { mode: "letterbox", anchor: "top-left", padValue: 114 },
      fitAspect: { multiple: 32 },
    });
    expect(yolox.decoder).toEqual({ type: "yolox", strides: [8, 16, 32], numClasses: 80 });
    expect(yolox.classFilter).toEqual([0]);
    const tln = all.get("twinlitenet_640x360")!;
    expect(tln.decoder.type).toBe("segmentation");
    expect(tln.outputs.map((o) => o.name)).toEqual(["da", "ll"]);
    expect(tln.input.resize).toEqual({ mode: "stretch" });
    expect(tln.input.normalization.scale).toBeCloseTo(1 / 255, 12);
    expect(all.get("nanodet_m_416_int8")!.decoder).toMatchObject({ type: "nanodet", regMax: 7 });
  });

  it("names the contract and field that is wrong", () => {
    const doc = (input: object, decoder: object = { type: "yolox" }) => ({
      models: { m: { file: "m.onnx", input, decoder } },
    });
    const input = { name: "x", width: 8, height: 8 };
    expect(() => parseModelContracts(doc({ ...input, width: 0 }))).toThrow(
      /'m': input.width must be an integer >= 1, got 0/,
    );
    expect(() => parseModelContracts(doc({ ...input, colour_order: "grb" }))).toThrow(
      /input.colour_order must be one of rgb \| bgr/,
    );
    expect(() => parseModelContracts(doc(input, { type: "retinanet" }))).toThrow(
      /decoder.type must be one of yolox \| nanodet \| yolov5 \| yolov8 \| ssd \| segmentation, got "retinanet"/,
    );
    expect(() => parseModelContracts(doc(input, { type: "ssd" }))).toThrow(
      /decoder.num_classes must be an integer >= 1, got nothing/,
    );
    expect(() => parseModelContracts(doc({ ...input, normalization: { mean: [1, 2] } }))).toThrow(
      /mean must be three numbers/,
    );
    expect(() => parseModelContracts(doc(input, { type: "segmentation" }))).toThrow(
      /must list its outputs/,
    );
    expect(() => parseModelContracts(doc({ ...input, fit_aspect: { multiple: 32 } }))).toThrow(
      /input.fit_aspect must be no fit_aspect unless input.resize.mode is letterbox/,
    );
    expect(() =>
      parseModelContracts(
        doc({ ...input, resize: { mode: "letterbox" }, fit_aspect: { multiple: 0 } }),
      ),
    ).toThrow(/input.fit_aspect.multiple must be an integer >= 1, got 0/);
    expect(() => parseModelContracts({})).toThrow(/top-level 'models'/);
    expect(() => loadModelContract("nope")).toThrow(
      /no model contract 'nope' \(known: .*yolox_nano/,
    );
  });

  it("reads output roles and a class map (people = pedestrians and riders when no class_filter)", () => {
    const all = parseModelContracts({
      models: {
        ssd: {
          file: "ssd.onnx",
          input: { name: "x", width: 300, height: 300 },
          outputs: [
            { name: "detection_boxes", shape: [1, 100, 4], role: "boxes" },
            { name: "detection_scores", shape: [1, 100, 3], role: "scores" },
          ],
          decoder: {
            type: "ssd",
            num_classes: 3,
            box_format: "yxyx",
            score_activation: "softmax",
            background_class: 0,
          },
          classes: { pedestrian: [1], rider: [2] },
        },
      },
    });
    const c = all.get("ssd")!;
    expect(c.outputs.map((o) => o.role)).toEqual(["boxes", "scores"]);
    expect(c.decoder).toEqual({
      type: "ssd",
      numClasses: 3,
      boxFormat: "yxyx",
      boxUnits: "relative",
      scoreActivation: "softmax",
      backgroundClass: 0,
    });
    expect(c.classes).toEqual({ pedestrian: [1], rider: [2], ridden: [] });
    expect(c.classFilter).toEqual([1, 2]);
    const bad = (classes: unknown) => () =>
      parseModelContracts({
        models: {
          m: {
            file: "m.onnx",
            input: { name: "x", width: 8, height: 8 },
            decoder: { type: "yolox" },
            classes,
          },
        },
      });
    expect(bad({ ridden: [1] })).toThrow(
      /'m': classes must be a map with at least one pedestrian or rider class/,
    );
    expect(bad({ pedestrian: [-1] })).toThrow(
      /classes.pedestrian\[0\] must be an integer >= 0, got -1/,
    );
  });
});
