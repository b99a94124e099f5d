/**
 * Per-model scheduling of camera frames: each model runs at its own rate in node-clock time (the
 * frames' stamps), the newest frame wins (a model holds at most one pending frame; a replaced one
 * counts as a drop), and independent models run concurrently (each ModelSession infers on its own
 * worker thread, src/models/ort-worker.ts, so two async runs overlap on two cores). Decisions depend only on the stamps and
 * on which runs are in flight, so under replay (which waits for `idle()` after every message)
 * the same bag gives the same decisions.
 */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { timeToNs, type Time } from "../../core/time.js";

/** One model the scheduler feeds. */
export interface ScheduledModel<F> {
  /** Unique name, used in counters ("pedestrians"). */
  name: string;
  /** Frames per second of node-clock time the model may start (> 0). */
  rateHz: number;
  /**
   * Where the model's periods start in the stamps, seconds (>= 0): after the first frame (always
   * taken), the model takes the first frame at or after each stamp k / rateHz + phaseS (k whole;
   * the camera clock), so processes agree on the frames whatever their start, and models with
   * different phases take different frames (their work does not pile up on one frame); the first
   * two frames can be less than a period apart. Undefined: the periods start at the first frame.
   */
  phaseS?: number;
  /** Processes one frame; the scheduler waits for the promise before starting the model again. */
  run(frame: F, stamp: Time, context: RunContext): void | Promise<void>;
}

/** What the scheduler knows of a run's frame beyond its stamp. */
export interface RunContext {
  /**
   * The frame arrived while the model ran an older one and waited for it (the model is behind the
   * camera; never in replay that settles between messages).
   */
  waited: boolean;
  /**
   * Aborts when a newer frame is offered to the model while this run is still going (it becomes
   * the pending frame): the run's optional work can stop so the newer frame starts sooner. Never
   * aborts in replay that settles between messages.
   */
  newerFrame: AbortSignal;
}

export interface FrameSchedulerOptions<F> {
  /** The models, each scheduled independently. */
  models: ReadonlyArray<ScheduledModel<F>>;
  /**
   * Stamp jitter tolerated when checking the rate, as a fraction of the period (default 0.1): a
   * 30 Hz camera at 15 Hz gives every other frame even when stamps wobble.
   */
  jitterFraction?: number;
  /** Called when a model's run throws or rejects (the scheduler goes on); default: rethrown from `idle()`. */
  onError?: (model: string, error: unknown) => void;
}

/** Counters of one model. */
export interface ModelCounters {
  /** Frames offered to the model. */
  offered: number;
  /** Runs started. */
  started: number;
  /** Runs that finished (successfully or not). */
  completed: number;
  /** Runs that threw or rejected. */
  failed: number;
  /** Pending frames replaced by a newer one while the model was busy (newest frame wins). */
  droppedReplaced: number;
  /** Frames skipped because they came sooner than the model's rate allows. */
  skippedRate: number;
  /** Times a stamp went backwards past one period (bag loop, clock reset): the rate window restarted. */
  timeJumps: number;
}

/** A model's rate window: which stamps it may take next. */
interface RateWindow {
  periodNs: bigint;
  /** With `ScheduledModel.phaseS`: the grid of stamps k / rate + phase; undefined: periods from the first frame. */
  grid?: StampGrid;
  /** Earliest stamp (ns) the next frame may have; undefined before the first run. */
  nextDueNs?: bigint;
  lastStampNs?: bigint;
}

/** The stamps k / rate + phase (k whole), exactly: the rate in mHz, so 15 Hz is 66666666.67 ns, not a rounded period. */
interface StampGrid {
  phaseNs: bigint;
  rateMilliHz: bigint;
}

const NS_PER_MILLIHZ_PERIOD = 1_000_000_000_000n; // 1e9 ns/s * 1e3 mHz/Hz

function stampGrid(rateHz: number, phaseNs: bigint): StampGrid {
  const milli = Math.max(1, Math.round(rateHz * 1000));
  return { phaseNs, rateMilliHz: BigInt(milli) };
}

