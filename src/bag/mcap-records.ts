/**
 * Just enough of the MCAP record format (https://mcap.dev/spec) to walk a data section by hand:
 * record framing, Schema, Channel, Message, Chunk and Metadata. Parsing borrows: byte fields are
 * subarrays of the input, never copies. Used for chunk-by-chunk reading (a bad chunk costs only its
 * own messages) and for scanning files whose summary section is missing.
 */
import { Opcode } from "@mcap/core";

/** `\x89MCAP0\r\n` */
export const MCAP_MAGIC = new Uint8Array([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);

/** Bytes of the record header: opcode (1) and content length (8). */
export const RECORD_HEADER_SIZE = 9;

export interface SchemaRecord {
  id: number;
  name: string;
  encoding: string;
  data: Uint8Array;
}

export interface ChannelRecord {
  id: number;
  schemaId: number;
  topic: string;
  messageEncoding: string;
  metadata: Map<string, string>;
}

export interface MessageRecord {
  channelId: number;
  sequence: number;
  logTime: bigint;
  publishTime: bigint;
  data: Uint8Array;
}

export interface ChunkRecord {
  messageStartTime: bigint;
  messageEndTime: bigint;
  uncompressedSize: bigint;
  /** CRC-32 of the uncompressed records; 0 when the writer did not compute it. */
  uncompressedCrc: number;
  compression: string;
  /** The (possibly compressed) records. */
  records: Uint8Array;
}

export interface MetadataRecord {
  name: string;
  metadata: Map<string, string>;
}

/** One framed record: its opcode and its content bytes. */
export interface RawRecord {
  opcode: number;
  /** Offset of the record's opcode byte in the buffer it was read from. */
  offset: number;
  content: Uint8Array;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** A little-endian cursor over one record's content. Throws RangeError on overrun. */
class Cursor {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #need(n: number): void {
    if (this.offset + n > this.#bytes.byteLength) {
      throw new RangeError(
        `record content ends at ${this.#bytes.byteLength} bytes, ${n} more needed at ${this.offset}`,
      );
    }
  }

  u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.#need(8);
    const v = this.#view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const v = this.#bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  string(): string {
    return utf8.decode(this.bytes(this.u32()));
  }

  stringMap(): Map<string, string> {
    const end = this.u32() + this.offset;
    const map = new Map<string, string>();
    while (this.offset < end) map.set(this.string(), this.string());
    if (this.offset !== end) throw new RangeError(`string map overruns its declared length`);
    return map;
  }

  rest(): Uint8Array {
    return this.bytes(this.#bytes.byteLength - this.offset);
  }
}

/**
 * The record starting at `offset` in `buffer`, or undefined when the buffer ends before the record
 * does (a truncated record). Records longer than 2^53 bytes are reported as truncated too.
 */
export function readRecordAt(buffer: Uint8Array, offset: number): RawRecord | undefined {
  if (offset + RECORD_HEADER_SIZE > buffer.byteLength) return undefined;
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset, RECORD_HEADER_SIZE);
  const opcode = view.getUint8(0);
  const length = view.getBigUint64(1, true);
  const start = offset + RECORD_HEADER_SIZE;
  if (length > BigInt(buffer.byteLength - start)) return undefined;
  return { opcode, offset, content: buffer.subarray(start, start + Number(length)) };
}

export function parseSchema(content: Uint8Array): SchemaRecord {
  const c = new Cursor(content);
  const id = c.u16();
  const name = c.string();
  const encoding = c.string();
  const data = c.bytes(c.u32());
  return { id, name, encoding, data };
}

export function parseChannel(content: Uint8Array): ChannelRecord {
  const c = new Cursor(content);
  return {
    id: c.u16(),
    schemaId: c.u16(),
    topic: c.string(),
    messageEncoding: c.string(),
    metadata: c.stringMap(),
  };
}

export function parseMessage(content: Uint8Array): MessageRecord {
  const c = new Cursor(content);
  return {
    channelId: c.u16(),
    sequence: c.u32(),
    logTime: c.u64(),
    publishTime: c.u64(),
    data: c.rest(),
  };
}

export function parseChunk(content: Uint8Array): ChunkRecord {
  const c = new Cursor(content);
  const messageStartTime = c.u64();
  const messageEndTime = c.u64();
  const uncompressedSize = c.u64();
  const uncompressedCrc = c.u32();
  const compression = c.string();
  const length = c.u64();
  if (length > BigInt(content.byteLength - c.offset)) {
    throw new RangeError(
      `chunk declares ${length} record bytes but holds ${content.byteLength - c.offset}`,
    );
  }
  return {
    messageStartTime,
    messageEndTime,
    uncompressedSize,
    uncompressedCrc,
    compression,
    records: c.bytes(Number(length)),
  };
}

export function parseMetadata(content: Uint8Array): MetadataRecord {
  const c = new Cursor(content);
  return { name: c.string(), metadata: c.stringMap() };
}

export { Opcode };
