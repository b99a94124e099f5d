import type { MessageDefinition } from "@foxglove/message-definition";
import { parse } from "@foxglove/rosmsg";
import { MessageReader, MessageWriter } from "@foxglove/rosmsg2-serialization";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { messageRegistry, type MessageRegistry } from "./registry.js";
import { normalizeTypeName } from "./type-name.js";

/** Encodes and decodes one message type as CDR (the `cdr` encoding of rosbag2 and DDS). */
export class MessageCodec<T = unknown> {
  /** `pkg/Type`. */
  readonly type: string;
  readonly #reader: MessageReader<T>;
  readonly #writer: MessageWriter;
  /** CdrWriter needs an ArrayBuffer (not a view) to write into. */
  #scratch = new ArrayBuffer(0);

  constructor(type: string, definitions: MessageDefinition[]) {
    this.type = normalizeTypeName(type);
    this.#reader = new MessageReader<T>(definitions);
    this.#writer = new MessageWriter(definitions);
  }

  /** Decodes CDR bytes (with the 4-byte encapsulation header). Throws a `cdr` PerceptionError on malformed input. */
  decode(bytes: ArrayBufferView): T {
    if (bytes.byteLength < 4) {
      throw new PerceptionError(
        "cdr",
        `malformed CDR for ${this.type}: ${bytes.byteLength} bytes is shorter than the 4-byte encapsulation header`,
      );
    }
    const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (u8[0] !== 0 || u8[1]! > 3) {
      throw new PerceptionError(
        "cdr",
        `malformed CDR for ${this.type}: unknown encapsulation kind 0x${u8[0]!.toString(16).padStart(2, "0")}${u8[1]!.toString(16).padStart(2, "0")}`,
      );
    }
    try {
      // The reader makes strings and typed arrays from the underlying buffer, not the view: a
      // message whose data end early (short data, a corrupt length) inside a larger buffer (a
      // chunk) would silently take bytes from whatever follows it. A view that does not end where
      // its buffer ends is decoded from an exact copy, where reading past the end throws (and the
      // decoded arrays no longer keep the whole chunk alive).
      const endsBuffer = bytes.byteOffset + bytes.byteLength === bytes.buffer.byteLength;
      return this.#reader.readMessage(endsBuffer ? bytes : u8.slice());
    } catch (err) {
      throw new PerceptionError(
        "cdr",
        `malformed CDR for ${this.type}: ${errorMessage(err)}`,
        { bytes: bytes.byteLength },
        { cause: err },
      );
    }
  }

  /** Encodes a message into a new buffer the caller owns. */
  encode(message: T): Uint8Array {
    try {
      return this.#writer.writeMessage(message);
    } catch (err) {
      throw new PerceptionError(
        "cdr",
        `cannot encode ${this.type}: ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
  }

  /**
   * Encodes into a scratch buffer reused between calls (no allocation on the hot path once grown).
   * The returned view is valid only until the next call: copy it or write it out before then.
   */
  encodeReused(message: T): Uint8Array {
    try {
      const size = this.#writer.calculateByteSize(message);
      if (this.#scratch.byteLength < size)
        this.#scratch = new ArrayBuffer(Math.max(size, this.#scratch.byteLength * 2));
      return this.#writer
        .writeMessage(message, this.#scratch as unknown as Uint8Array)
        .subarray(0, size);
    } catch (err) {
      throw new PerceptionError(
        "cdr",
        `cannot encode ${this.type}: ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
  }
}

const codecs = new Map<string, MessageCodec>();

/** The codec for a registered type (`pkg/msg/Type` or `pkg/Type`), cached. */
export function codecFor<T = unknown>(
  type: string,
  registry: MessageRegistry = messageRegistry(),
): MessageCodec<T> {
  const name = normalizeTypeName(type);
  const cacheable = registry === messageRegistry();
  let codec = cacheable ? codecs.get(name) : undefined;
  if (!codec) {
    codec = new MessageCodec(name, registry.definitionsFor(name));
    if (cacheable) codecs.set(name, codec);
  }
  return codec as MessageCodec<T>;
}

/**
 * A codec from a schema stored in a bag (`ros2msg` text with `MSG:` dependency sections). Used so a
 * bag decodes with the definitions it was recorded with, not the project's.
 */
export function codecFromSchema<T = unknown>(type: string, schemaText: string): MessageCodec<T> {
  let definitions: MessageDefinition[];
  try {
    definitions = parse(schemaText, { ros2: true });
  } catch (err) {
    throw new PerceptionError(
      "schema",
      `cannot parse the ros2msg schema of ${type}: ${errorMessage(err)}`,
      {},
      { cause: err },
    );
  }
  return new MessageCodec<T>(type, definitions);
}
