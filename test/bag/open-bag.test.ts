import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMetadata } from "../../src/bag/metadata.js";
import { openBag } from "../../src/bag/open-bag.js";
import type { BagMessageEntry } from "../../src/bag/types.js";
import { PerceptionError } from "../../src/core/errors.js";
import type { CameraInfo, Image } from "../../src/msgs/types.generated.js";
import { collect, rosbag2Dir, sharedBag } from "./fixtures.js";

/** Every upstream bag in ../shared (folders with metadata.yaml and bare storage files). */
const BAGS = [
  "camera_drive_mcap",
  "camera_drive_sqlite3",
  "rosbag2_py_mcap_talker",
  "rosbag2_py_sqlite3_talker",
  "rosbag2_py_mcap_wbag",
  "rosbag2_tests_mcap_cdr_test",
  "rosbag2_tests_sqlite3_cdr_test",
  "rosbag2_cpp_bags/only_services.mcap",
  "rosbag2_cpp_bags/only_topics.mcap",
  "rosbag2_cpp_bags/topics_and_services.mcap",
  "rosbag2_cpp_bags/topics_and_services.db3",
];

interface ServiceEvent {
  info: { event_type: number; sequence_number: bigint; client_gid: Uint8Array | number[] };
  request: { a: bigint; b: bigint }[];
  response: { sum: bigint }[];
}

