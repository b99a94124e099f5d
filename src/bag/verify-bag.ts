/**
 * `verifyBag(path)`: an opt-in full check of a bag that says what is damaged (`info --verify`).
 * Reading a bag already skips what it cannot use and reports it; this also checks what reading
 * cannot see: sqlite's own `PRAGMA integrity_check` (pages, indexes), every MCAP chunk's CRC and
 * the data section's CRC, and whether the file carries CRCs at all (Jazzy's MCAP files do not:
 * damage inside them shows only when a message no longer decodes). Then every message is read and
 * decoded with the reader's checks.
 */
import { open } from "node:fs/promises";
import { extname } from "node:path";
import { crc32 } from "node:zlib";
import Database from "better-sqlite3";
import { Opcode } from "@mcap/core";
import { errorMessage } from "../core/errors.js";
import { decompressHandlers } from "./decompress.js";
import { MCAP_MAGIC, RECORD_HEADER_SIZE, parseChunk } from "./mcap-records.js";
import { openBag } from "./open-bag.js";

/** What was checked in one storage file and what is wrong with it. */
export interface FileVerification {
  /** Absolute path of the storage file. */
  path: string;
  /** What was checked, in words ("12 chunks, 12 with CRCs, data section CRC"). */
  checked: string;
  /** Each problem, one sentence naming where it is; empty when the file is intact. */
  problems: string[];
}

/** The result of `verifyBag`. */
export interface BagVerification {
  files: FileVerification[];
  /** Messages read and decoded. */
  messagesRead: number;
  /** Messages or records that could not be read or decoded, by topic (`(bag)` for records without one). */
  unreadable: Record<string, number>;
  /** The first problems met while reading the messages (at most `MAX_LISTED`), one sentence each. */
  readProblems: string[];
  /** True when any file problem or unreadable message was found. */
  damaged: boolean;
}

/** Problems listed per file or read, at most; the rest are counted. */
const MAX_LISTED = 20;

/** Checks every storage file of the bag and reads every message. Throws only when the bag cannot be opened at all. */
export async function verifyBag(path: string): Promise<BagVerification> {
  const reader = await openBag(path);
  const files: FileVerification[] = [];
  const unreadable: Record<string, number> = {};
  const readProblems: string[] = [];
  let messagesRead = 0;
  try {
    for (const file of reader.summary.files) {
      const ext = extname(file).toLowerCase();
      files.push(ext === ".db3" ? verifySqliteFile(file) : await verifyMcapFile(file));
    }
    let problems = 0;
    for await (const e of reader.messages()) {
      if (e.kind === "message") {
        messagesRead++;
        continue;
      }
      const topic = typeof e.error.context.topic === "string" ? e.error.context.topic : "(bag)";
      unreadable[topic] = (unreadable[topic] ?? 0) + 1;
      if (++problems <= MAX_LISTED) readProblems.push(errorMessage(e.error));
    }
    if (problems > MAX_LISTED) readProblems.push(`... and ${problems - MAX_LISTED} more`);
  } finally {
    await reader.close();
  }
  const damaged = files.some((f) => f.problems.length > 0) || Object.keys(unreadable).length > 0;
  return { files, messagesRead, unreadable, readProblems, damaged };
}

/** sqlite's own check of the database structure (pages, b-trees, indexes). */
function verifySqliteFile(path: string): FileVerification {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.prepare(`PRAGMA integrity_check(${MAX_LISTED})`).all() as Array<{
      integrity_check: string;
    }>;
    // One row per problem, or (some sqlite versions) one row with a line per problem.
    const found = rows
      .flatMap((r) => r.integrity_check.split("\n"))
      .filter(
        (line) => line !== "ok" && line !== "" && !/^\*\*\* in database \w+ \*\*\*$/.test(line),
      )
      .slice(0, MAX_LISTED);
    return {
      path,
      checked: "sqlite integrity_check",
      problems: found.map((p) => `sqlite integrity_check: ${p}`),
    };
  } catch (err) {
    return {
      path,
      checked: "sqlite integrity_check",
      problems: [`sqlite integrity_check could not run: ${errorMessage(err)}`],
    };
  } finally {
    db?.close();
  }
}

/**
 * Walks the MCAP data section record by record: each chunk's CRC (over its decompressed records,
 * when it has one) and the data section CRC of the DataEnd record (when it has one).
 */