/** The first stamp of the grid at or after `ns` (each grid stamp rounded down to whole ns). */
function gridAtOrAfter(g: StampGrid, ns: bigint): bigint {
  const at = (k: bigint): bigint => {
    const t = k * NS_PER_MILLIHZ_PERIOD;
    // Floor division for negative k as well (BigInt division truncates toward zero).
    const q = t / g.rateMilliHz;
    return g.phaseNs + (q * g.rateMilliHz > t ? q - 1n : q);
  };
  const d = (ns - g.phaseNs) * g.rateMilliHz;
  let k = d / NS_PER_MILLIHZ_PERIOD;
  if (k * NS_PER_MILLIHZ_PERIOD < d) k += 1n; // ceiling (truncation already is for d < 0)
  while (at(k) < ns) k += 1n;
  while (at(k - 1n) >= ns) k -= 1n;
  return at(k);
}

interface ModelState<F> extends RateWindow {
  model: ScheduledModel<F>;
  running: boolean;
  /** Aborted when a newer frame becomes pending while the current run goes on. */
  newerFrame?: AbortController;
  pending?: { frame: F; stamp: Time };
  counters: ModelCounters;
  /** The window as `predictTake` advanced it over announced stamps (ahead of the real one), and those stamps not offered yet, oldest first. */
  predicted?: RateWindow & { notOffered: bigint[] };
}

/**
 * Moves a rate window on by one frame stamp: whether the frame is due (else skipped by rate) and
 * whether the stamp jumped back past one period (the window restarts). The one rule for offers and
 * for predictions.
 */
function admit(
  w: RateWindow,
  ns: bigint,
  jitterFraction: number,
): { due: boolean; timeJump: boolean } {
  let timeJump = false;
  if (w.lastStampNs !== undefined && ns + w.periodNs < w.lastStampNs) {
    timeJump = true;
    w.nextDueNs = undefined;
  }
  w.lastStampNs = ns;
  const tolerance = BigInt(Math.round(Number(w.periodNs) * jitterFraction));
  if (w.nextDueNs !== undefined && ns < w.nextDueNs - tolerance) return { due: false, timeJump };
  // Advance the window by one period (no drift); restart it after a long gap: from this frame, or
  // with a phase at the next stamp of the grid (the grid stamp this frame counts for is passed).
  const restart = w.nextDueNs === undefined || ns - w.nextDueNs >= w.periodNs;
  if (w.grid)
    w.nextDueNs = gridAtOrAfter(w.grid, restart ? ns + tolerance + 1n : w.nextDueNs! + 1n);
  else w.nextDueNs = restart ? ns + w.periodNs : w.nextDueNs! + w.periodNs;
  return { due: true, timeJump };
}

function stampGridOf(
  model: string,
  rateHz: number,
  phaseS: number | undefined,
): StampGrid | undefined {
  if (phaseS === undefined) return undefined;
  if (!(Number.isFinite(phaseS) && phaseS >= 0))
    throw new PerceptionError(
      "parameter",
      `model '${model}': rate phase must be a number of seconds >= 0, got ${phaseS}`,
    );
  return stampGrid(rateHz, BigInt(Math.round(phaseS * 1e9)));
}

function periodNsOf(model: string, rateHz: number): bigint {
  if (!Number.isFinite(rateHz) || rateHz <= 0)
    throw new PerceptionError(
      "parameter",
      `model '${model}': rate must be a positive number of Hz, got ${rateHz}`,
    );
  return BigInt(Math.round(1e9 / rateHz));
}

export class FrameScheduler<F> {
  readonly #states = new Map<string, ModelState<F>>();
  readonly #jitter: number;
  readonly #onError?: (model: string, error: unknown) => void;
  #inFlight = 0;
  #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #unreportedErrors: unknown[] = [];
  #disposed = false;

