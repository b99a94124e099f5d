/**
 * `openBag(path)`: a rosbag2 bag (folder with metadata.yaml and its storage files, or one `.mcap` /
 * `.db3` file) as one reader: summary, messages of all split files merged in log-time order, and a
 * codec per topic from the bag's own schemas (else the project's registry).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, isAbsolute, join, resolve } from "node:path";
import { PerceptionError, errorMessage } from "../core/errors.js";
import type { MessageCodec } from "../msgs/codec.js";
import { messageRegistry, type MessageRegistry } from "../msgs/registry.js";
import { METADATA_FILENAME, parseMetadata, topicQosString, type BagMetadata } from "./metadata.js";
import { openMcapFile } from "./mcap-file.js";
import { openSqliteFile } from "./sqlite-file.js";
import type { StorageFile } from "./storage-file.js";
import {
  codecFromRegistry,
  codecFromStoredSchema,
  messageFits,
  type StoredSchema,
  type TopicCodec,
} from "./topic-codec.js";
import type {
  BagEntry,
  BagErrorEntry,
  BagMessageEntry,
  BagReader,
  BagStorage,
  BagSummary,
  BagTopic,
  DecodedMessageEntry,
  EntriesOptions,
} from "./types.js";

export type * from "./types.js";

export interface OpenBagOptions {
  /**
   * Definitions for types the bag stores no schema for (old sqlite3 bags, empty MCAP schemas);
   * defaults to the project's registry. Tests pass a registry with extra types here.
   */
  registry?: MessageRegistry;
}

const STORAGE_EXTENSIONS: Record<string, BagStorage> = { ".mcap": "mcap", ".db3": "sqlite3" };

/** Split files sort by their trailing `_<n>` index, then by name. */
function bagFileOrder(a: string, b: string): number {
  const index = (f: string): number => Number(/_(\d+)\.[^.]+$/.exec(f)?.[1] ?? -1);
  return index(a) - index(b) || a.localeCompare(b);
}

function storageOf(file: string): BagStorage | undefined {
  return STORAGE_EXTENSIONS[extname(file).toLowerCase()];
}

async function openStorageFile(file: string, bag: string): Promise<StorageFile> {
  const storage = storageOf(file);
  if (storage === "mcap") return openMcapFile(file, bag);
  if (storage === "sqlite3") return openSqliteFile(file, bag);
  throw new PerceptionError(
    "bag",
    `unknown storage file type '${extname(file)}' (this reader knows .mcap and .db3)`,
    { bag, file },
  );
}

/**
 * The storage files of a folder, as `ros2 bag reindex` finds them: one storage kind (the one with
 * more files, MCAP on a tie; a warning names the other), in split order.
 */
function storageFilesIn(dir: string, warnings: string[]): string[] {
  const all = readdirSync(dir).filter((f) => storageOf(f) !== undefined);
  const mcap = all.filter((f) => storageOf(f) === "mcap");
  const sqlite = all.filter((f) => storageOf(f) === "sqlite3");
  const chosen = mcap.length >= sqlite.length ? mcap : sqlite;
  if (mcap.length > 0 && sqlite.length > 0) {
    const ignored = chosen === mcap ? sqlite : mcap;
    warnings.push(
      `the folder holds both .mcap and .db3 files; only the ${chosen === mcap ? ".mcap" : ".db3"} ones were read (ignored: ${ignored.join(", ")})`,
    );
  }
  return chosen.sort(bagFileOrder).map((f) => join(dir, f));
}

/**
 * Opens a bag. Throws a `bag` PerceptionError only when nothing can be read (no such path, no
 * storage file, none that opens); smaller problems go to `summary.warnings` and error entries.
 */
