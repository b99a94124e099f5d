/**
 * A small protobuf wire-format codec driven by a field table (enough for ONNX files, see
 * `onnx-proto.ts`). Decoding keeps fields the table does not name as their raw bytes and encoding
 * writes them back, so a model read and written again loses nothing. Large `bytes` fields
 * (tensor data) are views into the input, not copies.
 */
import { PerceptionError } from "../../core/errors.js";

/** Wire value kinds the table can name. */
export type FieldType =
  | "int64"
  | "int32"
  | "uint64"
  | "float"
  | "double"
  | "string"
  | "bytes"
  | "message";

export interface FieldSpec {
  /** Field number on the wire. */
  no: number;
  /** Property name in the decoded object. */
  name: string;
  type: FieldType;
  /** Message type name in the schema, for type "message". */
  message?: string;
  /** A repeated field: decoded as an array (empty when absent). */
  repeated?: boolean;
  /** Repeated numbers written packed (read either way). */
  packed?: boolean;
}

/** Message name -> its fields. */
export type Schema = Readonly<Record<string, readonly FieldSpec[]>>;

/** Raw bytes of fields the schema does not name (tag included), in wire order. */
const UNKNOWN = "_unknown";

/** A decoded message: named fields plus `_unknown`. */
export type ProtoObject = Record<string, unknown>;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function wireOf(t: FieldType): number {
  switch (t) {
    case "int64":
    case "int32":
    case "uint64":
      return WIRE_VARINT;
    case "double":
      return WIRE_I64;
    case "float":
      return WIRE_I32;
    default:
      return WIRE_LEN;
  }
}

const utf8d = new TextDecoder();
const utf8e = new TextEncoder();

