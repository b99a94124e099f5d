/**
 * Test helper: the decoded messages of ../shared/bags/rosbag2/camera_drive_mcap, read with
 * @mcap/core directly (independent of the project's bag reader) and decoded with codecFor.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { McapStreamReader } from "@mcap/core";
import { codecFor } from "../../src/msgs/codec.js";

export interface BagMessage {
  topic: string;
  type: string;
  logTimeNs: bigint;
  message: unknown;
}

export function readCameraDrive(shared: string, topics: readonly string[]): BagMessage[] {
  const reader = new McapStreamReader();
  reader.append(
    readFileSync(join(shared, "bags/rosbag2/camera_drive_mcap/camera_drive_mcap_0.mcap")),
  );
  const channels = new Map<number, { topic: string; type: string }>();
  const schemas = new Map<number, string>();
  const out: BagMessage[] = [];
  for (let record; (record = reader.nextRecord()); ) {
    if (record.type === "Schema") schemas.set(record.id, record.name);
    else if (record.type === "Channel")
      channels.set(record.id, { topic: record.topic, type: schemas.get(record.schemaId)! });
    else if (record.type === "Message") {
      const ch = channels.get(record.channelId)!;
      if (!topics.includes(ch.topic)) continue;
      out.push({
        topic: ch.topic,
        type: ch.type,
        logTimeNs: record.logTime,
        message: codecFor(ch.type).decode(record.data),
      });
    }
  }
  return out.sort((a, b) => (a.logTimeNs < b.logTimeNs ? -1 : a.logTimeNs > b.logTimeNs ? 1 : 0));
}
