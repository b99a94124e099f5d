/**
 * ONNX files read and written by the project's own code: the ModelProto field table (field numbers
 * of onnx/onnx.proto, IR 10), typed views of the parts the project edits (graph, nodes,
 * initializers, value infos, attributes), and helpers to build tensors and small graphs. Fields not
 * in the table (training info, functions, sparse initializers...) survive a read/write untouched.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import {
  decodeMessage,
  encodeMessage,
  type FieldSpec,
  type ProtoObject,
  type Schema,
} from "./protobuf.js";

const f = (
  no: number,
  name: string,
  type: FieldSpec["type"],
  extra: Partial<FieldSpec> = {},
): FieldSpec => ({ no, name, type, ...extra });
const msg = (no: number, name: string, message: string, repeated = false): FieldSpec => ({
  no,
  name,
  type: "message",
  message,
  repeated,
});

/** The ONNX messages the project reads and writes. */
const ONNX_SCHEMA: Schema = {
  ModelProto: [
    f(1, "irVersion", "int64"),
    msg(8, "opsetImport", "OperatorSetIdProto", true),
    f(2, "producerName", "string"),
    f(3, "producerVersion", "string"),
    f(4, "domain", "string"),
    f(5, "modelVersion", "int64"),
    f(6, "docString", "string"),
    msg(7, "graph", "GraphProto"),
    msg(14, "metadataProps", "StringStringEntryProto", true),
  ],
  OperatorSetIdProto: [f(1, "domain", "string"), f(2, "version", "int64")],
  StringStringEntryProto: [f(1, "key", "string"), f(2, "value", "string")],
  GraphProto: [
    msg(1, "node", "NodeProto", true),
    f(2, "name", "string"),
    msg(5, "initializer", "TensorProto", true),
    f(10, "docString", "string"),
    msg(11, "input", "ValueInfoProto", true),
    msg(12, "output", "ValueInfoProto", true),
    msg(13, "valueInfo", "ValueInfoProto", true),
  ],
  NodeProto: [
    f(1, "input", "string", { repeated: true }),
    f(2, "output", "string", { repeated: true }),
    f(3, "name", "string"),
    f(4, "opType", "string"),
    f(7, "domain", "string"),
    msg(5, "attribute", "AttributeProto", true),
    f(6, "docString", "string"),
  ],
  AttributeProto: [
    f(1, "name", "string"),
    f(20, "type", "int32"),
    f(2, "f", "float"),
    f(3, "i", "int64"),
    f(4, "s", "bytes"),
    msg(5, "t", "TensorProto"),
    msg(6, "g", "GraphProto"),
    f(7, "floats", "float", { repeated: true }),
    f(8, "ints", "int64", { repeated: true }),
    f(9, "strings", "bytes", { repeated: true }),
    msg(10, "tensors", "TensorProto", true),
    msg(11, "graphs", "GraphProto", true),
  ],
  TensorProto: [
    f(1, "dims", "int64", { repeated: true }),
    f(2, "dataType", "int32"),
    f(4, "floatData", "float", { repeated: true, packed: true }),
    f(5, "int32Data", "int32", { repeated: true, packed: true }),
    f(6, "stringData", "bytes", { repeated: true }),
    f(7, "int64Data", "int64", { repeated: true, packed: true }),
    f(8, "name", "string"),
    f(12, "docString", "string"),
    f(9, "rawData", "bytes"),
    f(10, "doubleData", "double", { repeated: true, packed: true }),
    f(11, "uint64Data", "uint64", { repeated: true, packed: true }),
  ],
  ValueInfoProto: [
    f(1, "name", "string"),
    msg(2, "type", "TypeProto"),
    f(3, "docString", "string"),
  ],
  TypeProto: [msg(1, "tensorType", "TypeProtoTensor"), f(6, "denotation", "string")],
  TypeProtoTensor: [f(1, "elemType", "int32"), msg(2, "shape", "TensorShapeProto")],
  TensorShapeProto: [msg(1, "dim", "TensorShapeDimension", true)],
  TensorShapeDimension: [
    f(1, "dimValue", "int64"),
    f(2, "dimParam", "string"),
    f(3, "denotation", "string"),
  ],
};

/** TensorProto.DataType values the project uses. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** AttributeProto.AttributeType values. */
const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export interface TensorProto extends ProtoObject {
  dims: number[];
  dataType?: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  name?: string;
  rawData?: Uint8Array;
}

export interface AttributeProto extends ProtoObject {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats: number[];
  ints: number[];
}

export interface NodeProto extends ProtoObject {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute: AttributeProto[];
}

export interface TensorShapeDimension extends ProtoObject {
  dimValue?: number;
  dimParam?: string;
}

