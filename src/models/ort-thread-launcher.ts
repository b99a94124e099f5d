/**
 * Starts onnxruntime session threads through the process's launcher thread
 * (ort-launcher-thread.ts says why: so that they compute with subnormals flushed to zero).
 *
 * The launcher is one per process by nature: onnxruntime sets the mode once per process, on the
 * thread of its first session. It holds no data of any run or node, only the threads it started;
 * it is started with the first session and never keeps the process alive by itself.
 */
import { MessageChannel, type MessagePort, type Worker } from "node:worker_threads";
import type { LauncherNotice, LauncherRequest } from "./ort-worker-protocol.js";
import { siblingModule, startThread } from "./start-thread.js";

/** A session thread: the port to talk to it, and how to end it. */
export interface SessionThreadHandle {
  /** The thread's end is the session thread's `workerData.port` (ort-worker-thread.ts). */
  readonly port: MessagePort;
  /** Resolves with the reason when the thread ends, whoever ended it. */
  readonly ended: Promise<Error>;
  /** Ends the thread; resolves once it has ended. */
  stop(): Promise<void>;
}

/** The launcher thread and the session threads it runs for this process. */
class ThreadLauncher {
  readonly #worker: Worker;
  readonly #endedBy = new Map<number, (reason: Error) => void>();
  #nextId = 1;
  /** Resolves once the launcher created the process's first onnxruntime session (or ended). */
  readonly ready: Promise<void>;
  #ready!: () => void;
  /** `stop` calls waiting for the launcher's notice: the launcher is kept alive while there are any. */
  #stopping = 0;
  #dead: Error | undefined;

  constructor() {
    this.#worker = startThread(siblingModule(import.meta.url, "ort-launcher-thread"));
    this.#worker.unref();
    this.ready = new Promise((resolve) => {
      this.#ready = resolve;
    });
    this.#worker.on("message", (notice: LauncherNotice) => {
      if (notice.type === "ready") return this.#ready();
      const detail = notice.message ? `: ${notice.message}` : "";
      this.#end(notice.id, new Error(`onnxruntime worker exited (code ${notice.code})${detail}`));
    });
    const fail = (err: Error): void => {
      this.#dead ??= err;
      this.#ready(); // nothing more to wait for
      for (const id of [...this.#endedBy.keys()]) this.#end(id, err);
    };
    this.#worker.on("error", (err) => fail(err instanceof Error ? err : new Error(String(err))));
    this.#worker.on("exit", (code) =>
      fail(new Error(`onnxruntime launcher thread exited (code ${code})`)),
    );
  }

  #end(id: number, reason: Error): void {
    const resolve = this.#endedBy.get(id);
    if (!resolve) return;
    this.#endedBy.delete(id);
    resolve(reason);
  }

  #post(msg: LauncherRequest, transfer: MessagePort[] = []): void {
    this.#worker.postMessage(msg, transfer);
  }

  start(): SessionThreadHandle {
    const { port1, port2 } = new MessageChannel();
    const id = this.#nextId++;
    const ended = new Promise<Error>((resolve) => {
      if (this.#dead) resolve(this.#dead);
      else this.#endedBy.set(id, resolve);
    });
    if (!this.#dead) this.#post({ type: "start", id, port: port2 }, [port2]);
    return {
      port: port1,
      ended,
      stop: async () => {
        port1.close();
        if (!this.#endedBy.has(id)) return;
        // Kept alive until the launcher says the thread has ended.
        if (this.#stopping++ === 0) this.#worker.ref();
        this.#post({ type: "stop", id });
        await ended;
        if (--this.#stopping === 0) this.#worker.unref();
      },
    };
  }
}

/** Started with the first session thread; see the module comment. */
let launcher: ThreadLauncher | undefined;

/**
 * Starts the launcher (if not yet) and resolves once it has created the process's first
 * onnxruntime session. Code that creates an onnxruntime session on its own thread (quantize's
 * calibration) awaits it first: otherwise that session would be the process's first, and the
 * session threads started later would compute with subnormals (slow on x86).
 */
export function sessionThreadsReady(): Promise<void> {
  launcher ??= new ThreadLauncher();
  return launcher.ready;
}

/** Starts a session thread (ort-worker-thread.ts) with subnormals flushed where the CPU allows. */
export function startSessionThread(): SessionThreadHandle {
  launcher ??= new ThreadLauncher();
  return launcher.start();
}
