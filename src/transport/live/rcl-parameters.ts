/**
 * Bridges a node's SchemaParameterStore to ROS 2 parameters on its rclnodejs node: each parameter
 * is declared with its type, description and read-only flag (so `ros2 param list/get/describe`
 * work), command-line overrides (`--ros-args -p`) are validated into the store, and `ros2 param
 * set` goes through the store's validation and the node's onChange callbacks.
 */
import { PerceptionError } from "../../core/errors.js";
import type { ParameterValue } from "../node-api.js";
import { USE_SIM_TIME, type RosParameterType, type SchemaParameterStore } from "../parameters/parameter-store.js";
import { RclParameterType, type RclNode, type RclParameter, type RclnodejsModule } from "./rclnodejs-api.js";

const TYPE_IDS: Record<RosParameterType, number> = {
  bool: RclParameterType.PARAMETER_BOOL,
  integer: RclParameterType.PARAMETER_INTEGER,
  double: RclParameterType.PARAMETER_DOUBLE,
  string: RclParameterType.PARAMETER_STRING,
  bool_array: RclParameterType.PARAMETER_BOOL_ARRAY,
  integer_array: RclParameterType.PARAMETER_INTEGER_ARRAY,
  double_array: RclParameterType.PARAMETER_DOUBLE_ARRAY,
  string_array: RclParameterType.PARAMETER_STRING_ARRAY,
};

/** Our value as rclnodejs wants it (bigint for integers). */
export function toRclValue(value: ParameterValue, type: RosParameterType): unknown {
  if (type === "integer") return BigInt(value as number);
  if (type === "integer_array") return (value as number[]).map((v) => BigInt(v));
  return Array.isArray(value) ? [...value] : value;
}

/** An rclnodejs parameter's value as ours (numbers for bigint integers). */
export function fromRclValue(value: unknown): ParameterValue {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return Array.from(value as ArrayLike<unknown>, (v) => (typeof v === "bigint" ? Number(v) : v)) as ParameterValue;
  }
  return value as ParameterValue;
}

/**
 * Declares the store's parameters on the node and wires run-time changes through the store.
 * Throws a `parameter` PerceptionError when a command-line override fails validation.
 */
export function bridgeParameters(rcl: RclnodejsModule, node: RclNode, store: SchemaParameterStore): void {
  const overrides: Record<string, ParameterValue> = {};
  for (const d of store.describe()) {
    if (d.name === USE_SIM_TIME) continue; // rclnodejs declares use_sim_time itself (TimeSource)
    const type = TYPE_IDS[d.type];
    const declared = node.declareParameter(
      new rcl.Parameter(d.name, type, toRclValue(d.value, d.type)),
      new rcl.ParameterDescriptor(d.name, type, d.description, d.readOnly),
    );
    const value = fromRclValue(declared.value);
    if (JSON.stringify(value) !== JSON.stringify(d.value)) overrides[d.name] = value;
  }
  // rclnodejs declares use_sim_time itself (TimeSource, with any --ros-args override): follow it, or set it from ours.
  const ours = store.all()[USE_SIM_TIME] === true;
  const theirs = node.hasParameter(USE_SIM_TIME) && fromRclValue(node.getParameter(USE_SIM_TIME).value) === true;
  if (theirs && !ours) overrides[USE_SIM_TIME] = true;
  if (Object.keys(overrides).length > 0) {
    const result = store.set(overrides);
    if (!result.successful) throw new PerceptionError("parameter", `a --ros-args parameter override is invalid: ${result.reason}`, { node: store.node });
  }
  if (ours && !theirs) node.setParameter(new rcl.Parameter(USE_SIM_TIME, RclParameterType.PARAMETER_BOOL, true));
  node.addOnSetParametersCallback((parameters: RclParameter[]) => {
    const changes: Record<string, ParameterValue> = {};
    for (const p of parameters) changes[p.name] = fromRclValue(p.value);
    return store.set(changes);
  });
}
