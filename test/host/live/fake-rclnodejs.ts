/**
 * A fake rclnodejs 2.x module with the API surface the live transport uses, recording what it is
 * asked to do. The real API is exercised on a ROS 2 Jazzy machine (docs/transport.md).
 */
import type {
  RclParameter,
  RclQos,
  RclSetParametersResult,
} from "../../../src/host/live/rclnodejs-api.js";

export interface FakeSubscription {
  node: string;
  type: string;
  topic: string;
  options: { qos?: RclQos | string; isRaw?: boolean };
  callback: (message: Buffer) => void;
}

export interface FakePublisher {
  node: string;
  type: string;
  topic: string;
  qos: unknown;
  published: Buffer[];
  destroyed: boolean;
  /** Subscriptions of other processes matched to it (a test sets it; rclnodejs's `subscriptionCount` adds the world's own). */
  remoteSubscriptions: number;
}

export interface FakeWorld {
  calls: string[];
  /** The argv rcl was given at init. */
  initArgv: string[] | undefined;
  /** True once the context is shut down (by shutdown() or rclnodejs's own SIGINT handler). */
  contextShutdown: boolean;
  /** Parameter overrides as `--ros-args -p` would give, by node full name. */
  cliOverrides: Record<string, Record<string, unknown>>;
  nodes: FakeNode[];
  publishers: FakePublisher[];
  subscriptions: FakeSubscription[];
  timers: Array<{ node: string; period: bigint; callback: () => void; cancelled: boolean }>;
  nowNs: bigint;
  module: Record<string, unknown>;
}