export async function openBag(path: string, options: OpenBagOptions = {}): Promise<BagReader> {
  const bag = resolve(path);
  if (!existsSync(bag))
    throw new PerceptionError("bag", "no such bag: the path does not exist", { bag });
  const warnings: string[] = [];
  const missing: PerceptionError[] = [];
  let metadata: BagMetadata | undefined;
  let candidates: string[];
  if (statSync(bag).isDirectory()) {
    const metadataPath = join(bag, METADATA_FILENAME);
    if (existsSync(metadataPath)) {
      try {
        metadata = parseMetadata(readFileSync(metadataPath, "utf8"), metadataPath);
      } catch (err) {
        warnings.push(
          `${errorMessage(err)}; the storage files in the folder were read directly (like ros2 bag reindex)`,
        );
      }
    } else {
      warnings.push(
        `no ${METADATA_FILENAME} in ${bag}; the storage files in the folder were read directly (like ros2 bag reindex)`,
      );
    }
    if (metadata) {
      if (metadata.compressionMode.toUpperCase() === "FILE") {
        throw new PerceptionError(
          "bag",
          `file-compressed bags (compression_mode FILE, ${metadata.compressionFormat}) are not supported; decompress the files first`,
          { bag },
        );
      }
      for (const relative of metadata.relativeFilePaths) {
        // Storage files live in the bag folder: a path that leaves it is refused, never opened.
        if (
          isAbsolute(relative) ||
          /^[a-zA-Z]:/.test(relative) ||
          relative.split(/[\\/]/).includes("..")
        ) {
          throw new PerceptionError(
            "bag",
            `${METADATA_FILENAME} lists storage file ${JSON.stringify(relative)} outside the bag folder (absolute paths and '..' are refused); relative_file_paths must name files inside the bag folder`,
            { bag },
          );
        }
      }
      candidates = [];
      for (const relative of metadata.relativeFilePaths) {
        const direct = join(bag, relative);
        const inFolder = join(bag, basename(relative));
        const found = existsSync(direct) ? direct : existsSync(inFolder) ? inFolder : undefined;
        if (found) {
          candidates.push(found);
        } else {
          const error = new PerceptionError(
            "bag",
            `${METADATA_FILENAME} lists storage file '${relative}', which is missing; its messages are lost`,
            { bag, file: direct },
          );
          warnings.push(error.message);
          missing.push(error);
        }
      }
      if (candidates.length === 0) {
        candidates = storageFilesIn(bag, warnings);
        if (candidates.length > 0)
          warnings.push(
            `none of the files ${METADATA_FILENAME} lists exists; the storage files in the folder were read instead`,
          );
      }
    } else {
      candidates = storageFilesIn(bag, warnings);
    }
    if (candidates.length === 0)
      throw new PerceptionError("bag", "no storage files (.mcap or .db3) in the bag folder", {
        bag,
      });
  } else {
    candidates = [bag];
  }

  const files: StorageFile[] = [];
  for (const file of candidates) {
    try {
      files.push(await openStorageFile(file, bag));
    } catch (err) {
      const error =
        err instanceof PerceptionError
          ? err
          : new PerceptionError("bag", errorMessage(err), { bag, file }, { cause: err });
      warnings.push(error.message);
      missing.push(error);
    }
  }
  if (files.length === 0) {
    await Promise.all(files.map((f) => f.close()));
    throw new PerceptionError(
      "bag",
      `no storage file of the bag could be read: ${missing.map((e) => e.message).join("; ")}`,
      { bag },
    );
  }
  for (const f of files) warnings.push(...f.warnings);
  return new Rosbag2Reader(
    bag,
    files,
    metadata,
    warnings,
    missing,
    options.registry ?? messageRegistry(),
  );
}

