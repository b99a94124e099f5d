/**
 * A node's parameters: YAML/launch values merged over the JSON-Schema defaults, validated with ajv
 * at start-up (a clear error naming node, parameter, expected and found), changeable at run time
 * through `set` with the same validation and the node's `onChange` callbacks able to veto.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import type { ParameterStore, ParameterValue } from "../node-api.js";

/** The outcome of a run-time change, as ROS 2's SetParametersResult. */
export interface SetParametersResult {
  /** True when every change was applied. */
  successful: boolean;
  /** Why the change was rejected ("" when successful). */
  reason: string;
}

/** One declared parameter, for transports that declare parameters (rclnodejs). */
export interface ParameterDescription {
  /** Dotted ROS 2 name (`model.rate_hz`). */
  name: string;
  value: ParameterValue;
  /** The schema's `description`, if any. */
  description: string;
  /** True when the schema marks it `readOnly`. */
  readOnly: boolean;
  /** The ROS 2 parameter type: from the schema (`integer` vs `number`), else from the value. */
  type: RosParameterType;
}

/** ROS 2 parameter types (rcl_interfaces/ParameterType without NOT_SET and BYTE_ARRAY). */
export type RosParameterType =
  | "bool"
  | "integer"
  | "double"
  | "string"
  | "bool_array"
  | "integer_array"
  | "double_array"
  | "string_array";

function rosTypeOf(value: ParameterValue, schema: JsonSchema | undefined): RosParameterType {
  const declared = (s: JsonSchema | undefined): string | undefined =>
    Array.isArray(s?.type) ? s!.type[0] : s?.type;
  if (Array.isArray(value)) {
    const items =
      declared(schema?.items as JsonSchema | undefined) ??
      (value.length > 0 ? typeof value[0] : "string");
    return items === "boolean"
      ? "bool_array"
      : items === "integer"
        ? "integer_array"
        : items === "number"
          ? "double_array"
          : "string_array";
  }
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string") return "string";
  return declared(schema) === "integer" ? "integer" : "double";
}

export interface ParameterStoreOptions {
  /** Fully qualified node name, used in error messages ("/perception/detector"). */
  node: string;
  /** JSON Schema of the node's ros__parameters (object schema; nested objects map to dotted names). */
  schema: object;
  /** Values from the launch graph and parameter files, by dotted name, applied over the defaults. */
  values?: Record<string, ParameterValue>;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  description?: string;
  readOnly?: boolean;
  [key: string]: unknown;
};

/** The parameter every ROS 2 node has. */
export const USE_SIM_TIME = "use_sim_time";

/** When a change is made: `runtime` (ros2 param set; read-only parameters refuse) or `startup` (values given as the node starts). */
export type SetPhase = "runtime" | "startup";

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object, node: string): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw new PerceptionError(
        "parameter",
        `the parameter schema is not a valid JSON Schema: ${errorMessage(err)}`,
        { node },
        { cause: err },
      );
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/** The parameter store every transport gives its nodes. */
export class SchemaParameterStore implements ParameterStore {
  readonly node: string;
  readonly #schema: JsonSchema;
  readonly #validate: ValidateFunction;
  #values: Readonly<Record<string, ParameterValue>>;
  readonly #callbacks: Array<(changes: Readonly<Record<string, ParameterValue>>) => void> = [];

  /** Builds and validates; throws a `parameter` PerceptionError naming node, parameter, expected and found. */
  constructor(options: ParameterStoreOptions) {
    this.node = options.node;
    this.#schema = options.schema as JsonSchema;
    this.#validate = validatorFor(options.schema, options.node);
    const result = this.#check(options.values ?? {});
    if (typeof result === "string") throw new PerceptionError("parameter", result);
    this.#values = result;
  }