class FakeNode {
  readonly params = new Map<string, RclParameter>();
  readonly descriptors = new Map<string, { type: number; readOnly: boolean }>();
  /** As rclnodejs 2.x: created with the relative name `parameter_events` (so namespaced). */
  _parameterEventPublisher: { publish(m: Buffer | object): void; topic: string };
  readonly callbacks: Array<(p: RclParameter[]) => RclSetParametersResult> = [];
  spinning = false;
  destroyed = false;
  constructor(
    readonly world: FakeWorld,
    readonly nodeName: string,
    readonly ns: string,
  ) {
    this._parameterEventPublisher = this.createPublisher(
      "rcl_interfaces/msg/ParameterEvent",
      "parameter_events",
    );
  }
  get fullName(): string {
    return this.ns === "/" ? `/${this.nodeName}` : `${this.ns}/${this.nodeName}`;
  }
  name(): string {
    return this.nodeName;
  }
  namespace(): string {
    return this.ns;
  }
  now() {
    // As rclnodejs after its SIGINT handler shut the context down.
    if (this.world.contextShutdown)
      throw new TypeError("Cannot read properties of null (reading 'now')");
    return { nanoseconds: this.world.nowNs };
  }
  getClock() {
    return { now: () => this.now() };
  }
  createPublisher(type: string, topic: string, options?: { qos?: RclQos | string }) {
    const resolved = topic.startsWith("/") ? topic : `${this.ns === "/" ? "" : this.ns}/${topic}`;
    const entry: FakePublisher = {
      node: this.fullName,
      type,
      topic: resolved,
      qos: options?.qos,
      published: [],
      destroyed: false,
      remoteSubscriptions: 0,
    };
    this.world.publishers.push(entry);
    const world = this.world;
    return {
      topic: resolved,
      entry,
      publish: (m: Buffer | object) => {
        if (world.contextShutdown) throw new Error("publisher's context is invalid");
        if (entry.destroyed) throw new Error("publisher destroyed");
        entry.published.push(m as Buffer);
      },
      get subscriptionCount(): number {
        return (
          entry.remoteSubscriptions +
          world.subscriptions.filter((s) => s.topic === entry.topic).length
        );
      },
    };
  }
  destroyPublisher(publisher: { entry: FakePublisher }) {
    publisher.entry.destroyed = true;
  }
  createSubscription(
    type: string,
    topic: string,
    options: { qos?: RclQos | string; isRaw?: boolean },
    callback: (message: Buffer) => void,
  ) {
    this.world.subscriptions.push({ node: this.fullName, type, topic, options, callback });
    return { topic };
  }
  createTimer(period: bigint, callback: () => void) {
    if (typeof period !== "bigint")
      throw new TypeError("rclnodejs 2.x timer periods are bigint nanoseconds");
    const t = { node: this.fullName, period, callback, cancelled: false };
    this.world.timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }
  declareParameter(
    parameter: RclParameter,
    descriptor?: { name: string; type: number; readOnly?: boolean },
  ) {
    if (this.params.has(parameter.name))
      throw new Error(`parameter ${parameter.name} already declared`);
    if (descriptor && descriptor.type !== parameter.type)
      throw new Error(`descriptor type mismatch for ${parameter.name}`);
    if (parameter.type === 2 && typeof parameter.value !== "bigint")
      throw new TypeError(`integer parameter ${parameter.name} needs a bigint`);
    const override = this.world.cliOverrides[this.fullName]?.[parameter.name];
    const p = { name: parameter.name, type: parameter.type, value: override ?? parameter.value };
    this.params.set(p.name, p);
    this.descriptors.set(p.name, {
      type: descriptor?.type ?? p.type,
      readOnly: descriptor?.readOnly === true,
    });
    return p;
  }
  hasParameter(name: string) {
    return this.params.has(name);
  }
  getParameter(name: string) {
    return this.params.get(name)!;
  }
  /** rclnodejs 2.x's own check against the descriptors, with its texts. */
  _validateParameters(
    parameters: RclParameter[],
    declareParameterMode = false,
  ): RclSetParametersResult {
    for (const parameter of parameters) {
      const descriptor = this.descriptors.get(parameter.name);
      if (!descriptor)
        return { successful: false, reason: `Parameter ${parameter.name} has not been declared` };
      if (!declareParameterMode && descriptor.readOnly)
        return { successful: false, reason: `Parameter ${parameter.name} is readonly` };
      if (descriptor.type !== parameter.type)
        return { successful: false, reason: `Parameter ${parameter.name} does not  readonly` };
    }
    return { successful: true, reason: "" };
  }
  /** As `ros2 param set`: rclnodejs validates, the callbacks may veto, then an event is published. */
  setParameter(parameter: RclParameter): RclSetParametersResult {
    const valid = this._validateParameters([parameter]);
    if (!valid.successful) return valid;
    for (const cb of this.callbacks) {
      const r = cb([parameter]);
      if (!r.successful) return r;
    }
    this.params.set(parameter.name, parameter);
    this._parameterEventPublisher.publish({
      node: this.fullName,
      changed_parameters: [{ name: parameter.name, value: parameter.value }],
    });
    return { successful: true, reason: "" };
  }
  addOnSetParametersCallback(cb: (p: RclParameter[]) => RclSetParametersResult) {
    this.callbacks.push(cb);
  }
  spin() {
    this.spinning = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

export function fakeRclnodejs(): FakeWorld {
  const world: FakeWorld = {
    calls: [],
    initArgv: undefined,
    contextShutdown: false,
    cliOverrides: {},
    nodes: [],
    publishers: [],
    subscriptions: [],
    timers: [],
    nowNs: 1_700_000_000_000_000_000n,
    module: {},
  };
  // rclnodejs installs a SIGINT handler when imported that shuts every context down at once.
  const rclSignalHandler = (): void => {
    world.calls.push("rclnodejs signal handler");
    world.contextShutdown = true;
  };
  process.on("SIGINT", rclSignalHandler);
  class Parameter {
    constructor(
      readonly name: string,
      readonly type: number,
      public value?: unknown,
    ) {}
  }
  class ParameterDescriptor {
    constructor(
      readonly name: string,
      readonly type: number,
      readonly description = "",
      readonly readOnly = false,
    ) {}
  }
  class QoS {
    constructor(
      public history = 0,
      public depth = 0,
      public reliabilityPolicy = 0,
      public durability = 0,
    ) {}
  }
  class NodeOptions {
    parameterOverrides: unknown[] = [];
    automaticallyDeclareParametersFromOverrides = false;
    startParameterServices = true;
  }
  world.module = {
    init: async (_context?: unknown, argv?: string[]) => {
      world.calls.push("init");
      world.initArgv = argv;
    },
    removeSignalHandlers: () => {
      world.calls.push("removeSignalHandlers");
      process.off("SIGINT", rclSignalHandler);
    },
    shutdown: () => {
      world.calls.push("shutdown");
      world.contextShutdown = true;
    },
    isShutdown: () => world.calls.includes("shutdown"),
    Node: class extends FakeNode {
      constructor(name: string, namespace = "", _context?: unknown, options?: NodeOptions) {
        super(world, name, namespace || "/");
        world.calls.push(
          `node ${this.fullName} services=${String(options?.startParameterServices)}`,
        );
        // rclnodejs's TimeSource declares use_sim_time on every node (honouring overrides).
        this.declareParameter({ name: "use_sim_time", type: 1, value: false });
        world.nodes.push(this);
      }
    },
    NodeOptions,
    Parameter,
    ParameterDescriptor,
    QoS: Object.assign(QoS, {
      profileSensorData: "qos_profile_sensor_data",
      profileDefault: "qos_profile_default",
    }),
  };
  return world;
}

/** A loader failing as Node's import() does when rclnodejs is not installed (tests never import the real one). */
export async function notInstalledLoader(): Promise<never> {
  throw Object.assign(
    new Error("Cannot find package 'rclnodejs' imported from /app/src/host/live/load-rclnodejs.ts"),
    { code: "ERR_MODULE_NOT_FOUND" },
  );
}