  constructor(options: FrameSchedulerOptions<F>) {
    this.#jitter = options.jitterFraction ?? 0.1;
    this.#onError = options.onError;
    for (const model of options.models) {
      if (this.#states.has(model.name))
        throw new PerceptionError("parameter", `model '${model.name}' is scheduled twice`);
      this.#states.set(model.name, {
        model,
        periodNs: periodNsOf(model.name, model.rateHz),
        grid: stampGridOf(model.name, model.rateHz, model.phaseS),
        running: false,
        counters: {
          offered: 0,
          started: 0,
          completed: 0,
          failed: 0,
          droppedReplaced: 0,
          skippedRate: 0,
          timeJumps: 0,
        },
      });
    }
  }

  /** Offers a frame to every model. */
  offer(frame: F, stamp: Time): void {
    for (const name of this.#states.keys()) this.offerTo(name, frame, stamp);
  }

  /** Offers a frame to one model: started now, kept as the pending frame while busy, or skipped by rate. */
  offerTo(model: string, frame: F, stamp: Time): void {
    if (this.#disposed) return;
    const s = this.#state(model);
    s.counters.offered++;
    if (s.predicted) {
      s.predicted.notOffered.shift();
      if (s.predicted.notOffered.length === 0) s.predicted = undefined; // the real window caught up
    }
    const { due, timeJump } = admit(s, timeToNs(stamp), this.#jitter);
    if (timeJump) s.counters.timeJumps++;
    if (!due) {
      s.counters.skippedRate++;
      return;
    }
    if (s.running) {
      if (s.pending) s.counters.droppedReplaced++;
      s.pending = { frame, stamp };
      s.newerFrame?.abort();
      return;
    }
    this.#start(s, frame, stamp, false);
  }

  /**
   * Whether a frame with this stamp, offered next, would be taken by some model rather than skipped
   * by rate (a prediction for work started ahead, e.g. decoding; nothing changes).
   */
  wouldTake(stamp: Time): boolean {
    if (this.#disposed) return false;
    const ns = timeToNs(stamp);
    for (const s of this.#states.values()) {
      if (
        admit(
          {
            periodNs: s.periodNs,
            grid: s.grid,
            nextDueNs: s.nextDueNs,
            lastStampNs: s.lastStampNs,
          },
          ns,
          this.#jitter,
        ).due
      )
        return true;
    }
    return false;
  }

  /**
   * Predicts, for frames announced ahead in the order they will be offered (replay's look-ahead),
   * whether some model will take each one: a copy of every rate window is moved on over the
   * announced stamps, taken afresh from the real window once every announced frame was offered.
   * Each announced frame must be passed once, in order, and offered later; nothing real changes.
   * Used to start pure work early (decoding, inference) for the frames that will be processed.
   */
  predictTake(stamp: Time): boolean {
    if (this.#disposed) return false;
    const ns = timeToNs(stamp);
    let taken = false;
    for (const s of this.#states.values()) {
      if (s.predicted?.periodNs !== s.periodNs) {
        // First prediction, or the rate changed since: from the real window, moved on over the
        // stamps announced before and not offered yet (with the rate now in force).
        const outstanding = s.predicted?.notOffered ?? [];
        s.predicted = {
          periodNs: s.periodNs,
          grid: s.grid,
          nextDueNs: s.nextDueNs,
          lastStampNs: s.lastStampNs,
          notOffered: [],
        };
        for (const earlier of outstanding) {
          admit(s.predicted, earlier, this.#jitter);
          s.predicted.notOffered.push(earlier);
        }
      }
      s.predicted.notOffered.push(ns);
      if (admit(s.predicted, ns, this.#jitter).due) taken = true;
    }
    return taken;
  }

  /** The frame waiting for a busy model (newest frame wins), if any. */
  pendingFrame(model: string): F | undefined {
    return this.#state(model).pending?.frame;
  }

  /**
   * Changes a model's rate at run time (a parameter change): the next frame is due one new period
   * after the last start (with a phase: the first stamp of the new grid from there).
   */
  setRate(model: string, rateHz: number): void {
    const s = this.#state(model);
    const periodNs = periodNsOf(model, rateHz);
    const before = s.periodNs;
    s.periodNs = periodNs;
    if (s.grid) s.grid = stampGrid(rateHz, s.grid.phaseNs);
    if (s.nextDueNs !== undefined) {
      s.nextDueNs += periodNs - before;
      if (s.grid) {
        const tolerance = BigInt(Math.round(Number(periodNs) * this.#jitter));
        s.nextDueNs = gridAtOrAfter(s.grid, s.nextDueNs - tolerance);
      }
    }
    s.model = { ...s.model, rateHz };
  }

  /** A model's rate now (its configured one, or the last `setRate`), Hz. */
  rateHz(model: string): number {
    return this.#state(model).model.rateHz;
  }

  /** True while a model runs (a pending frame exists only while its model runs). */
  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /**
   * Resolves when nothing runs and nothing is pending. Without `onError`, rejects with the first
   * error a run threw since the last `idle()`.
   */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return this.#settled();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Counters per model. */
  counters(): Readonly<Record<string, Readonly<ModelCounters>>> {
    return Object.fromEntries([...this.#states].map(([name, s]) => [name, { ...s.counters }]));
  }

  /** Flat counters for `NodeInstance.stats()`: `<model>.drops` (replaced), `<model>.rate_skips`, `<model>.runs`, `<model>.failures`. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of this.#states) {
      out[`${name}.drops`] = s.counters.droppedReplaced;
      out[`${name}.rate_skips`] = s.counters.skippedRate;
      out[`${name}.runs`] = s.counters.started;
      out[`${name}.failures`] = s.counters.failed;
    }
    return out;
  }

  /** Drops pending frames, accepts no more, and waits for the runs in flight. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const s of this.#states.values()) {
      s.pending = undefined;
    }
    await this.idle().catch(() => undefined);
  }

  #state(model: string): ModelState<F> {
    const s = this.#states.get(model);
    if (!s)
      throw new PerceptionError(
        "parameter",
        `no scheduled model '${model}' (known: ${[...this.#states.keys()].join(", ")})`,
      );
    return s;
  }

  #start(s: ModelState<F>, frame: F, stamp: Time, waited: boolean): void {
    s.running = true;
    s.counters.started++;
    this.#inFlight++;
    const newerFrame = new AbortController();
    s.newerFrame = newerFrame;
    void this.#run(s, frame, stamp, { waited, newerFrame: newerFrame.signal });
  }

  async #run(s: ModelState<F>, frame: F, stamp: Time, context: RunContext): Promise<void> {
    try {
      await s.model.run(frame, stamp, context);
    } catch (err) {
      s.counters.failed++;
      if (this.#onError) {
        try {
          this.#onError(s.model.name, err);
        } catch (reportErr) {
          this.#unreportedErrors.push(reportErr);
        }
      } else {
        this.#unreportedErrors.push(
          new PerceptionError(
            "model",
            `model '${s.model.name}' failed: ${errorMessage(err)}`,
            {},
            { cause: err },
          ),
        );
      }
    }
    s.counters.completed++;
    s.running = false;
    s.newerFrame = undefined;
    const next = s.pending;
    s.pending = undefined;
    this.#inFlight--;
    if (next && !this.#disposed) {
      this.#start(s, next.frame, next.stamp, true);
      return;
    }
    this.#notify();
  }

  #settled(): Promise<void> {
    if (this.#unreportedErrors.length === 0) return Promise.resolve();
    const err = this.#unreportedErrors[0];
    this.#unreportedErrors = [];
    return Promise.reject(err);
  }

  #notify(): void {
    if (this.#inFlight !== 0 || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    const err = this.#unreportedErrors[0];
    this.#unreportedErrors = [];
    for (const w of waiters) err === undefined ? w.resolve() : w.reject(err);
  }
}
