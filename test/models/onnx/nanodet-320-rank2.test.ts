import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath, sharedDir } from "../../../src/core/paths.js";
import { readImageFile } from "../../../src/image/compressed-image.js";
import { loadModelContract } from "../../../src/models/contract.js";
import { iou } from "../../../src/models/detection.js";
import {
  DataType,
  floatTensor,
  floatValues,
  node,
  readModelFile,
  writeModelFile,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from "../../../src/models/onnx/onnx-proto.js";
import { ModelSession } from "../../../src/models/session.js";
import { PedestrianDetector } from "../../../src/perception/pedestrians/pedestrian-detector.js";
import { nanodetRank2At } from "./nanodet-relayout.js";

const shared = sharedDir();
if (!shared) console.warn("skipping NanoDet-m 320 rank-2: ../shared is absent");

const CONTRACTS = `models:
  nanodet_m_320:
    file: nanodet_m_320.onnx
    input: { name: input.1, width: 320, height: 320, colour_order: bgr,
             normalization: { scale: 1, mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395] },
             resize: { mode: letterbox, anchor: center, pad_value: 0 } }
    outputs:
      - { name: cls_pred_stride_8, shape: [1600, 80], role: scores_8 }
      - { name: dis_pred_stride_8, shape: [1600, 32], role: boxes_8 }
      - { name: cls_pred_stride_16, shape: [400, 80], role: scores_16 }
      - { name: dis_pred_stride_16, shape: [400, 32], role: boxes_16 }
      - { name: cls_pred_stride_32, shape: [100, 80], role: scores_32 }
      - { name: dis_pred_stride_32, shape: [100, 32], role: boxes_32 }
    decoder: { type: nanodet, strides: [8, 16, 32], num_classes: 80, reg_max: 7 }
    classes: { pedestrian: [0], ridden: [1, 3] }
    thresholds: { score: 0.2, nms_iou: 0.5 }
`;

/** The values of a float, uint8, int8 or int32 initializer as numbers. */
function initializerNumbers(t: TensorProto): number[] {
  const raw = t.rawData?.length ? t.rawData.slice() : undefined;
  switch (t.dataType) {
    case DataType.FLOAT:
      return Array.from(floatValues(t));
    case DataType.UINT8:
      return raw ? Array.from(raw) : t.int32Data;
    case DataType.INT8:
      return raw ? Array.from(new Int8Array(raw.buffer)) : t.int32Data;
    case DataType.INT32:
      return raw ? Array.from(new Int32Array(raw.buffer)) : t.int32Data;
    default:
      throw new Error(`initializer '${t.name}' has data type ${t.dataType}`);
  }
}

/**
 * The FP32 NanoDet-m a float export with the shared file's weights would be: the shared INT8
 * (QLinear) graph with every quantized op replaced by its float op, weights and biases dequantized
 * (w = (q - zero_point) * scale per output channel, bias = q * input_scale * weight_scale), the
 * QuantizeLinear/DequantizeLinear steps made identities and the integer tensors dropped. No FP32
 * NanoDet-m file exists in ../shared; this is the closest FP32 export the project can make.
 */
function dequantizedNanodet(model: ModelProto): ModelProto {
  const g = structuredClone(model.graph!);
  const initializers = new Map(g.initializer.map((t) => [t.name!, t]));
  const values = (name: string) => initializerNumbers(initializers.get(name)!);
  const floats: TensorProto[] = [];
  const float = (n: NodeProto, opType: string, inputs: string[]): NodeProto => ({
    ...node(opType, inputs, n.output, n.name ?? "", n.attribute),
    domain: "",
  });
  g.node = g.node.map((n) => {
    switch (n.opType) {
      case "QuantizeLinear":
      case "DequantizeLinear":
        return float(n, "Identity", [n.input[0]!]);
      case "QLinearLeakyRelu":
        return float(n, "LeakyRelu", [n.input[0]!]);
      case "QLinearSigmoid":
        return float(n, "Sigmoid", [n.input[0]!]);
      case "QLinearAdd":
        return float(n, "Add", [n.input[0]!, n.input[3]!]);
      case "QLinearConcat":
        // (Y_scale, Y_zero_point, then X, X_scale, X_zero_point per input)
        return float(
          n,
          "Concat",
          n.input.filter((_, i) => i >= 2 && (i - 2) % 3 === 0),
        );
      case "QLinearConv": {
        const [x, xScale, , w, wScale, wZero, , , b] = n.input as string[];
        const q = values(w!);
        const scales = values(wScale!);
        const zeros = values(wZero!);
        const channels = initializers.get(w!)!.dims[0]!;
        const perChannel = q.length / channels;
        const at = (v: number[], c: number) => v[v.length === 1 ? 0 : c]!;
        floats.push(
          floatTensor(
            `${w}_fp32`,
            initializers.get(w!)!.dims,
            q.map((v, i) => {
              const c = Math.floor(i / perChannel);
              return (v - at(zeros, c)) * at(scales, c);
            }),
          ),
        );
        const inputs = [x!, `${w}_fp32`];
        if (b) {
          const inputScale = values(xScale!)[0]!;
          floats.push(
            floatTensor(
              `${b}_fp32`,
              [channels],
              values(b).map((v, c) => v * inputScale * at(scales, c)),
            ),
          );
          inputs.push(`${b}_fp32`);
        }
        return float(n, "Conv", inputs);
      }
      default:
        return n;
    }
  });
  const used = new Set(g.node.flatMap((n) => n.input));
  g.initializer = [...g.initializer, ...floats].filter((t) => used.has(t.name!));
  g.valueInfo = [];
  for (const o of g.output) o.type!.tensorType!.elemType = DataType.FLOAT;
  return { ...model, graph: g };
}

describe.skipIf(!shared)(
  "NanoDet-m 320 FP32 with rank-2 outputs, through a contracts file alone",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "ep-nanodet320-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const box = ([x, y, w, h]: number[]) => ({ x1: x!, y1: y!, x2: x! + w!, y2: y! + h! });

    it("finds KITTI 000007's labelled car and its rider (labelled by looking) at IoU >= 0.7 / 0.6", async () => {
      const fp32 = nanodetRank2At(
        dequantizedNanodet(readModelFile(join(shared!, "models/nanodet_m_416_int8.onnx"))),
        320,
      );
      const g = fp32.graph!;
      expect(g.node.filter((n) => /Quantize|QLinear/.test(n.opType!))).toEqual([]);
      expect(g.node.filter((n) => n.domain)).toEqual([]);
      expect(
        g.initializer.filter((t) => t.dataType !== DataType.FLOAT && t.dataType !== DataType.INT64),
      ).toEqual([]);
      writeModelFile(join(dir, "nanodet_m_320.onnx"), fp32);
      writeFileSync(join(dir, "contracts.yaml"), CONTRACTS);
      const contract = loadModelContract("nanodet_m_320", join(dir, "contracts.yaml"));
      const frame = await readImageFile(join(shared!, "data/kitti/000007.png"));
      const labels = JSON.parse(readFileSync(join(shared!, "data/kitti/000007.json"), "utf8"))[
        "000007.png"
      ].instances as { category: string; bbox_xywh: number[] }[];
      const nearestCar = box(labels.find((l) => l.category === "Car")!.bbox_xywh);

      const session = await ModelSession.create(
        { ...contract, classFilter: [2] },
        { modelDir: dir, log: () => undefined },
      );
      const cars = await session.run(frame);
      await session.release();
      if (cars.kind !== "detections") throw new Error("expected detections");
      expect(Math.max(...cars.detections.map((d) => iou(d, nearestCar)))).toBeGreaterThanOrEqual(
        0.7,
      );

      const [rider] = (
        JSON.parse(readFileSync(projectPath("test/fixtures/kitti-000007-people.json"), "utf8")) as {
          people: { box_xyxy: number[] }[];
        }
      ).people;
      const [x1, y1, x2, y2] = rider!.box_xyxy;
      const detector = await PedestrianDetector.create({
        contract,
        modelDir: dir,
        log: () => undefined,
      });
      const { boxes } = await detector.detectBoxes(frame);
      await detector.release();
      const best = Math.max(...boxes.map((d) => iou(d, { x1: x1!, y1: y1!, x2: x2!, y2: y2! })));
      console.log(
        `NanoDet-m 320 FP32 rank-2: rider IoU ${best.toFixed(3)} (label by eye, +-0.05), ${boxes.length} person boxes`,
      );
      expect(best).toBeGreaterThanOrEqual(0.6);
    });
  },
);
