/**
 * The services the host creates once per run and hands to that run's nodes
 * (`NodeHandle.service(key)`): what nodes of one process share goes here, never in module-level
 * state, so two runs in one process (two graphs, two replays) share nothing.
 */
import { PerceptionError } from "../core/errors.js";
import { DECODED_FRAMES } from "../nodes/common/decoded-frames.js";
import type { RunServiceKey } from "../ros/node-api.js";
import { DecodedFrameCache } from "./decoded-frame-cache.js";

export class RunServices {
  readonly #services = new Map<RunServiceKey<unknown>, unknown>();

  /** Registers the run's instance of a service (replacing any earlier one). */
  provide<T>(key: RunServiceKey<T>, service: T): this {
    this.#services.set(key, service);
    return this;
  }

  /** The run's instance of a service; a `ros` PerceptionError naming it when this run has none. */
  get<T>(key: RunServiceKey<T>): T {
    if (!this.#services.has(key))
      throw new PerceptionError(
        "ros",
        `no '${key.name}' service in this run: the host did not provide it`,
        { service: key.name },
      );
    return this.#services.get(key) as T;
  }
}

/** The services of a new run: its own decoded-frame cache. */
export function createRunServices(): RunServices {
  return new RunServices().provide(DECODED_FRAMES, new DecodedFrameCache());
}
