/**
 * Fuzz: the rosbag2 readers on mutated files (MCAP from the project's writer, uncompressed and
 * zstd; sqlite3 from Jazzy when ../shared is present) and mutated metadata.yaml. Opening either
 * works or is a PerceptionError; reading yields messages and error entries, never throws anything
 * else, never hangs; and every message read from a CRC-protected MCAP chunk is one that was written.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BagWriter } from "../../src/bag/bag-writer.js";
import { parseMetadata } from "../../src/bag/metadata.js";
import { openBag } from "../../src/bag/open-bag.js";
import { codecFor } from "../../src/msgs/codec.js";
import { makeTemp, removeTemp, rosbag2Dir, sharedBag } from "../bag/fixtures.js";
import {
  type FuzzRandom,
  fuzz,
  fuzzIterations,
  fuzzTimeoutMs,
  mutateBytes,
  mutateText,
} from "./fuzz.js";

const temp = makeTemp("ep-fuzz-bags-");
afterAll(() => removeTemp(temp));

/** Written messages by log time: the data each must come back with. */
const written = new Map<bigint, Uint8Array>();
const originals: Record<string, Uint8Array> = {};

beforeAll(async () => {
  for (const compression of ["none", "zstd"] as const) {
    const path = join(temp, `source_${compression}`);
    const writer = await BagWriter.create({ path, compression, chunkSize: 2048 });
    writer.addTopic({ name: "/tf", type: "tf2_msgs/msg/TFMessage" });
    writer.addTopic({ name: "/chatter", type: "std_msgs/msg/String" });
    const tf = codecFor("tf2_msgs/msg/TFMessage");
    const text = codecFor("std_msgs/msg/String");
    for (let i = 0; i < 40; i++) {
      const t = 1_000_000_000n + BigInt(i) * 25_000_000n;
      const stamp = { sec: 1, nanosec: i * 25_000_000 };
      const data =
        i % 2 === 0
          ? tf.encode({
              transforms: [
                {
                  header: { stamp, frame_id: "map" },
                  child_frame_id: "base_link",
                  transform: {
                    translation: { x: i, y: 0, z: 0 },
                    rotation: { x: 0, y: 0, z: 0, w: 1 },
                  },
                },
              ],
            })
          : text.encode({ data: `message ${i} `.repeat(5) });
      written.set(t, data);
      await writer.write(i % 2 === 0 ? "/tf" : "/chatter", t, data);
    }
    await writer.close();
    originals[compression] = new Uint8Array(
      readFileSync(join(path, `source_${compression}_0.mcap`)),
    );
  }
});

/** Opens and reads everything; checks what a CRC-checked chunk gives back. */
async function readAll(path: string, checkWritten: boolean): Promise<void> {
  const reader = await openBag(path);
  try {
    for await (const e of reader.messages()) {
      if (e.kind !== "message" || !checkWritten) continue;
      const original = written.get(e.logTime);
      if (!original || Buffer.compare(Buffer.from(original), Buffer.from(e.data)) !== 0) {
        throw new Error(
          `a message at log time ${e.logTime} on ${e.topic} came back different from what was written (a chunk CRC should have caught it)`,
        );
      }
    }
  } finally {
    await reader.close();
  }
}

describe("fuzz: bag readers", () => {
  const iterations = fuzzIterations(60);

  it(
    `MCAP: ${iterations} mutated files per compression open and read without a stray exception; CRC-protected data never comes back altered`,
    async () => {
      for (const compression of ["none", "zstd"] as const) {
        const dir = join(temp, `mcap_${compression}`);
        mkdirSync(dir, { recursive: true });
        const counts = await fuzz(
          `mcap ${compression}`,
          { iterations },
          (rnd: FuzzRandom, i) => {
            const file = join(dir, `case_${i}.mcap`);
            writeFileSync(file, mutateBytes(originals[compression]!, rnd));
            return file;
          },
          (file) => readAll(file, true),
        );
        expect(counts.ok + counts.rejected).toBe(iterations);
      }
    },
    fuzzTimeoutMs(60, 400),
  );

  it(
    `metadata.yaml: ${iterations * 4} mutated files parse or give a clear error; a bag folder with one still opens or refuses clearly`,
    async () => {
      const text = readFileSync(join(temp, "source_none", "metadata.yaml"), "utf8");
      const counts = await fuzz(
        "metadata.yaml",
        { iterations: iterations * 4 },
        (rnd) => mutateText(text, rnd),
        (mutated) => parseMetadata(mutated, "fuzz/metadata.yaml"),
      );
      expect(counts.rejected).toBeGreaterThan(0);
      expect(counts.ok).toBeGreaterThan(0);
      const folder = join(temp, "meta_folder");
      mkdirSync(folder, { recursive: true });
      copyFileSync(
        join(temp, "source_none", "source_none_0.mcap"),
        join(folder, "meta_folder_0.mcap"),
      );
      const base = text.replaceAll("source_none_0.mcap", "meta_folder_0.mcap");
      await fuzz(
        "bag folder with mutated metadata.yaml",
        { iterations },
        (rnd) => writeFileSync(join(folder, "metadata.yaml"), mutateText(base, rnd)),
        () => readAll(folder, true),
      );
    },
    fuzzTimeoutMs(60, 400),
  );

  it.skipIf(!rosbag2Dir)(
    `sqlite3: ${iterations} mutated copies of Jazzy's cdr_test bag open and read without a stray exception`,
    async () => {
      const source = new Uint8Array(
        readFileSync(sharedBag("rosbag2_tests_sqlite3_cdr_test", "cdr_test_0.db3")),
      );
      const dir = join(temp, "sqlite");
      mkdirSync(dir, { recursive: true });
      const counts = await fuzz(
        "sqlite3",
        { iterations },
        (rnd: FuzzRandom, i) => {
          const file = join(dir, `case_${i}.db3`);
          // Past the 100-byte header most of the time: damage where the pages are.
          writeFileSync(file, mutateBytes(source, rnd, rnd.int(4) === 0 ? {} : { from: 100 }));
          return file;
        },
        (file) => readAll(file, false),
      );
      expect(counts.ok + counts.rejected).toBe(iterations);
    },
    fuzzTimeoutMs(60, 400),
  );
});
