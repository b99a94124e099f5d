/**
 * MCAP cases the upstream bags do not cover: lz4 chunks, chunks whose time ranges overlap, and
 * messages outside chunks. Files are written with @mcap/core's McapWriter.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { McapWriter } from "@mcap/core";
import { BufferedFileWritable } from "../../src/bag/file-writable.js";
import { openBag } from "../../src/bag/open-bag.js";
import type { BagMessageEntry } from "../../src/bag/types.js";
import { codecFor } from "../../src/msgs/codec.js";
import { messageRegistry } from "../../src/msgs/registry.js";
import { collect, makeTemp, removeTemp } from "./fixtures.js";

const temp = makeTemp("ep-mcap-file-");
afterAll(() => removeTemp(temp));

/** xxHash32 (seed 0), for the LZ4 frame header checksum. */
function xxh32(bytes: Uint8Array): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P5 = 374761393;
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  if (bytes.length >= 16) throw new Error("this xxh32 only handles short inputs");
  let h = (P5 + bytes.length) >>> 0;
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) {
    const v =
      (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    h = Math.imul(rotl((h + Math.imul(v, P3)) >>> 0, 17), 668265263) >>> 0;
  }
  for (; i < bytes.length; i++)
    h = Math.imul(rotl((h + Math.imul(bytes[i]!, P5)) >>> 0, 11), P1) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, P2) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, P3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** An LZ4 frame holding `data` in uncompressed blocks (valid LZ4 any decoder must accept). */
function lz4StoredFrame(data: Uint8Array): Uint8Array {
  const BLOCK = 64 * 1024;
  const descriptor = new Uint8Array([0x60, 0x40]); // version 1, independent blocks; 64 KiB blocks
  const parts: Uint8Array[] = [
    new Uint8Array([0x04, 0x22, 0x4d, 0x18]),
    descriptor,
    new Uint8Array([(xxh32(descriptor) >>> 8) & 0xff]),
  ];
  for (let offset = 0; offset < data.length; offset += BLOCK) {
    const block = data.subarray(offset, Math.min(data.length, offset + BLOCK));
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, (block.length | 0x80000000) >>> 0, true);
    parts.push(size, block);
  }
  parts.push(new Uint8Array(4));
  return Buffer.concat(parts);
}

async function writeMcap(
  file: string,
  messages: { logTime: bigint; text: string }[],
  options: {
    chunkSize?: number;
    useChunks?: boolean;
    compressChunk?: (d: Uint8Array) => { compression: string; compressedData: Uint8Array };
  },
): Promise<void> {
  const writable = await BufferedFileWritable.create(file);
  const writer = new McapWriter({
    writable,
    chunkSize: options.chunkSize ?? 1 << 20,
    useChunks: options.useChunks ?? true,
    compressChunk: options.compressChunk,
  });
  await writer.start({ profile: "ros2", library: "test" });
  const schemaId = await writer.registerSchema({
    name: "std_msgs/msg/String",
    encoding: "ros2msg",
    data: new TextEncoder().encode(messageRegistry().schemaText("std_msgs/String")),
  });
  const channelId = await writer.registerChannel({
    topic: "/text",
    schemaId,
    messageEncoding: "cdr",
    metadata: new Map(),
  });
  const codec = codecFor("std_msgs/String");
  for (const [i, m] of messages.entries())
    await writer.addMessage({
      channelId,
      sequence: i,
      logTime: m.logTime,
      publishTime: m.logTime,
      data: codec.encode({ data: m.text }),
    });
  await writer.end();
  await writable.close();
}

async function readTexts(
  file: string,
): Promise<{ texts: string[]; times: bigint[]; errors: string[]; compression: string }> {
  const reader = await openBag(file);
  const entries = await collect(reader.messages<{ data: string }>());
  await reader.close();
  const messages = entries.filter(
    (e): e is BagMessageEntry & { message: { data: string } } => e.kind === "message",
  );
  return {
    texts: messages.map((m) => m.message.data),
    times: messages.map((m) => m.logTime),
    errors: entries.flatMap((e) => (e.kind === "error" ? [e.error.message] : [])),
    compression: reader.summary.compression,
  };
}

const sample = Array.from({ length: 200 }, (_, i) => ({
  logTime: BigInt(1000 + i * 10),
  text: `message ${i} ${"z".repeat(i % 50)}`,
}));

describe("MCAP storage files", () => {
  it("decompresses lz4 chunks", async () => {
    const file = join(temp, "lz4.mcap");
    await writeMcap(file, sample, {
      chunkSize: 2000,
      compressChunk: (d) => ({ compression: "lz4", compressedData: lz4StoredFrame(d) }),
    });
    const { texts, errors, compression } = await readTexts(file);
    expect(errors).toEqual([]);
    expect(compression).toBe("lz4");
    expect(texts).toEqual(sample.map((m) => m.text));
  });

  it("merges chunks whose time ranges overlap into log-time order", async () => {
    // Two interleaved streams written one after the other: every chunk of the second overlaps the first's.
    const evens = sample.filter((_, i) => i % 2 === 0);
    const odds = sample.filter((_, i) => i % 2 === 1);
    const file = join(temp, "overlap.mcap");
    await writeMcap(file, [...evens, ...odds], { chunkSize: 1500 });
    const { texts, times, errors } = await readTexts(file);
    expect(errors).toEqual([]);
    expect(texts).toEqual(sample.map((m) => m.text));
    for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!).toBe(true);
  });

  it("reads messages written outside chunks (by scanning)", async () => {
    const file = join(temp, "unchunked.mcap");
    await writeMcap(file, sample.slice(0, 20), { useChunks: false });
    const reader = await openBag(file);
    expect(reader.summary.messageCount).toBe(20);
    expect(reader.summary.warnings.join("\n")).toMatch(/scanned/);
    await reader.close();
    const { texts, errors } = await readTexts(file);
    expect(errors).toEqual([]);
    expect(texts).toEqual(sample.slice(0, 20).map((m) => m.text));
  });
});
