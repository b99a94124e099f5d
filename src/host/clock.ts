/** Clocks and timers the transports give their nodes. */
import type { MonotonicClock } from "../core/monotonic-clock.js";
import { nsToTime, type Time } from "../core/time.js";
import { PerceptionError } from "../core/errors.js";
import type { Timer } from "../ros/node-api.js";

/** Creates timers on a transport's clock. */
export interface TimerService {
  /** A periodic timer owned by `owner` (a node's full name), first firing one period from now. */
  create(owner: string, periodNs: bigint, callback: () => void | Promise<void>): Timer;
}

/** Converts a timer period in seconds to nanoseconds; throws a `ros` PerceptionError when not positive. */
export function periodToNs(periodSec: number): bigint {
  if (!Number.isFinite(periodSec) || periodSec <= 0)
    throw new PerceptionError(
      "ros",
      `timer period must be a positive number of seconds, got ${periodSec}`,
    );
  const ns = BigInt(Math.round(periodSec * 1e9));
  return ns > 0n ? ns : 1n;
}

/** Simulated time, set by the replay loop (message log times, timer due times). */
export class SimClock {
  #ns: bigint;

  constructor(startNs: bigint) {
    this.#ns = startNs;
  }

  get ns(): bigint {
    return this.#ns;
  }

  /** Moves the clock; never backwards (a bag's log times are sorted; equal times are fine). */
  set(ns: bigint): void {
    if (ns > this.#ns) this.#ns = ns;
  }

  /** Moves the clock to `ns`, backwards too (live /clock after a bag loop or a second play). */
  jumpTo(ns: bigint): void {
    this.#ns = ns;
  }

  now(): Time {
    return nsToTime(this.#ns);
  }
}

interface SimTimer {
  readonly seq: number;
  readonly owner: string;
  readonly periodNs: bigint;
  readonly callback: () => void | Promise<void>;
  due: bigint;
  cancelled: boolean;
}

/** What a timer tick gets from the replay loop. */
export interface SimTimerHooks {
  /** Runs after each callback until the whole graph is idle again. */
  settle(): Promise<void>;
  /** A callback threw or rejected. */
  onError(owner: string, error: unknown): void;
}

/**
 * Timers on a SimClock. Every tick fires at its exact due time, in due-time order (creation order
 * for equal times), when the replay loop advances the clock; after a gap longer than
 * `maxCatchUpTicks` periods the missed ticks are skipped (counted in `skippedTicks`) and the timer
 * fires once, at its latest due time.
 */
export class SimTimerQueue implements TimerService {
  readonly #clock: SimClock;
  readonly #wallClock: MonotonicClock;
  readonly #timers: SimTimer[] = [];
  readonly #maxCatchUpTicks: bigint;
  #seq = 0;
  /** Ticks skipped after long gaps in the bag. */
  skippedTicks = 0;
  /** Callbacks run. */
  fired = 0;
  /** Time spent in timer callbacks (until their promise settled), ms. */
  callbackMs = 0;

  /** `wallClock` times the callbacks (`callbackMs`); `clock` is the sim time the timers follow. */
  constructor(clock: SimClock, wallClock: MonotonicClock, maxCatchUpTicks = 1000) {
    this.#clock = clock;
    this.#wallClock = wallClock;
    this.#maxCatchUpTicks = BigInt(maxCatchUpTicks);
  }

  create(owner: string, periodNs: bigint, callback: () => void | Promise<void>): Timer {
    if (periodNs <= 0n)
      throw new PerceptionError("ros", `timer period must be positive, got ${periodNs} ns`, {
        node: owner,
      });
    const timer: SimTimer = {
      seq: this.#seq++,
      owner,
      periodNs,
      callback,
      due: this.#clock.ns + periodNs,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
      },
    };
  }

  /**
   * After the clock jumped back: every timer's next tick is one period after the clock's time (as
   * rclcpp resets timers on a ROS time jump back), so timers keep firing in the new time line.
   */
  restart(): void {
    for (const t of this.#timers) t.due = this.#clock.ns + t.periodNs;
  }

  /** Fires, in order, every tick due at or before `untilNs`, moving the clock to each due time. */
  async fireUntil(untilNs: bigint, hooks: SimTimerHooks): Promise<void> {
    for (;;) {
      let next: SimTimer | undefined;
      for (const t of this.#timers) {
        if (
          t.due <= untilNs &&
          (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))
        )
          next = t;
      }
      if (!next) return;
      const missed = (untilNs - next.due) / next.periodNs;
      if (missed > this.#maxCatchUpTicks) {
        next.due += missed * next.periodNs;
        this.skippedTicks += Number(missed);
      }
      this.#clock.set(next.due);
      next.due += next.periodNs;
      const start = this.#wallClock.nowMs();
      try {
        this.fired++;
        await next.callback();
      } catch (err) {
        hooks.onError(next.owner, err);
      }
      this.callbackMs += this.#wallClock.nowMs() - start;
      await hooks.settle();
    }
  }
}
