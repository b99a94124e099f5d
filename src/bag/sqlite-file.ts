/**
 * One rosbag2 sqlite3 storage file (`.db3`), opened read-only with better-sqlite3. Tables: `topics`
 * and `messages` (every version), `schema` and `metadata` (Humble+), `message_definitions` (Iron+).
 * Messages stream in (timestamp, id) order, each read on a connection of its own.
 */
import { statSync } from "node:fs";
import Database from "better-sqlite3";
import { PerceptionError, errorMessage } from "../core/errors.js";
import type { FileEntriesOptions, FileTopic, StorageFile } from "./storage-file.js";
import type { StoredSchema } from "./topic-codec.js";
import type { BagEntry } from "./types.js";

interface TopicRow {
  id: bigint;
  name: string;
  type: string;
  serialization_format?: string;
  offered_qos_profiles?: string;
  type_description_hash?: string;
}

interface MessageRow {
  id: bigint;
  topic_id: bigint;
  timestamp: bigint;
  data: Buffer;
}

/** Opens one `.db3` file. Throws a `bag` PerceptionError when it is not a rosbag2 sqlite3 database. */
export function openSqliteFile(path: string, bag: string): StorageFile {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.defaultSafeIntegers(true);
  } catch (err) {
    throw new PerceptionError(
      "bag",
      `cannot open sqlite3 file: ${errorMessage(err)}`,
      { bag, file: path },
      { cause: err },
    );
  }
  try {
    return new SqliteFile(path, db, bag);
  } catch (err) {
    db.close();
    if (err instanceof PerceptionError) throw err;
    throw new PerceptionError(
      "bag",
      `not a rosbag2 sqlite3 file: ${errorMessage(err)}`,
      { bag, file: path },
      { cause: err },
    );
  }
}

class SqliteFile implements StorageFile {
  readonly storage = "sqlite3" as const;
  readonly path: string;
  readonly sizeBytes: number;
  readonly topics: FileTopic[];
  readonly messageCount: number;
  readonly startTime?: bigint;
  readonly endTime?: bigint;
  readonly compressions: string[] = [];
  readonly rosDistro: string;
  readonly embeddedMetadata?: string;
  readonly warnings: string[] = [];

  readonly #db: Database.Database;
  readonly #bag: string;
  /** Topic by row id. */
  readonly #topicsById = new Map<bigint, { name: string; type: string }>();
  /** Connections of reads in progress. */
  readonly #readers = new Set<Database.Database>();
  #closed = false;

