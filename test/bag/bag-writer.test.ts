import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parse } from "@foxglove/rosmsg";
import { BagWriter, type FlushTimers } from "../../src/bag/bag-writer.js";
import { parseMetadata } from "../../src/bag/metadata.js";
import { openBag } from "../../src/bag/open-bag.js";
import type { BagMessageEntry } from "../../src/bag/types.js";
import type { MonotonicClock } from "../../src/core/monotonic-clock.js";
import { projectPath, projectRoot } from "../../src/core/paths.js";
import { codecFor } from "../../src/msgs/codec.js";
import { messageRegistry } from "../../src/msgs/registry.js";
import type { Image } from "../../src/msgs/types.generated.js";
import { McapIndexedReader, Opcode } from "@mcap/core";
import { crc32 } from "node:zlib";
import { parseChunk, readRecordAt } from "../../src/bag/mcap-records.js";
import { collect, makeTemp, removeTemp, rosbag2Dir, sharedBag } from "./fixtures.js";

const temp = makeTemp("ep-bag-writer-");
afterAll(() => removeTemp(temp));

function image(i: number, width = 64, height = 48): Image {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < data.length; p++) data[p] = (p * 7 + i * 13) & 0xff;
  return {
    header: {
      stamp: { sec: 1700000000 + i, nanosec: i * 1000 },
      frame_id: "camera_front_optical_frame",
    },
    height,
    width,
    encoding: "rgb8",
    is_bigendian: 0,
    step: width * 3,
    data,
  };
}

async function writeImages(
  path: string,
  count: number,
  options: { compression?: "none" | "zstd"; chunkSize?: number } = {},
): Promise<void> {
  const writer = await BagWriter.create({ path, overwrite: true, ...options });
  writer.addTopic({ name: "/camera/image_raw", type: "sensor_msgs/msg/Image", qos: "sensor_data" });
  writer.addTopic({ name: "/never_written", type: "std_msgs/msg/String" });
  const codec = codecFor<Image>("sensor_msgs/Image");
  for (let i = 0; i < count; i++)
    await writer.write(
      "/camera/image_raw",
      1_000_000_000n + BigInt(i) * 100_000_000n,
      codec.encodeReused(image(i)),
    );
  await writer.close();
}

async function mcapSchemas(file: string): Promise<Map<string, string>> {
  const bytes = readFileSync(file);
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.length),
      read: async (o: bigint, n: bigint) => bytes.subarray(Number(o), Number(o + n)),
    },
  });
  return new Map(
    [...reader.schemasById.values()].map((s) => [s.name, new TextDecoder().decode(s.data)]),
  );
}

