/**
 * REP-2011 type description hashes (`RIHS01_<sha256 hex>`), as rosidl computes them and rosbag2
 * records them (`type_description_hash` in metadata.yaml, `topic_type_hash` in MCAP channels).
 * The hash covers the type's fields and those of every type it references (names, type ids,
 * capacities), not comments, constants or default values.
 *
 * `byte` fields (IDL octet, FIELD_TYPE_BYTE) are told from `uint8` by the registry, which keeps
 * which fields each `.msg` text declares `byte` (the parser reads both as `uint8`): Jazzy's
 * diagnostic_msgs/DiagnosticStatus `level` and rcl_interfaces/ParameterValue `byte_array_value`
 * are such fields. `char` is `uint8` in ROS 2 IDL, so it hashes as FIELD_TYPE_UINT8.
 */
import { createHash } from "node:crypto";
import type { MessageDefinition, MessageDefinitionField } from "@foxglove/message-definition";
import type { MessageRegistry } from "../msgs/registry.js";
import { normalizeTypeName, ros2TypeName } from "../msgs/type-name.js";

/** type_description_interfaces/msg/FieldType ids of the primitive types. */
const FIELD_TYPE_IDS: Record<string, number> = {
  int8: 2,
  uint8: 3,
  int16: 4,
  uint16: 5,
  int32: 6,
  uint32: 7,
  int64: 8,
  uint64: 9,
  float32: 10,
  float64: 11,
  char: 3, // .msg `char` is IDL uint8
  bool: 15,
  byte: 16, // FIELD_TYPE_BYTE (IDL octet)
  string: 17,
  wstring: 18,
};
/** ROS 1 style `time`/`duration` (as @foxglove definitions spell Header.stamp) are builtin_interfaces types in ROS 2. */
const BUILTIN_TIME_TYPES: Record<string, string> = {
  time: "builtin_interfaces/Time",
  duration: "builtin_interfaces/Duration",
};
const NESTED_TYPE = 1;
const BOUNDED_STRING = 21;
const BOUNDED_WSTRING = 22;
const FIXED_ARRAY_OFFSET = 48;
const BOUNDED_SEQUENCE_OFFSET = 96;
const UNBOUNDED_SEQUENCE_OFFSET = 144;

interface HashedField {
  name: string;
  type: { type_id: number; capacity: number; string_capacity: number; nested_type_name: string };
}

function hashedField(f: MessageDefinitionField, octets: ReadonlySet<string>): HashedField {
  let typeId: number;
  let nested = "";
  let stringCapacity = 0;
  const builtin = BUILTIN_TIME_TYPES[f.type];
  if (f.isComplex || builtin) {
    typeId = NESTED_TYPE;
    nested = ros2TypeName(builtin ?? f.type);
  } else if ((f.type === "string" || f.type === "wstring") && f.upperBound !== undefined) {
    typeId = f.type === "string" ? BOUNDED_STRING : BOUNDED_WSTRING;
    stringCapacity = f.upperBound;
  } else {
    const id = FIELD_TYPE_IDS[octets.has(f.name) ? "byte" : f.type];
    if (id === undefined) throw new Error(`no REP-2011 field type for '${f.type}'`);
    typeId = id;
  }
  let capacity = 0;
  if (f.isArray) {
    if (f.arrayLength !== undefined) {
      typeId += FIXED_ARRAY_OFFSET;
      capacity = f.arrayLength;
    } else if (f.arrayUpperBound !== undefined) {
      typeId += BOUNDED_SEQUENCE_OFFSET;
      capacity = f.arrayUpperBound;
    } else {
      typeId += UNBOUNDED_SEQUENCE_OFFSET;
    }
  }
  return {
    name: f.name,
    type: { type_id: typeId, capacity, string_capacity: stringCapacity, nested_type_name: nested },
  };
}

function individualDescription(
  def: MessageDefinition,
  registry: MessageRegistry,
): { type_name: string; fields: HashedField[] } {
  const octets = registry.octetFields(def.name!);
  const fields = def.definitions.filter((f) => !f.isConstant).map((f) => hashedField(f, octets));
  // rosidl gives empty messages one placeholder member.
  if (fields.length === 0)
    fields.push({
      name: "structure_needs_at_least_one_member",
      type: { type_id: 3, capacity: 0, string_capacity: 0, nested_type_name: "" },
    });
  return { type_name: ros2TypeName(def.name!), fields };
}

/** Python's `json.dumps(..., separators=(", ", ": "))` for the plain values used here. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The REP-2011 hash of a registered type, or "" when it cannot be computed (an unknown field type). */
export function typeDescriptionHash(type: string, registry: MessageRegistry): string {
  try {
    const [root, ...referenced] = registry.definitionsFor(normalizeTypeName(type));
    const names = new Set(referenced.map((d) => d.name));
    for (const def of [root!, ...referenced]) {
      for (const f of def.definitions) {
        const builtin = BUILTIN_TIME_TYPES[f.type];
        if (builtin && !names.has(builtin)) {
          names.add(builtin);
          referenced.push(registry.get(builtin));
        }
      }
    }
    const hashable = {
      type_description: individualDescription(root!, registry),
      referenced_type_descriptions: referenced
        .map((d) => individualDescription(d, registry))
        .sort((a, b) => (a.type_name < b.type_name ? -1 : a.type_name > b.type_name ? 1 : 0)),
    };
    return `RIHS01_${createHash("sha256").update(pythonJson(hashable)).digest("hex")}`;
  } catch {
    return "";
  }
}
