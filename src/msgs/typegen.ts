import type { MessageDefinitionField } from "@foxglove/message-definition";
import type { MessageRegistry } from "./registry.js";
import { ros2TypeName } from "./type-name.js";

/**
 * Root types the project reads or writes. TypeScript interfaces are generated for these and every
 * type they use (`npm run gen:types`); test/msgs/typegen.test.ts fails when the committed file drifts.
 */
const GENERATED_ROOT_TYPES = [
  "builtin_interfaces/Time",
  "builtin_interfaces/Duration",
  "std_msgs/Header",
  "std_msgs/String",
  "std_msgs/Float32",
  "sensor_msgs/Image",
  "sensor_msgs/CompressedImage",
  "sensor_msgs/CameraInfo",
  "tf2_msgs/TFMessage",
  "geometry_msgs/PoseStamped",
  "geometry_msgs/PoseWithCovarianceStamped",
  "nav_msgs/Odometry",
  "visualization_msgs/MarkerArray",
  "diagnostic_msgs/DiagnosticArray",
  "rosgraph_msgs/Clock",
  "vision_msgs/Detection2DArray",
  "vision_msgs/Detection3DArray",
  "edge_perception_msgs/LaneMarkingArray",
  "edge_perception_msgs/CrosswalkArray",
  "edge_perception_msgs/PedestrianArray",
  "edge_perception_msgs/PerceptionFrame",
  "edge_perception_msgs/MapDisagreement",
];

const TYPED_ARRAYS: Record<string, string> = {
  uint8: "Uint8Array",
  byte: "Uint8Array",
  char: "Uint8Array",
  int8: "Int8Array",
  uint16: "Uint16Array",
  int16: "Int16Array",
  uint32: "Uint32Array",
  int32: "Int32Array",
  float32: "Float32Array",
  float64: "Float64Array",
  uint64: "BigUint64Array",
  int64: "BigInt64Array",
};

function scalarType(type: string): string {
  switch (type) {
    case "bool":
      return "boolean";
    case "string":
    case "wstring":
      return "string";
    case "int64":
    case "uint64":
      return "bigint";
    case "time":
      return "Time";
    case "duration":
      return "Duration";
    default:
      return "number";
  }
}

function interfaceName(type: string): string {
  return type.split("/")[1]!;
}

function fieldType(f: MessageDefinitionField): string {
  if (f.isComplex) return interfaceName(f.type) + (f.isArray ? "[]" : "");
  if (f.isArray) return TYPED_ARRAYS[f.type] ?? `${scalarType(f.type)}[]`;
  return scalarType(f.type);
}

/** The text of src/msgs/types.generated.ts for the registry's current definitions. */
export function generateTypesSource(
  registry: MessageRegistry,
  roots: readonly string[] = GENERATED_ROOT_TYPES,
): string {
  const types = new Set<string>();
  for (const root of roots) for (const def of registry.definitionsFor(root)) types.add(def.name!);
  types.add("builtin_interfaces/Time");
  types.add("builtin_interfaces/Duration");
  const sorted = [...types].sort();
  const byName = new Map<string, string>();
  for (const t of sorted) {
    const name = interfaceName(t);
    const other = byName.get(name);
    if (other)
      throw new Error(
        `two message types would share the interface name ${name}: ${other} and ${t}`,
      );
    byName.set(name, t);
  }
  const out: string[] = [
    "// Generated from the ROS 2 message definitions by `npm run gen:types` (src/msgs/typegen.ts). Do not edit.",
    "// test/msgs/typegen.test.ts fails when this file and the .msg files disagree.",
    "/* eslint-disable */",
    "",
  ];
  for (const t of sorted) {
    const def = registry.get(t);
    const name = interfaceName(t);
    const fields = def.definitions.filter((f) => !f.isConstant);
    const constants = def.definitions.filter((f) => f.isConstant);
    out.push(`/** ${ros2TypeName(t)} */`);
    out.push(`export interface ${name} {`);
    for (const f of fields) out.push(`  ${f.name}: ${fieldType(f)};`);
    out.push("}");
    if (constants.length > 0) {
      out.push(`/** Constants of ${ros2TypeName(t)}. */`);
      out.push(`export const ${name} = {`);
      for (const c of constants) {
        const value =
          typeof c.value === "string"
            ? JSON.stringify(c.value)
            : typeof c.value === "bigint"
              ? `${c.value}n`
              : String(c.value);
        out.push(`  ${c.name}: ${value},`);
      }
      out.push("} as const;");
    }
    out.push("");
  }
  out.push("/** Every generated message type by its ROS 2 name. */");
  out.push("export interface MessageTypeMap {");
  for (const t of sorted) out.push(`  "${ros2TypeName(t)}": ${interfaceName(t)};`);
  out.push("}");
  out.push("");
  out.push("/** A ROS 2 message type name the project has TypeScript types for. */");
  out.push("export type MessageTypeName = keyof MessageTypeMap;");
  out.push("");
  return out.join("\n");
}
