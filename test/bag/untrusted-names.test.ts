/**
 * Bags are files from elsewhere: metadata.yaml may not point outside the bag folder, names shown
 * on a terminal are escaped, and the writer refuses topic names ROS would refuse.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { McapWriter } from "@mcap/core";
import { afterAll, describe, expect, it, vi } from "vitest";
import { BagWriter } from "../../src/bag/bag-writer.js";
import { BufferedFileWritable } from "../../src/bag/file-writable.js";
import { openBag } from "../../src/bag/open-bag.js";
import { formatBagInfo, run as info } from "../../src/cli/commands/info.js";
import { PerceptionError } from "../../src/core/errors.js";
import { printable } from "../../src/core/printable.js";
import { codecFor } from "../../src/msgs/codec.js";
import { makeTemp, removeTemp } from "./fixtures.js";

const temp = makeTemp("ep-untrusted-");
afterAll(() => removeTemp(temp));

async function smallBag(path: string): Promise<void> {
  const writer = await BagWriter.create({ path, overwrite: true });
  writer.addTopic({ name: "/chatter", type: "std_msgs/msg/String" });
  await writer.write("/chatter", 1n, codecFor("std_msgs/String").encode({ data: "hello" }));
  await writer.close();
}

async function rejection(p: Promise<unknown>): Promise<PerceptionError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PerceptionError);
    return err as PerceptionError;
  }
  throw new Error("expected a PerceptionError");
}

describe("metadata.yaml relative_file_paths", () => {
  it("refuses '..' and absolute paths with a clear error, and never opens the file they name", async () => {
    // A readable bag file outside the bag folder, which the paths below point at.
    const outside = join(temp, "outside");
    await smallBag(outside);
    const bag = join(temp, "victim");
    await smallBag(bag);
    const metadataPath = join(bag, "metadata.yaml");
    const original = readFileSync(metadataPath, "utf8");
    const target = resolve(outside, "outside_0.mcap");
    for (const evil of [
      "../outside/outside_0.mcap",
      "sub/../../outside/outside_0.mcap",
      target,
      "..\\\\outside\\\\outside_0.mcap",
    ]) {
      writeFileSync(
        metadataPath,
        original
          .replace(/- victim_0\.mcap/, `- ${JSON.stringify(evil)}`)
          .replace(/path: victim_0\.mcap/, `path: ${JSON.stringify(evil)}`),
      );
      const error = await rejection(openBag(bag));
      expect(error.kind).toBe("bag");
      expect(error.message).toMatch(
        /^metadata\.yaml lists storage file ".*" outside the bag folder \(absolute paths and '\.\.' are refused\)/,
      );
    }
    // A plain name still works.
    writeFileSync(metadataPath, original);
    const reader = await openBag(bag);
    expect(reader.summary.messageCount).toBe(1);
    await reader.close();
  });
});

describe("names with control characters", () => {
  it("printable() escapes controls, DEL, C1, bidi overrides and the backslash; leaves other text alone", () => {
    expect(printable("/camera/front/image_raw")).toBe("/camera/front/image_raw");
    expect(printable("/a\x1b[31mred\nb\tc\r\x7f\x9b\u202eÄ\\")).toBe(
      "/a\\x1b[31mred\\nb\\tc\\r\\x7f\\x9b\\u202eÄ\\\\",
    );
  });

  it("info shows topic names from the bag escaped: no escape sequence reaches the terminal, no newline breaks the table", async () => {
    // An MCAP file written directly (the project's writer refuses such names).
    const file = join(temp, "evil.mcap");
    const writable = await BufferedFileWritable.create(file);
    const writer = new McapWriter({ writable });
    await writer.start({ profile: "ros2", library: "test" });
    const schemaId = await writer.registerSchema({
      name: "std_msgs/msg/String",
      encoding: "ros2msg",
      data: new TextEncoder().encode("string data"),
    });
    const evil = "/evil\x1b[2J\x1b[31m\nTopic: /fake | Type: x";
    const channelId = await writer.registerChannel({
      topic: evil,
      schemaId,
      messageEncoding: "cdr",
      metadata: new Map(),
    });
    await writer.addMessage({
      channelId,
      sequence: 1,
      logTime: 1n,
      publishTime: 1n,
      data: codecFor("std_msgs/String").encode({ data: "x" }),
    });
    await writer.end();
    await writable.close();

    const reader = await openBag(file);
    const text = formatBagInfo(reader.summary);
    await reader.close();
    expect(text).not.toMatch(/\x1b/);
    const topicLines = text.split("\n").filter((l) => l.includes("Topic:"));
    expect(topicLines).toEqual([
      "Topic information: Topic: /evil\\x1b[2J\\x1b[31m\\nTopic: /fake | Type: x | Type: std_msgs/msg/String | Count: 1 | Serialization Format: cdr",
    ]);

    let out = "";
    const spy = vi
      .spyOn(process.stdout, "write")
      .mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
    try {
      expect(await info([file])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(out).toBe(text);
  });

  it("BagWriter refuses topic names ROS would refuse, naming the problem with the name escaped", async () => {
    const writer = await BagWriter.create({ path: join(temp, "names"), overwrite: true });
    for (const [name, why] of [
      [
        "/evil\x1b[2J",
        /cannot record topic "\/evil\\\\x1b\[2J": invalid topic name '\/evil\\x1b\[2J': token 'evil\\x1b\[2J' must be letters, digits and underscores/,
      ],
      ["/a\nb", /cannot record topic "\/a\\\\nb"/],
      ["chatter", /is not resolved: it must start with '\/'/],
      ["/a//b", /empty token/],
      ["/9lives", /token '9lives'/],
    ] as const) {
      let error: unknown;
      try {
        writer.addTopic({ name, type: "std_msgs/msg/String" });
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(name)).toBeInstanceOf(PerceptionError);
      expect((error as PerceptionError).kind).toBe("bag");
      expect((error as PerceptionError).message).toMatch(why);
      expect((error as PerceptionError).message).not.toMatch(/[\x00-\x1f]/);
    }
    writer.addTopic({ name: "/_private/ok_1", type: "std_msgs/msg/String" });
    await writer.close();
  });
});
