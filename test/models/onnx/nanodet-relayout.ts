/**
 * NanoDet-m at another input size with rank-2 outputs, derived from the shared 416x416 export by
 * graph re-layout only (no weight touched): the convolutional network is size-agnostic, so the
 * same weights run at 320x320 once the export's fixed spatial constants (channel-shuffle reshapes
 * and upsampling sizes, 52/26/13 cells at 416) are set for the new size; each per-stride output
 * [1, N, C] is then reshaped to [N, C] and named as the NanoDet-m legacy export names it
 * (`cls_pred_stride_8`, `dis_pred_stride_8`, ...). This is what a NanoDet-m 320 export looks like
 * to the decoder; its weights are the shared file's (INT8), as no FP32 NanoDet-m file is available.
 */
import {
  DataType,
  int64Tensor,
  node,
  tensorValueInfo,
  valueInfoDims,
  type ModelProto,
  type TensorProto,
} from "../../../src/models/onnx/onnx-proto.js";

function int64Values(t: TensorProto): number[] {
  if (t.rawData && t.rawData.length)
    return Array.from(new BigInt64Array(t.rawData.slice().buffer)).map(Number);
  return t.int64Data;
}

/** The shared NanoDet-m 416 model at `size` x `size` with rank-2 outputs (a new model; the input is not changed). */
export function nanodetRank2At(model: ModelProto, size: number, from = 416): ModelProto {
  const g = structuredClone(model.graph!);
  const strides = [8, 16, 32];
  const cells = new Map(strides.map((s) => [from / s, size / s]));
  for (const t of g.initializer) {
    if (
      t.dataType !== DataType.INT64 ||
      t.dims.length !== 1 ||
      (t.dims[0] !== 4 && t.dims[0] !== 5)
    )
      continue;
    const v = int64Values(t);
    const h = v[v.length - 2]!;
    const w = v[v.length - 1]!;
    if (h === w && cells.has(h)) {
      const n = cells.get(h)!;
      Object.assign(t, int64Tensor(t.name!, t.dims, [...v.slice(0, -2), n, n]));
    }
  }
  const input = g.input.find((i) => i.name === "input.1")!;
  input.type!.tensorType!.shape!.dim = [1, 3, size, size].map((d) => ({ dimValue: d }));
  const outputs = g.output.map((o) => {
    const [, n, c] = valueInfoDims(o)!;
    const stride = strides.find((s) => (from / s) ** 2 === n)!;
    const rows = (size / stride) ** 2;
    const name = `${c === 80 ? "cls" : "dis"}_pred_stride_${stride}`;
    g.node.push(node("Reshape", [o.name!, `${name}_shape`], [name], `${name}_rank2`));
    g.initializer.push(int64Tensor(`${name}_shape`, [2], [-1, c!]));
    return tensorValueInfo(name, DataType.FLOAT, [rows, c!]);
  });
  g.output = outputs;
  g.valueInfo = [];
  return { ...model, graph: g };
}
