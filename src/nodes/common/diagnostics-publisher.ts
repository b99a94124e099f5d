/**
 * Publishes a node's diagnostics on `/diagnostics` (diagnostic_msgs/DiagnosticArray), once per
 * period on the node's clock, and at the next check tick (a quarter period) after the level
 * changed. Only timers publish, never frame callbacks: concurrent nodes then cannot reorder
 * /diagnostics between replay runs.
 */
import type { Time } from "../../core/time.js";
import type { DiagnosticArray, DiagnosticStatus } from "../../msgs/types.generated.js";
import type { NodeHandle, Publisher, Timer } from "../../ros/node-api.js";
import type { NodeDiagnostics } from "../../diagnostics/node-diagnostics.js";

/** The absolute topic every node reports on. */
const DIAGNOSTICS_TOPIC = "/diagnostics";

/** A DiagnosticArray from statuses. */
function diagnosticArray(stamp: Time, statuses: DiagnosticStatus[]): DiagnosticArray {
  return { header: { stamp, frame_id: "" }, status: statuses };
}

export interface DiagnosticsPublisherOptions {
  /** Seconds between periodic publications (node clock). */
  periodSec?: number;
}

export class DiagnosticsPublisher {
  readonly #handle: NodeHandle;
  readonly #diagnostics: NodeDiagnostics;
  readonly #publisher: Publisher<DiagnosticArray>;
  readonly #timer: Timer;
  #lastLevel = -1;
  #lastMessage = "";
  #ticks = 0;

  constructor(
    handle: NodeHandle,
    diagnostics: NodeDiagnostics,
    options: DiagnosticsPublisherOptions = {},
  ) {
    this.#handle = handle;
    this.#diagnostics = diagnostics;
    this.#publisher = handle.createPublisher(
      "diagnostic_msgs/msg/DiagnosticArray",
      DIAGNOSTICS_TOPIC,
      { profile: "reliable" },
    );
    // Checks four times per period; publishes every fourth tick or when the level changed.
    this.#timer = handle.createTimer((options.periodSec ?? 1) / 4, () => {
      this.#ticks++;
      if (this.#ticks % 4 === 0) this.publish();
      else this.publishIfChanged();
    });
  }

  /** Publishes now. */
  publish(): void {
    const status = this.#diagnostics.status();
    this.#lastLevel = status.level;
    this.#lastMessage = status.message;
    this.#publisher.publish(diagnosticArray(this.#handle.now(), [status]));
  }

  /** Publishes when the level changed since the last publication. */
  publishIfChanged(): void {
    if (this.#diagnostics.status().level !== this.#lastLevel) {
      this.publish();
      if (this.#lastLevel >= 1) this.#handle.logger.warn(`diagnostics: ${this.#lastMessage}`);
    }
  }

  stop(): void {
    this.#timer.cancel();
  }
}
