/**
 * An onnxruntime-node session hosted in its own worker thread.
 *
 * onnxruntime-node's `InferenceSession.run` is not asynchronous: it defers by one `setImmediate`
 * and then runs the whole inference synchronously on the calling thread (onnxruntime-node 1.30,
 * `dist/backend.js`). On the JavaScript thread that blocks the event loop for the whole model
 * (JPEG decode, crosswalks, fusion, rendering and the other model all wait), so two models never
 * overlap. Each `WorkerSession` owns one worker thread with one session: runs of different
 * sessions proceed in parallel on different cores while the main thread keeps working.
 *
 * The worker is ort-worker-thread.ts, started by URL (see `THREAD_URL`); the messages are typed
 * in ort-worker-protocol.ts.
 */
import { Worker } from "node:worker_threads";
import type * as ort from "onnxruntime-node";
import { epochToRealMs } from "../core/monotonic-clock.js";
import type { CreateReply, RunReply, WorkerReply, WorkerRequest } from "./ort-worker-protocol.js";

/**
 * The worker module: the compiled .js next to this file in dist/, the .ts source when running
 * from sources (tsx, vitest).
 */
const THREAD_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./ort-worker-thread.ts" : "./ort-worker-thread.js",
  import.meta.url,
);

/**
 * Starts the worker thread. A .js module starts directly. A .ts one needs tsx's loader in the
 * thread, and on Node 20 a worker's entry module gets no loader hooks from `--import tsx`
 * (inherited or passed in `execArgv`: "Unknown file extension .ts"), so a one-line bootstrap
 * registers tsx in the thread and then imports the module.
 */
function startThread(): Worker {
  if (!THREAD_URL.pathname.endsWith(".ts")) return new Worker(THREAD_URL);
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/** Metadata of a session input or output, as onnxruntime reports it. */
export type ValueMetadata = ort.InferenceSession.ValueMetadata;

/** One float32 (or other) input of a run. */
export interface WorkerFeed {
  name: string;
  type: ort.Tensor.Type;
  /** Copied to the worker, or shared when in a SharedArrayBuffer (then it must not change until `run` resolves). */
  data: ort.Tensor.DataType;
  dims: readonly number[];
}

/** One output of a run: a buffer the caller owns. */
export interface WorkerOutput {
  name: string;
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: readonly number[];
}

interface Pending {
  resolve(value: WorkerReply & { ok: true }): void;
  reject(error: Error): void;
}

/** A request of one type, without its id (the caller numbers it). */
type RequestBody<T extends WorkerRequest["type"]> = Omit<Extract<WorkerRequest, { type: T }>, "id">;

/** The ok reply to each request type. */
interface ReplyTo {
  create: CreateReply;
  run: RunReply;
  release: Record<never, never>;
}

/** Posts a request and resolves with the worker's ok reply to it (rejects with its error message). */
type Call = <T extends WorkerRequest["type"]>(
  msg: RequestBody<T>,
  transfer?: ArrayBuffer[],
) => Promise<ReplyTo[T]>;

/** A session living in a worker thread; see the module comment. */
export class WorkerSession {
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
  /** Subnormal float32 weights set to zero before the model was loaded. */
  readonly flushedSubnormalWeights: number;
  readonly #call: Call;
  readonly #worker: Worker;
  #closed = false;

  private constructor(worker: Worker, call: Call, meta: CreateReply) {
    this.#worker = worker;
    this.#call = call;
    this.inputMetadata = meta.inputMetadata;
    this.outputMetadata = meta.outputMetadata;
    this.flushedSubnormalWeights = meta.flushedSubnormalWeights;
  }

  /** Starts a worker and loads the model in it (rejects with onnxruntime's message when it cannot). */
  static async create(
    path: string,
    options: ort.InferenceSession.SessionOptions,
  ): Promise<WorkerSession> {
    const worker = startThread();
    const pending = new Map<number, Pending>();
    let nextId = 1;
    let dead: Error | undefined;
    const failAll = (err: Error): void => {
      dead ??= err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on("message", (msg: WorkerReply) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (pending.size === 0) worker.unref();
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(msg.message || "onnxruntime worker error"));
    });
    worker.on("error", (err) => failAll(err instanceof Error ? err : new Error(String(err))));
    worker.on("exit", (code) => failAll(new Error(`onnxruntime worker exited (code ${code})`)));
    // The worker keeps the process alive only while a call is in flight.
    worker.unref();
    const call: Call = (msg, transfer = []) => {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        // The worker answers request `id` with the reply of that request's type (ort-worker-thread.ts).
        pending.set(id, {
          resolve: (reply) => resolve(reply as unknown as ReplyTo[typeof msg.type]),
          reject,
        });
        worker.ref();
        worker.postMessage({ ...msg, id }, transfer);
      });
    };
    try {
      const meta = await call<"create">({ type: "create", path, options });
      return new WorkerSession(worker, call, meta);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /**
   * Runs the model on the worker: the outputs, the time onnxruntime's run took there (on the
   * thread's real clock), and when it started on this thread's real clock (`realClock`). With `outputSlot`, numeric outputs come in
   * shared buffers of that slot, overwritten by the next run on the same slot (no allocation per
   * run); without it, in new buffers the caller owns.
   */
  async run(
    feeds: readonly WorkerFeed[],
    outputSlot?: number,
  ): Promise<{ outputs: WorkerOutput[]; inferenceMs: number; startedAtMs: number }> {
    const reply = await this.#call<"run">({
      type: "run",
      feeds: feeds.map((f) => ({ ...f, dims: [...f.dims] })),
      outputSlot,
    });
    return {
      outputs: reply.outputs,
      inferenceMs: reply.inferenceMs,
      startedAtMs: epochToRealMs(reply.startedAtEpochMs),
    };
  }

  /** Frees the native session and ends the worker. */
  async release(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#call<"release">({ type: "release" });
    } finally {
      await this.#worker.terminate();
    }
  }
}
