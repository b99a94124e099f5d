/**
 * Writes rosbag2 bags as ROS 2 Jazzy's `ros2 bag record` does with the MCAP storage: a folder with
 * `<name>_0.mcap` (profile `ros2`, `ros2msg` schemas with their dependencies, `cdr` messages,
 * chunked, optionally zstd-compressed chunks, channel metadata `offered_qos_profiles` and
 * `topic_type_hash`, a `rosbag2` metadata record) and `metadata.yaml` version 9.
 * Deterministic: the same calls give byte-identical files (no clocks, no versions in the output).
 *
 * Crash safety: a chunk is written out, and the file synced, when it reaches `chunkSize` bytes or
 * spans `flushIntervalSec` of log time, whichever comes first; every chunk carries its CRC-32. A
 * recorder killed mid-run (SIGKILL, power loss) leaves a file the reader recovers up to the last
 * chunk written: at most `flushIntervalSec` of messages (plus the one being written) are lost.
 * When input stops (a silent camera, a stalled replay), a wall-clock timer closes and syncs the open
 * chunk once its oldest message has waited `flushIntervalSec`, so nothing stays in memory longer.
 * To close a chunk without a message the writer holds back the latest message while the wall-clock
 * flush is on: McapWriter closes chunks only after a message, and the held one is that message.
 * The same calls still give the same bytes unless the timer fires (it reads the `clock` option,
 * which deterministic timing freezes, so it never fires there).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { McapWriter } from "@mcap/core";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { realClock, type MonotonicClock } from "../core/monotonic-clock.js";
import { messageRegistry, type MessageRegistry } from "../msgs/registry.js";
import { printable } from "../core/printable.js";
import { ros2TypeName } from "../msgs/type-name.js";
import { validateResolvedTopic } from "../msgs/names.js";
import type { QosProfile } from "../msgs/qos-profile.js";
import { BufferedFileWritable } from "./file-writable.js";
import {
  METADATA_FILENAME,
  serializeEmbeddedMetadata,
  serializeMetadata,
  type BagMetadata,
} from "./metadata.js";
import { qosProfilesToString, rosbag2QosFor, type QosYamlProfile } from "./qos.js";
import { typeDescriptionHash } from "./type-hash.js";
import type { BagSummary } from "./types.js";

/** The MCAP header's library string: fixed so output does not depend on versions. */
export const WRITER_LIBRARY = "edge-perception rosbag2 writer";

/** Default uncompressed chunk size (rosbag2's MCAP default is 768 KiB; larger chunks read faster). */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

/** Default `flushIntervalSec`: a crash loses at most about half a second of messages. */
export const DEFAULT_FLUSH_INTERVAL_SEC = 0.5;

export interface BagWriterOptions {
  /** The bag folder to create; the MCAP file inside is `<folder name>_0.mcap`. */
  path: string;
  /** Replace an existing bag folder (one holding only metadata.yaml and storage files). Default false: an existing path is an error. */
  overwrite?: boolean;
  /** Uncompressed bytes per chunk before it is written (default 4 MiB). */
  chunkSize?: number;
  /**
   * Log-time seconds a chunk may span: the message that reaches it closes the chunk, which is
   * written out and synced (fsync) even when smaller than `chunkSize` (default 0.5).
   */
  flushIntervalSec?: number;
  /** Chunk compression; default "none". */
  compression?: "none" | "zstd";
  /** zstd level when compression is "zstd" (default 1: fast, as recorders want). */
  zstdLevel?: number;
  /** Where schema texts and type hashes come from; default the project's registry. */
  registry?: MessageRegistry;
  /** `ros_distro` in metadata.yaml; default "jazzy". */
  rosDistro?: string;
  /**
   * Close and sync the open chunk when its oldest message has waited `flushIntervalSec` by the wall
   * clock, without waiting for the next message (default true). Costs one copy of each message.
   */
  wallClockFlush?: boolean;
  /** Clock of the wall-clock flush: the run's (frozen under deterministic timing); default the real one. */
  clock?: MonotonicClock;
  /** Timers of the wall-clock flush; default the global setTimeout/clearTimeout, unref'd so they never keep the process alive. */
  timers?: FlushTimers;
}

