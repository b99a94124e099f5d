/**
 * The thread that starts every onnxruntime session thread of the process (ort-thread-launcher.ts),
 * so that they compute with subnormal floats flushed to zero.
 *
 * Subnormal floats cost a microcode assist per value on x86 (TwinLiteNet's activations are full of
 * them: 4-8x slower on this project's Intel Xeon VM, docs/models.md "Subnormal floats").
 * onnxruntime's option for it, `session.set_denormal_as_zero`, sets the FTZ and DAZ bits of the
 * thread that creates the process's first session and of no other (a `std::call_once` in
 * `InferenceSession`'s constructor), and onnxruntime-node has no per-thread equivalent. A thread
 * starts with the floating-point environment of the thread that starts it (POSIX
 * `pthread_create`; Node workers are pthreads). So this thread creates the process's first
 * session, on a one-node model, with the option set, and then starts each session thread itself:
 * they inherit the mode, while the main thread (JavaScript numbers, sharp, everything else) keeps
 * IEEE subnormals. On Arm, onnxruntime sets nothing (its NEON kernels take subnormals at full
 * speed) and the threads keep the default mode.
 *
 * The thread's state is one `Launcher` (no module-level state). Started by file URL, never imported.
 */
import { parentPort, type MessagePort, type Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { DataType, encodeModel, modelFromGraph, node, tensorValueInfo } from "./onnx/onnx-proto.js";
import type { LauncherNotice, LauncherRequest, SessionThreadData } from "./ort-worker-protocol.js";
import { siblingModule, startThread } from "./start-thread.js";

/** y = x for a float [1]: the smallest model onnxruntime builds a session for. */
function identityModel(): Uint8Array {
  return encodeModel(
    modelFromGraph({
      name: "flush_to_zero",
      node: [node("Identity", ["x"], ["y"], "identity")],
      initializer: [],
      input: [tensorValueInfo("x", DataType.FLOAT, [1])],
      output: [tensorValueInfo("y", DataType.FLOAT, [1])],
    }),
  );
}

/** Sets this thread's mode through onnxruntime's first session (see the module comment). */
async function flushSubnormalsOnThisThread(): Promise<void> {
  try {
    const session = await ort.InferenceSession.create(identityModel(), {
      logSeverityLevel: 3,
      extra: { session: { set_denormal_as_zero: "1" } },
    });
    await session.release();
  } catch {
    // Without it the session threads still run, with subnormals as they come; each session
    // thread reports its mode (CreateReply.flushToZero) and its own load error, if any.
  }
}

/** The session threads started here, by id. */
class Launcher {
  readonly #port: MessagePort;
  readonly #threads = new Map<number, Worker>();
  /** Requests in arrival order, after the mode is set. */
  #chain: Promise<void>;

  constructor(port: MessagePort) {
    this.#port = port;
    this.#chain = flushSubnormalsOnThisThread().then(() => {
      const ready: LauncherNotice = { type: "ready" };
      port.postMessage(ready);
    });
    port.on("message", (msg: LauncherRequest) => {
      this.#chain = this.#chain.then(() => this.#handle(msg));
    });
  }

  #handle(msg: LauncherRequest): void {
    if (msg.type === "stop") {
      // Its "exit" notice follows from the listener below.
      void this.#threads.get(msg.id)?.terminate();
      return;
    }
    const data: SessionThreadData = { port: msg.port };
    const thread = startThread(siblingModule(import.meta.url, "ort-worker-thread"), {
      workerData: data,
      transferList: [msg.port],
    });
    this.#threads.set(msg.id, thread);
    let message: string | undefined;
    thread.on("error", (err) => {
      message = err instanceof Error ? err.message : String(err);
    });
    thread.on("exit", (code) => {
      this.#threads.delete(msg.id);
      const notice: LauncherNotice = { type: "exit", id: msg.id, code, message };
      this.#port.postMessage(notice);
    });
  }
}

if (!parentPort) throw new Error("ort-launcher-thread must run in a worker thread");
new Launcher(parentPort);
