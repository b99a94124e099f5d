/**
 * Damaged bags, each made from a real upstream bag copied to a temp folder and then broken: the
 * reader yields error entries for what it cannot read and goes on; it throws only when nothing of
 * the bag can be read.
 */
import { readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { McapIndexedReader } from "@mcap/core";
import { openBag } from "../../src/bag/open-bag.js";
import type { BagEntry, BagErrorEntry, BagMessageEntry, BagReader } from "../../src/bag/types.js";
import { PerceptionError } from "../../src/core/errors.js";
import {
  collect,
  copyBag,
  makeTemp,
  removeTemp,
  rosbag2Dir,
  testMsgsRegistry,
} from "./fixtures.js";

const temp = makeTemp("ep-bag-bad-");
afterAll(() => removeTemp(temp));
let counter = 0;
/** A fresh subfolder for one test's copy. */
function caseDir(): string {
  const dir = join(temp, `case-${counter++}`);
  return dir;
}

function split(entries: BagEntry[]): { messages: BagMessageEntry[]; errors: BagErrorEntry[] } {
  return {
    messages: entries.filter((e): e is BagMessageEntry => e.kind === "message"),
    errors: entries.filter((e): e is BagErrorEntry => e.kind === "error"),
  };
}

async function readAll(
  reader: BagReader,
): Promise<{ messages: BagMessageEntry[]; errors: BagErrorEntry[] }> {
  const result = split(await collect(reader.entries()));
  await reader.close();
  return result;
}

async function chunkIndexes(file: string): Promise<{ offset: number; length: number }[]> {
  const bytes = readFileSync(file);
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.length),
      read: async (o: bigint, n: bigint) => bytes.subarray(Number(o), Number(o + n)),
    },
  });
  return reader.chunkIndexes.map((c) => ({
    offset: Number(c.chunkStartOffset),
    length: Number(c.chunkLength),
  }));
}

function flipBytes(file: string, at: number, count: number): void {
  const bytes = readFileSync(file);
  for (let i = at; i < at + count; i++) bytes[i] = bytes[i]! ^ 0xa5;
  writeFileSync(file, bytes);
}

function mkdir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