/** The timer functions the wall-clock flush uses (injectable for tests). */
export interface FlushTimers {
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clear`. */
  set(callback: () => void, ms: number): unknown;
  /** Cancels a timer `set` returned. */
  clear(handle: unknown): void;
}

const NODE_TIMERS: FlushTimers = {
  set: (callback, ms) => setTimeout(callback, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A message accepted by write() but not yet handed to McapWriter (the wall-clock flush's vehicle). */
interface HeldMessage {
  state: TopicState;
  logTime: bigint;
  publishTime: bigint;
  data: Uint8Array;
}

/** The wall-clock flush's settings and state. */
interface WallClock {
  clock: MonotonicClock;
  timers: FlushTimers;
  intervalMs: number;
  /** Clock reading when the oldest message of the open chunk was written. */
  pendingSinceMs?: number;
  timer?: unknown;
}

export interface BagWriterTopic {
  /** Topic name, e.g. `/camera/front/image_raw`. */
  name: string;
  /** `pkg/msg/Type` (or `pkg/Type`); must be in the registry. */
  type: string;
  /** Offered QoS recorded for the topic; default "reliable". */
  qos?: QosProfile;
}

interface TopicState {
  name: string;
  type: string;
  qos: QosYamlProfile[];
  hash: string;
  schemaText: string;
  channelId?: number;
  count: number;
  sequence: number;
}

/** Loads @foxglove/wasm-zstd once (a CommonJS module with an async-initialised wasm). */
let zstdModule: Promise<{ compress(data: Uint8Array, level?: number): Uint8Array }> | undefined;
function loadZstd(): Promise<{ compress(data: Uint8Array, level?: number): Uint8Array }> {
  return (zstdModule ??= import("@foxglove/wasm-zstd").then(async (mod) => {
    const zstd = ((mod as { default?: unknown }).default ?? mod) as {
      isLoaded: Promise<unknown>;
      compress(data: Uint8Array, level?: number): Uint8Array;
    };
    await zstd.isLoaded;
    return zstd;
  }));
}

function prepareFolder(path: string, overwrite: boolean): void {
  if (existsSync(path)) {
    if (!overwrite)
      throw new PerceptionError(
        "bag",
        "cannot create bag: the path exists (pass overwrite: true to replace it)",
        { bag: path },
      );
    if (!statSync(path).isDirectory())
      throw new PerceptionError("bag", "cannot create bag: the path exists and is not a folder", {
        bag: path,
      });
    const foreign = readdirSync(path).filter(
      (f) => f !== METADATA_FILENAME && !/\.(mcap|db3)$/.test(f),
    );
    if (foreign.length > 0) {
      throw new PerceptionError(
        "bag",
        `refusing to overwrite a folder that is not a bag (it holds ${foreign.slice(0, 3).join(", ")})`,
        { bag: path },
      );
    }
    rmSync(path, { recursive: true });
  }
  mkdirSync(path, { recursive: true });
}

export class BagWriter {
  readonly path: string;
  readonly file: string;
  readonly #writable: BufferedFileWritable;
  readonly #writer: McapWriter;
  readonly #registry: MessageRegistry;
  readonly #rosDistro: string;
  readonly #compression: string;
  readonly #topics = new Map<string, TopicState>();
  readonly #unregistered: TopicState[] = [];
  /** Serialises calls: McapWriter needs each call to finish before the next starts. */
  #tail: Promise<unknown> = Promise.resolve();
  #startTime?: bigint;
  #endTime?: bigint;
  #messageCount = 0;
  #closing?: Promise<BagSummary>;
  #failed?: unknown;
  readonly #chunkLimit: ChunkLimit;
  readonly #flushIntervalNs: bigint;
  /** Log time of the first message of the open chunk. */
  #chunkStartNs?: bigint;
  /** Set when the wall-clock flush is on. */
  readonly #wall?: WallClock;
  /** The latest message while the wall-clock flush is on (always the last of the open chunk). */
  #held?: HeldMessage;

  private constructor(
    path: string,
    file: string,
    writable: BufferedFileWritable,
    writer: McapWriter,
    registry: MessageRegistry,
    rosDistro: string,
    compression: string,
    chunkLimit: ChunkLimit,
    flushIntervalNs: bigint,
    wall: WallClock | undefined,
  ) {
    this.#wall = wall;
    this.#chunkLimit = chunkLimit;
    this.#flushIntervalNs = flushIntervalNs;
    this.path = path;
    this.file = file;
    this.#writable = writable;
    this.#writer = writer;
    this.#registry = registry;
    this.#rosDistro = rosDistro;
    this.#compression = compression;
  }

  /** Creates the bag folder and starts its MCAP file. */
  static async create(options: BagWriterOptions): Promise<BagWriter> {
    const path = resolve(options.path);
    prepareFolder(path, options.overwrite ?? false);
    const file = join(path, `${basename(path)}_0.mcap`);
    const compression = options.compression ?? "none";
    let compressChunk:
      | ((data: Uint8Array) => { compression: string; compressedData: Uint8Array })
      | undefined;
    if (compression === "zstd") {
      const zstd = await loadZstd();
      const level = options.zstdLevel ?? 1;
      compressChunk = (data) => ({
        compression: "zstd",
        compressedData: zstd.compress(data, level),
      });
    }
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const flushIntervalSec = options.flushIntervalSec ?? DEFAULT_FLUSH_INTERVAL_SEC;
    if (!(flushIntervalSec > 0))
      throw new PerceptionError(
        "bag",
        `flushIntervalSec must be > 0, got ${options.flushIntervalSec}`,
        { bag: path },
      );
    const chunkLimit = new ChunkLimit(chunkSize);
    // Chunks (at least chunkSize bytes) bypass a buffer this size and reach the file as soon as they
    // are complete, so a crash loses at most the chunk being filled.
    const writable = await BufferedFileWritable.create(file, {
      bufferBytes: Math.min(4 << 20, Math.max(64 << 10, chunkSize)),
    });
    const writer = new McapWriter({
      writable,
      useChunks: true,
      // McapWriter closes the open chunk after a message once its size exceeds this, compared as a
      // number on every message: ChunkLimit lets write() close it early when its time is up.
      chunkSize: chunkLimit as unknown as number,
      compressChunk,
      repeatSchemas: true,
      repeatChannels: true,
    });
    await writer.start({ profile: "ros2", library: WRITER_LIBRARY });
    // On disk at once: a recorder killed before its first chunk leaves a valid (empty) MCAP file, not 0 bytes.
    await writable.sync();
    return new BagWriter(
      path,
      file,
      writable,
      writer,
      options.registry ?? messageRegistry(),
      options.rosDistro ?? "jazzy",
      compression === "none" ? "" : compression,
      chunkLimit,
      BigInt(Math.round(flushIntervalSec * 1e9)),
      (options.wallClockFlush ?? true)
        ? {
            clock: options.clock ?? realClock,
            timers: options.timers ?? NODE_TIMERS,
            intervalMs: flushIntervalSec * 1000,
          }
        : undefined,
    );
  }

  /** Declares a topic (before its first write). Throws a `schema` PerceptionError for a type the registry does not know. */
  addTopic(topic: BagWriterTopic): void {
    if (this.#closing)
      throw new PerceptionError("bag", `addTopic after close`, {
        bag: this.path,
        topic: topic.name,
      });
    try {
      validateResolvedTopic(topic.name);
    } catch (err) {
      throw new PerceptionError(
        "bag",
        `cannot record topic ${JSON.stringify(printable(topic.name))}: ${printable(errorMessage(err))}`,
        { bag: this.path },
      );
    }
    const existing = this.#topics.get(topic.name);
    const type = ros2TypeName(topic.type);
    if (existing) {
      if (existing.type !== type)
        throw new PerceptionError(
          "bag",
          `topic ${topic.name} was added as ${existing.type}, not ${type}`,
          { bag: this.path, topic: topic.name },
        );
      return;
    }
    if (!this.#registry.has(type))
      throw new PerceptionError(
        "schema",
        `cannot record ${topic.name}: unknown message type ${type}`,
        { bag: this.path, topic: topic.name },
      );
    const state: TopicState = {
      name: topic.name,
      type,
      qos: [rosbag2QosFor(topic.qos ?? "reliable")],
      hash: typeDescriptionHash(type, this.#registry),
      schemaText: this.#registry.schemaText(type),
      count: 0,
      sequence: 0,
    };
    this.#topics.set(topic.name, state);
    this.#unregistered.push(state);
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => {
      if (this.#failed !== undefined) throw this.#failed;
      return op();
    });
    this.#tail = run.catch((err: unknown) => {
      this.#failed ??= err;
    });
    return run;
  }

  async #registerPending(): Promise<void> {
    while (this.#unregistered.length > 0) {
      const topic = this.#unregistered.shift()!;
      const schemaId = await this.#writer.registerSchema({
        name: topic.type,
        encoding: "ros2msg",
        data: new TextEncoder().encode(topic.schemaText),
      });
      topic.channelId = await this.#writer.registerChannel({
        topic: topic.name,
        schemaId,
        messageEncoding: "cdr",
        metadata: new Map([
          ["offered_qos_profiles", qosProfilesToString(topic.qos)],
          ["topic_type_hash", topic.hash],
        ]),
      });
    }
  }

  /**
   * Appends one CDR message (bytes with the encapsulation header). `publishTime` defaults to
   * `logTime`. The bytes are copied before the promise resolves, so a reused encode buffer is fine.
   */
  write(
    topic: string,
    logTime: bigint,
    cdr: Uint8Array,
    publishTime: bigint = logTime,
  ): Promise<void> {
    if (this.#closing)
      return Promise.reject(
        new PerceptionError("bag", "write after close", { bag: this.path, topic }),
      );
    const state = this.#topics.get(topic);
    if (!state)
      return Promise.reject(
        new PerceptionError(
          "bag",
          `write to topic ${topic}, which was not added (call addTopic first)`,
          { bag: this.path, topic },
        ),
      );
    return this.#enqueue(async () => {
      if (this.#unregistered.length > 0) await this.#registerPending();
      await this.#addHeld(false);
      this.#chunkStartNs ??= logTime;
      if (logTime < this.#chunkStartNs) this.#chunkStartNs = logTime;
      // Time is up: this message closes the chunk whatever its size.
      const closes = logTime - this.#chunkStartNs >= this.#flushIntervalNs;
      const message = { state, logTime, publishTime, data: cdr };
      if (closes || !this.#wall) {
        await this.#add(message, closes);
      } else {
        this.#held = { ...message, data: cdr.slice() };
        this.#wall.pendingSinceMs ??= this.#wall.clock.nowMs();
        this.#armFlush(this.#wall.intervalMs);
      }
      state.count++;
      this.#messageCount++;
      if (this.#startTime === undefined || logTime < this.#startTime) this.#startTime = logTime;
      if (this.#endTime === undefined || logTime > this.#endTime) this.#endTime = logTime;
    });
  }

  /** Hands one message to McapWriter (`close`: closing the chunk after it); syncs the file when a chunk was written. */
  async #add(message: HeldMessage, close: boolean): Promise<void> {
    const chunksBefore = this.#writer.statistics!.chunkCount;
    if (close) this.#chunkLimit.closeNext();
    try {
      const { state, logTime, publishTime, data } = message;
      await this.#writer.addMessage({
        channelId: state.channelId!,
        sequence: ++state.sequence,
        logTime,
        publishTime,
        data,
      });
    } finally {
      this.#chunkLimit.reset();
    }
    if (this.#writer.statistics!.chunkCount !== chunksBefore) {
      this.#chunkStartNs = undefined;
      if (this.#wall) this.#wall.pendingSinceMs = undefined;
      await this.#writable.sync();
    }
  }

  /** Hands the held message, if any, to McapWriter. */
  async #addHeld(close: boolean): Promise<void> {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    await this.#add(held, close);
  }

  /** Starts the wall-clock flush timer unless one is running or the writer is closing. */
  #armFlush(ms: number): void {
    const wall = this.#wall!;
    if (wall.timer !== undefined || this.#closing) return;
    wall.timer = wall.timers.set(() => {
      wall.timer = undefined;
      // In the write queue, so it never runs inside a write; a failure is kept for the next write or close.
      void this.#enqueue(async () => {
        if (this.#closing || !this.#held || wall.pendingSinceMs === undefined) return;
        const waited = wall.clock.nowMs() - wall.pendingSinceMs;
        if (waited >= wall.intervalMs) await this.#addHeld(true);
        else this.#armFlush(wall.intervalMs - waited);
      }).catch(() => undefined);
    }, ms);
  }

  /** What metadata.yaml says about the bag as written so far. */
  metadata(): BagMetadata {
    const empty = this.#startTime === undefined;
    const start = this.#startTime ?? 9223372036854775807n;
    const duration = empty ? 0n : this.#endTime! - this.#startTime!;
    const relative = basename(this.file);
    return {
      version: 9,
      storageIdentifier: "mcap",
      duration,
      startingTime: start,
      messageCount: this.#messageCount,
      topics: [...this.#topics.values()].map((t) => ({
        name: t.name,
        type: t.type,
        serializationFormat: "cdr",
        offeredQosProfiles: t.qos,
        typeDescriptionHash: t.hash,
        messageCount: t.count,
      })),
      compressionFormat: "",
      compressionMode: "",
      relativeFilePaths: [relative],
      files: [{ path: relative, startingTime: start, duration, messageCount: this.#messageCount }],
      customData: undefined,
      rosDistro: this.#rosDistro,
    };
  }

  /** Finishes the MCAP file (summary, footer) and writes metadata.yaml. Idempotent: later calls return the same summary. */
  close(): Promise<BagSummary> {
    if (this.#wall?.timer !== undefined) {
      this.#wall.timers.clear(this.#wall.timer);
      this.#wall.timer = undefined;
    }
    this.#closing ??= this.#enqueue(async () => {
      await this.#registerPending();
      await this.#addHeld(false);
      const metadata = this.metadata();
      await this.#writer.addMetadata({
        name: "rosbag2",
        metadata: new Map([["serialized_metadata", serializeEmbeddedMetadata(metadata)]]),
      });
      await this.#writer.end();
      await this.#writable.close();
      writeFileSync(join(this.path, METADATA_FILENAME), serializeMetadata(metadata));
      return this.#summary(metadata);
    }).catch(async (err: unknown) => {
      await this.#writable.close().catch(() => undefined);
      throw new PerceptionError(
        "bag",
        `cannot finish the bag: ${errorMessage(err)}`,
        { bag: this.path, file: this.file },
        { cause: err },
      );
    });
    return this.#closing;
  }

  #summary(metadata: BagMetadata): BagSummary {
    return {
      path: this.path,
      storage: "mcap",
      files: [this.file],
      topics: metadata.topics.map((t) => ({
        name: t.name,
        type: t.type,
        serializationFormat: t.serializationFormat,
        offeredQosProfiles: qosProfilesToString(t.offeredQosProfiles),
        typeDescriptionHash: t.typeDescriptionHash,
        messageCount: t.messageCount,
      })),
      messageCount: metadata.messageCount,
      startTime: this.#startTime ?? 0n,
      endTime: this.#endTime ?? 0n,
      compression: this.#compression,
      metadataVersion: 9,
      rosDistro: this.#rosDistro,
      sizeBytes: statSync(this.file).size,
      warnings: [],
    };
  }
}

/** The chunk size McapWriter compares against (via valueOf): `chunkSize`, or -1 to close the chunk after the next message. */
class ChunkLimit {
  readonly #bytes: number;
  #value: number;

  constructor(bytes: number) {
    this.#bytes = bytes;
    this.#value = bytes;
  }

  closeNext(): void {
    this.#value = -1;
  }

  reset(): void {
    this.#value = this.#bytes;
  }

  valueOf(): number {
    return this.#value;
  }
}

/**
 * On SIGINT or SIGTERM, closes `closeable` (finishing the bag) and then exits with 128 + signal
 * number; a second signal while closing exits at once. Returns a function that removes the handlers.
 */
export function finalizeOnSignals(closeable: { close(): Promise<unknown> }): () => void {
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(codes[signal] ?? 1);
    closing = true;
    closeable
      .close()
      .catch((err: unknown) =>
        console.error(
          `edge-perception: could not finish the bag on ${signal}: ${errorMessage(err)}`,
        ),
      )
      .finally(() => process.exit(codes[signal] ?? 1));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
