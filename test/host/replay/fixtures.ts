/** In-memory bags and small test nodes for the replay tests. */
import { codecFor } from "../../../src/msgs/codec.js";
import type { Image, String as StringMsg } from "../../../src/msgs/types.generated.js";
import type { NodeSpec } from "../../../src/ros/node-spec.js";
import type { ReplaySink, ReplaySource, SourceEntry } from "../../../src/host/replay/bag-io.js";
import { nsToTime } from "../../../src/core/time.js";

export const IMAGE_TOPIC = "/camera/front/image_raw";
export const INFO_TOPIC = "/camera/front/camera_info";

export function imageCdr(width: number, height: number, stampNs: bigint): Uint8Array {
  const msg: Image = {
    header: { stamp: nsToTime(stampNs), frame_id: "camera_front_optical_frame" },
    height,
    width,
    encoding: "mono8",
    is_bigendian: 0,
    step: width,
    data: new Uint8Array(width * height),
  };
  return codecFor<Image>("sensor_msgs/msg/Image").encode(msg);
}

/** A source of `count` images at 10 Hz from t0 (plus optional extra entries), log-time ordered. */
export function memorySource(
  entries: SourceEntry[],
  topics = [{ name: IMAGE_TOPIC, type: "sensor_msgs/msg/Image" }],
): ReplaySource & { closed: boolean } {
  const messages = entries.filter(
    (e): e is Extract<SourceEntry, { kind: "message" }> => e.kind === "message",
  );
  const src = {
    closed: false,
    summary: {
      path: "memory",
      topics,
      messageCount: messages.length,
      startTime: messages[0]?.logTime ?? 0n,
      endTime: messages.at(-1)?.logTime ?? 0n,
    },
    async *entries(o?: { topics?: string[] }) {
      for (const e of entries) {
        if (e.kind === "message" && o?.topics && !o.topics.includes(e.topic)) continue;
        yield e;
      }
    },
    codecFor(topic: string) {
      const t = topics.find((x) => x.name === topic);
      return codecFor(t!.type);
    },
    async close() {
      src.closed = true;
    },
  };
  return src;
}

export function imageEntries(
  count: number,
  t0 = 1_700_000_000_000_000_000n,
  periodNs = 100_000_000n,
): SourceEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const t = t0 + BigInt(i) * periodNs;
    return {
      kind: "message" as const,
      topic: IMAGE_TOPIC,
      type: "sensor_msgs/msg/Image",
      logTime: t,
      publishTime: t,
      data: imageCdr(8 + i, 4, t),
      file: "memory",
      offset: i,
    };
  });
}

export interface RecordedMessage {
  topic: string;
  logTime: bigint;
  text?: string;
  bytes: number;
}

export function memorySink(): ReplaySink & {
  topics: Array<{ name: string; type: string; qos?: string }>;
  messages: RecordedMessage[];
  closed: number;
} {
  const sink = {
    topics: [] as Array<{ name: string; type: string; qos?: string }>,
    messages: [] as RecordedMessage[],
    closed: 0,
    addTopic(t: { name: string; type: string; qos?: string }) {
      sink.topics.push(t);
    },
    async write(topic: string, logTime: bigint, cdr: Uint8Array) {
      const type = sink.topics.find((t) => t.name === topic)!.type;
      const text =
        type === "std_msgs/msg/String" ? codecFor<StringMsg>(type).decode(cdr).data : undefined;
      sink.messages.push({
        topic,
        logTime,
        bytes: cdr.byteLength,
        ...(text !== undefined ? { text } : {}),
      });
    },
    async close() {
      sink.closed++;
    },
  };
  return sink;
}

/** Republishes each Image's size as a String on ~/sizes (stamped "<w>x<h>@<sec>.<nsec>"). */
export function imageSizeNode(
  options: { name?: string; delayMs?: (width: number) => number; remap?: boolean } = {},
): NodeSpec {
  return {
    name: options.name ?? "image_size",
    namespace: "/test",
    parameterSchema: {
      type: "object",
      additionalProperties: false,
      properties: { prefix: { type: "string", default: "" } },
    },
    parameters: {},
    remappings: options.remap === false ? {} : { "~/in/image": IMAGE_TOPIC },
    create(node) {
      const pub = node.createPublisher("std_msgs/msg/String", "~/sizes");
      node.createSubscription(
        "sensor_msgs/msg/Image",
        "~/in/image",
        { profile: "sensor_data" },
        async (img, info) => {
          if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs!(img.width)));
          const now = node.now();
          pub.publish({
            data: `${node.parameters.get("prefix")}${img.width}x${img.height}@${now.sec}.${now.nanosec} cdr=${info.cdr ? "yes" : "no"}`,
          });
        },
      );
      return {};
    },
  };
}
