/**
 * rosbag2's `metadata.yaml`: read versions 4 to 9, write version 9 as ROS 2 Jazzy does (same keys,
 * order, indentation and quoting, QoS as a YAML list, no trailing newline).
 */
import { parse as parseYaml } from "yaml";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { parseQosProfiles, qosProfilesToString, type QosYamlProfile } from "./qos.js";
import { emitYaml, type YamlValue } from "./yaml-block.js";

export const METADATA_FILENAME = "metadata.yaml";

/** The metadata.yaml version this project writes (ROS 2 Jazzy). */
const WRITTEN_METADATA_VERSION = 9;

export interface MetadataTopic {
  name: string;
  /** `pkg/msg/Type`. */
  type: string;
  serializationFormat: string;
  /** Offered QoS profiles (parsed from either the string or the list form). */
  offeredQosProfiles: QosYamlProfile[];
  /** `RIHS01_...` or "" (versions before 7 have none). */
  typeDescriptionHash: string;
  messageCount: number;
}

export interface MetadataFile {
  /** Relative to the bag folder. */
  path: string;
  startingTime: bigint;
  duration: bigint;
  messageCount: number;
}

/** The content of `rosbag2_bagfile_information`. */
export interface BagMetadata {
  version: number;
  storageIdentifier: string;
  /** Nanoseconds. */
  duration: bigint;
  /** Nanoseconds since the epoch. */
  startingTime: bigint;
  messageCount: number;
  topics: MetadataTopic[];
  /** "" for none, else e.g. `zstd`. */
  compressionFormat: string;
  /** "", `FILE` or `MESSAGE`. */
  compressionMode: string;
  relativeFilePaths: string[];
  /** Per-file statistics (version 5+); empty when the bag has none. */
  files: MetadataFile[];
  /** Free-form string pairs (version 6+); undefined is written as `~`. */
  customData?: Record<string, string>;
  /** "" when absent (versions before 8). */
  rosDistro: string;
}

type Node = Record<string, unknown>;

function bigintOf(value: unknown, what: string, source: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  throw new PerceptionError(
    "bag",
    `metadata field ${what} is not an integer (got ${JSON.stringify(String(value))})`,
    { file: source },
  );
}

function nested(node: unknown, key: string): unknown {
  return typeof node === "object" && node !== null ? (node as Node)[key] : undefined;
}

/**
 * Parses metadata.yaml text. `source` names the file in errors. Throws a `bag` PerceptionError for
 * invalid YAML, a missing `rosbag2_bagfile_information` or an unsupported version.
 */