export interface ValueInfoProto extends ProtoObject {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim: TensorShapeDimension[] } } };
}

export interface GraphProto extends ProtoObject {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface OperatorSetId extends ProtoObject {
  domain?: string;
  version?: number;
}

export interface ModelProto extends ProtoObject {
  irVersion?: number;
  opsetImport: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  graph?: GraphProto;
  metadataProps: { key?: string; value?: string }[];
}

/** Parses ONNX bytes. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const m = decodeMessage(ONNX_SCHEMA, "ModelProto", bytes) as ModelProto;
  if (!m.graph) throw new PerceptionError("model", "not an ONNX model: no graph");
  return m;
}

/** Serialises a model. */
export function encodeModel(model: ModelProto): Uint8Array {
  return encodeMessage(ONNX_SCHEMA, "ModelProto", model);
}

/** Reads an ONNX file (a `model` PerceptionError names the file when it cannot). */
export function readModelFile(path: string): ModelProto {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new PerceptionError(
      "model",
      `cannot read ONNX file: ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
  try {
    return decodeModel(bytes);
  } catch (err) {
    throw new PerceptionError(
      "model",
      `not a readable ONNX file: ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
}

/** Writes an ONNX file. */
export function writeModelFile(path: string, model: ModelProto): void {
  writeFileSync(path, encodeModel(model));
}

/** The default-domain opset version of a model (0 when none). */
export function opsetVersion(model: ModelProto): number {
  return model.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx")?.version ?? 0;
}

/** A float32 initializer. */
export function floatTensor(
  name: string,
  dims: readonly number[],
  values: ArrayLike<number>,
): TensorProto {
  const data = Float32Array.from(values);
  return {
    name,
    dims: [...dims],
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer),
    floatData: [],
    int32Data: [],
    int64Data: [],
  };
}

/** An int64 initializer (shapes, axes). */
export function int64Tensor(
  name: string,
  dims: readonly number[],
  values: readonly number[],
): TensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return {
    name,
    dims: [...dims],
    dataType: DataType.INT64,
    rawData: new Uint8Array(data.buffer),
    floatData: [],
    int32Data: [],
    int64Data: [],
  };
}

/** An int8 or uint8 initializer. */
export function int8Tensor(
  name: string,
  dims: readonly number[],
  values: Int8Array | Uint8Array,
): TensorProto {
  const dataType = values instanceof Int8Array ? DataType.INT8 : DataType.UINT8;
  return {
    name,
    dims: [...dims],
    dataType,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice(),
    floatData: [],
    int32Data: [],
    int64Data: [],
  };
}

/** The values of a float32 tensor (raw_data or float_data). */
export function floatValues(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT)
    throw new PerceptionError(
      "model",
      `tensor '${t.name}' is not float32 (data type ${t.dataType})`,
    );
  if (t.rawData && t.rawData.length > 0) {
    const copy = t.rawData.slice();
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData);
}

/** A node; attributes from a plain object (numbers: int if integral unless listed in `floats`). */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: AttributeProto[] = [],
  domain?: string,
): NodeProto {
  return {
    opType,
    input: [...inputs],
    output: [...outputs],
    name,
    attribute: attributes,
    ...(domain ? { domain } : {}),
  };
}

export const attr = {
  int: (name: string, i: number): AttributeProto => ({
    name,
    type: AttributeType.INT,
    i,
    floats: [],
    ints: [],
  }),
  float: (name: string, v: number): AttributeProto => ({
    name,
    type: AttributeType.FLOAT,
    f: v,
    floats: [],
    ints: [],
  }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({
    name,
    type: AttributeType.INTS,
    ints: [...ints],
    floats: [],
  }),
  tensor: (name: string, t: TensorProto): AttributeProto => ({
    name,
    type: AttributeType.TENSOR,
    t,
    floats: [],
    ints: [],
  }),
};

/** A tensor value info (graph input/output) with a static shape. */
export function tensorValueInfo(
  name: string,
  elemType: number,
  dims: readonly (number | string)[],
): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/** The static dims of a value info (-1 for symbolic ones), undefined without shape. */
export function valueInfoDims(v: ValueInfoProto): number[] | undefined {
  const dims = v.type?.tensorType?.shape?.dim;
  return dims?.map((d) => (d.dimValue !== undefined ? d.dimValue : -1));
}

/** A whole model around a graph (IR 8, the given default-domain opset). */
export function modelFromGraph(
  graph: Omit<GraphProto, "valueInfo"> & { valueInfo?: ValueInfoProto[] },
  opset = 13,
  producerName = "edge-perception",
): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ version: opset }],
    producerName,
    graph: { ...graph, valueInfo: graph.valueInfo ?? [] } as GraphProto,
    metadataProps: [],
  };
}
