/**
 * A fake rclnodejs 2.x module with the API surface the live transport uses, recording what it is
 * asked to do. The real API is exercised on a ROS 2 Jazzy machine (docs/transport.md).
 */
import type { RclParameter, RclQos, RclSetParametersResult } from "../../../src/transport/live/rclnodejs-api.js";

export interface FakeSubscription {
  node: string;
  type: string;
  topic: string;
  options: { qos?: RclQos | string; isRaw?: boolean };
  callback: (message: Buffer) => void;
}

export interface FakeWorld {
  calls: string[];
  /** Parameter overrides as `--ros-args -p` would give, by node full name. */
  cliOverrides: Record<string, Record<string, unknown>>;
  nodes: FakeNode[];
  publishers: Array<{ node: string; type: string; topic: string; qos: unknown; published: Buffer[] }>;
  subscriptions: FakeSubscription[];
  timers: Array<{ node: string; period: bigint; callback: () => void; cancelled: boolean }>;
  nowNs: bigint;
  module: Record<string, unknown>;
}

class FakeNode {
  readonly params = new Map<string, RclParameter>();
  readonly callbacks: Array<(p: RclParameter[]) => RclSetParametersResult> = [];
  spinning = false;
  destroyed = false;
  constructor(
    readonly world: FakeWorld,
    readonly nodeName: string,
    readonly ns: string,
  ) {}
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
    return { nanoseconds: this.world.nowNs };
  }
  getClock() {
    return { now: () => this.now() };
  }
  createPublisher(type: string, topic: string, options?: { qos?: RclQos | string }) {
    const entry = { node: this.fullName, type, topic, qos: options?.qos, published: [] as Buffer[] };
    this.world.publishers.push(entry);
    return { publish: (m: Buffer | object) => void entry.published.push(m as Buffer) };
  }
  createSubscription(type: string, topic: string, options: { qos?: RclQos | string; isRaw?: boolean }, callback: (message: Buffer) => void) {
    this.world.subscriptions.push({ node: this.fullName, type, topic, options, callback });
    return { topic };
  }
  createTimer(period: bigint, callback: () => void) {
    if (typeof period !== "bigint") throw new TypeError("rclnodejs 2.x timer periods are bigint nanoseconds");
    const t = { node: this.fullName, period, callback, cancelled: false };
    this.world.timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }
  declareParameter(parameter: RclParameter, descriptor?: { name: string; type: number }) {
    if (this.params.has(parameter.name)) throw new Error(`parameter ${parameter.name} already declared`);
    if (descriptor && descriptor.type !== parameter.type) throw new Error(`descriptor type mismatch for ${parameter.name}`);
    if (parameter.type === 2 && typeof parameter.value !== "bigint") throw new TypeError(`integer parameter ${parameter.name} needs a bigint`);
    const override = this.world.cliOverrides[this.fullName]?.[parameter.name];
    const p = { name: parameter.name, type: parameter.type, value: override ?? parameter.value };
    this.params.set(p.name, p);
    return p;
  }
  hasParameter(name: string) {
    return this.params.has(name);
  }
  getParameter(name: string) {
    return this.params.get(name)!;
  }
  /** As `ros2 param set`: the callbacks may veto. */
  setParameter(parameter: RclParameter): RclSetParametersResult {
    for (const cb of this.callbacks) {
      const r = cb([parameter]);
      if (!r.successful) return r;
    }
    this.params.set(parameter.name, parameter);
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
  const world: FakeWorld = { calls: [], cliOverrides: {}, nodes: [], publishers: [], subscriptions: [], timers: [], nowNs: 1_700_000_000_000_000_000n, module: {} };
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
    init: async () => void world.calls.push("init"),
    shutdown: () => void world.calls.push("shutdown"),
    isShutdown: () => world.calls.includes("shutdown"),
    Node: class extends FakeNode {
      constructor(name: string, namespace = "", _context?: unknown, options?: NodeOptions) {
        super(world, name, namespace || "/");
        world.calls.push(`node ${this.fullName} services=${String(options?.startParameterServices)}`);
        // rclnodejs's TimeSource declares use_sim_time on every node (honouring overrides).
        this.declareParameter({ name: "use_sim_time", type: 1, value: false });
        world.nodes.push(this);
      }
    },
    NodeOptions,
    Parameter,
    ParameterDescriptor,
    QoS: Object.assign(QoS, { profileSensorData: "qos_profile_sensor_data", profileDefault: "qos_profile_default" }),
  };
  return world;
}

/** A loader failing as Node's import() does when rclnodejs is not installed (tests never import the real one). */
export async function notInstalledLoader(): Promise<never> {
  throw Object.assign(new Error("Cannot find package 'rclnodejs' imported from /app/src/transport/live/load-rclnodejs.ts"), { code: "ERR_MODULE_NOT_FOUND" });
}
