/**
 * One rosbag2 MCAP storage file. Indexed read when the summary section is there (chunk indexes,
 * statistics): chunks are read one at a time in message-time order and merged where they overlap.
 * Without a summary (a recorder that crashed: no footer, truncated last chunk) the file is scanned
 * record by record and everything up to the last complete chunk is read; the damaged tail becomes an
 * error entry. A chunk that fails (bad CRC, undecodable compressed data, bad records) is an error
 * entry too, and reading goes on with the next chunk.
 */
import { open, type FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { McapIndexedReader, type McapTypes } from "@mcap/core";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { decompressHandlers } from "./decompress.js";
import {
  MCAP_MAGIC,
  Opcode,
  RECORD_HEADER_SIZE,
  parseChannel,
  parseChunk,
  parseMessage,
  parseMetadata,
  parseSchema,
  readRecordAt,
  type ChannelRecord,
  type MessageRecord,
  type SchemaRecord,
} from "./mcap-records.js";
import type { FileEntriesOptions, FileTopic, StorageFile } from "./storage-file.js";
import type { BagEntry, BagMessageEntry } from "./types.js";

/** A message waiting to be yielded, with the file offset of the record that held it. */
interface Pending {
  record: MessageRecord;
  offset: number;
}

/** The messages of one chunk, sorted by log time, and how far they have been yielded. */
interface ChunkQueue {
  messages: Pending[];
  next: number;
}

interface ChunkLocation {
  offset: number;
  length: number;
  messageStartTime: bigint;
  messageEndTime: bigint;
  channelIds: number[];
}

const decoder = new TextDecoder();

function rosDistroOf(serializedMetadata: string | undefined): string {
  return serializedMetadata?.match(/^\s*ros_distro:\s*(\S+)\s*$/m)?.[1] ?? "";
}

/** Opens one MCAP file. Throws a `bag` PerceptionError when it is not an MCAP file at all. */
export async function openMcapFile(path: string, bag: string): Promise<StorageFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new PerceptionError(
      "bag",
      `cannot open MCAP file: ${errorMessage(err)}`,
      { bag, file: path },
      { cause: err },
    );
  }
  try {
    const file = new McapFile(path, handle, (await handle.stat()).size, bag);
    await file.init();
    return file;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

class McapFile implements StorageFile {
  readonly storage = "mcap" as const;
  readonly path: string;
  readonly sizeBytes: number;
  topics: FileTopic[] = [];
  messageCount = 0;
  startTime?: bigint;
  endTime?: bigint;
  compressions: string[] = [];
  rosDistro = "";
  embeddedMetadata?: string;
  readonly warnings: string[] = [];

  readonly #handle: FileHandle;
  readonly #bag: string;
  readonly #schemas = new Map<number, SchemaRecord>();
  readonly #channels = new Map<number, ChannelRecord>();
  /** Chunk locations from the summary; undefined when the file must be scanned. */
  #chunks?: ChunkLocation[];
  #handlers: McapTypes.DecompressHandlers = {};
  #closed = false;

  constructor(path: string, handle: FileHandle, size: number, bag: string) {
    this.path = path;
    this.#handle = handle;
    this.sizeBytes = size;
    this.#bag = bag;
  }

  async #read(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.#handle.read(buffer, 0, length, offset);
    return bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  }

  #error(
    message: string,
    context: Record<string, string | number | bigint | undefined> = {},
    cause?: unknown,
  ): PerceptionError {
    return new PerceptionError(
      "bag",
      message,
      { bag: this.#bag, file: this.path, ...context },
      cause === undefined ? undefined : { cause },
    );
  }

  async init(): Promise<void> {
    const magic = await this.#read(0, MCAP_MAGIC.length);
    if (magic.length < MCAP_MAGIC.length || !MCAP_MAGIC.every((b, i) => magic[i] === b)) {
      throw this.#error("not an MCAP file: it does not start with the MCAP magic bytes");
    }
    this.#handlers = await decompressHandlers();
    let indexed: McapIndexedReader | undefined;
    try {
      indexed = await McapIndexedReader.Initialize({
        readable: {
          size: async () => BigInt(this.sizeBytes),
          read: async (offset: bigint, size: bigint) => this.#read(Number(offset), Number(size)),
        },
        decompressHandlers: this.#handlers,
      });
    } catch (err) {
      this.warnings.push(
        `${this.path}: no usable summary section (${errorMessage(err)}); the file was scanned record by record (recovery read)`,
      );
    }
    const counts = new Map<number, number>();
    if (
      indexed &&
      indexed.statistics &&
      (indexed.chunkIndexes.length > 0 || indexed.statistics.messageCount === 0n)
    ) {
      for (const s of indexed.schemasById.values()) this.#schemas.set(s.id, s);
      for (const c of indexed.channelsById.values()) this.#channels.set(c.id, c);
      for (const [id, n] of indexed.statistics.channelMessageCounts) counts.set(id, Number(n));
      this.messageCount = Number(indexed.statistics.messageCount);
      if (this.messageCount > 0) {
        this.startTime = indexed.statistics.messageStartTime;
        this.endTime = indexed.statistics.messageEndTime;
      }
      this.#chunks = indexed.chunkIndexes.map((c) => ({
        offset: Number(c.chunkStartOffset),
        length: Number(c.chunkLength),
        messageStartTime: c.messageStartTime,
        messageEndTime: c.messageEndTime,
        channelIds: [...c.messageIndexOffsets.keys()],
      }));
      this.compressions = [
        ...new Set(indexed.chunkIndexes.map((c) => c.compression).filter((c) => c !== "")),
      ];
      for await (const m of indexed.readMetadata({ name: "rosbag2" })) {
        this.embeddedMetadata = m.metadata.get("serialized_metadata") ?? this.embeddedMetadata;
      }
    } else {
      if (indexed)
        this.warnings.push(
          `${this.path}: the summary has no chunk index or statistics; the file was scanned`,
        );
      // Scan once to learn channels, counts and the time span; damage is reported again by entries().
      const compressions = new Set<string>();
      for await (const item of this.#scan({ bag: this.#bag }, compressions)) {
        if (item.kind !== "message") continue;
        this.messageCount++;
        if (this.startTime === undefined || item.logTime < this.startTime)
          this.startTime = item.logTime;
        if (this.endTime === undefined || item.logTime > this.endTime) this.endTime = item.logTime;
        const channelId = this.#channelIdOf.get(item)!;
        counts.set(channelId, (counts.get(channelId) ?? 0) + 1);
      }
      this.compressions = [...compressions];
    }
    this.rosDistro = rosDistroOf(this.embeddedMetadata);
    this.topics = this.#topicsFrom(counts);
  }

  /** Channel ids of the entries the counting scan yields (kept out of BagMessageEntry). */
  readonly #channelIdOf = new WeakMap<BagMessageEntry, number>();

  #topicsFrom(counts: Map<number, number>): FileTopic[] {
    const byName = new Map<string, FileTopic>();
    for (const channel of [...this.#channels.values()].sort((a, b) => a.id - b.id)) {
      const schema = this.#schemas.get(channel.schemaId);
      const existing = byName.get(channel.topic);
      if (existing) {
        existing.messageCount += counts.get(channel.id) ?? 0;
        continue;
      }
      byName.set(channel.topic, {
        name: channel.topic,
        type: schema?.name ?? "",
        serializationFormat: channel.messageEncoding,
        offeredQosProfiles: channel.metadata.get("offered_qos_profiles") ?? "",
        typeDescriptionHash: channel.metadata.get("topic_type_hash") ?? "",
        schema: schema
          ? { encoding: schema.encoding, text: decoder.decode(schema.data) }
          : undefined,
        messageCount: counts.get(channel.id) ?? 0,
      });
    }
    return [...byName.values()];
  }

  #entry(pending: Pending): BagMessageEntry | PerceptionError {
    const { record } = pending;
    const channel = this.#channels.get(record.channelId);
    if (!channel) {
      return this.#error(`message on unknown channel id ${record.channelId}`, {
        offset: pending.offset,
        logTime: record.logTime,
      });
    }
    const type = this.#schemas.get(channel.schemaId)?.name ?? "";
    return {
      kind: "message",
      topic: channel.topic,
      type,
      logTime: record.logTime,
      publishTime: record.publishTime,
      data: record.data,
      file: this.path,
      offset: pending.offset,
    };
  }

  #wantedChannels(topics: ReadonlySet<string> | undefined): Set<number> | undefined {
    if (!topics) return undefined;
    return new Set(
      [...this.#channels.values()].filter((c) => topics.has(c.topic)).map((c) => c.id),
    );
  }

  /**
   * The messages of the chunk record `content` (at `offset` in the file), filtered and sorted by log
   * time; also registers schemas and channels found inside. Returns an error for a bad chunk.
   */
  #chunkMessages(
    content: Uint8Array,
    offset: number,
    o: FileEntriesOptions,
    wanted: Set<number> | undefined,
  ): Pending[] | PerceptionError {
    let records: Uint8Array;
    let compression = "";
    try {
      const chunk = parseChunk(content);
      compression = chunk.compression;
      if (chunk.compression === "") {
        records = chunk.records;
      } else {
        const handler = this.#handlers[chunk.compression];
        if (!handler)
          return this.#error(`chunk compression '${chunk.compression}' is not supported`, {
            offset,
            compression,
          });
        records = handler(chunk.records, chunk.uncompressedSize);
      }
      if (BigInt(records.byteLength) !== chunk.uncompressedSize) {
        return this.#error(
          `corrupt chunk: decompressed to ${records.byteLength} bytes, the chunk says ${chunk.uncompressedSize}`,
          { offset, compression },
        );
      }
      if (chunk.uncompressedCrc !== 0) {
        const actual = crc32(records) >>> 0;
        if (actual !== chunk.uncompressedCrc) {
          return this.#error(
            `corrupt chunk: CRC mismatch (stored 0x${chunk.uncompressedCrc.toString(16)}, computed 0x${actual.toString(16)}); its messages are skipped`,
            { offset, compression },
          );
        }
      }
    } catch (err) {
      return this.#error(
        `corrupt chunk: ${errorMessage(err)}; its messages are skipped`,
        { offset, compression },
        err,
      );
    }
    const out: Pending[] = [];
    let position = 0;
    try {
      while (position < records.byteLength) {
        const raw = readRecordAt(records, position);
        if (!raw)
          return this.#error(`corrupt chunk: truncated record at ${position} inside the chunk`, {
            offset,
            compression,
          });
        if (raw.opcode === Opcode.MESSAGE) {
          const record = parseMessage(raw.content);
          if (
            (wanted === undefined || wanted.has(record.channelId)) &&
            (o.startTime === undefined || record.logTime >= o.startTime) &&
            (o.endTime === undefined || record.logTime <= o.endTime)
          ) {
            out.push({ record, offset });
          }
        } else if (raw.opcode === Opcode.SCHEMA) {
          const schema = parseSchema(raw.content);
          if (!this.#schemas.has(schema.id)) this.#schemas.set(schema.id, schema);
        } else if (raw.opcode === Opcode.CHANNEL) {
          const channel = parseChannel(raw.content);
          if (!this.#channels.has(channel.id)) this.#channels.set(channel.id, channel);
        }
        position += RECORD_HEADER_SIZE + raw.content.byteLength;
      }
    } catch (err) {
      return this.#error(
        `corrupt chunk: bad record at ${position} inside the chunk: ${errorMessage(err)}`,
        { offset, compression },
        err,
      );
    }
    let sorted = true;
    for (let i = 1; i < out.length && sorted; i++)
      sorted = out[i - 1]!.record.logTime <= out[i]!.record.logTime;
    if (!sorted)
      out.sort((a, b) =>
        a.record.logTime < b.record.logTime ? -1 : a.record.logTime > b.record.logTime ? 1 : 0,
      );
    return out;
  }

  entries(o: FileEntriesOptions): AsyncGenerator<BagEntry> {
    return this.#chunks ? this.#indexedEntries(this.#chunks, o) : this.#scan(o);
  }

  async *#indexedEntries(all: ChunkLocation[], o: FileEntriesOptions): AsyncGenerator<BagEntry> {
    const wanted = this.#wantedChannels(o.topics);
    const chunks = all
      .filter(
        (c) =>
          (o.startTime === undefined || c.messageEndTime >= o.startTime) &&
          (o.endTime === undefined || c.messageStartTime <= o.endTime) &&
          (wanted === undefined ||
            c.channelIds.length === 0 ||
            c.channelIds.some((id) => wanted.has(id))),
      )
      .sort((a, b) =>
        a.messageStartTime < b.messageStartTime
          ? -1
          : a.messageStartTime > b.messageStartTime
            ? 1
            : a.offset - b.offset,
      );
    const queues: ChunkQueue[] = [];
    let nextChunk = 0;
    for (;;) {
      let index = smallestHead(queues);
      while (
        nextChunk < chunks.length &&
        (index < 0 || chunks[nextChunk]!.messageStartTime <= headOf(queues, index)!.record.logTime)
      ) {
        const location = chunks[nextChunk++]!;
        const bytes = await this.#read(location.offset, location.length);
        const raw = readRecordAt(bytes, 0);
        const messages =
          !raw || raw.opcode !== Opcode.CHUNK
            ? this.#error(
                `the chunk index points at offset ${location.offset}, where there is no complete chunk record`,
                { offset: location.offset },
              )
            : this.#chunkMessages(raw.content, location.offset, o, wanted);
        if (messages instanceof PerceptionError) yield { kind: "error", error: messages };
        else if (messages.length > 0) queues.push({ messages, next: 0 });
        index = smallestHead(queues);
      }
      if (index < 0) return;
      const queue = queues[index]!;
      const head = queue.messages[queue.next++]!;
      if (queue.next === queue.messages.length) queues.splice(index, 1);
      const entry = this.#entry(head);
      yield entry instanceof PerceptionError ? { kind: "error", error: entry } : entry;
    }
  }

  /** Reads the data section record by record, from the magic to the footer or to where the file breaks off. */
  async *#scan(o: FileEntriesOptions, compressions?: Set<string>): AsyncGenerator<BagEntry> {
    const wanted = this.#wantedChannels(o.topics);
    let position = MCAP_MAGIC.length;
    let sawEnd = false;
    while (position < this.sizeBytes) {
      const left = this.sizeBytes - position;
      if (left < RECORD_HEADER_SIZE) {
        yield {
          kind: "error",
          error: this.#error(
            `truncated MCAP file: ${left} trailing bytes at offset ${position} are not a record; reading stops there`,
            { offset: position },
          ),
        };
        return;
      }
      const header = await this.#read(position, RECORD_HEADER_SIZE);
      const opcode = header[0]!;
      const length = header.readBigUInt64LE(1);
      if (length > BigInt(left - RECORD_HEADER_SIZE)) {
        yield {
          kind: "error",
          error: this.#error(
            `truncated MCAP file: the record at offset ${position} (opcode ${opcode}) declares ${length} bytes but only ${left - RECORD_HEADER_SIZE} follow; ` +
              `everything after the last complete record is lost`,
            { offset: position },
          ),
        };
        return;
      }
      if (opcode === Opcode.DATA_END || opcode === Opcode.FOOTER) {
        sawEnd = true;
        break;
      }
      const contentLength = Number(length);
      if (
        opcode === Opcode.CHUNK ||
        opcode === Opcode.MESSAGE ||
        opcode === Opcode.SCHEMA ||
        opcode === Opcode.CHANNEL ||
        opcode === Opcode.METADATA
      ) {
        const content = await this.#read(position + RECORD_HEADER_SIZE, contentLength);
        try {
          if (opcode === Opcode.CHUNK) {
            const messages = this.#chunkMessages(content, position, o, wanted);
            if (messages instanceof PerceptionError) {
              yield { kind: "error", error: messages };
            } else {
              const compression = parseChunk(content).compression;
              if (compression) compressions?.add(compression);
              for (const pending of messages) yield this.#scanned(pending);
            }
          } else if (opcode === Opcode.MESSAGE) {
            const record = parseMessage(content);
            if (
              (wanted === undefined || wanted.has(record.channelId)) &&
              (o.startTime === undefined || record.logTime >= o.startTime) &&
              (o.endTime === undefined || record.logTime <= o.endTime)
            ) {
              yield this.#scanned({ record, offset: position });
            }
          } else if (opcode === Opcode.SCHEMA) {
            const schema = parseSchema(content);
            if (!this.#schemas.has(schema.id)) this.#schemas.set(schema.id, schema);
          } else if (opcode === Opcode.CHANNEL) {
            const channel = parseChannel(content);
            if (!this.#channels.has(channel.id)) this.#channels.set(channel.id, channel);
            if (wanted && o.topics?.has(channel.topic)) wanted.add(channel.id);
          } else {
            const metadata = parseMetadata(content);
            if (metadata.name === "rosbag2")
              this.embeddedMetadata =
                metadata.metadata.get("serialized_metadata") ?? this.embeddedMetadata;
          }
        } catch (err) {
          yield {
            kind: "error",
            error: this.#error(
              `bad record (opcode ${opcode}): ${errorMessage(err)}`,
              { offset: position },
              err,
            ),
          };
        }
      }
      position += RECORD_HEADER_SIZE + contentLength;
    }
    if (!sawEnd && compressions)
      this.warnings.push(
        `${this.path}: the data section ends without a DataEnd record or footer (the recording was interrupted)`,
      );
  }

  #scanned(pending: Pending): BagEntry {
    const entry = this.#entry(pending);
    if (entry instanceof PerceptionError) return { kind: "error", error: entry };
    this.#channelIdOf.set(entry, pending.record.channelId);
    return entry;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}

/** The index of the queue whose next message has the smallest log time (the earliest queue on ties); -1 when all are empty. */
function smallestHead(queues: ChunkQueue[]): number {
  let best = -1;
  let bestTime = 0n;
  for (let i = 0; i < queues.length; i++) {
    const q = queues[i]!;
    const time = q.messages[q.next]!.record.logTime;
    if (best < 0 || time < bestTime) {
      best = i;
      bestTime = time;
    }
  }
  return best;
}

function headOf(queues: ChunkQueue[], index: number): Pending | undefined {
  if (index < 0) return undefined;
  const q = queues[index]!;
  return q.messages[q.next];
}
