import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseMetadata } from "../../src/bag/metadata.js";
import { typeDescriptionHash } from "../../src/bag/type-hash.js";
import { messageRegistry } from "../../src/msgs/registry.js";
import { rosbag2Dir, sharedBag } from "./fixtures.js";

describe.skipIf(!rosbag2Dir)("REP-2011 type hashes", () => {
  it("match the hashes Jazzy's rosbag2 recorded for every camera drive type", () => {
    const metadata = parseMetadata(readFileSync(sharedBag("camera_drive_mcap", "metadata.yaml"), "utf8"));
    expect(metadata.topics.length).toBeGreaterThan(0);
    for (const topic of metadata.topics) {
      expect(topic.typeDescriptionHash).toMatch(/^RIHS01_[0-9a-f]{64}$/);
      expect(typeDescriptionHash(topic.type, messageRegistry()), topic.type).toBe(topic.typeDescriptionHash);
    }
  });
});

describe("typeDescriptionHash", () => {
  it("differs between types and is empty for an unknown type", () => {
    const registry = messageRegistry();
    const a = typeDescriptionHash("geometry_msgs/msg/Point", registry);
    const b = typeDescriptionHash("geometry_msgs/msg/Vector3", registry);
    expect(a).toMatch(/^RIHS01_/);
    expect(a).not.toBe(b); // same fields, different names
    expect(typeDescriptionHash("nope_msgs/msg/Nothing", registry)).toBe("");
  });
});
