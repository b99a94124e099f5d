/**
 * SIGINT/SIGTERM handling for long-running commands (replay, demo): the first signal aborts the
 * run so its outputs are finalised; a second one quits at once. Wrappers (`npm run`, tsx) relay
 * the terminal's Ctrl-C, so one key press can arrive two or three times within milliseconds:
 * repeats inside `relayWindowMs` count as the same press.
 */
export interface StopOnSignalsOptions {
  /** Command name for the messages, e.g. "replay". */
  command: string;
  /** What is finalised, for the message, e.g. "the output bag". */
  finalising: string;
  /** Repeats within this many ms of the first signal are ignored as relays (default 1500). */
  relayWindowMs?: number;
  /** Called once before anything is written (e.g. to clear a progress bar). */
  beforeMessage?: () => void;
}

export interface SignalStop {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** The signal that stopped the run, if any. */
  stoppedBy(): NodeJS.Signals | undefined;
  /** The exit code for a stopped run (130 for SIGINT, 143 for SIGTERM), else undefined. */
  exitCode(): number | undefined;
  /** Stops the run without a signal (e.g. a duration limit). */
  abort(): void;
  /** Removes the handlers (kept once a signal stopped the run, so relayed repeats stay harmless). */
  uninstall(): void;
}

const exitCodeOf = (signal: NodeJS.Signals): number => (signal === "SIGINT" ? 130 : 143);

export function stopOnSignals(options: StopOnSignalsOptions): SignalStop {
  const controller = new AbortController();
  const relayWindowMs = options.relayWindowMs ?? 1500;
  let stoppedBy: NodeJS.Signals | undefined;
  let stoppedAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy && Date.now() - stoppedAt < relayWindowMs) return;
    options.beforeMessage?.();
    if (stoppedBy) {
      process.stderr.write(
        `\nedge-perception ${options.command}: ${signal} again, quitting without finalising\n`,
      );
      process.exit(exitCodeOf(signal));
    }
    stoppedBy = signal;
    stoppedAt = Date.now();
    process.stderr.write(
      `edge-perception ${options.command}: ${signal}: stopping, finalising ${options.finalising} (again to quit at once)\n`,
    );
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    stoppedBy: () => stoppedBy,
    exitCode: () => (stoppedBy ? exitCodeOf(stoppedBy) : undefined),
    abort: () => controller.abort(),
    uninstall: () => {
      // After a stop the handler stays: the relayed copies of the same Ctrl-C may still arrive
      // while the command finalises its outputs, and Node's default action would kill it.
      // (Signal listeners do not keep the process alive.)
      if (stoppedBy) return;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