function summarize(
  path: string,
  files: StorageFile[],
  metadata: BagMetadata | undefined,
  warnings: string[],
): BagSummary {
  const topics = new Map<string, BagTopic & { order: number }>();
  const metaTopics = new Map(metadata?.topics.map((t, i) => [t.name, { topic: t, order: i }]));
  for (const file of files) {
    for (const t of file.topics) {
      const existing = topics.get(t.name);
      if (existing) {
        existing.messageCount += t.messageCount;
        continue;
      }
      const meta = metaTopics.get(t.name);
      topics.set(t.name, {
        name: t.name,
        type: t.type || meta?.topic.type || "",
        serializationFormat: t.serializationFormat || meta?.topic.serializationFormat || "cdr",
        offeredQosProfiles: t.offeredQosProfiles || (meta ? topicQosString(meta.topic) : ""),
        typeDescriptionHash: t.typeDescriptionHash || meta?.topic.typeDescriptionHash || "",
        messageCount: t.messageCount,
        order: meta?.order ?? Number.MAX_SAFE_INTEGER,
      });
    }
  }
  const starts = files.map((f) => f.startTime).filter((t): t is bigint => t !== undefined);
  const ends = files.map((f) => f.endTime).filter((t): t is bigint => t !== undefined);
  const compression =
    metadata?.compressionFormat || [...new Set(files.flatMap((f) => f.compressions))].join(", ");
  return {
    path,
    storage: files[0]!.storage,
    files: files.map((f) => f.path),
    topics: [...topics.values()]
      .sort((a, b) => a.order - b.order)
      .map(({ order: _order, ...t }) => t),
    messageCount: files.reduce((n, f) => n + f.messageCount, 0),
    startTime: starts.length ? starts.reduce((a, b) => (b < a ? b : a)) : 0n,
    endTime: ends.length ? ends.reduce((a, b) => (b > a ? b : a)) : 0n,
    compression,
    metadataVersion: metadata?.version,
    rosDistro: metadata?.rosDistro || files.map((f) => f.rosDistro).find((d) => d !== "") || "",
    sizeBytes: files.reduce((n, f) => n + f.sizeBytes, 0),
    warnings,
  };
}

class Rosbag2Reader implements BagReader {
  readonly summary: BagSummary;
  readonly #files: StorageFile[];
  readonly #missing: PerceptionError[];
  readonly #registry: MessageRegistry;
  readonly #codecs = new Map<string, TopicCodec>();
  #closed = false;

  constructor(
    path: string,
    files: StorageFile[],
    metadata: BagMetadata | undefined,
    warnings: string[],
    missing: PerceptionError[],
    registry: MessageRegistry,
  ) {
    this.#files = files;
    this.#missing = missing;
    this.#registry = registry;
    this.summary = summarize(path, files, metadata, warnings);
  }

  async *entries(options: EntriesOptions = {}): AsyncGenerator<BagEntry> {
    for (const error of this.#missing) yield { kind: "error", error };
    const fileOptions = {
      topics: options.topics ? new Set(options.topics) : undefined,
      startTime: options.startTime,
      endTime: options.endTime,
      bag: this.summary.path,
    };
    const iterators = this.#files.map((f) => f.entries(fileOptions));
    const heads: (BagMessageEntry | undefined)[] = new Array(iterators.length);
    const errors: BagErrorEntry[] = [];
    /** Advances one file to its next message, collecting the error entries met on the way. */
    const advance = async (i: number): Promise<void> => {
      for (;;) {
        const next = await iterators[i]!.next();
        if (next.done) {
          heads[i] = undefined;
          return;
        }
        if (next.value.kind === "error") {
          errors.push(next.value);
          continue;
        }
        heads[i] = next.value;
        return;
      }
    };
    try {
      for (let i = 0; i < iterators.length; i++) await advance(i);
      for (;;) {
        while (errors.length > 0) yield errors.shift()!;
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          if (h && (best < 0 || h.logTime < heads[best]!.logTime)) best = i;
        }
        if (best < 0) return;
        const entry = heads[best]!;
        yield entry;
        await advance(best);
      }
    } finally {
      await Promise.all(iterators.map((it) => it.return(undefined)));
    }
  }

