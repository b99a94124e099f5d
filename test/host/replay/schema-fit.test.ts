/**
 * replay decodes bag messages with the reader's checks: a message with trailing bytes or short
 * data is a counted `cdr` decode error, never handed to a node; the good ones go through unchanged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BagWriter } from "../../../src/bag/bag-writer.js";
import { codecFor } from "../../../src/msgs/codec.js";
import { runReplay } from "../../../src/host/replay/run-replay.js";
import { IMAGE_TOPIC, imageCdr, imageSizeNode, memorySink } from "./fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "schema-fit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("replay's schema-fit check", () => {
  it("counts messages with trailing bytes or short data as cdr decode errors and does not deliver them", async () => {
    const path = join(tmp, "bag");
    const writer = await BagWriter.create({ path });
    writer.addTopic({ name: IMAGE_TOPIC, type: "sensor_msgs/msg/Image" });
    const t0 = 1_700_000_000_000_000_000n;
    const bad = new Map<number, string>();
    for (let i = 0; i < 10; i++) {
      const t = t0 + BigInt(i) * 100_000_000n;
      let cdr = imageCdr(8 + i, 4, t);
      if (i === 3) {
        cdr = new Uint8Array([...cdr, ...new Uint8Array(16).fill(0xee)]); // 16 trailing bytes
        bad.set(i, "trailing");
      }
      if (i === 6) {
        cdr = cdr.subarray(0, cdr.length - 5); // the last 5 pixels missing: the next record follows in the chunk
        bad.set(i, "short");
      }
      await writer.write(IMAGE_TOPIC, t, cdr);
    }
    await writer.close();

    const logs: string[] = [];
    const sink = memorySink();
    const summary = await runReplay({
      bag: path,
      nodes: [imageSizeNode()],
      sink,
      logSink: (_l, _s, m) => void logs.push(m),
    });
    expect(summary.decodeErrors).toEqual({ cdr: 2 });
    expect(summary.decodeErrorsByTopic).toEqual({ [IMAGE_TOPIC]: { cdr: 2 } });
    // The 8 good frames, and only those, reached the node.
    const widths = sink.messages
      .filter((m) => m.topic === "/test/image_size/sizes")
      .map((m) => Number(m.text!.split("x")[0]));
    expect(widths).toEqual([0, 1, 2, 4, 5, 7, 8, 9].map((i) => 8 + i));
    expect(
      logs.filter((l) => /skipping undecodable messages on \/camera\/front\/image_raw/.test(l)),
    ).toHaveLength(1);
    expect(logs.join("\n")).toMatch(
      /message does not fit its schema sensor_msgs\/msg\/Image: it has \d+ bytes, the decoded fields account for \d+/,
    );
  });

  it("the CDR decoder refuses short data inside a larger buffer instead of reading what follows", () => {
    const codec = codecFor("std_msgs/msg/String");
    const full = codec.encode({ data: "hello world" });
    const chunk = new Uint8Array(full.length + 32).fill(0x41);
    chunk.set(full);
    expect(codec.decode(chunk.subarray(0, full.length))).toEqual({ data: "hello world" });
    expect(() => codec.decode(chunk.subarray(0, full.length - 4))).toThrow(
      /malformed CDR for std_msgs\/String/,
    );
  });
});
