/** Hosts one node on the transport's real in-process bus and sim clock, for node tests. */
import { realClock } from "../../src/core/monotonic-clock.js";
import { InProcessBus } from "../../src/host/bus.js";
import { SimClock, SimTimerQueue } from "../../src/host/clock.js";
import type { ParameterValue } from "../../src/ros/node-api.js";
import { createNodeHandle, type HostedNode } from "../../src/host/node-handle.js";
import { createRunServices, type RunServices } from "../../src/host/run-services.js";
import type { NodeInstance, NodeSpec } from "../../src/ros/node-spec.js";

export const START = 1_700_000_000_000_000_000n;

export interface Harness {
  hosted: HostedNode;
  instance: NodeInstance;
  /** Messages published on each watched topic. */
  outputs: Record<string, any[]>;
  /** Advances the sim clock to `ns` (firing timers) and delivers a message, then waits for the node. */
  feed(topic: string, message: unknown, ns: bigint): Promise<void>;
  /**
   * Delivers a message at the clock's present time without waiting for the node (and without
   * firing timers, which would): messages injected back to back reach a node that is still busy
   * with the first, as from a live camera.
   */
  inject(topic: string, message: unknown): void;
  /** Waits until the bus is drained and the node idle. */
  settle(): Promise<void>;
  /** Advances the clock only (timers fire). */
  advance(ns: bigint): Promise<void>;
  /** Moves the clock back to `ns` (a bag loop, a second play), timers restarting from there as live. */
  jumpTo(ns: bigint): void;
  /** Log lines the node wrote: `level: message`. */
  logs: string[];
}

export async function hostNode(
  spec: Omit<NodeSpec, "parameters"> & { parameters: Record<string, ParameterValue> },
  watch: string[],
  /** The run's services (a fresh set when absent). */
  services: RunServices = createRunServices(),
): Promise<Harness> {
  const clock = new SimClock(START);
  const timers = new SimTimerQueue(clock, realClock);
  const bus = new InProcessBus({
    now: () => clock.now(),
    wallClock: realClock,
    onCallbackError: (_n, _t, e) => {
      throw e;
    },
  });
  const logs: string[] = [];
  const hosted = createNodeHandle({
    spec,
    bus,
    timers,
    now: () => clock.now(),
    wallClock: realClock,
    clockKind: "sim",
    logSink: (level, _source, message) => void logs.push(`${level}: ${message}`),
    services,
  });
  const instance = await spec.create(hosted.handle);
  const outputs: Record<string, any[]> = {};
  for (const topic of watch) {
    outputs[topic] = [];
    bus.subscribe("test", topic, 1000, (m) => void outputs[topic]!.push(m));
  }
  const settle = async (): Promise<void> => {
    await bus.idle();
    await instance.idle?.();
    await bus.idle();
  };
  const advance = async (ns: bigint): Promise<void> => {
    await timers.fireUntil(ns, {
      settle,
      onError: (_o, e) => {
        throw e;
      },
    });
    clock.set(ns);
  };
  return {
    hosted,
    instance,
    outputs,
    advance,
    logs,
    jumpTo(ns) {
      clock.jumpTo(ns);
      timers.restart();
    },
    settle,
    inject(topic, message) {
      bus.inject(topic, message, { topic, receiveTime: clock.now() });
    },
    async feed(topic, message, ns) {
      await advance(ns);
      bus.inject(topic, message, { topic, receiveTime: clock.now() });
      await settle();
    },
  };
}