  #topic(name: string): BagTopic & { stored?: StoredSchema } {
    const topic = this.summary.topics.find((t) => t.name === name);
    if (!topic)
      throw new PerceptionError("schema", `topic ${name} is not in the bag`, {
        bag: this.summary.path,
        topic: name,
      });
    const stored = this.#files
      .flatMap((f) => f.topics)
      .find((t) => t.name === name && t.schema)?.schema;
    return { ...topic, stored };
  }

  #topicCodec(name: string): TopicCodec {
    const cached = this.#codecs.get(name);
    if (cached) return cached;
    const topic = this.#topic(name);
    const context = { bag: this.summary.path, topic: name, type: topic.type };
    let codec: TopicCodec | undefined;
    let storedError: PerceptionError | undefined;
    if (topic.stored) {
      try {
        codec = codecFromStoredSchema(topic.type, topic.stored);
      } catch (err) {
        storedError =
          err instanceof PerceptionError
            ? err
            : new PerceptionError("schema", errorMessage(err), context, { cause: err });
      }
    }
    if (!codec) {
      try {
        codec = codecFromRegistry(topic.type, this.#registry);
        if (storedError)
          this.summary.warnings.push(
            `${name}: ${storedError.message}; decoded with the project's definition of ${topic.type} instead`,
          );
      } catch (err) {
        const reason = storedError
          ? `${storedError.message}, and the registry does not know ${topic.type}`
          : errorMessage(err);
        throw new PerceptionError("schema", `cannot decode topic ${name}: ${reason}`, context, {
          cause: storedError ?? err,
        });
      }
    }
    this.#codecs.set(name, codec);
    return codec;
  }

  codecFor(topic: string): MessageCodec {
    return this.#topicCodec(topic).codec;
  }

  decode<T = unknown>(entry: BagMessageEntry): T {
    const context = {
      bag: this.summary.path,
      file: entry.file,
      topic: entry.topic,
      type: entry.type,
      offset: entry.offset,
      logTime: entry.logTime,
    };
    return this.#decodeChecked(entry, context) as T;
  }

  decoderFor(topic: string): { decode(data: Uint8Array): unknown } {
    const type = this.#topic(topic).type;
    const context = { bag: this.summary.path, topic, type };
    return { decode: (data) => this.#decodeChecked({ topic, type, data }, context) };
  }

  #decodeChecked(
    entry: Pick<BagMessageEntry, "topic" | "type" | "data">,
    context: Record<string, string | number | bigint | undefined>,
  ): unknown {
    const topicCodec = this.#topicCodec(entry.topic);
    let message: unknown;
    try {
      message = topicCodec.codec.decode(entry.data);
    } catch (err) {
      const fallback = this.#registryFallback(entry, topicCodec);
      if (fallback !== undefined) return fallback;
      throw new PerceptionError("cdr", errorMessage(err), context, { cause: err });
    }
    const { fits, expected } = messageFits(topicCodec, message, entry.data);
    if (!fits) {
      const fallback = this.#registryFallback(entry, topicCodec);
      if (fallback !== undefined) return fallback;
      throw new PerceptionError(
        "cdr",
        `message does not fit its schema ${entry.type}: it has ${entry.data.byteLength} bytes, the decoded fields account for ${expected}`,
        context,
      );
    }
    return message;
  }

  /**
   * When the bag's stored schema cannot decode a message but the project's definition of the same
   * type can (some bags store wrong or partial definitions), switch the topic to the registry.
   */
  #registryFallback(
    entry: Pick<BagMessageEntry, "topic" | "type" | "data">,
    current: TopicCodec,
  ): unknown {
    if (current.source !== "bag") return undefined;
    let registry: TopicCodec;
    try {
      registry = codecFromRegistry(entry.type, this.#registry);
    } catch {
      return undefined;
    }
    try {
      const message = registry.codec.decode(entry.data);
      if (!messageFits(registry, message, entry.data).fits) return undefined;
      this.#codecs.set(entry.topic, registry);
      this.summary.warnings.push(
        `${entry.topic}: the bag's stored schema of ${entry.type} does not match its messages; decoded with the project's definition instead`,
      );
      return message;
    } catch {
      return undefined;
    }
  }

  async *messages<T = unknown>(
    options?: EntriesOptions,
  ): AsyncGenerator<DecodedMessageEntry<T> | BagErrorEntry> {
    for await (const entry of this.entries(options)) {
      if (entry.kind === "error") {
        yield entry;
        continue;
      }
      let decoded: DecodedMessageEntry<T> | BagErrorEntry;
      try {
        decoded = { ...entry, message: this.decode<T>(entry) };
      } catch (err) {
        const error =
          err instanceof PerceptionError
            ? err
            : new PerceptionError("cdr", errorMessage(err), {
                bag: this.summary.path,
                topic: entry.topic,
              });
        decoded = { kind: "error", error };
      }
      yield decoded;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#files.map((f) => f.close()));
  }
}