class Reader {
  pos: number;
  readonly #view: DataView;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(what: string): never {
    throw new PerceptionError("model", `malformed protobuf: ${what} at byte ${this.pos}`);
  }
  /** A varint as a number (exact up to 2^53; int64 negatives come back negative). */
  varint(): number {
    let lo = 0;
    let shift = 0;
    let b: number;
    // Up to 28 bits with 32-bit arithmetic, the rest with floating point.
    do {
      if (this.pos >= this.end) this.fail("truncated varint");
      b = this.buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else return this.#varintSlow(lo, shift, b);
      shift += 7;
    } while (b & 0x80);
    return lo >>> 0;
  }
  #varintSlow(lo: number, shift: number, first: number): number {
    let v = BigInt(lo >>> 0);
    let b = first;
    let s = BigInt(shift);
    for (;;) {
      v |= BigInt(b & 0x7f) << s;
      if (!(b & 0x80)) break;
      s += 7n;
      if (s > 63n) this.fail("varint too long");
      if (this.pos >= this.end) this.fail("truncated varint");
      b = this.buf[this.pos++]!;
    }
    return Number(BigInt.asIntN(64, v));
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) this.fail("length past the end");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  float(): number {
    if (this.pos + 4 > this.end) this.fail("truncated float");
    const v = this.#view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  double(): number {
    if (this.pos + 8 > this.end) this.fail("truncated double");
    const v = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_I32:
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wire}`);
    }
  }
}

/** Decodes one message of `type` from `bytes`. */
export function decodeMessage(schema: Schema, type: string, bytes: Uint8Array): ProtoObject {
  // A plain Uint8Array view (a Node Buffer's slice() would share memory instead of copying).
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeFrom(schema, type, new Reader(plain, 0, plain.length));
}

function decodeFrom(schema: Schema, type: string, r: Reader): ProtoObject {
  const fields = schema[type];
  if (!fields) throw new PerceptionError("model", `protobuf schema has no message '${type}'`);
  const byNo = new Map(fields.map((f) => [f.no, f]));
  const out: ProtoObject = {};
  for (const f of fields) if (f.repeated) out[f.name] = [];
  const unknown: Uint8Array[] = [];
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    const f = byNo.get(no);
    if (!f) {
      r.skip(wire);
      unknown.push(r.buf.subarray(start, r.pos));
      continue;
    }
    const expected = wireOf(f.type);
    if (f.repeated && wire === WIRE_LEN && expected !== WIRE_LEN) {
      // Packed numbers.
      const len = r.varint();
      const end = r.pos + len;
      if (end > r.end) r.fail("packed field past the end");
      const sub = new Reader(r.buf, r.pos, end);
      const arr = out[f.name] as number[];
      while (sub.pos < end) arr.push(readScalar(f, sub) as number);
      r.pos = end;
      continue;
    }
    if (wire !== expected)
      r.fail(`field ${type}.${f.name} has wire type ${wire}, expected ${expected}`);
    let value: unknown;
    if (f.type === "message") {
      const len = r.varint();
      const end = r.pos + len;
      if (end > r.end) r.fail("message past the end");
      value = decodeFrom(schema, f.message!, new Reader(r.buf, r.pos, end));
      r.pos = end;
    } else {
      value = readScalar(f, r);
    }
    if (f.repeated) (out[f.name] as unknown[]).push(value);
    else out[f.name] = value;
  }
  if (unknown.length) out[UNKNOWN] = unknown;
  return out;
}

function readScalar(f: FieldSpec, r: Reader): unknown {
  switch (f.type) {
    case "int64":
    case "uint64":
      return r.varint();
    case "int32":
      return r.varint() | 0;
    case "float":
      return r.float();
    case "double":
      return r.double();
    case "string":
      return utf8d.decode(r.bytes());
    case "bytes":
      return r.bytes();
    default:
      return r.fail(`cannot read ${f.type} as a scalar`);
  }
}

/** Accumulates output parts without copying large byte fields. */
class Writer {
  readonly parts: Uint8Array[] = [];
  #scratch = new Uint8Array(1024);
  #used = 0;
  #flush(): void {
    if (this.#used > 0) {
      this.parts.push(this.#scratch.subarray(0, this.#used));
      this.#scratch = new Uint8Array(1024);
      this.#used = 0;
    }
  }
  #room(n: number): void {
    if (this.#used + n > this.#scratch.length) this.#flush();
    if (n > this.#scratch.length) this.#scratch = new Uint8Array(n);
  }
  varint(v: number): void {
    this.#room(10);
    if (v >= 0 && v < 2 ** 31) {
      let x = v;
      while (x > 0x7f) {
        this.#scratch[this.#used++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      this.#scratch[this.#used++] = x;
    } else {
      let x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
      while (x > 0x7fn) {
        this.#scratch[this.#used++] = Number(x & 0x7fn) | 0x80;
        x >>= 7n;
      }
      this.#scratch[this.#used++] = Number(x);
    }
  }
  float(v: number): void {
    this.#room(4);
    new DataView(this.#scratch.buffer, this.#scratch.byteOffset).setFloat32(this.#used, v, true);
    this.#used += 4;
  }
  double(v: number): void {
    this.#room(8);
    new DataView(this.#scratch.buffer, this.#scratch.byteOffset).setFloat64(this.#used, v, true);
    this.#used += 8;
  }
  raw(bytes: Uint8Array): void {
    if (bytes.length <= 256) {
      this.#room(bytes.length);
      this.#scratch.set(bytes, this.#used);
      this.#used += bytes.length;
    } else {
      this.#flush();
      this.parts.push(bytes);
    }
  }
  /** Appends another writer's output. */
  append(w: Writer): void {
    w.#flush();
    this.#flush();
    for (const p of w.parts) this.parts.push(p);
  }
  size(): number {
    return this.parts.reduce((n, p) => n + p.length, 0) + this.#used;
  }
  finish(): Uint8Array {
    this.#flush();
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** Encodes a message of `type` (fields in number order, then the unknown ones). */
export function encodeMessage(schema: Schema, type: string, msg: ProtoObject): Uint8Array {
  const w = new Writer();
  encodeInto(schema, type, msg, w);
  return w.finish();
}

function encodeInto(schema: Schema, type: string, msg: ProtoObject, w: Writer): void {
  const fields = schema[type];
  if (!fields) throw new PerceptionError("model", `protobuf schema has no message '${type}'`);
  const sorted = [...fields].sort((a, b) => a.no - b.no);
  for (const f of sorted) {
    const v = msg[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      if (f.packed && wireOf(f.type) !== WIRE_LEN) {
        const sub = new Writer();
        for (const x of arr) writeScalar(f, x, sub);
        w.varint(f.no * 8 + WIRE_LEN);
        w.varint(sub.size());
        w.append(sub);
      } else {
        for (const x of arr) writeField(schema, f, x, w);
      }
    } else {
      writeField(schema, f, v, w);
    }
  }
  const unknown = msg[UNKNOWN] as Uint8Array[] | undefined;
  if (unknown) for (const u of unknown) w.raw(u);
}

function writeField(schema: Schema, f: FieldSpec, v: unknown, w: Writer): void {
  w.varint(f.no * 8 + wireOf(f.type));
  if (f.type === "message") {
    const sub = new Writer();
    encodeInto(schema, f.message!, v as ProtoObject, sub);
    w.varint(sub.size());
    w.append(sub);
  } else {
    writeScalar(f, v, w);
  }
}

function writeScalar(f: FieldSpec, v: unknown, w: Writer): void {
  switch (f.type) {
    case "int64":
    case "uint64":
    case "int32":
      w.varint(v as number);
      return;
    case "float":
      w.float(v as number);
      return;
    case "double":
      w.double(v as number);
      return;
    case "string": {
      const b = utf8e.encode(v as string);
      w.varint(b.length);
      w.raw(b);
      return;
    }
    case "bytes": {
      const b = v as Uint8Array;
      w.varint(b.length);
      w.raw(b);
      return;
    }
    default:
      throw new PerceptionError("model", `cannot write ${f.type} as a scalar`);
  }
}
