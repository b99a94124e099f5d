/**
 * One node's health as clear, named conditions (model missing -> fallback in use, calibration
 * missing, pose stale, over budget, model errors), folded into a `diagnostic_msgs/DiagnosticStatus`
 * whose level is the worst condition's. ROS-free: the node publishes it (diagnostics-publisher.ts).
 */
import { PerceptionError, errorMessage, type ErrorKind } from "../core/errors.js";
import { DiagnosticStatus, type KeyValue } from "../msgs/types.generated.js";

/** Levels of diagnostic_msgs/DiagnosticStatus, by name. */
export type DiagnosticLevel = "ok" | "warn" | "error" | "stale";

const LEVEL_VALUE: Readonly<Record<DiagnosticLevel, number>> = {
  ok: DiagnosticStatus.OK,
  warn: DiagnosticStatus.WARN,
  error: DiagnosticStatus.ERROR,
  stale: DiagnosticStatus.STALE,
};

/** Severity order used to pick the worst (stale ranks between warn and error, as diagnostic_aggregator does). */
const SEVERITY: Readonly<Record<DiagnosticLevel, number>> = { ok: 0, warn: 1, stale: 2, error: 3 };

/** The conditions a node reports; each is set and cleared on its own. */
export type ConditionKey = "model" | "calibration" | "pose" | "input" | "budget" | "map" | "errors";

export interface Condition {
  level: DiagnosticLevel;
  /** Says what is wrong and what the node does about it ("model missing: HOG fallback in use"). */
  message: string;
}

export interface NodeDiagnosticsOptions {
  /** Status name, the node's full name ("/perception/pedestrian_detector"). */
  name: string;
  /** DiagnosticStatus.hardware_id (the camera, "camera_front"). */
  hardwareId: string;
  /** Processing time per frame above which the node is over budget (WARN); none when undefined. */
  budgetMs?: number;
  /** Frames in the window over which the budget is judged (median). */
  budgetWindow?: number;
  /** How many recent frames without a model error clear the `errors` condition back to OK. */
  errorRecoveryFrames?: number;
  /** The first frames (model warm-up, caches) are left out of the budget; default 5. */
  warmupFrames?: number;
}

/** Median of a list (0 for none). */
function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export class NodeDiagnostics {
  readonly name: string;
  readonly hardwareId: string;
  #budgetMs: number | undefined;
  readonly #window: number;
  readonly #recovery: number;
  readonly #warmup: number;
  readonly #conditions = new Map<ConditionKey, Condition>();
  readonly #recent: number[] = [];
  readonly #errorsByKind = new Map<string, number>();
  #frames = 0;
  #framesSinceError = Infinity;
  #lastErrorMessage = "";
  readonly #counters = new Map<string, number>();

  constructor(options: NodeDiagnosticsOptions) {
    this.name = options.name;
    this.hardwareId = options.hardwareId;
    this.#budgetMs = options.budgetMs;
    this.#window = options.budgetWindow ?? 30;
    this.#recovery = options.errorRecoveryFrames ?? 30;
    this.#warmup = options.warmupFrames ?? 5;
  }

  /** Sets (or replaces) one condition. */
  set(key: ConditionKey, level: DiagnosticLevel, message: string): void {
    this.#conditions.set(key, { level, message });
  }

  /** Clears one condition (back to OK for that part). */
  clear(key: ConditionKey): void {
    this.#conditions.delete(key);
  }

  /** The condition set under a key, if any. */
  condition(key: ConditionKey): Condition | undefined {
    return this.#conditions.get(key);
  }

  /** Changes the processing budget (run-time parameter change). */
  setBudget(budgetMs: number | undefined): void {
    this.#budgetMs = budgetMs;
  }

  /** Counts one successfully processed frame and judges the budget on the recent median. */
  recordFrame(processingMs: number): void {
    this.#frames += 1;
    this.#framesSinceError += 1;
    if (this.#frames <= this.#warmup) return;
    this.#recent.push(processingMs);
    if (this.#recent.length > this.#window) this.#recent.shift();
    const med = median(this.#recent);
    if (this.#budgetMs !== undefined && med > this.#budgetMs) {
      this.set(
        "budget",
        "warn",
        `over budget: median ${med.toFixed(1)} ms > ${this.#budgetMs} ms per frame`,
      );
    } else {
      this.clear("budget");
    }
    if (
      this.#framesSinceError >= this.#recovery &&
      this.#conditions.get("errors")?.level === "error"
    ) {
      this.set("errors", "warn", `recovered after errors (last: ${this.#lastErrorMessage})`);
    }
  }

  /**
   * Counts an error by kind. A `model` error turns the node ERROR until `errorRecoveryFrames` good
   * frames pass; other kinds turn it WARN.
   */
  recordError(err: unknown): void {
    const kind: ErrorKind | "unknown" = err instanceof PerceptionError ? err.kind : "unknown";
    this.#errorsByKind.set(kind, (this.#errorsByKind.get(kind) ?? 0) + 1);
    this.#framesSinceError = 0;
    this.#lastErrorMessage = errorMessage(err);
    const total = [...this.#errorsByKind.values()].reduce((a, b) => a + b, 0);
    this.set(
      "errors",
      kind === "model" || kind === "unknown" ? "error" : "warn",
      `${kind} error (${total} so far): ${this.#lastErrorMessage}`,
    );
  }

  /** Adds to a free-form counter shown in the status values (drops, frames skipped, ...). */
  count(key: string, n = 1): void {
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + n);
  }

  /** Sets a free-form counter. */
  setCounter(key: string, value: number): void {
    this.#counters.set(key, value);
  }

  /** The worst level over every condition. */
  level(): DiagnosticLevel {
    let worst: DiagnosticLevel = "ok";
    for (const c of this.#conditions.values())
      if (SEVERITY[c.level] > SEVERITY[worst]) worst = c.level;
    return worst;
  }

  /** Errors counted so far, by kind. */
  errorCounts(): Record<string, number> {
    return Object.fromEntries([...this.#errorsByKind.entries()].sort());
  }

  /** The status message: "OK", or the conditions worst first, joined by "; ". */
  message(): string {
    const list = [...this.#conditions.values()].sort(
      (a, b) => SEVERITY[b.level] - SEVERITY[a.level],
    );
    return list.length === 0 ? "OK" : list.map((c) => c.message).join("; ");
  }

  /** The diagnostic_msgs/DiagnosticStatus. */
  status(): DiagnosticStatus {
    const values: KeyValue[] = [
      { key: "frames", value: String(this.#frames) },
      { key: "processing_median_ms", value: median(this.#recent).toFixed(1) },
      ...(this.#budgetMs !== undefined
        ? [{ key: "budget_ms", value: String(this.#budgetMs) }]
        : []),
      ...[...this.#counters.entries()].sort().map(([key, v]) => ({ key, value: String(v) })),
      ...[...this.#errorsByKind.entries()]
        .sort()
        .map(([kind, n]) => ({ key: `errors.${kind}`, value: String(n) })),
      ...[...this.#conditions.entries()]
        .sort()
        .map(([key, c]) => ({ key: `condition.${key}`, value: `${c.level}: ${c.message}` })),
    ];
    return {
      level: LEVEL_VALUE[this.level()],
      name: this.name,
      message: this.message(),
      hardware_id: this.hardwareId,
      values,
    };
  }
}