describe.skipIf(!rosbag2Dir)("bad input made from the upstream bags", () => {
  it("truncated MCAP (recorder crash): recovers every complete chunk and reports the lost tail", async () => {
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "camera_drive_mcap");
    const file = join(bag, "camera_drive_mcap_0.mcap");
    const original = await readAll(await openBag(bag));
    const chunks = await chunkIndexes(file);
    // Cut in the middle of the fifth chunk: chunks 0..3 survive whole.
    truncateSync(file, chunks[4]!.offset + Math.floor(chunks[4]!.length / 2));
    const reader = await openBag(bag);
    expect(reader.summary.warnings.join("\n")).toMatch(/summary/);
    const { messages, errors } = split(await collect(reader.entries()));
    const survivors = original.messages.filter((m) => m.offset! < chunks[4]!.offset);
    expect(messages.length).toBe(survivors.length);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.map((m) => Buffer.from(m.data).toString("base64"))).toEqual(
      survivors.map((m) => Buffer.from(m.data).toString("base64")),
    );
    expect(errors.length).toBe(1);
    expect(errors[0]!.error.kind).toBe("bag");
    expect(errors[0]!.error.message).toMatch(/truncated/);
    expect(errors[0]!.error.context.offset).toBe(chunks[4]!.offset);
    expect(errors[0]!.error.context.file).toBe(file);
    for (const m of messages) expect(() => reader.decode(m)).not.toThrow();
    await reader.close();
  });

  it("corrupt zstd chunk in one file of a split bag: the other files are read, the error names file and chunk", async () => {
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "rosbag2_py_mcap_wbag");
    const file = join(bag, "wbag_2.mcap");
    const original = await readAll(await openBag(bag));
    const [chunk] = await chunkIndexes(file);
    flipBytes(file, chunk!.offset + Math.floor(chunk!.length / 2), 16);
    const { messages, errors } = await readAll(await openBag(bag));
    expect(messages.length).toBe(original.messages.filter((m) => m.file !== file).length);
    expect(messages.some((m) => m.file === file)).toBe(false);
    expect(errors.length).toBe(1);
    expect(errors[0]!.error.kind).toBe("bag");
    expect(errors[0]!.error.message).toMatch(/corrupt chunk/);
    expect(errors[0]!.error.context).toMatchObject({
      file,
      offset: chunk!.offset,
      compression: "zstd",
    });
    for (let i = 1; i < messages.length; i++)
      expect(messages[i]!.logTime >= messages[i - 1]!.logTime).toBe(true);
  });

  it("bad CRC: the chunk whose stored CRC does not match its records is skipped, the rest read", async () => {
    // Jazzy's MCAP storage writes no chunk CRCs (0 = not computed); the Go-written split bag has them.
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "rosbag2_py_mcap_wbag");
    const file = join(bag, "wbag_1.mcap");
    const original = await readAll(await openBag(bag));
    const [chunk] = await chunkIndexes(file);
    // Chunk record: opcode (1) + length (8) + start time (8) + end time (8) + uncompressed size (8), then the CRC.
    flipBytes(file, chunk!.offset + 9 + 24, 1);
    const { messages, errors } = await readAll(await openBag(bag));
    expect(messages.length).toBe(original.messages.filter((m) => m.file !== file).length);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.message).toMatch(/CRC mismatch/);
    expect(errors[0]!.error.context).toMatchObject({ file, offset: chunk!.offset });
  });

  it("missing metadata.yaml: reads the storage files of the folder directly and says so", async () => {
    for (const name of ["camera_drive_sqlite3", "rosbag2_py_mcap_wbag"]) {
      const dir = mkdir(caseDir());
      const bag = copyBag(dir, name);
      const original = await readAll(await openBag(bag));
      rmSync(join(bag, "metadata.yaml"));
      const reader = await openBag(bag);
      expect(reader.summary.warnings.join("\n")).toMatch(/no metadata\.yaml.*reindex/);
      expect(reader.summary.metadataVersion).toBeUndefined();
      const { messages, errors } = await readAll(reader);
      expect(errors).toEqual([]);
      expect(messages.map((m) => [m.topic, m.logTime])).toEqual(
        original.messages.map((m) => [m.topic, m.logTime]),
      );
    }
  });

  it("metadata.yaml listing a missing file: an error entry names it, the other files are read", async () => {
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "rosbag2_py_mcap_wbag");
    const original = await readAll(await openBag(bag));
    const gone = join(bag, "wbag_3.mcap");
    rmSync(gone);
    const reader = await openBag(bag);
    expect(reader.summary.files).toHaveLength(4);
    expect(reader.summary.warnings.join("\n")).toMatch(/wbag_3\.mcap/);
    const { messages, errors } = await readAll(reader);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.context.file).toBe(gone);
    expect(messages.length).toBe(original.messages.filter((m) => m.file !== gone).length);
  });

  it("invalid metadata.yaml: falls back to the folder's storage files", async () => {
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "rosbag2_py_mcap_talker");
    writeFileSync(
      join(bag, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: [4\n  storage_identifier: mcap\n",
    );
    const reader = await openBag(bag);
    expect(reader.summary.warnings.join("\n")).toMatch(/invalid YAML/);
    const { messages, errors } = await readAll(reader);
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(20);
  });

  it("unknown schema: a schema error names the type; a registry with the type decodes the same values", async () => {
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "rosbag2_tests_sqlite3_cdr_test");
    const originalReader = await openBag(bag);
    const stored = (await collect(originalReader.messages())).map((e) =>
      e.kind === "message" ? e.message : e.error,
    );
    await originalReader.close();
    const db = new Database(join(bag, "cdr_test_0.db3"));
    db.exec("DROP TABLE message_definitions");
    db.close();

    const reader = await openBag(bag);
    expect(() => reader.codecFor("/test_topic")).toThrow(/test_msgs\/msg\/BasicTypes/);
    const entries = await collect(reader.messages());
    expect(entries).toHaveLength(7);
    for (const e of entries) {
      expect(e.kind).toBe("error");
      if (e.kind === "error") {
        expect(e.error.kind).toBe("schema");
        expect(e.error.message).toMatch(/test_msgs\/msg\/(BasicTypes|Arrays)/);
      }
    }
    await reader.close();

    const withFixtures = await openBag(bag, { registry: testMsgsRegistry() });
    const decoded = (await collect(withFixtures.messages())).map((e) =>
      e.kind === "message" ? e.message : e.error,
    );
    expect(decoded).toEqual(stored);
    await withFixtures.close();
  });

  it("malformed CDR: the error names bag, file, topic, row and log time; the other messages decode", async () => {
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "camera_drive_sqlite3");
    const file = join(bag, "camera_drive_sqlite3_0.db3");
    const db = new Database(file);
    db.defaultSafeIntegers(true);
    const row = db
      .prepare(
        "SELECT m.id, m.timestamp FROM messages m JOIN topics t ON t.id = m.topic_id WHERE t.name = '/camera/front/image_raw' ORDER BY m.timestamp LIMIT 1 OFFSET 3",
      )
      .get() as { id: bigint; timestamp: bigint };
    db.prepare("UPDATE messages SET data = substr(data, 1, 40) WHERE id = ?").run(row.id);
    db.close();
    const reader = await openBag(bag);
    const entries = await collect(reader.messages());
    const errors = entries.filter((e): e is BagErrorEntry => e.kind === "error");
    expect(entries.filter((e) => e.kind === "message")).toHaveLength(150);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.kind).toBe("cdr");
    expect(errors[0]!.error.context).toMatchObject({
      bag,
      file,
      topic: "/camera/front/image_raw",
      offset: Number(row.id),
      logTime: row.timestamp,
    });
    await reader.close();
  });

  it("a message that does not fit its schema (trailing bytes its fields do not account for) is an error", async () => {
    const dir = mkdir(caseDir());
    const bag = copyBag(dir, "camera_drive_sqlite3");
    const db = new Database(join(bag, "camera_drive_sqlite3_0.db3"));
    const row = db
      .prepare(
        "SELECT m.id, m.data FROM messages m JOIN topics t ON t.id = m.topic_id WHERE t.name = '/localization/pose' ORDER BY m.timestamp LIMIT 1",
      )
      .get() as { id: number; data: Buffer };
    db.prepare("UPDATE messages SET data = ? WHERE id = ?").run(
      Buffer.concat([row.data, Buffer.alloc(64)]),
      row.id,
    );
    db.close();
    const reader = await openBag(bag);
    const errors = (await collect(reader.messages({ topics: ["/localization/pose"] }))).filter(
      (e): e is BagErrorEntry => e.kind === "error",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.kind).toBe("cdr");
    expect(errors[0]!.error.message).toMatch(
      /does not fit its schema geometry_msgs\/msg\/PoseStamped/,
    );
    expect(errors[0]!.error.context.offset).toBe(row.id);
    await reader.close();
  });

  it("throws a bag error only when nothing can be read", async () => {
    const dir = mkdir(caseDir());
    const empty = copyBag(dir, "rosbag2_py_mcap_talker");
    rmSync(join(empty, "talker.mcap"));
    await expect(openBag(empty)).rejects.toThrow(/no storage files/);
    const garbage = join(dir, "garbage.mcap");
    writeFileSync(garbage, Buffer.alloc(4096, 7));
    await expect(openBag(garbage)).rejects.toThrow(PerceptionError);
    await expect(openBag(garbage)).rejects.toThrow(/not an MCAP file/);
    const notSqlite = join(dir, "garbage.db3");
    writeFileSync(notSqlite, Buffer.alloc(4096, 7));
    await expect(openBag(notSqlite)).rejects.toThrow(/sqlite3/);
    await expect(openBag(join(dir, "nothing-here"))).rejects.toThrow(/does not exist/);
  });
});
