/**
 * Bridges a node's SchemaParameterStore to ROS 2 parameters on its rclnodejs node: each parameter
 * is declared with its type, description and read-only flag (so `ros2 param list/get/describe`
 * work), command-line overrides (`--ros-args -p`) are validated into the store, and `ros2 param
 * set` goes through the store's validation and the node's onChange callbacks.
 */
import { PerceptionError } from "../../core/errors.js";
import type { ParameterValue } from "../../ros/node-api.js";
import {
  USE_SIM_TIME,
  type RosParameterType,
  type SchemaParameterStore,
} from "../../ros/parameters/parameter-store.js";
import {
  RclParameterType,
  type RclNode,
  type RclParameter,
  type RclSetParametersResult,
  type RclnodejsModule,
} from "./rclnodejs-api.js";

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
function toRclValue(value: ParameterValue, type: RosParameterType): unknown {
  if (type === "integer") return BigInt(value as number);
  if (type === "integer_array") return (value as number[]).map((v) => BigInt(v));
  return Array.isArray(value) ? [...value] : value;
}

/** An rclnodejs parameter's value as ours (numbers for bigint integers). */
function fromRclValue(value: unknown): ParameterValue {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return Array.from(value as ArrayLike<unknown>, (v) =>
      typeof v === "bigint" ? Number(v) : v,
    ) as ParameterValue;
  }
  return value as ParameterValue;
}

/**
 * Declares the store's parameters on the node and wires run-time changes through the store.
 * Throws a `parameter` PerceptionError when a command-line override fails validation.
 *
 * Descriptors say what is true (type, description, read-only), so `ros2 param describe` is right;
 * rclnodejs checks them first and refuses with its own text (`Parameter rate_hz does not
 * readonly` for a wrong type), so its refusals are replaced with the store's reason for the same
 * change (see `explainRefusals`). `use_sim_time` is fixed when the node starts (its clock and
 * timers are made for it) and refused at run time.
 */
export function bridgeParameters(
  rcl: RclnodejsModule,
  node: RclNode,
  store: SchemaParameterStore,
): void {
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
  const theirs =
    node.hasParameter(USE_SIM_TIME) && fromRclValue(node.getParameter(USE_SIM_TIME).value) === true;
  if (theirs && !ours) overrides[USE_SIM_TIME] = true;
  if (Object.keys(overrides).length > 0) {
    const result = store.set(overrides, "startup");
    if (!result.successful)
      throw new PerceptionError(
        "parameter",
        `a --ros-args parameter override is invalid: ${result.reason}`,
        { node: store.node },
      );
  }
  if (ours && !theirs)
    node.setParameter(new rcl.Parameter(USE_SIM_TIME, RclParameterType.PARAMETER_BOOL, true));
  node.addOnSetParametersCallback((parameters: RclParameter[]) => {
    const changes = changesOf(parameters);
    const simTime = simTimeRefusal(store, changes);
    return simTime ?? store.set(changes);
  });
  explainRefusals(node, store);
}

/** Parameters as the store's changes (numbers for bigint integers). */
function changesOf(parameters: RclParameter[]): Record<string, ParameterValue> {
  const changes: Record<string, ParameterValue> = {};
  for (const p of parameters) changes[p.name] = fromRclValue(p.value);
  return changes;
}

function simTimeRefusal(
  store: SchemaParameterStore,
  changes: Record<string, ParameterValue>,
): RclSetParametersResult | undefined {
  if (!(USE_SIM_TIME in changes) || changes[USE_SIM_TIME] === store.all()[USE_SIM_TIME])
    return undefined;
  return {
    successful: false,
    reason: `parameter '${USE_SIM_TIME}' is fixed when ${store.node} starts (its clock and timers are made for it): restart it with use_sim_time:=${String(changes[USE_SIM_TIME])}`,
  };
}

/** rclnodejs 2.x's own check of a set against the declared descriptors, which runs before the set callbacks. */
type ValidateParameters = (
  parameters: RclParameter[],
  declareParameterMode?: boolean,
) => RclSetParametersResult;

/**
 * Replaces rclnodejs's refusal texts ("Parameter x has not been declared", "Parameter x is
 * readonly", "Parameter x does not  readonly" for a wrong type) with the store's reason for the
 * same change, which names the node, the parameter, what is expected and what was given.
 * rclnodejs still decides (same outcome); only the reason changes. Uses rclnodejs 2.x's
 * `_validateParameters`; when a version lacks it, its own texts stand.
 */
function explainRefusals(node: RclNode, store: SchemaParameterStore): boolean {
  const internal = node as unknown as { _validateParameters?: ValidateParameters };
  const original = internal._validateParameters;
  if (typeof original !== "function") return false;
  internal._validateParameters = function (
    this: unknown,
    parameters: RclParameter[],
    declareParameterMode?: boolean,
  ): RclSetParametersResult {
    const result = original.call(this, parameters, declareParameterMode);
    if (result.successful || declareParameterMode) return result;
    const changes = changesOf(parameters);
    const ours = simTimeRefusal(store, changes) ?? store.check(changes);
    return ours.successful ? result : ours;
  };
  return true;
}