  constructor(path: string, db: Database.Database, bag: string) {
    this.path = path;
    this.#db = db;
    this.#bag = bag;
    this.sizeBytes = statSync(path).size;
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]
      ).map((r) => r.name),
    );
    for (const required of ["topics", "messages"]) {
      if (!tables.has(required))
        throw new PerceptionError("bag", `not a rosbag2 sqlite3 file: no '${required}' table`, {
          bag,
          file: path,
        });
    }
    const definitions = new Map<string, StoredSchema>();
    if (tables.has("message_definitions")) {
      const rows = db
        .prepare("SELECT topic_type, encoding, encoded_message_definition FROM message_definitions")
        .all() as {
        topic_type: string;
        encoding: string;
        encoded_message_definition: string;
      }[];
      for (const r of rows)
        definitions.set(r.topic_type, { encoding: r.encoding, text: r.encoded_message_definition });
    }
    this.rosDistro = tables.has("schema")
      ? String(
          (
            db.prepare("SELECT ros_distro FROM schema LIMIT 1").get() as
              | { ros_distro?: string }
              | undefined
          )?.ros_distro ?? "",
        )
      : "";
    if (tables.has("metadata")) {
      const row = db.prepare("SELECT metadata FROM metadata ORDER BY id DESC LIMIT 1").get() as
        | { metadata?: string }
        | undefined;
      this.embeddedMetadata = row?.metadata;
    }
    const counts = new Map<bigint, number>();
    let total = 0;
    let start: bigint | undefined;
    let end: bigint | undefined;
    const stats = db
      .prepare(
        "SELECT topic_id, COUNT(*) AS n, MIN(timestamp) AS first, MAX(timestamp) AS last FROM messages GROUP BY topic_id",
      )
      .all() as {
      topic_id: bigint;
      n: bigint;
      first: bigint;
      last: bigint;
    }[];
    for (const s of stats) {
      counts.set(s.topic_id, Number(s.n));
      total += Number(s.n);
      if (start === undefined || s.first < start) start = s.first;
      if (end === undefined || s.last > end) end = s.last;
    }
    this.messageCount = total;
    this.startTime = start;
    this.endTime = end;
    this.topics = (db.prepare("SELECT * FROM topics ORDER BY id").all() as TopicRow[]).map((t) => {
      this.#topicsById.set(t.id, { name: t.name, type: t.type });
      // Service event types store the .srv under the service's name (pkg/srv/Name, not Name_Event).
      const schema = definitions.get(t.type) ?? definitions.get(t.type.replace(/_Event$/, ""));
      return {
        name: t.name,
        type: t.type,
        serializationFormat: t.serialization_format ?? "cdr",
        offeredQosProfiles: t.offered_qos_profiles ?? "",
        typeDescriptionHash: t.type_description_hash ?? "",
        schema,
        messageCount: counts.get(t.id) ?? 0,
      };
    });
  }

  /**
   * Streams the messages with a connection of its own (so several reads can run at once and none
   * holds more than one row), closed when the iteration ends or the file is closed.
   */
  async *entries(o: FileEntriesOptions): AsyncGenerator<BagEntry> {
    const topicIds = o.topics
      ? [...this.#topicsById].filter(([, t]) => o.topics!.has(t.name)).map(([id]) => id)
      : undefined;
    if (topicIds && topicIds.length === 0) return;
    const where: string[] = [];
    const params: bigint[] = [];
    if (o.startTime !== undefined) {
      where.push("timestamp >= ?");
      params.push(o.startTime);
    }
    if (o.endTime !== undefined) {
      where.push("timestamp <= ?");
      params.push(o.endTime);
    }
    if (topicIds) {
      where.push(`topic_id IN (${topicIds.map(() => "?").join(",")})`);
      params.push(...topicIds);
    }
    const sql = `SELECT id, topic_id, timestamp, data FROM messages ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY timestamp, id`;
    const context = { bag: this.#bag, file: this.path };
    if (this.#closed) return;
    let db: Database.Database;
    let rows: IterableIterator<MessageRow>;
    try {
      db = new Database(this.path, { readonly: true, fileMustExist: true });
      db.defaultSafeIntegers(true);
      rows = db.prepare(sql).iterate(...params) as IterableIterator<MessageRow>;
    } catch (err) {
      yield {
        kind: "error",
        error: new PerceptionError("bag", `cannot query messages: ${errorMessage(err)}`, context, {
          cause: err,
        }),
      };
      return;
    }
    this.#readers.add(db);
    let lastId: bigint | undefined;
    try {
      for (;;) {
        let next: IteratorResult<MessageRow>;
        try {
          next = rows.next();
        } catch (err) {
          const where = lastId === undefined ? "" : ` after row ${lastId}`;
          yield {
            kind: "error",
            error: new PerceptionError(
              "bag",
              `cannot read messages${where}: ${errorMessage(err)}`,
              { ...context, offset: lastId === undefined ? undefined : Number(lastId) },
              { cause: err },
            ),
          };
          return;
        }
        if (next.done) return;
        const row = next.value;
        lastId = row.id;
        yield this.#entry(row);
      }
    } finally {
      rows.return?.();
      this.#readers.delete(db);
      if (db.open) db.close();
    }
  }

  #entry(row: MessageRow): BagEntry {
    const topic = this.#topicsById.get(row.topic_id);
    const context = {
      bag: this.#bag,
      file: this.path,
      topic: topic?.name,
      offset: Number(row.id),
      logTime: row.timestamp,
    };
    if (!topic)
      return {
        kind: "error",
        error: new PerceptionError(
          "bag",
          `message row ${row.id} refers to unknown topic id ${row.topic_id}`,
          context,
        ),
      };
    if (!(row.data instanceof Uint8Array)) {
      return {
        kind: "error",
        error: new PerceptionError(
          "bag",
          `message row ${row.id} holds ${typeof row.data}, not a BLOB of CDR bytes`,
          context,
        ),
      };
    }
    return {
      kind: "message",
      topic: topic.name,
      type: topic.type,
      logTime: row.timestamp,
      publishTime: row.timestamp,
      data: row.data,
      file: this.path,
      offset: Number(row.id),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const db of this.#readers) if (db.open) db.close();
    this.#readers.clear();
    this.#db.close();
  }
}