/** Runs a TypeScript snippet in a child node process (tsx loader); resolves with its exit code and stdout. */
function runChild(
  code: string,
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const script = join(temp, `child-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(script, code);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: projectRoot(),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, stdout }));
  });
}

describe("BagWriter", () => {
  it("writes a bag that reads back message for message, with metadata.yaml v9 matching the file", async () => {
    const path = join(temp, "roundtrip");
    await writeImages(path, 12, { chunkSize: 20_000 });
    const reader = await openBag(path);
    expect(reader.summary.warnings).toEqual([]);
    expect(reader.summary.metadataVersion).toBe(9);
    expect(reader.summary.messageCount).toBe(12);
    expect(reader.summary.topics.map((t) => [t.name, t.type, t.messageCount])).toEqual([
      ["/camera/image_raw", "sensor_msgs/msg/Image", 12],
      ["/never_written", "std_msgs/msg/String", 0],
    ]);
    const decoded = (await collect(reader.messages<Image>())).map((e) => {
      if (e.kind === "error") throw e.error;
      return e;
    });
    expect(decoded.map((e) => e.message.header.stamp.sec)).toEqual(
      Array.from({ length: 12 }, (_, i) => 1700000000 + i),
    );
    expect(Buffer.from(decoded[5]!.message.data).equals(Buffer.from(image(5).data))).toBe(true);
    expect(reader.codecFor("/camera/image_raw").type).toBe("sensor_msgs/Image");
    await reader.close();

    const metadata = parseMetadata(readFileSync(join(path, "metadata.yaml"), "utf8"));
    expect(metadata.storageIdentifier).toBe("mcap");
    expect(metadata.relativeFilePaths).toEqual(["roundtrip_0.mcap"]);
    expect(metadata.startingTime).toBe(1_000_000_000n);
    expect(metadata.duration).toBe(11n * 100_000_000n);
    expect(metadata.files).toEqual([
      {
        path: "roundtrip_0.mcap",
        startingTime: 1_000_000_000n,
        duration: 1_100_000_000n,
        messageCount: 12,
      },
    ]);
    expect(metadata.topics.map((t) => t.messageCount)).toEqual([12, 0]);
  });

  it("gives byte-identical files for the same input (uncompressed and zstd)", async () => {
    for (const compression of ["none", "zstd"] as const) {
      // The bag's name is part of its content (file names in metadata), so both runs use one path.
      const path = join(temp, `same-${compression}`);
      const files = (): [Buffer, Buffer] => [
        readFileSync(join(path, `same-${compression}_0.mcap`)),
        readFileSync(join(path, "metadata.yaml")),
      ];
      await writeImages(path, 8, { compression, chunkSize: 30_000 });
      const [mcapA, metaA] = files();
      await writeImages(path, 8, { compression, chunkSize: 30_000 });
      const [mcapB, metaB] = files();
      expect(mcapA.equals(mcapB), compression).toBe(true);
      expect(metaA.equals(metaB), compression).toBe(true);
      // and a different message changes the file
      await writeImages(path, 7, { compression, chunkSize: 30_000 });
      expect(files()[0].equals(mcapA)).toBe(false);
    }
  });

  it("compresses chunks with zstd and reads them back", async () => {
    const path = join(temp, "zstd");
    await writeImages(path, 10, { compression: "zstd", chunkSize: 50_000 });
    await writeImages(join(temp, "plain"), 10, { chunkSize: 50_000 });
    const plain = readFileSync(join(temp, "plain", "plain_0.mcap")).length;
    const reader = await openBag(path);
    expect(reader.summary.compression).toBe("zstd");
    expect(reader.summary.sizeBytes).toBeLessThan(plain);
    const messages = (await collect(reader.messages<Image>())).filter((e) => e.kind === "message");
    expect(messages.length).toBe(10);
    await reader.close();
  });

  it("records type hashes, QoS and schemas as Jazzy's rosbag2 does", async () => {
    if (!rosbag2Dir) return console.warn("skipping the Jazzy comparison: ../shared is absent");
    const path = join(temp, "jazzy-like");
    const writer = await BagWriter.create({ path });
    const jazzy = parseMetadata(
      readFileSync(sharedBag("camera_drive_mcap", "metadata.yaml"), "utf8"),
    );
    const qosOf = { best_effort: "sensor_data", transient_local: "transient_local" } as const;
    for (const t of jazzy.topics) {
      const q = t.offeredQosProfiles[0]!;
      const profile =
        q.durability === "transient_local"
          ? qosOf.transient_local
          : q.reliability === "best_effort"
            ? qosOf.best_effort
            : "reliable";
      writer.addTopic({ name: t.name, type: t.type, qos: profile });
    }
    const summary = await writer.close();
    const ours = parseMetadata(readFileSync(join(path, "metadata.yaml"), "utf8"));
    expect(
      ours.topics.map((t) => [t.name, t.type, t.typeDescriptionHash, t.offeredQosProfiles]),
    ).toEqual(
      jazzy.topics.map((t) => [t.name, t.type, t.typeDescriptionHash, t.offeredQosProfiles]),
    );
    expect(summary.topics.map((t) => t.typeDescriptionHash)).toEqual(
      jazzy.topics.map((t) => t.typeDescriptionHash),
    );
    // Stored schemas parse to the same definitions as the ones Jazzy stored (comments aside).
    const theirs = await mcapSchemas(sharedBag("camera_drive_mcap", "camera_drive_mcap_0.mcap"));
    const mine = await mcapSchemas(join(path, "jazzy-like_0.mcap"));
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [name, text] of theirs) {
      const sections = (t: string): string[] => [...t.matchAll(/^MSG: (\S+)$/gm)].map((m) => m[1]!);
      expect(sections(mine.get(name)!), name).toEqual(sections(text));
      expect(parse(mine.get(name)!, { ros2: true }), name).toEqual(parse(text, { ros2: true }));
    }
  });

  it("closes idempotently and refuses writes after close and unknown topics or types", async () => {
    const writer = await BagWriter.create({ path: join(temp, "close-twice") });
    writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
    expect(() => writer.addTopic({ name: "/x", type: "no_such_pkg/msg/Thing" })).toThrow(
      /no_such_pkg\/msg\/Thing/,
    );
    await expect(writer.write("/unknown", 1n, new Uint8Array(8))).rejects.toThrow(/addTopic/);
    await writer.write("/s", 5n, codecFor("std_msgs/String").encode({ data: "hello" }));
    const first = await writer.close();
    const second = await writer.close();
    expect(second).toBe(first);
    expect(first.messageCount).toBe(1);
    await expect(writer.write("/s", 6n, new Uint8Array(8))).rejects.toThrow(/after close/);
    await expect(BagWriter.create({ path: join(temp, "close-twice") })).rejects.toThrow(/exists/);
    expect(messageRegistry().has("std_msgs/String")).toBe(true);
  });

  it("finishes the bag when the process gets SIGTERM (finalizeOnSignals)", async () => {
    const path = join(temp, "signalled");
    const child = `
      import { BagWriter, finalizeOnSignals } from ${JSON.stringify(projectPath("src", "bag", "bag-writer.ts"))};
      import { codecFor } from ${JSON.stringify(projectPath("src", "msgs", "codec.ts"))};
      const writer = await BagWriter.create({ path: ${JSON.stringify(path)} });
      writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
      finalizeOnSignals(writer);
      for (let i = 0; i < 3; i++) await writer.write("/s", BigInt(i + 1), codecFor("std_msgs/String").encode({ data: "m" + i }));
      console.log("ready");
      setInterval(() => {}, 1000);
    `;
    const result = await runChild(child, (stdout, proc) => {
      if (stdout.includes("ready")) proc.kill("SIGTERM");
    });
    expect(result.code).toBe(143);
    const reader = await openBag(path);
    expect(reader.summary.warnings).toEqual([]);
    const messages = (await collect(reader.messages<{ data: string }>())).map((e) =>
      e.kind === "message" ? e.message.data : e.error.message,
    );
    expect(messages).toEqual(["m0", "m1", "m2"]);
    await reader.close();
  });

  it("leaves a bag the reader recovers when the recorder is killed mid-write", async () => {
    const path = join(temp, "killed");
    const child = `
      import { BagWriter } from ${JSON.stringify(projectPath("src", "bag", "bag-writer.ts"))};
      import { codecFor } from ${JSON.stringify(projectPath("src", "msgs", "codec.ts"))};
      const writer = await BagWriter.create({ path: ${JSON.stringify(path)}, chunkSize: 64 * 1024 });
      writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
      const codec = codecFor("std_msgs/String");
      for (let i = 0; i < 100; i++) await writer.write("/s", BigInt(i + 1), codec.encode({ data: String(i).padStart(6, "0") + "x".repeat(10_000) }));
      process.kill(process.pid, "SIGKILL");
    `;
    const result = await runChild(child);
    expect(result.signal).toBe("SIGKILL");
    const reader = await openBag(join(path, "killed_0.mcap"));
    expect(reader.summary.warnings.join("\n")).toMatch(/summary/);
    const entries = await collect(reader.messages<{ data: string }>());
    const recovered = entries.filter(
      (e): e is BagMessageEntry & { message: { data: string } } => e.kind === "message",
    );
    // Every complete chunk comes back, in order and intact; only the chunk being filled is lost.
    expect(recovered.length).toBeGreaterThan(80);
    expect(recovered.length).toBeLessThan(100);
    expect(recovered.map((e) => Number(e.message.data.slice(0, 6)))).toEqual(
      Array.from({ length: recovered.length }, (_, i) => i),
    );
    await reader.close();
  });

  it("closes a chunk every flushIntervalSec of log time, each with its CRC-32, so a crash loses at most that much", async () => {
    const path = join(temp, "timed");
    const writer = await BagWriter.create({ path, overwrite: true, flushIntervalSec: 0.5 });
    writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
    const codec = codecFor("std_msgs/String");
    // 3 s of small messages at 20 Hz: far below the 4 MiB chunk size.
    for (let i = 0; i < 60; i++)
      await writer.write(
        "/s",
        1_000_000_000n + BigInt(i) * 50_000_000n,
        codec.encode({ data: `m${i}` }),
      );
    // Before close, the closed chunks are already on disk and readable.
    const partial = await openBag(join(path, "timed_0.mcap"));
    const early = (await collect(partial.messages())).filter((e) => e.kind === "message");
    await partial.close();
    expect(early.length).toBeGreaterThanOrEqual(50); // all but the open chunk (at most 0.5 s = 10 messages)
    await writer.close();
    const bytes = new Uint8Array(readFileSync(join(path, "timed_0.mcap")));
    const chunks = [];
    for (let offset = 8; ; ) {
      const r = readRecordAt(bytes, offset);
      if (!r || r.opcode === Opcode.FOOTER) break;
      if (r.opcode === Opcode.CHUNK) chunks.push(parseChunk(r.content));
      offset += 9 + r.content.byteLength;
    }
    expect(chunks.length).toBe(6);
    for (const c of chunks) {
      expect(Number(c.messageEndTime - c.messageStartTime) / 1e9).toBeLessThanOrEqual(0.5);
      expect(c.uncompressedCrc).not.toBe(0);
      expect(c.uncompressedCrc).toBe(crc32(c.records) >>> 0);
    }
  });

  /** Timers the test fires by hand, and a clock it sets. */
  function manualTime(): {
    timers: FlushTimers;
    clock: MonotonicClock;
    now: { ms: number };
    pending: Map<number, { callback: () => void; ms: number }>;
    fire(): void;
  } {
    const pending = new Map<number, { callback: () => void; ms: number }>();
    const now = { ms: 0 };
    let next = 1;
    return {
      timers: {
        set: (callback, ms) => (pending.set(next, { callback, ms }), next++),
        clear: (handle) => void pending.delete(handle as number),
      },
      clock: { nowMs: () => now.ms },
      now,
      pending,
      fire() {
        const due = [...pending.values()];
        pending.clear();
        for (const t of due) t.callback();
      },
    };
  }

  async function readUnclosed(file: string): Promise<string[]> {
    const reader = await openBag(file);
    const entries = await collect(reader.messages<{ data: string }>());
    await reader.close();
    return entries.flatMap((e) => (e.kind === "message" ? [e.message.data] : []));
  }

  it("closes and syncs the open chunk by the wall clock when input stops, readable without close (as after SIGKILL)", async () => {
    const path = join(temp, "stalled");
    const time = manualTime();
    const writer = await BagWriter.create({
      path,
      overwrite: true,
      flushIntervalSec: 0.5,
      clock: time.clock,
      timers: time.timers,
    });
    writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
    const codec = codecFor("std_msgs/String");
    // 3 messages within 0.1 s of log time: no log-time flush, far below the chunk size.
    for (let i = 0; i < 3; i++)
      await writer.write(
        "/s",
        1_000_000_000n + BigInt(i) * 50_000_000n,
        codec.encode({ data: `m${i}` }),
      );
    const file = join(path, "stalled_0.mcap");
    expect(await readUnclosed(file)).toEqual([]);
    expect([...time.pending.values()].map((t) => t.ms)).toEqual([500]);
    // The timer fires early by the clock (0.3 s): nothing is flushed, it re-arms for the rest.
    time.now.ms = 300;
    time.fire();
    await vi.waitFor(() => expect([...time.pending.values()].map((t) => t.ms)).toEqual([200]));
    expect(await readUnclosed(file)).toEqual([]);
    // Past the interval: the open chunk is closed and synced with no further message.
    time.now.ms = 600;
    time.fire();
    await vi.waitFor(async () => expect(await readUnclosed(file)).toEqual(["m0", "m1", "m2"]));
    expect(time.pending.size).toBe(0);
    // Writing resumes into a new chunk; close finishes the bag with every message once.
    await writer.write("/s", 2_000_000_000n, codec.encode({ data: "m3" }));
    await writer.close();
    expect(await readUnclosed(file)).toEqual(["m0", "m1", "m2", "m3"]);
  });

  it("close() clears the wall-clock flush timer", async () => {
    const path = join(temp, "timer-cleared");
    const time = manualTime();
    const writer = await BagWriter.create({
      path,
      overwrite: true,
      clock: time.clock,
      timers: time.timers,
    });
    writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
    await writer.write("/s", 1n, codecFor("std_msgs/String").encode({ data: "only" }));
    expect(time.pending.size).toBe(1);
    await writer.close();
    expect(time.pending.size).toBe(0);
    expect(await readUnclosed(join(path, "timer-cleared_0.mcap"))).toEqual(["only"]);
  });

  it("gives the same bytes with the wall-clock flush on (timer not fired) as with it off", async () => {
    const write = async (name: string, wallClockFlush: boolean): Promise<Buffer> => {
      const time = manualTime();
      // Same folder name (it is in the embedded metadata), different parents.
      const writer = await BagWriter.create({
        path: join(temp, name, "bag"),
        overwrite: true,
        chunkSize: 2048,
        wallClockFlush,
        clock: time.clock,
        timers: time.timers,
      });
      writer.addTopic({ name: "/s", type: "std_msgs/msg/String" });
      const codec = codecFor("std_msgs/String");
      for (let i = 0; i < 80; i++)
        await writer.write(
          "/s",
          BigInt(i) * 30_000_000n,
          codec.encode({ data: `m${i}`.repeat(10) }),
        );
      await writer.close();
      return readFileSync(join(temp, name, "bag", "bag_0.mcap"));
    };
    const on = await write("flush-on", true);
    const off = await write("flush-off", false);
    expect(on.equals(off)).toBe(true);
  });
});
