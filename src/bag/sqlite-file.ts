/**
 * One rosbag2 sqlite3 storage file (`.db3`), opened read-only with better-sqlite3. Tables: `topics`
 * and `messages` (every version), `schema` and `metadata` (Humble+), `message_definitions` (Iron+).
 * Messages are read in pages ordered by (timestamp, id), so no statement stays open between
 * yields and a reader that stops early leaks nothing.
 */
import { statSync } from "node:fs";
import Database from "better-sqlite3";
import { PerceptionError, errorMessage } from "../core/errors.js";
import type { FileEntriesOptions, FileTopic, StorageFile } from "./storage-file.js";
import type { StoredSchema } from "./topic-codec.js";
import type { BagEntry } from "./types.js";

const PAGE_SIZE = 256;

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
    throw new PerceptionError("bag", `cannot open sqlite3 file: ${errorMessage(err)}`, { bag, file: path }, { cause: err });
  }
  try {
    return new SqliteFile(path, db, bag);
  } catch (err) {
    db.close();
    if (err instanceof PerceptionError) throw err;
    throw new PerceptionError("bag", `not a rosbag2 sqlite3 file: ${errorMessage(err)}`, { bag, file: path }, { cause: err });
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
  #closed = false;

  constructor(path: string, db: Database.Database, bag: string) {
    this.path = path;
    this.#db = db;
    this.#bag = bag;
    this.sizeBytes = statSync(path).size;
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    for (const required of ["topics", "messages"]) {
      if (!tables.has(required)) throw new PerceptionError("bag", `not a rosbag2 sqlite3 file: no '${required}' table`, { bag, file: path });
    }
    const definitions = new Map<string, StoredSchema>();
    if (tables.has("message_definitions")) {
      const rows = db.prepare("SELECT topic_type, encoding, encoded_message_definition FROM message_definitions").all() as {
        topic_type: string;
        encoding: string;
        encoded_message_definition: string;
      }[];
      for (const r of rows) definitions.set(r.topic_type, { encoding: r.encoding, text: r.encoded_message_definition });
    }
    this.rosDistro = tables.has("schema") ? String((db.prepare("SELECT ros_distro FROM schema LIMIT 1").get() as { ros_distro?: string } | undefined)?.ros_distro ?? "") : "";
    if (tables.has("metadata")) {
      const row = db.prepare("SELECT metadata FROM metadata ORDER BY id DESC LIMIT 1").get() as { metadata?: string } | undefined;
      this.embeddedMetadata = row?.metadata;
    }
    const counts = new Map<bigint, number>();
    let total = 0;
    let start: bigint | undefined;
    let end: bigint | undefined;
    const stats = db.prepare("SELECT topic_id, COUNT(*) AS n, MIN(timestamp) AS first, MAX(timestamp) AS last FROM messages GROUP BY topic_id").all() as {
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

  async *entries(o: FileEntriesOptions): AsyncGenerator<BagEntry> {
    const topicIds = o.topics ? [...this.#topicsById].filter(([, t]) => o.topics!.has(t.name)).map(([id]) => id) : undefined;
    if (topicIds && topicIds.length === 0) return;
    const where = ["(timestamp > ? OR (timestamp = ? AND id > ?))"];
    if (o.startTime !== undefined) where.push("timestamp >= ?");
    if (o.endTime !== undefined) where.push("timestamp <= ?");
    if (topicIds) where.push(`topic_id IN (${topicIds.map(() => "?").join(",")})`);
    let page: Database.Statement;
    try {
      page = this.#db.prepare(`SELECT id, topic_id, timestamp, data FROM messages WHERE ${where.join(" AND ")} ORDER BY timestamp, id LIMIT ${PAGE_SIZE}`);
    } catch (err) {
      yield { kind: "error", error: new PerceptionError("bag", `cannot query messages: ${errorMessage(err)}`, { bag: this.#bag, file: this.path }, { cause: err }) };
      return;
    }
    let lastTime = -(2n ** 63n);
    let lastId = -1n;
    for (;;) {
      const params: bigint[] = [lastTime, lastTime, lastId];
      if (o.startTime !== undefined) params.push(o.startTime);
      if (o.endTime !== undefined) params.push(o.endTime);
      if (topicIds) params.push(...topicIds);
      let rows: MessageRow[];
      try {
        if (this.#closed) return;
        rows = page.all(...params) as MessageRow[];
      } catch (err) {
        yield {
          kind: "error",
          error: new PerceptionError("bag", `cannot read messages after row ${lastId}: ${errorMessage(err)}`, { bag: this.#bag, file: this.path, offset: Number(lastId) }, { cause: err }),
        };
        return;
      }
      for (const row of rows) {
        const topic = this.#topicsById.get(row.topic_id);
        if (!(row.data instanceof Uint8Array)) {
          yield {
            kind: "error",
            error: new PerceptionError("bag", `message row ${row.id} holds ${typeof row.data}, not a BLOB of CDR bytes`, {
              bag: this.#bag,
              file: this.path,
              topic: topic?.name,
              offset: Number(row.id),
              logTime: row.timestamp,
            }),
          };
        } else if (!topic) {
          yield {
            kind: "error",
            error: new PerceptionError("bag", `message row ${row.id} refers to unknown topic id ${row.topic_id}`, {
              bag: this.#bag,
              file: this.path,
              offset: Number(row.id),
              logTime: row.timestamp,
            }),
          };
        } else {
          yield {
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
      }
      if (rows.length < PAGE_SIZE) return;
      lastTime = rows[rows.length - 1]!.timestamp;
      lastId = rows[rows.length - 1]!.id;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
