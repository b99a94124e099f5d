/**
 * The live transport's clocks and timers, owned by the project rather than by rclnodejs's
 * TimeSource: rclnodejs subscribes to `/clock` as *reliable*, so it never hears `ros2 bag play
 * --clock`, which publishes best effort (as rclcpp's TimeSource subscribes): node time stood still
 * and no timer fired. Here `/clock` is subscribed best effort, keep last 1 (rclcpp's ClockQoS),
 * which matches reliable and best-effort publishers alike.
 *
 * ROS time is the system clock. Sim time is the latest `/clock` message (zero before the first,
 * as in rclcpp); sim timers fire when `/clock` passes their due time, in order. When `/clock`
 * goes back (a second `ros2 bag play`, `-l`), the jump is counted and logged and every sim timer
 * restarts one period after the new time (rclcpp resets timers on a backward ROS time jump).
 */
import { errorMessage } from "../../core/errors.js";
import { nsToTime, type Time } from "../../core/time.js";
import type { MonotonicClock } from "../../core/monotonic-clock.js";
import { SimClock, SimTimerQueue, type TimerService } from "../clock.js";
import type { ClockKind, Timer } from "../../ros/node-api.js";

/** The topic sim time comes from. */
export const CLOCK_TOPIC = "/clock";

export interface LiveTimeSourceOptions {
  /** Where time jumps and timer errors are reported. */
  log: (level: "info" | "warn" | "error", message: string) => void;
  /** System time, ns since the epoch (default: the system clock; tests inject). */
  systemNowNs?: () => bigint;
  /** The run's clock timing sim-timer callbacks. */
  wallClock: MonotonicClock;
}

/** Counters for diagnostics and tests. */
export interface LiveTimeStats {
  /** `/clock` messages received. */
  clockMessages: number;
  /** Times `/clock` went backwards. */
  timeJumps: number;
  /** Sim timer ticks run. */
  simTicks: number;
}

export class LiveTimeSource {
  readonly #log: LiveTimeSourceOptions["log"];
  readonly #systemNowNs: () => bigint;
  readonly #sim = new SimClock(0n);
  readonly #simTimers: SimTimerQueue;
  readonly #wallTimers = new Set<ReturnType<typeof setInterval>>();
  #lastHeardNs: bigint | undefined;
  #firing: Promise<void> = Promise.resolve();
  #clockMessages = 0;
  #timeJumps = 0;

  constructor(options: LiveTimeSourceOptions) {
    this.#log = options.log;
    this.#systemNowNs = options.systemNowNs ?? systemNowNs;
    this.#simTimers = new SimTimerQueue(this.#sim, options.wallClock);
  }

  /** The time on a clock: the system clock, or the latest `/clock` (zero before the first). */
  now(kind: ClockKind): Time {
    return nsToTime(kind === "sim" ? this.#sim.ns : this.#systemNowNs());
  }

  stats(): LiveTimeStats {
    return {
      clockMessages: this.#clockMessages,
      timeJumps: this.#timeJumps,
      simTicks: this.#simTimers.fired,
    };
  }

  /**
   * A `/clock` message: sim time moves to it (backwards too: counted, logged, timers restarted)
   * and the sim timers due by then fire. Resolves when they have run.
   */
  onClock(ns: bigint): Promise<void> {
    this.#clockMessages++;
    const first = this.#lastHeardNs === undefined;
    const backSec =
      !first && ns < this.#lastHeardNs! ? Number(this.#lastHeardNs! - ns) / 1e9 : undefined;
    this.#lastHeardNs = ns;
    if (backSec !== undefined) {
      this.#timeJumps++;
      this.#log(
        "warn",
        `${CLOCK_TOPIC} went back by ${backSec.toFixed(3)} s (bag loop or a new play): sim timers restarted (time jump ${this.#timeJumps})`,
      );
    }
    // In arrival order: each tick sees the clock at its due time, then the clock moves to `ns`.
    this.#firing = this.#firing
      .then(async () => {
        if (first || backSec !== undefined) {
          this.#sim.jumpTo(ns);
          this.#simTimers.restart();
        }
        await this.#simTimers.fireUntil(ns, {
          settle: () => Promise.resolve(),
          onError: (owner, err) =>
            this.#log("error", `${owner} failed in a timer: ${errorMessage(err)}`),
        });
        this.#sim.set(ns);
      })
      .catch((err: unknown) => this.#log("error", `sim time at ${ns} ns: ${errorMessage(err)}`));
    return this.#firing;
  }

  /** Timers on one node's clock: sim timers when `kind()` is "sim" at creation, else system-clock intervals. */
  timersFor(kind: () => ClockKind): TimerService {
    return {
      create: (owner, periodNs, callback): Timer =>
        kind() === "sim"
          ? this.#simTimers.create(owner, periodNs, callback)
          : this.#wallTimer(owner, periodNs, callback),
    };
  }

  /** Stops every system-clock timer (sim timers stop with the `/clock` subscription). */
  dispose(): void {
    for (const t of this.#wallTimers) clearInterval(t);
    this.#wallTimers.clear();
  }

  #wallTimer(owner: string, periodNs: bigint, callback: () => void | Promise<void>): Timer {
    const fail = (err: unknown): void =>
      this.#log("error", `${owner} failed in a timer: ${errorMessage(err)}`);
    const handle = setInterval(
      () => {
        try {
          const r = callback();
          if (r && typeof (r as Promise<void>).then === "function")
            (r as Promise<void>).catch(fail);
        } catch (err) {
          fail(err);
        }
      },
      Math.max(1, Number(periodNs / 1_000_000n)),
    );
    this.#wallTimers.add(handle);
    return {
      cancel: () => {
        clearInterval(handle);
        this.#wallTimers.delete(handle);
      },
    };
  }
}

const EPOCH_OFFSET_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** System time in ns since the epoch, with the monotonic clock's resolution. */
function systemNowNs(): bigint {
  return process.hrtime.bigint() + EPOCH_OFFSET_NS;
}
