/**
 * The wall clock of a realtime replay: bag time is mapped onto the wall clock from the first
 * message on (at `rate` times real time), each message is offered when its log time comes due, as
 * a camera and a driver would deliver it, and how late each offer went out (the event loop was
 * busy) is kept. Nothing waits for the nodes: what they cannot keep up with is theirs to drop.
 */
import { PerceptionError } from "../../core/errors.js";
import type { MonotonicClock } from "../../core/monotonic-clock.js";
import { percentile } from "../../core/percentile.js";
import { sleep } from "../../core/sleep.js";

export interface RealtimePacerOptions {
  /** Bag seconds per wall second (1 = the camera's own rate; 2 = the camera at twice its rate). */
  rate: number;
  /** The run's wall clock. */
  clock: MonotonicClock;
  /** Waits `ms` of wall time or until the signal aborts (default a timer; tests inject one). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** How late offers went out against their due wall time, ms. */
export interface OfferLateness {
  /** Offers made. */
  offers: number;
  /** Median and 99th percentile of the lateness, ms. */
  p50Ms: number;
  p99Ms: number;
  /** The latest offer, ms. */
  maxMs: number;
}

export class RealtimePacer {
  readonly rate: number;
  readonly #wallMs: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #origin?: { ns: bigint; wallMs: number };
  readonly #lateness: number[] = [];

  constructor(options: RealtimePacerOptions) {
    if (!Number.isFinite(options.rate) || options.rate <= 0)
      throw new PerceptionError(
        "parameter",
        `realtime rate must be a positive number, got ${String(options.rate)}`,
      );
    this.rate = options.rate;
    this.#wallMs = () => options.clock.nowMs();
    this.#sleep = options.sleep ?? sleep;
  }

  /** True once the first message fixed the mapping of bag time onto the wall clock. */
  get started(): boolean {
    return this.#origin !== undefined;
  }

  /** The wall time (ms, on the pacer's clock) at which bag time `ns` is due; NaN before the start. */
  wallMsOf(ns: bigint): number {
    const o = this.#origin;
    return o ? o.wallMs + Number(ns - o.ns) / 1e6 / this.rate : NaN;
  }

  /** Bag time now on the wall clock, ns (the bag time of the start before it). */
  bagNowNs(): bigint {
    const o = this.#origin;
    if (!o) return 0n;
    return o.ns + BigInt(Math.floor((this.#wallMs() - o.wallMs) * 1e6 * this.rate));
  }

  /** Wall ms now, on the pacer's clock. */
  wallNowMs(): number {
    return this.#wallMs();
  }

  /**
   * Waits until bag time `ns` is due (the first call starts the clock and returns at once) and
   * records how late the offer is. Returns that lateness, ms (0 when on time).
   */
  async waitFor(ns: bigint, signal?: AbortSignal): Promise<number> {
    if (!this.#origin) this.#origin = { ns, wallMs: this.#wallMs() };
    const due = this.wallMsOf(ns);
    const wait = due - this.#wallMs();
    if (wait > 0) await this.#sleep(wait, signal);
    const late = Math.max(0, this.#wallMs() - due);
    this.#lateness.push(late);
    return late;
  }

  /** Lateness of the offers so far. */
  lateness(): OfferLateness {
    const sorted = [...this.#lateness].sort((a, b) => a - b);
    return {
      offers: sorted.length,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? NaN,
    };
  }
}
