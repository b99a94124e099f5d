/**
 * The shapes every rosbag2 reader in this folder produces: entries (messages or recoverable
 * errors), the bag summary and the reader interface. Storage-specific code (MCAP, sqlite3) lives in
 * its own modules; `open-bag.ts` merges them.
 */
import type { PerceptionError } from "../core/errors.js";
import type { MessageCodec } from "../msgs/codec.js";

/** rosbag2 storage plugins this project reads and writes. */
export type BagStorage = "mcap" | "sqlite3";

/** One serialized message as stored in the bag. */
export interface BagMessageEntry {
  kind: "message";
  /** Topic name as recorded (`/camera/front/image_raw`). */
  topic: string;
  /** ROS 2 type name as recorded (`pkg/msg/Type`, `pkg/srv/Type_Event` for service events). */
  type: string;
  /** Receive time in nanoseconds since the epoch (rosbag2 `recv_timestamp`, MCAP log time). */
  logTime: bigint;
  /** Publish time in nanoseconds (equals logTime in bags that do not store it, such as sqlite3). */
  publishTime: bigint;
  /** CDR bytes with the 4-byte encapsulation header. A view into a chunk buffer: copy it to keep it past the next entry of a long read. */
  data: Uint8Array;
  /** Absolute path of the storage file the message came from. */
  file: string;
  /**
   * Where the message is in `file`: for MCAP the byte offset of the record holding it (the chunk
   * record for chunked files, the message record otherwise); for sqlite3 the `messages` row id.
   */
  offset?: number;
}

/** A recoverable problem met while reading; reading goes on after it. */
export interface BagErrorEntry {
  kind: "error";
  /** Kind `bag` (files, chunks, CRCs, truncation), `schema` or `cdr`; its context names bag, file, topic and offset. */
  error: PerceptionError;
}

export type BagEntry = BagMessageEntry | BagErrorEntry;

/** One topic of a bag, as `ros2 bag info` lists it. */
export interface BagTopic {
  /** Topic name. */
  name: string;
  /** ROS 2 type name (`pkg/msg/Type`). */
  type: string;
  /** Message serialization, `cdr` in every ROS 2 bag. */
  serializationFormat: string;
  /** The publishers' QoS as rosbag2 stores it: a YAML list in a string (empty when unknown). */
  offeredQosProfiles: string;
  /** REP-2011 type hash (`RIHS01_<sha256>`) when the bag stores one, else "". */
  typeDescriptionHash: string;
  /** Messages on this topic. */
  messageCount: number;
}

/** What a bag holds, from its storage files (and metadata.yaml for what only it records). */
export interface BagSummary {
  /** The path given to openBag, resolved (the bag folder, or the storage file when a file was given). */
  path: string;
  storage: BagStorage;
  /** Absolute paths of the storage files, in bag order (split bags: `_0`, `_1`, ...). */
  files: string[];
  topics: BagTopic[];
  /** Total messages. */
  messageCount: number;
  /** First message log time (ns); 0n for an empty bag. */
  startTime: bigint;
  /** Last message log time (ns); 0n for an empty bag. */
  endTime: bigint;
  /**
   * Compression: rosbag2's `compression_format` (`zstd` with mode FILE or MESSAGE) when set, else
   * the MCAP chunk compressions (`zstd`, `lz4`), else "" (none).
   */
  compression: string;
  /** metadata.yaml `version` (4..9); undefined when the bag had no usable metadata.yaml. */
  metadataVersion?: number;
  /** ROS distribution that recorded the bag (metadata.yaml, MCAP `rosbag2` metadata or the sqlite `schema` table); "" when unknown. */
  rosDistro: string;
  /** Total size of the storage files in bytes. */
  sizeBytes: number;
  /**
   * Problems met while opening that did not stop it: a missing or invalid metadata.yaml (the
   * storage files were then read directly, like `ros2 bag reindex`), a listed file that is missing,
   * an MCAP file without a summary section (read by scanning it).
   */
  warnings: string[];
}

/** Which messages `entries()` yields. */
export interface EntriesOptions {
  /** Only these topics (all when undefined). */
  topics?: string[];
  /** Only messages with logTime >= startTime (ns). */
  startTime?: bigint;
  /** Only messages with logTime <= endTime (ns, inclusive). */
  endTime?: bigint;
}

/** A message decoded with its topic's schema. */
export interface DecodedMessageEntry<T = unknown> extends BagMessageEntry {
  message: T;
}

export interface BagReader {
  readonly summary: BagSummary;
  /** Messages in log-time order across all files of the bag; recoverable problems come as error entries in between. */
  entries(options?: EntriesOptions): AsyncIterable<BagEntry>;
  /**
   * The codec for a topic: from the schema stored in the bag (MCAP schema record, sqlite
   * `message_definitions`) when present and usable, else from the project's message registry.
   * Throws a `schema` PerceptionError naming the topic and type when neither has the type.
   */
  codecFor(topic: string): MessageCodec;
  /**
   * Decodes one entry with its topic's codec and checks that the message uses the bytes it came in
   * (a message that does not fit its schema is an error, not garbage). Throws a `cdr` or `schema`
   * PerceptionError naming bag, file, topic, offset and log time.
   */
  decode<T = unknown>(entry: BagMessageEntry): T;
  /**
   * A decoder for one topic's message bytes that makes the same checks as `decode` (schema fit:
   * trailing bytes or short data are a `cdr` error naming bag, topic and type). What replay uses.
   */
  decoderFor(topic: string): { decode(data: Uint8Array): unknown };
  /** Like entries(), with each message decoded; decoding failures become error entries. */
  messages<T = unknown>(
    options?: EntriesOptions,
  ): AsyncIterable<DecodedMessageEntry<T> | BagErrorEntry>;
  /** Releases file handles and database connections. Idempotent. */
  close(): Promise<void>;
}
