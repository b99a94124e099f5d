/**
 * rosbag2's `offered_qos_profiles`: one entry per publisher the recorder saw. Stored as a YAML list
 * in a string (MCAP channel metadata, sqlite `topics`, metadata.yaml up to version 8) or as a YAML
 * list (metadata.yaml version 9, Jazzy). Older bags use numbers for the enums (`history: 3`),
 * Jazzy uses names (`history: keep_last`).
 */
import { parse as parseYaml } from "yaml";
import { PerceptionError, errorMessage } from "../core/errors.js";
import type { QosProfile } from "../msgs/qos-profile.js";
import { emitYaml, type YamlValue } from "./yaml-block.js";

/** One offered QoS profile as rosbag2 writes it; keys keep their order. */
export type QosYamlProfile = { [key: string]: YamlValue };

/** rmw's "infinite" duration as Jazzy writes it (`RMW_DURATION_INFINITE`, 2^63 - 1 ns). */
const INFINITE = { sec: 9223372036, nsec: 854775807 } as const;

/** The profile rosbag2 (Jazzy) records for a publisher using one of the project's QoS profiles. */
export function rosbag2QosFor(profile: QosProfile, depth?: number): QosYamlProfile {
  const base = {
    sensor_data: { depth: 5, reliability: "best_effort", durability: "volatile" },
    reliable: { depth: 10, reliability: "reliable", durability: "volatile" },
    transient_local: { depth: 1, reliability: "reliable", durability: "transient_local" },
  }[profile];
  return {
    history: "keep_last",
    depth: depth ?? base.depth,
    reliability: base.reliability,
    durability: base.durability,
    deadline: { ...INFINITE },
    lifespan: { ...INFINITE },
    liveliness: "automatic",
    liveliness_lease_duration: { ...INFINITE },
    avoid_ros_namespace_conventions: false,
  };
}

/** The string form (`- history: keep_last\n  depth: 5\n...`), as stored in MCAP channel metadata and sqlite. */
export function qosProfilesToString(profiles: QosYamlProfile[]): string {
  return profiles.length === 0 ? "" : emitYaml(profiles);
}

/**
 * The profiles from either stored form (a YAML string or an already parsed list). An empty string
 * is no profiles. Throws a `bag` PerceptionError for text that is not a YAML list of mappings.
 */
export function parseQosProfiles(value: unknown): QosYamlProfile[] {
  if (value === undefined || value === null || value === "") return [];
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = parseYaml(value);
    } catch (err) {
      throw new PerceptionError(
        "bag",
        `offered_qos_profiles is not valid YAML: ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
  }
  if (parsed === null || parsed === undefined) return [];
  if (
    !Array.isArray(parsed) ||
    !parsed.every((p) => typeof p === "object" && p !== null && !Array.isArray(p))
  ) {
    throw new PerceptionError("bag", "offered_qos_profiles is not a list of QoS mappings");
  }
  return parsed.map((p) => withNumbers(p) as QosYamlProfile);
}

/** YAML parsed with intAsBigInt gives bigints; QoS values all fit in a double, so use numbers either way. */
function withNumbers(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(withNumbers);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withNumbers(v)]));
  return value;
}
