/**
 * The part of rclnodejs 2.x the live transport uses, typed here so the project type-checks
 * without rclnodejs installed (it is an optional dependency, loaded lazily). Written against
 * rclnodejs's own declarations (types/node.d.ts, qos.d.ts, parameter.d.ts, timer.d.ts): timer
 * periods are bigint nanoseconds (since 0.31), integer parameter values are bigint.
 * The real module is exercised on a ROS 2 Jazzy machine; tests here inject a fake.
 */

/** rcl_interfaces/ParameterType. */
export const RclParameterType = {
  PARAMETER_NOT_SET: 0,
  PARAMETER_BOOL: 1,
  PARAMETER_INTEGER: 2,
  PARAMETER_DOUBLE: 3,
  PARAMETER_STRING: 4,
  PARAMETER_BYTE_ARRAY: 5,
  PARAMETER_BOOL_ARRAY: 6,
  PARAMETER_INTEGER_ARRAY: 7,
  PARAMETER_DOUBLE_ARRAY: 8,
  PARAMETER_STRING_ARRAY: 9,
} as const;

/** rmw QoS policy values (rclnodejs `QoS.HistoryPolicy` etc.). */
export const RclQosPolicy = {
  HISTORY_KEEP_LAST: 1,
  RELIABILITY_RELIABLE: 1,
  RELIABILITY_BEST_EFFORT: 2,
  DURABILITY_TRANSIENT_LOCAL: 1,
  DURABILITY_VOLATILE: 2,
} as const;

export interface RclQos {
  history: number;
  depth: number;
}

export interface RclParameter {
  readonly name: string;
  readonly type: number;
  value: unknown;
}

export interface RclParameterDescriptor {
  readonly name: string;
  readonly type: number;
}

export interface RclTime {
  /** Nanoseconds since the epoch (ROS time or sim time). */
  readonly nanoseconds: bigint;
}

export interface RclPublisher {
  /** Publishes a message object, or pre-serialised CDR bytes when given a Buffer. */
  publish(message: Buffer | object): void;
  /** Subscriptions matched to this publisher (rcl_publisher_get_subscription_count); absent in older rclnodejs. */
  readonly subscriptionCount?: number;
}

export interface RclSubscription {
  readonly topic: string;
}

export interface RclTimer {
  cancel(): void;
}

export interface RclSetParametersResult {
  successful: boolean;
  reason: string;
}

export interface RclNodeOptions {
  /** Parameter overrides applied when a parameter is declared. */
  parameterOverrides: RclParameter[];
  automaticallyDeclareParametersFromOverrides: boolean;
  startParameterServices: boolean;
}

export interface RclNode {
  name(): string;
  namespace(): string;
  now(): RclTime;
  getClock(): { now(): RclTime };
  createPublisher(
    typeClass: string,
    topic: string,
    options?: { qos?: RclQos | string; isRaw?: boolean },
  ): RclPublisher;
  destroyPublisher(publisher: RclPublisher): void;
  /** With `isRaw: true` the callback receives the serialised CDR message as a Buffer. */
  createSubscription(
    typeClass: string,
    topic: string,
    options: { qos?: RclQos | string; isRaw?: boolean },
    callback: (message: Buffer) => void,
  ): RclSubscription;
  /** Period in nanoseconds (bigint) on the node's clock (sim time when use_sim_time is true). */
  createTimer(period: bigint, callback: () => void): RclTimer;
  declareParameter(
    parameter: RclParameter,
    descriptor?: RclParameterDescriptor,
    ignoreOverride?: boolean,
  ): RclParameter;
  hasParameter(name: string): boolean;
  getParameter(name: string): RclParameter;
  setParameter(parameter: RclParameter): RclSetParametersResult;
  addOnSetParametersCallback(
    callback: (parameters: RclParameter[]) => RclSetParametersResult,
  ): void;
  spin(timeout?: number): void;
  destroy(): void;
}

/** The module's shape (`import("rclnodejs")`, default export or namespace). */
export interface RclnodejsModule {
  /**
   * `argv` is what rcl parses (default process.argv): only `--ros-args ...` may reach it, or rcl
   * takes every `name:=value` for a deprecated remap rule.
   */
  init(context?: unknown, argv?: string[]): Promise<void>;
  shutdown(): void;
  isShutdown?(): boolean;
  /**
   * Removes the SIGINT handler rclnodejs installs when it is imported, which shuts every context
   * down at once (before the application could publish its last outputs and dispose its nodes).
   */
  removeSignalHandlers?(): void;
  Node: new (
    name: string,
    namespace?: string,
    context?: unknown,
    options?: RclNodeOptions,
  ) => RclNode;
  NodeOptions: new () => RclNodeOptions;
  Parameter: new (name: string, type: number, value?: unknown) => RclParameter;
  ParameterDescriptor: new (
    name: string,
    type: number,
    description?: string,
    readOnly?: boolean,
  ) => RclParameterDescriptor;
  QoS: (new (
    history?: number,
    depth?: number,
    reliability?: number,
    durability?: number,
  ) => RclQos) & {
    profileSensorData: string;
    profileDefault: string;
  };
}