  get<V extends ParameterValue = ParameterValue>(name: string): V {
    if (!Object.hasOwn(this.#values, name)) {
      throw new PerceptionError("parameter", `parameter '${name}' is not declared`, {
        node: this.node,
      });
    }
    return this.#values[name] as V;
  }

  all(): Readonly<Record<string, ParameterValue>> {
    return this.#values;
  }

  onChange(callback: (changes: Readonly<Record<string, ParameterValue>>) => void): void {
    this.#callbacks.push(callback);
  }

  /**
   * Applies changes atomically: all or none. Rejected (with the reason) when a name is undeclared,
   * a value changes type or fails the schema, or an onChange callback throws; at `runtime` (ros2
   * param set) also when a parameter is read-only. `startup` is for the values a transport is given
   * when the node starts (`--ros-args -p`), which read-only parameters take.
   */
  set(changes: Record<string, ParameterValue>, phase: SetPhase = "runtime"): SetParametersResult {
    const refused = this.#refusal(changes, phase);
    if (typeof refused === "string") return reject(refused);
    const result = refused;
    const applied: Record<string, ParameterValue> = {};
    for (const name of Object.keys(changes)) applied[name] = result[name]!;
    for (const callback of this.#callbacks) {
      try {
        callback(Object.freeze({ ...applied }));
      } catch (err) {
        return reject(`${this.node} rejected the change: ${errorMessage(err)}`);
      }
    }
    this.#values = result;
    return { successful: true, reason: "" };
  }

  /**
   * Whether `set(changes)` at run time would pass the store's own checks (declared, writable,
   * same type, schema), without applying anything or asking the onChange callbacks.
   */
  check(changes: Record<string, ParameterValue>): SetParametersResult {
    const refused = this.#refusal(changes, "runtime");
    return typeof refused === "string" ? reject(refused) : { successful: true, reason: "" };
  }

  /** The reason the changes are refused, or the validated values they would give. */
  #refusal(
    changes: Record<string, ParameterValue>,
    phase: SetPhase,
  ): Readonly<Record<string, ParameterValue>> | string {
    for (const [name, value] of Object.entries(changes)) {
      if (!Object.hasOwn(this.#values, name)) {
        return `node ${this.node} has no parameter '${name}' (declared: ${Object.keys(this.#values).sort().join(", ")})`;
      }
      if (phase === "runtime" && schemaAt(this.#schema, name)?.readOnly) {
        return `parameter '${name}' is read-only: it is applied when ${this.node} starts (set it in the parameter file, a launch argument or --ros-args -p, and restart the node)`;
      }
      const before = kindOf(this.#values[name]!);
      const after = kindOf(value);
      if (before !== after && !(before === "array" && Array.isArray(value) && value.length === 0)) {
        return `parameter '${name}' is a ${before}, cannot set a ${after} (${JSON.stringify(value)})`;
      }
    }
    return this.#check({ ...this.#values, ...changes });
  }

  /** Every declared parameter with its schema description, sorted by name. */
  describe(): ParameterDescription[] {
    return Object.keys(this.#values)
      .sort()
      .map((name) => {
        const s = schemaAt(this.#schema, name);
        const value = this.#values[name]!;
        return {
          name,
          value,
          description: s?.description ?? "",
          readOnly: s?.readOnly === true,
          type: rosTypeOf(value, s),
        };
      });
  }

  /** Validated flat values, or the error message. */
  #check(input: Record<string, ParameterValue>): Readonly<Record<string, ParameterValue>> | string {
    // use_sim_time is every ROS 2 node's parameter: accepted (boolean, default false) even when the schema omits it.
    const builtinSimTime = this.#schema.properties?.[USE_SIM_TIME] === undefined;
    const flat = { ...input };
    let useSimTime: ParameterValue = false;
    if (builtinSimTime) {
      if (USE_SIM_TIME in flat) {
        useSimTime = flat[USE_SIM_TIME]!;
        delete flat[USE_SIM_TIME];
        if (typeof useSimTime !== "boolean")
          return `node ${this.node}: parameter '${USE_SIM_TIME}' must be boolean, found ${JSON.stringify(useSimTime)}`;
      }
    }
    const nested = nest(flat, this.#schema);
    ensureObjects(nested, this.#schema);
    if (!this.#validate(nested))
      return describeErrors(this.node, this.#validate.errors ?? [], nested);
    const out: Record<string, ParameterValue> = {};
    flatten(nested, "", out);
    if (builtinSimTime) out[USE_SIM_TIME] = useSimTime;
    return Object.freeze(out);
  }
}

function reject(reason: string): SetParametersResult {
  return { successful: false, reason };
}

function kindOf(v: ParameterValue): string {
  return Array.isArray(v) ? "array" : typeof v;
}

function isObjectSchema(s: JsonSchema | undefined): boolean {
  return !!s && (s.type === "object" || (s.type === undefined && s.properties !== undefined));
}

/** The schema of a dotted name (flat key first, then nested objects). */
function schemaAt(schema: JsonSchema, name: string): JsonSchema | undefined {
  const direct = schema.properties?.[name];
  if (direct) return direct;
  const dot = name.indexOf(".");
  if (dot < 0) return undefined;
  const head = schema.properties?.[name.slice(0, dot)];
  return isObjectSchema(head) ? schemaAt(head!, name.slice(dot + 1)) : undefined;
}

/** Dotted names into the shape the schema describes (flat keys stay flat when the schema has them). */
function nest(flat: Record<string, ParameterValue>, schema: JsonSchema): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flat)) {
    let obj = root;
    let s: JsonSchema | undefined = schema;
    let rest = name;
    for (;;) {
      const dot = rest.indexOf(".");
      const head = dot < 0 ? rest : rest.slice(0, dot);
      if (dot < 0 || s?.properties?.[rest] || !isObjectSchema(s?.properties?.[head])) {
        obj[rest] = Array.isArray(value) ? [...value] : value;
        break;
      }
      s = s!.properties![head];
      const child = obj[head];
      obj = (
        typeof child === "object" && child !== null && !Array.isArray(child)
          ? child
          : (obj[head] = {})
      ) as Record<string, unknown>;
      rest = rest.slice(dot + 1);
    }
  }
  return root;
}

/** Creates the nested objects the schema declares so ajv fills their defaults. */
function ensureObjects(obj: Record<string, unknown>, schema: JsonSchema): void {
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (!isObjectSchema(sub)) continue;
    if (obj[key] === undefined) obj[key] = {};
    const child = obj[key];
    if (typeof child === "object" && child !== null && !Array.isArray(child))
      ensureObjects(child as Record<string, unknown>, sub);
  }
}

function flatten(
  obj: Record<string, unknown>,
  prefix: string,
  out: Record<string, ParameterValue>,
): void {
  for (const [key, value] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      flatten(value as Record<string, unknown>, name, out);
    else out[name] = value as ParameterValue;
  }
}

function valueAt(root: Record<string, unknown>, instancePath: string): unknown {
  let v: unknown = root;
  for (const part of instancePath.split("/").slice(1)) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

function describeErrors(
  node: string,
  errors: ErrorObject[],
  data: Record<string, unknown>,
): string {
  const lines = errors.map((e) => {
    const path = e.instancePath
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (e.keyword === "additionalProperties") {
      const name = [...path, String(e.params["additionalProperty"])].join(".");
      return `unknown parameter '${name}' (not in the node's schema)`;
    }
    if (e.keyword === "required") {
      const name = [...path, String(e.params["missingProperty"])].join(".");
      return `parameter '${name}' is required but not set`;
    }
    const name = path.join(".") || "(root)";
    const expected =
      e.keyword === "enum"
        ? `must be one of ${JSON.stringify(e.params["allowedValues"])}`
        : (e.message ?? e.keyword);
    return `parameter '${name}' ${expected}, found ${JSON.stringify(valueAt(data, e.instancePath))}`;
  });
  return `node ${node}: ${[...new Set(lines)].join("; ")}`;
}
