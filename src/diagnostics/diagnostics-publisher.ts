/**
 * Publishes a node's diagnostics on `/diagnostics` (diagnostic_msgs/DiagnosticArray), once per
 * period on the node's clock and at once when the level changes, as diagnostic_updater does.
 */
import type { Time } from "../core/time.js";
import type { DiagnosticArray, DiagnosticStatus } from "../msgs/types.generated.js";
import type { NodeHandle, Publisher, Timer } from "../transport/node-api.js";
import type { NodeDiagnostics } from "./node-diagnostics.js";

/** The absolute topic every node reports on. */
export const DIAGNOSTICS_TOPIC = "/diagnostics";

/** A DiagnosticArray from statuses. */
export function diagnosticArray(stamp: Time, statuses: DiagnosticStatus[]): DiagnosticArray {
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

  constructor(handle: NodeHandle, diagnostics: NodeDiagnostics, options: DiagnosticsPublisherOptions = {}) {
    this.#handle = handle;
    this.#diagnostics = diagnostics;
    this.#publisher = handle.createPublisher("diagnostic_msgs/msg/DiagnosticArray", DIAGNOSTICS_TOPIC, { profile: "reliable" });
    this.#timer = handle.createTimer(options.periodSec ?? 1, () => this.publish());
  }

  /** Publishes now. */
  publish(): void {
    const status = this.#diagnostics.status();
    this.#lastLevel = status.level;
    this.#lastMessage = status.message;
    this.#publisher.publish(diagnosticArray(this.#handle.now(), [status]));
  }

  /** Publishes when the level changed since the last publication (call after each frame). */
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
