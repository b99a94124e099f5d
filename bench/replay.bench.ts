/**
 * Replay overhead: a generated 10,000-message bag (small Images at 100 Hz plus /tf) through a
 * passthrough node that republishes each image object, recording into an output bag. Reports the
 * transport's overhead per message (wall time minus node work, per message; target < 0.1 ms),
 * the cost of reading the bag alone for comparison, and RSS/heap sampled during the run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BagWriter } from "../src/bag/bag-writer.js";
import { openBag } from "../src/bag/open-bag.js";
import { nsToTime } from "../src/core/time.js";
import { codecFor } from "../src/msgs/codec.js";
import type { Image, TFMessage } from "../src/msgs/types.generated.js";
import type { NodeSpec } from "../src/ros/node-spec.js";
import { runReplay } from "../src/host/replay/run-replay.js";

const MESSAGES = 10_000;
const IMAGE_TOPIC = "/camera/front/image_raw";
const T0 = 1_700_000_000_000_000_000n;

async function generateBag(path: string): Promise<void> {
  const writer = await BagWriter.create({ path, compression: "zstd" });
  writer.addTopic({ name: IMAGE_TOPIC, type: "sensor_msgs/msg/Image", qos: "sensor_data" });
  writer.addTopic({ name: "/tf", type: "tf2_msgs/msg/TFMessage" });
  const imageCodec = codecFor<Image>("sensor_msgs/msg/Image");
  const tfCodec = codecFor<TFMessage>("tf2_msgs/msg/TFMessage");
  const pixels = new Uint8Array(32 * 24 * 3);
  for (let i = 0; i < MESSAGES; i++) {
    const t = T0 + BigInt(i) * 10_000_000n;
    const stamp = nsToTime(t);
    if (i % 10 === 9) {
      const tf: TFMessage = {
        transforms: [
          {
            header: { stamp, frame_id: "map" },
            child_frame_id: "base_link",
            transform: {
              translation: { x: i * 0.1, y: 0, z: 0 },
              rotation: { x: 0, y: 0, z: 0, w: 1 },
            },
          },
        ],
      };
      await writer.write("/tf", t, tfCodec.encode(tf));
    } else {
      const img: Image = {
        header: { stamp, frame_id: "camera_front_optical_frame" },
        height: 24,
        width: 32,
        encoding: "rgb8",
        is_bigendian: 0,
        step: 96,
        data: pixels,
      };
      await writer.write(IMAGE_TOPIC, t, imageCodec.encode(img));
    }
  }
  await writer.close();
}

const passthrough: NodeSpec = {
  name: "passthrough",
  parameterSchema: { type: "object" },
  parameters: {},
  create(node) {
    const pub = node.createPublisher("sensor_msgs/msg/Image", "~/image");
    node.createSubscription(
      "sensor_msgs/msg/Image",
      IMAGE_TOPIC,
      { profile: "sensor_data" },
      (img) => pub.publish(img),
    );
    return {};
  },
};

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "replay-bench-"));
  try {
    const bag = join(dir, "input");
    await generateBag(bag);

    // Reading and decoding alone (the floor the transport adds to); the first pass warms the JIT.
    let readMs = 0;
    let read = 0;
    for (const pass of [0, 1]) {
      const begin = performance.now();
      const reader = await openBag(bag);
      const codec = reader.codecFor(IMAGE_TOPIC);
      read = 0;
      for await (const e of reader.entries()) {
        if (e.kind === "message") {
          if (e.topic === IMAGE_TOPIC) codec.decode(e.data);
          read++;
        }
      }
      await reader.close();
      readMs = performance.now() - begin;
      if (pass === 1)
        console.log(
          `  bag read + decode only (warm):   ${((readMs / read) * 1000).toFixed(1)} us/msg (${read} msgs, ${readMs.toFixed(0)} ms)`,
        );
    }

    const rounds = [
      { label: "warm-up, recording", record: true },
      { label: "dispatch only (no output bag)", record: false },
      { label: "recording into an output bag", record: true },
    ];
    for (const [round, { label, record }] of rounds.entries()) {
      const samples: Array<{ rss: number; heap: number }> = [];
      const s = await runReplay({
        bag,
        ...(record ? { out: join(dir, `out${round}`) } : {}),
        nodes: [passthrough],
        logSink: () => {},
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.messages % 250 === 0) {
            const m = process.memoryUsage();
            samples.push({ rss: m.rss, heap: m.heapUsed });
          }
        },
      });
      const third = Math.max(1, Math.floor(samples.length / 3));
      const avg = (xs: typeof samples, k: "rss" | "heap") =>
        xs.reduce((a, b) => a + b[k], 0) / Math.max(1, xs.length);
      const transportUs = (s.wallMs / s.messagesIn - readMs / read) * 1000;
      console.log(
        `  replay ${label}: ${s.messagesIn} msgs in, ${s.messagesOut} recorded, ${s.wallMs.toFixed(0)} ms wall, ${s.messagesPerSec.toFixed(0)} msg/s`,
      );
      if (round === 0) continue;
      console.log(
        `    per message, all in:            ${((s.wallMs / s.messagesIn) * 1000).toFixed(1)} us (read, decode, dispatch, settle${record ? ", encode once, record" : ""})`,
      );
      // A difference of two noisy timings: when the replay came out faster than reading alone, the
      // transport's cost is below what these runs can resolve, not negative.
      console.log(
        transportUs >= 0
          ? `    per message, transport only:    ${transportUs.toFixed(1)} us (all in minus warm read+decode; target < 100 us)`
          : `    per message, transport only:    not measurable here (all in ${((s.wallMs / s.messagesIn) * 1000).toFixed(1)} us <= warm read+decode ${((readMs / read) * 1000).toFixed(1)} us: within run-to-run noise; target < 100 us)`,
      );
      console.log(
        `    memory (${samples.length} samples, every 250 msgs): RSS first third ${mib(avg(samples.slice(0, third), "rss"))} MiB, last third ${mib(avg(samples.slice(-third), "rss"))} MiB, ` +
          `max ${mib(Math.max(...samples.map((x) => x.rss)))} MiB; heap first third ${mib(avg(samples.slice(0, third), "heap"))} MiB, last third ${mib(avg(samples.slice(-third), "heap"))} MiB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
