/**
 * Tiny detector graphs the tests build themselves (ONNX written by src/models/onnx): every input
 * pixel is a candidate whose class scores are its colour channels and whose box is a fixed size
 * around the pixel's centre, so a test image with one red pixel has one class-0 box, exactly where
 * the pixel is. The output layout is the one under test.
 */
import {
  DataType,
  attr,
  floatTensor,
  int64Tensor,
  modelFromGraph,
  node,
  tensorValueInfo,
  type ModelProto,
} from "../../../src/models/onnx/onnx-proto.js";

/** Output layouts of the tiny detector. */
export type TinyLayout =
  /** YOLOv8 / YOLO11: [1, 4 + C, N]. */
  | "yolov8"
  /** [1, N, 4 + C] (transposed export). */
  | "yolov8-rows"
  /** Rank 2 [4 + C, N]. */
  | "yolov8-rank2";

/** Box size (tensor pixels) every candidate has. */
export const TINY_BOX = { w: 4, h: 6 } as const;

/** A contracts file for `tinyYolov8(32, "yolov8")` saved beside it as tiny.onnx: the model "tiny". */
export const TINY_YOLOV8_32_CONTRACTS = `models:
  tiny:
    file: tiny.onnx
    input: { name: images, width: 32, height: 32, colour_order: rgb, normalization: { scale: 0.00392156862745098 }, resize: { mode: stretch } }
    decoder: { type: yolov8, num_classes: 2 }
    thresholds: { score: 0.5, nms_iou: 0.45 }
`;

/**
 * A [1, 3, size, size] -> layout detector with 2 classes: class 0 = the red channel, class 1 = green
 * (0..1 after the contract's /255), box centred on the pixel (cx = x + 0.5, cy = y + 0.5).
 */
export function tinyYolov8(size: number, layout: TinyLayout): ModelProto {
  const c = 2;
  const f = 4 + c;
  const weights = new Float32Array(f * 3);
  weights[4 * 3 + 0] = 1; // class 0 <- R
  weights[5 * 3 + 1] = 1; // class 1 <- G
  const grid = new Float32Array(f * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      grid[0 * size * size + p] = x + 0.5;
      grid[1 * size * size + p] = y + 0.5;
      grid[2 * size * size + p] = TINY_BOX.w;
      grid[3 * size * size + p] = TINY_BOX.h;
    }
  }
  const nodes = [
    node("Conv", ["images", "w"], ["scores"], "conv", [attr.ints("kernel_shape", [1, 1])]),
    node("Add", ["scores", "grid"], ["planes"], "add"),
    node("Reshape", ["planes", "shape"], ["channels_first"], "flatten"),
  ];
  const n = size * size;
  let outDims: number[] = [1, f, n];
  if (layout === "yolov8-rows") {
    nodes.push(
      node("Transpose", ["channels_first"], ["rows"], "transpose", [attr.ints("perm", [0, 2, 1])]),
    );
    outDims = [1, n, f];
  } else if (layout === "yolov8-rank2") {
    nodes.push(node("Reshape", ["channels_first", "shape2"], ["rank2"], "squeeze"));
    outDims = [f, n];
  }
  // Rename the last value to the graph output name "output0" (Ultralytics' name).
  nodes[nodes.length - 1]!.output = ["output0"];
  return modelFromGraph({
    name: `tiny_${layout}`,
    node: nodes,
    initializer: [
      floatTensor("w", [f, 3, 1, 1], weights),
      floatTensor("grid", [1, f, size, size], grid),
      int64Tensor("shape", [3], [1, f, -1]),
      int64Tensor("shape2", [2], [f, -1]),
    ],
    input: [tensorValueInfo("images", DataType.FLOAT, [1, 3, size, size])],
    output: [tensorValueInfo("output0", DataType.FLOAT, outDims)],
  });
}
