/**
 * rosbag2 I/O figures: ~300 1280x720 rgb8 sensor_msgs/Image messages (~830 MB) written and read
 * back in a temp folder, side by side with bare @mcap/core:
 *   (a) read: McapIndexedReader.readMessages (no decode; with and without its JS CRC check) vs
 *       openBag().messages() decoding each Image (CRC checked with zlib's native crc32)
 *   (b) write: McapWriter (same chunk size, no compression) vs BagWriter (schemas, QoS, metadata.yaml)
 * Each side runs three times, alternating; the best wall and CPU times count (CPU time is the
 * steadier figure on a shared machine). Run alone:
 *   npx tsx -e "import('./bench/bag.bench.ts').then(m=>m.run())"
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McapIndexedReader, McapWriter, type IWritable } from "@mcap/core";
import { BagWriter, DEFAULT_CHUNK_SIZE } from "../src/bag/bag-writer.js";
import { openBag } from "../src/bag/open-bag.js";
import { codecFor } from "../src/msgs/codec.js";
import { messageRegistry } from "../src/msgs/registry.js";
import type { Image } from "../src/msgs/types.generated.js";

const MESSAGES = Number(process.env.BAG_BENCH_MESSAGES ?? 300);
const WIDTH = 1280;
const HEIGHT = 720;
const TOPIC = "/camera/front/image_raw";
/** Distinct frames written round-robin (encoding is not what is measured). */
const FRAMES = 4;

function frames(): Uint8Array[] {
  const codec = codecFor<Image>("sensor_msgs/Image");
  return Array.from({ length: FRAMES }, (_, f) => {
    const data = new Uint8Array(WIDTH * HEIGHT * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + f * 17) & 0xff;
    return codec.encode({
      header: { stamp: { sec: 1_700_000_000, nanosec: 0 }, frame_id: "camera_front_optical_frame" },
      height: HEIGHT,
      width: WIDTH,
      encoding: "rgb8",
      is_bigendian: 0,
      step: WIDTH * 3,
      data,
    });
  });
}

const logTime = (i: number): bigint => 1_700_000_000_000_000_000n + BigInt(i) * 100_000_000n;

/** The simplest IWritable: each buffer straight to the file. */
async function fileWritable(path: string): Promise<IWritable & { close(): Promise<void> }> {
  const handle = await open(path, "w");
  let position = 0n;
  return {
    position: () => position,
    write: async (buffer: Uint8Array) => {
      position += BigInt(buffer.byteLength);
      await handle.write(buffer);
    },
    close: () => handle.close(),
  };
}

async function bareWrite(path: string, cdr: Uint8Array[]): Promise<void> {
  const writable = await fileWritable(path);
  const writer = new McapWriter({ writable, chunkSize: DEFAULT_CHUNK_SIZE });
  await writer.start({ profile: "ros2", library: "bench" });
  const schemaId = await writer.registerSchema({
    name: "sensor_msgs/msg/Image",
    encoding: "ros2msg",
    data: new TextEncoder().encode(messageRegistry().schemaText("sensor_msgs/Image")),
  });
  const channelId = await writer.registerChannel({
    topic: TOPIC,
    schemaId,
    messageEncoding: "cdr",
    metadata: new Map(),
  });
  for (let i = 0; i < MESSAGES; i++)
    await writer.addMessage({
      channelId,
      sequence: i,
      logTime: logTime(i),
      publishTime: logTime(i),
      data: cdr[i % FRAMES]!,
    });
  await writer.end();
  await writable.close();
}

async function bagWrite(path: string, cdr: Uint8Array[]): Promise<void> {
  const writer = await BagWriter.create({ path });
  writer.addTopic({ name: TOPIC, type: "sensor_msgs/msg/Image", qos: "sensor_data" });
  for (let i = 0; i < MESSAGES; i++) await writer.write(TOPIC, logTime(i), cdr[i % FRAMES]!);
  await writer.close();
}