async function verifyMcapFile(path: string): Promise<FileVerification> {
  const handle = await open(path, "r");
  const problems: string[] = [];
  let chunks = 0;
  let withCrc = 0;
  let dataCrcChecked = false;
  try {
    const size = (await handle.stat()).size;
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    };
    const magic = await read(0, MCAP_MAGIC.length);
    if (magic.length < MCAP_MAGIC.length || !MCAP_MAGIC.every((b, i) => magic[i] === b)) {
      return {
        path,
        checked: "MCAP magic",
        problems: ["not an MCAP file: it does not start with the MCAP magic bytes"],
      };
    }
    const handlers = await decompressHandlers();
    let crc = crc32(magic);
    let position = MCAP_MAGIC.length;
    let sawEnd = false;
    while (position < size) {
      const header = await read(position, RECORD_HEADER_SIZE);
      if (header.length < RECORD_HEADER_SIZE) {
        problems.push(
          `truncated at offset ${position}: ${header.length} trailing bytes are not a record`,
        );
        break;
      }
      const opcode = header[0]!;
      const length = header.readBigUInt64LE(1);
      if (length > BigInt(size - position - RECORD_HEADER_SIZE)) {
        problems.push(
          `truncated at offset ${position}: the record (opcode ${opcode}) declares ${length} bytes, only ${size - position - RECORD_HEADER_SIZE} follow`,
        );
        break;
      }
      const content = await read(position + RECORD_HEADER_SIZE, Number(length));
      if (opcode === Opcode.DATA_END) {
        const stored = content.length >= 4 ? content.readUInt32LE(0) : 0;
        if (stored !== 0) {
          dataCrcChecked = true;
          const actual = crc >>> 0;
          if (actual !== stored)
            problems.push(
              `data section CRC mismatch (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}): something before offset ${position} changed`,
            );
        }
        sawEnd = true;
        break;
      }
      crc = crc32(content, crc32(header, crc));
      if (opcode === Opcode.CHUNK) {
        chunks++;
        const problem = checkChunk(content, handlers);
        if (problem.hasCrc) withCrc++;
        if (problem.message) problems.push(`chunk at offset ${position}: ${problem.message}`);
      }
      position += RECORD_HEADER_SIZE + Number(length);
    }
    if (!sawEnd && problems.length === 0)
      problems.push(
        "the data section ends without a DataEnd record (the recording was interrupted)",
      );
  } finally {
    await handle.close();
  }
  const crcWords =
    chunks === 0
      ? "no chunks"
      : withCrc === chunks
        ? `${chunks} chunks, all with CRCs`
        : withCrc === 0
          ? `${chunks} chunks, none with a CRC (damage inside them shows only when a message no longer decodes)`
          : `${chunks} chunks, ${withCrc} with CRCs`;
  return {
    path,
    checked: `${crcWords}${dataCrcChecked ? ", data section CRC" : ", no data section CRC"}`,
    problems: problems.slice(0, MAX_LISTED),
  };
}

function checkChunk(
  content: Uint8Array,
  handlers: Awaited<ReturnType<typeof decompressHandlers>>,
): { hasCrc: boolean; message?: string } {
  try {
    const chunk = parseChunk(content);
    const hasCrc = chunk.uncompressedCrc !== 0;
    let records = chunk.records;
    if (chunk.compression !== "") {
      const handler = handlers[chunk.compression];
      if (!handler)
        return {
          hasCrc,
          message: `compression '${chunk.compression}' is not supported; not checked`,
        };
      records = handler(chunk.records, chunk.uncompressedSize);
    }
    if (BigInt(records.byteLength) !== chunk.uncompressedSize)
      return {
        hasCrc,
        message: `decompressed to ${records.byteLength} bytes, the chunk says ${chunk.uncompressedSize}`,
      };
    if (hasCrc) {
      const actual = crc32(records) >>> 0;
      if (actual !== chunk.uncompressedCrc)
        return {
          hasCrc,
          message: `CRC mismatch (stored 0x${chunk.uncompressedCrc.toString(16)}, computed 0x${actual.toString(16)}): its messages are damaged`,
        };
    }
    return { hasCrc };
  } catch (err) {
    return { hasCrc: false, message: `unreadable: ${errorMessage(err)}` };
  }
}
