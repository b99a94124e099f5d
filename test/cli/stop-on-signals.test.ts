import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { stopOnSignals } from "../../src/cli/stop-on-signals.js";

// Listeners are invoked with process.emit, so no real signal reaches the test worker.
const emit = (signal: NodeJS.Signals): void => {
  (process.emit as (event: string, signal: NodeJS.Signals) => boolean)(signal, signal);
};

describe("stopOnSignals", () => {
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  afterEach(() => stderr.mockClear());
  const initial = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
  afterAll(() => {
    // Drop the handlers the stopped runs kept, so this worker keeps Node's default signal handling.
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      for (const l of process.listeners(sig)) if (!initial[sig].includes(l)) process.off(sig, l);
    }
    stderr.mockRestore();
  });

  it("aborts on the first signal and reports the exit code", () => {
    const before = process.listenerCount("SIGTERM");
    const stop = stopOnSignals({ command: "test", finalising: "nothing" });
    expect(stop.signal.aborted).toBe(false);
    emit("SIGTERM");
    expect(stop.signal.aborted).toBe(true);
    expect(stop.stoppedBy()).toBe("SIGTERM");
    expect(stop.exitCode()).toBe(143);
    stop.uninstall();
    // Kept after a stop, so copies of the same Ctrl-C relayed by npm/tsx are ignored, not fatal.
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    emit("SIGTERM");
    expect(exit).not.toHaveBeenCalled();
    exit.mockRestore();
  });

  it("quits at once on a second signal after the relay window", () => {
    const stop = stopOnSignals({ command: "test", finalising: "nothing", relayWindowMs: 0 });
    emit("SIGINT");
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    emit("SIGINT");
    expect(exit).toHaveBeenCalledWith(130);
    exit.mockRestore();
    expect(stop.exitCode()).toBe(130);
  });

  it("removes its handlers when the run ended without a signal", () => {
    const before = process.listenerCount("SIGINT");
    const stop = stopOnSignals({ command: "test", finalising: "nothing" });
    expect(process.listenerCount("SIGINT")).toBe(before + 1);
    stop.uninstall();
    expect(process.listenerCount("SIGINT")).toBe(before);
    expect(stop.exitCode()).toBeUndefined();
  });
});