async function bareRead(file: string, validateCrcs = true): Promise<number> {
  const handle = await open(file, "r");
  const size = (await handle.stat()).size;
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(size),
      read: async (offset: bigint, length: bigint) => {
        const buffer = Buffer.allocUnsafe(Number(length));
        await handle.read(buffer, 0, Number(length), Number(offset));
        return buffer;
      },
    },
  });
  let bytes = 0;
  for await (const message of reader.readMessages({ validateCrcs }))
    bytes += message.data.byteLength;
  await handle.close();
  return bytes;
}

async function bagRead(path: string): Promise<number> {
  const reader = await openBag(path);
  let bytes = 0;
  for await (const entry of reader.messages<Image>()) {
    if (entry.kind === "error") throw entry.error;
    bytes += entry.data.byteLength;
    if (entry.message.data.byteLength !== WIDTH * HEIGHT * 3) throw new Error("bad image");
  }
  await reader.close();
  return bytes;
}

/** Wall-clock and CPU (user + system, all threads of this process) seconds of one run. */
interface Timing {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

function best(a: Timing | undefined, b: Timing): Timing {
  return a === undefined ? b : { wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) };
}

function line(label: string, t: Timing, bytes: number): string {
  return (
    `${label.padEnd(44)} ${(bytes / 1e6 / t.wall).toFixed(0).padStart(6)} MB/s ${(MESSAGES / t.wall).toFixed(0).padStart(6)} msg/s` +
    `  (wall ${t.wall.toFixed(2)} s, cpu ${t.cpu.toFixed(2)} s)`
  );
}

function ratio(label: string, baseline: Timing, ours: Timing): string {
  return `${label}: ${(baseline.wall / ours.wall).toFixed(2)}x wall, ${(baseline.cpu / ours.cpu).toFixed(2)}x cpu (target >= 0.8x)`;
}

const REPS = 3;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ep-bag-bench-"));
  try {
    const cdr = frames();
    const payload = cdr.reduce(
      (n, c, i) => n + c.byteLength * Math.ceil((MESSAGES - i) / FRAMES),
      0,
    );
    const bareFile = join(dir, "bare.mcap");
    const bagPath = join(dir, "bag");
    console.log(
      `${MESSAGES} x sensor_msgs/Image ${WIDTH}x${HEIGHT} rgb8, ${(payload / 1e6).toFixed(0)} MB of CDR`,
    );

    let writeBare: Timing | undefined;
    let writeBag: Timing | undefined;
    for (let rep = 0; rep < REPS; rep++) {
      // Deleting the previous run's output is not part of either measurement.
      rmSync(bareFile, { force: true });
      writeBare = best(writeBare, await timed(() => bareWrite(bareFile, cdr)));
      rmSync(bagPath, { recursive: true, force: true });
      writeBag = best(writeBag, await timed(() => bagWrite(bagPath, cdr)));
    }
    console.log(line("write: bare McapWriter", writeBare!, payload));
    console.log(line("write: BagWriter (+ metadata.yaml)", writeBag!, payload));
    console.log(
      ratio("write ratio BagWriter / McapWriter", writeBare!, writeBag!) +
        `; bag file ${(statSync(join(bagPath, "bag_0.mcap")).size / 1e6).toFixed(0)} MB`,
    );

    let readBare: Timing | undefined;
    let readBareNoCrc: Timing | undefined;
    let readBag: Timing | undefined;
    for (let rep = 0; rep < REPS; rep++) {
      readBare = best(readBare, await timed(() => bareRead(bareFile)));
      readBareNoCrc = best(readBareNoCrc, await timed(() => bareRead(bareFile, false)));
      readBag = best(readBag, await timed(() => bagRead(bagPath)));
    }
    console.log(line("read: bare McapIndexedReader.readMessages", readBare!, payload));
    console.log(line("read: same, validateCrcs: false", readBareNoCrc!, payload));
    console.log(line("read: openBag().messages() + decode Image", readBag!, payload));
    console.log(ratio("read ratio openBag+decode / bare", readBare!, readBag!));
    console.log(
      ratio("read ratio openBag+decode / bare without CRC checks", readBareNoCrc!, readBag!),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
