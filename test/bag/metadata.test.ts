import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseMetadata,
  serializeEmbeddedMetadata,
  serializeMetadata,
} from "../../src/bag/metadata.js";
import { openBag } from "../../src/bag/open-bag.js";
import { qosProfilesToString } from "../../src/bag/qos.js";
import { PerceptionError } from "../../src/core/errors.js";
import { rosbag2Dir, sharedBag } from "./fixtures.js";

describe.skipIf(!rosbag2Dir)("metadata.yaml on the upstream bags", () => {
  it.each(["camera_drive_mcap", "camera_drive_sqlite3"])(
    "%s: writes Jazzy's metadata.yaml back byte for byte",
    (name) => {
      const text = readFileSync(sharedBag(name, "metadata.yaml"), "utf8");
      const metadata = parseMetadata(text);
      expect(metadata.version).toBe(9);
      expect(serializeMetadata(metadata)).toBe(text);
    },
  );

  it.each([
    ["rosbag2_py_mcap_talker", 4],
    ["rosbag2_py_sqlite3_talker", 4],
    ["rosbag2_py_mcap_wbag", 4],
    ["rosbag2_tests_mcap_cdr_test", 7],
    ["rosbag2_tests_sqlite3_cdr_test", 7],
    ["camera_drive_mcap", 9],
  ])(
    "%s: parses version %i with exact nanosecond times and QoS in either form",
    (name, version) => {
      const text = readFileSync(sharedBag(name, "metadata.yaml"), "utf8");
      const metadata = parseMetadata(text);
      expect(metadata.version).toBe(version);
      const start = /nanoseconds_since_epoch: (\d+)/.exec(text)![1]!;
      expect(metadata.startingTime).toBe(BigInt(start));
      expect(metadata.relativeFilePaths.length).toBeGreaterThan(0);
      expect(metadata.topics.reduce((n, t) => n + t.messageCount, 0)).toBe(metadata.messageCount);
      // Written back as version 9 and read again, nothing is lost.
      const again = parseMetadata(serializeMetadata(metadata));
      expect({ ...again, version: metadata.version }).toEqual(metadata);
    },
  );

  it("turns Jazzy's QoS list into the same string the MCAP channels carry", async () => {
    const metadata = parseMetadata(
      readFileSync(sharedBag("camera_drive_mcap", "metadata.yaml"), "utf8"),
    );
    const reader = await openBag(sharedBag("camera_drive_mcap", "camera_drive_mcap_0.mcap"));
    for (const topic of metadata.topics) {
      const channelQos = reader.summary.topics.find(
        (t) => t.name === topic.name,
      )!.offeredQosProfiles;
      expect(qosProfilesToString(topic.offeredQosProfiles), topic.name).toBe(channelQos);
    }
    await reader.close();
  });

  it("writes the embedded metadata as Jazzy stores it in the sqlite metadata table", async () => {
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(sharedBag("camera_drive_sqlite3", "camera_drive_sqlite3_0.db3"), {
      readonly: true,
    });
    const stored = (
      db.prepare("SELECT metadata FROM metadata ORDER BY id DESC LIMIT 1").get() as {
        metadata: string;
      }
    ).metadata;
    db.close();
    const metadata = parseMetadata(
      readFileSync(sharedBag("camera_drive_sqlite3", "metadata.yaml"), "utf8"),
    );
    // The recording was renamed after it was made: the embedded copy still names the original file.
    const recordedName = /relative_file_paths:\n  - (\S+)/.exec(stored)![1]!;
    metadata.relativeFilePaths = [recordedName];
    metadata.files[0]!.path = recordedName;
    expect(serializeEmbeddedMetadata(metadata)).toBe(stored);
  });
});

describe("metadata.yaml errors", () => {
  it("names the file for invalid YAML, a missing root and unknown versions", () => {
    expect(() => parseMetadata("a: [", "/x/metadata.yaml")).toThrow(
      /invalid YAML in \/x\/metadata\.yaml/,
    );
    expect(() => parseMetadata("something_else: 1")).toThrow(/rosbag2_bagfile_information/);
    expect(() => parseMetadata("rosbag2_bagfile_information:\n  version: 42\n")).toThrow(
      /version 42/,
    );
    try {
      parseMetadata("a: [", "m.yaml");
    } catch (err) {
      expect(err).toBeInstanceOf(PerceptionError);
      expect((err as PerceptionError).kind).toBe("bag");
    }
  });
});