export function parseMetadata(text: string, source = METADATA_FILENAME): BagMetadata {
  let doc: unknown;
  try {
    doc = parseYaml(text, { intAsBigInt: true });
  } catch (err) {
    throw new PerceptionError(
      "bag",
      `invalid YAML in ${source}: ${errorMessage(err)}`,
      { file: source },
      { cause: err },
    );
  }
  const info = nested(doc, "rosbag2_bagfile_information");
  if (typeof info !== "object" || info === null) {
    throw new PerceptionError("bag", `${source} has no rosbag2_bagfile_information mapping`, {
      file: source,
    });
  }
  const m = info as Node;
  const version = Number(m.version);
  if (!Number.isInteger(version) || version < 1 || version > 9) {
    throw new PerceptionError(
      "bag",
      `unsupported metadata version ${String(m.version)} in ${source} (this reader knows 4 to 9)`,
      { file: source },
    );
  }
  const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));
  const topicsNode = Array.isArray(m.topics_with_message_count) ? m.topics_with_message_count : [];
  const topics: MetadataTopic[] = topicsNode.map((t: unknown, i: number) => {
    const tm = nested(t, "topic_metadata") as Node | undefined;
    if (!tm || typeof tm.name !== "string" || typeof tm.type !== "string") {
      throw new PerceptionError(
        "bag",
        `topics_with_message_count[${i}] in ${source} has no topic_metadata name/type`,
        { file: source },
      );
    }
    let qos: QosYamlProfile[];
    try {
      qos = parseQosProfiles(tm.offered_qos_profiles);
    } catch (err) {
      throw new PerceptionError(
        "bag",
        `offered_qos_profiles of ${tm.name} in ${source}: ${errorMessage(err)}`,
        { file: source, topic: tm.name },
        { cause: err },
      );
    }
    return {
      name: tm.name,
      type: tm.type,
      serializationFormat: str(tm.serialization_format),
      offeredQosProfiles: qos,
      typeDescriptionHash: str(tm.type_description_hash),
      messageCount: Number(nested(t, "message_count") ?? 0),
    };
  });
  const files: MetadataFile[] = (Array.isArray(m.files) ? m.files : []).map((f: unknown) => ({
    path: str(nested(f, "path")),
    startingTime: bigintOf(
      nested(nested(f, "starting_time"), "nanoseconds_since_epoch") ?? 0n,
      "files[].starting_time",
      source,
    ),
    duration: bigintOf(
      nested(nested(f, "duration"), "nanoseconds") ?? 0n,
      "files[].duration",
      source,
    ),
    messageCount: Number(nested(f, "message_count") ?? 0),
  }));
  const custom = m.custom_data;
  return {
    version,
    storageIdentifier: str(m.storage_identifier),
    duration: bigintOf(nested(m.duration, "nanoseconds") ?? 0n, "duration.nanoseconds", source),
    startingTime: bigintOf(
      nested(m.starting_time, "nanoseconds_since_epoch") ?? 0n,
      "starting_time.nanoseconds_since_epoch",
      source,
    ),
    messageCount: Number(m.message_count ?? 0),
    topics,
    compressionFormat: str(m.compression_format),
    compressionMode: str(m.compression_mode),
    relativeFilePaths: Array.isArray(m.relative_file_paths) ? m.relative_file_paths.map(str) : [],
    files,
    customData:
      typeof custom === "object" && custom !== null
        ? Object.fromEntries(Object.entries(custom as Node).map(([k, v]) => [k, str(v)]))
        : undefined,
    rosDistro: str(m.ros_distro),
  };
}

/** The metadata without the outer `rosbag2_bagfile_information` key (what rosbag2 stores inside MCAP and sqlite3 files). */
function metadataBody(meta: BagMetadata): YamlValue {
  return {
    version: WRITTEN_METADATA_VERSION,
    storage_identifier: meta.storageIdentifier,
    duration: { nanoseconds: meta.duration },
    starting_time: { nanoseconds_since_epoch: meta.startingTime },
    message_count: meta.messageCount,
    topics_with_message_count: meta.topics.map((t) => ({
      topic_metadata: {
        name: t.name,
        type: t.type,
        serialization_format: t.serializationFormat,
        offered_qos_profiles: t.offeredQosProfiles.length === 0 ? "" : t.offeredQosProfiles,
        type_description_hash: t.typeDescriptionHash,
      },
      message_count: t.messageCount,
    })),
    compression_format: meta.compressionFormat,
    compression_mode: meta.compressionMode,
    relative_file_paths: meta.relativeFilePaths,
    files: meta.files.map((f) => ({
      path: f.path,
      starting_time: { nanoseconds_since_epoch: f.startingTime },
      duration: { nanoseconds: f.duration },
      message_count: f.messageCount,
    })),
    custom_data:
      meta.customData && Object.keys(meta.customData).length > 0 ? meta.customData : null,
    ros_distro: meta.rosDistro,
  };
}

/** metadata.yaml text, version 9, byte for byte as Jazzy's rosbag2 writes it. */
export function serializeMetadata(meta: BagMetadata): string {
  return emitYaml({ rosbag2_bagfile_information: metadataBody(meta) });
}

/** The `serialized_metadata` rosbag2 stores in the MCAP `rosbag2` metadata record and the sqlite `metadata` table. */
export function serializeEmbeddedMetadata(meta: BagMetadata): string {
  return emitYaml(metadataBody(meta));
}

/** A topic's offered QoS in the string form (as the summary and MCAP channel metadata carry it). */
export function topicQosString(topic: MetadataTopic): string {
  return qosProfilesToString(topic.offeredQosProfiles);
}