describe.skipIf(!rosbag2Dir)("openBag on the upstream rosbag2 bags", () => {
  it.each(BAGS)("%s: reads and decodes every message in log-time order", async (name) => {
    const reader = await openBag(sharedBag(name));
    try {
      const items = await collect(reader.messages());
      const errors = items.filter((e) => e.kind === "error");
      expect(errors.map((e) => e.kind === "error" && e.error.message)).toEqual([]);
      const messages = items.filter((e) => e.kind === "message");
      expect(messages.length).toBe(reader.summary.messageCount);
      expect(messages.length).toBeGreaterThan(0);
      expect(reader.summary.topics.reduce((n, t) => n + t.messageCount, 0)).toBe(
        reader.summary.messageCount,
      );
      for (let i = 1; i < messages.length; i++)
        expect(messages[i]!.logTime >= messages[i - 1]!.logTime).toBe(true);
      expect(messages[0]!.logTime).toBe(reader.summary.startTime);
      expect(messages[messages.length - 1]!.logTime).toBe(reader.summary.endTime);
      // Per-topic counts derived from the storage agree with what the recorder wrote in metadata.yaml.
      const metadataPath = join(sharedBag(name), "metadata.yaml");
      if (existsSync(metadataPath)) {
        const metadata = parseMetadata(readFileSync(metadataPath, "utf8"));
        expect(reader.summary.messageCount).toBe(metadata.messageCount);
        for (const topic of metadata.topics) {
          expect(
            reader.summary.topics.find((t) => t.name === topic.name)?.messageCount,
            topic.name,
          ).toBe(topic.messageCount);
          expect(reader.summary.topics.find((t) => t.name === topic.name)?.type).toBe(topic.type);
        }
      }
    } finally {
      await reader.close();
    }
  });

  it("merges the five files of the split bag wbag in log-time order", async () => {
    const reader = await openBag(sharedBag("rosbag2_py_mcap_wbag"));
    const files = reader.summary.files.map((f) => f.split("/").pop());
    expect(files).toEqual([
      "wbag_0.mcap",
      "wbag_1.mcap",
      "wbag_2.mcap",
      "wbag_3.mcap",
      "wbag_4.mcap",
    ]);
    expect(reader.summary.compression).toBe("zstd");
    const entries = (await collect(reader.entries())).filter(
      (e): e is BagMessageEntry => e.kind === "message",
    );
    const perFile = new Map<string, number>();
    for (const e of entries) perFile.set(e.file, (perFile.get(e.file) ?? 0) + 1);
    expect(perFile.size).toBe(5);
    // Each file's own messages come out in order, and files interleave only by time.
    for (let i = 1; i < entries.length; i++)
      expect(entries[i]!.logTime >= entries[i - 1]!.logTime).toBe(true);
    const strings = entries.slice(0, 5).map((e) => reader.decode<{ data: string }>(e).data);
    for (const s of strings) expect(typeof s).toBe("string");
    await reader.close();
  });

  it("decodes the camera drive identically from MCAP and sqlite3, with the documented calibration", async () => {
    const mcap = await openBag(sharedBag("camera_drive_mcap"));
    const sqlite = await openBag(sharedBag("camera_drive_sqlite3"));
    expect(mcap.summary.rosDistro).toBe("jazzy");
    expect(sqlite.summary.rosDistro).toBe("jazzy");
    expect(mcap.codecFor("/camera/front/image_raw").type).toBe("sensor_msgs/Image");
    const images = async (reader: typeof mcap): Promise<Image[]> =>
      (await collect(reader.messages<Image>({ topics: ["/camera/front/image_raw"] }))).flatMap(
        (e) => (e.kind === "message" ? [e.message] : []),
      );
    const [a, b] = [await images(mcap), await images(sqlite)];
    expect(a.length).toBe(30);
    expect(b.length).toBe(30);
    for (let i = 0; i < a.length; i++) {
      expect(a[i]!.encoding).toBe("rgb8");
      expect(a[i]!.data.length).toBe(a[i]!.step * a[i]!.height);
      expect(Buffer.from(a[i]!.data).equals(Buffer.from(b[i]!.data))).toBe(true);
    }
    const info = (
      await collect(mcap.messages<CameraInfo>({ topics: ["/camera/front/camera_info"] }))
    ).find((e) => e.kind === "message");
    if (info?.kind !== "message") throw new Error("no CameraInfo in the camera drive");
    expect([info.message.width, info.message.height]).toEqual([320, 180]);
    expect(info.message.k[0]).toBeCloseTo(249.6, 9);
    expect(info.message.k[4]).toBeCloseTo(249.6, 9);
    expect([info.message.k[2], info.message.k[5]]).toEqual([160, 90]);
    await mcap.close();
    await sqlite.close();
  });

  it("decodes service events: each response sums the request with the same client and sequence number", async () => {
    for (const file of [
      "topics_and_services.mcap",
      "topics_and_services.db3",
      "only_services.mcap",
    ]) {
      const reader = await openBag(sharedBag("rosbag2_cpp_bags", file));
      const events = (
        await collect(reader.messages<ServiceEvent>({ topics: ["/add_two_ints/_service_event"] }))
      ).flatMap((e) => (e.kind === "message" ? [e.message] : []));
      expect(events.length).toBeGreaterThan(0);
      const requests = new Map<string, { a: bigint; b: bigint }>();
      let checked = 0;
      for (const event of events) {
        expect(event.info.event_type).toBeGreaterThanOrEqual(0);
        expect(event.info.event_type).toBeLessThanOrEqual(3);
        const key = `${Array.from(event.info.client_gid).join(",")}#${event.info.sequence_number}`;
        if (event.request[0]) requests.set(key, event.request[0]);
        const request = requests.get(key);
        if (event.response[0] && request) {
          expect(event.response[0].sum).toBe(request.a + request.b);
          checked++;
        }
      }
      expect(checked, file).toBeGreaterThan(0);
      await reader.close();
    }
  });

  it("filters by topic and by an inclusive time window", async () => {
    const reader = await openBag(sharedBag("camera_drive_mcap"));
    const all = (await collect(reader.entries())).filter(
      (e): e is BagMessageEntry => e.kind === "message",
    );
    const startTime = all[40]!.logTime;
    const endTime = all[100]!.logTime;
    const window = (await collect(reader.entries({ startTime, endTime }))).filter(
      (e) => e.kind === "message",
    );
    expect(window.length).toBe(
      all.filter((e) => e.logTime >= startTime && e.logTime <= endTime).length,
    );
    const tf = (await collect(reader.entries({ topics: ["/tf", "/tf_static"] }))).filter(
      (e): e is BagMessageEntry => e.kind === "message",
    );
    expect(tf.length).toBe(31);
    expect(new Set(tf.map((e) => e.topic))).toEqual(new Set(["/tf", "/tf_static"]));
    await reader.close();
  });

  it("reads the same test_msgs values from the MCAP and sqlite3 cdr_test bags", async () => {
    const values = async (name: string): Promise<unknown[]> => {
      const reader = await openBag(sharedBag(name));
      const out = (await collect(reader.messages())).map((e) =>
        e.kind === "message" ? [e.topic, e.message] : e.error.message,
      );
      await reader.close();
      return out;
    };
    const [mcap, sqlite] = [
      await values("rosbag2_tests_mcap_cdr_test"),
      await values("rosbag2_tests_sqlite3_cdr_test"),
    ];
    expect(mcap.length).toBe(7);
    expect(mcap).toEqual(sqlite);
  });

  it.each(["camera_drive_sqlite3", "camera_drive_mcap"])(
    "%s: runs two reads at once and stops one early",
    async (name) => {
      const reader = await openBag(sharedBag(name));
      const a = reader.entries()[Symbol.asyncIterator]();
      const b = reader.entries({ topics: ["/tf"] })[Symbol.asyncIterator]();
      let all = 0;
      let tf = 0;
      for (;;) {
        const [x, y] = [await a.next(), await b.next()];
        if (!x.done) all++;
        if (!y.done) tf++;
        if (x.done && y.done) break;
        if (all === 10) await a.return?.(undefined); // stop one early; the other goes on
      }
      expect(all).toBe(10);
      expect(tf).toBe(30);
      await reader.close();
    },
  );

  it("names the topic when asked for a codec of a topic the bag does not have", async () => {
    const reader = await openBag(sharedBag("rosbag2_py_mcap_talker", "talker.mcap"));
    expect(reader.summary.files.length).toBe(1);
    expect(() => reader.codecFor("/nope")).toThrow(PerceptionError);
    expect(() => reader.codecFor("/nope")).toThrow(/\/nope/);
    await reader.close();
    await reader.close(); // idempotent
  });
});
