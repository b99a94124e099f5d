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
 * The worker is plain JavaScript evaluated from a string (no loader needed, works under tsx,
 * vitest and the built dist alike); it loads onnxruntime-node by its resolved path.
 */
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type * as ort from "onnxruntime-node";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
const ort = require(workerData.ortPath);
let session;
const inputs = new Map();
const sharedOutputs = [];
const plainMeta = (list) => list.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: Array.from(m.shape) } : { name: m.name, isTensor: false }));
// One message at a time, in arrival order: a run queued while another runs waits for it (its input
// is copied into the same local buffer, and the session runs one inference at a time anyway).
let chain = Promise.resolve();
parentPort.on("message", (msg) => {
  chain = chain.then(() => handle(msg));
});
async function handle(msg) {
  try {
    if (msg.type === "create") {
      session = await ort.InferenceSession.create(msg.path, msg.options);
      parentPort.postMessage({ id: msg.id, ok: true, inputMetadata: plainMeta(session.inputMetadata), outputMetadata: plainMeta(session.outputMetadata) });
    } else if (msg.type === "run") {
      const feeds = {};
      for (const f of msg.feeds) {
        let data = f.data;
        // onnxruntime refuses SharedArrayBuffer-backed inputs: copy into this thread's own buffer
        // (a memcpy here instead of a structured clone on the main thread).
        if (typeof SharedArrayBuffer !== "undefined" && data.buffer instanceof SharedArrayBuffer) {
          let local = inputs.get(f.name);
          if (!local || local.length !== data.length || local.constructor !== data.constructor) inputs.set(f.name, (local = new data.constructor(data.length)));
          local.set(data);
          data = local;
        }
        feeds[f.name] = new ort.Tensor(f.type, data, f.dims);
      }
      const t0 = performance.now();
      const results = await session.run(feeds);
      const inferenceMs = performance.now() - t0;
      const outputs = [];
      const transfer = [];
      const shared = msg.outputSlot === undefined ? undefined : (sharedOutputs[msg.outputSlot] ??= new Map());
      for (const [name, t] of Object.entries(results)) {
        // The native output buffer cannot be handed over: copy it into this slot's shared buffer
        // (reused run after run; the caller reads it before it asks for this slot again), or into
        // a new buffer the main thread takes over.
        let data;
        if (shared && typeof SharedArrayBuffer !== "undefined" && t.data.BYTES_PER_ELEMENT) {
          data = shared.get(name);
          if (!data || data.length !== t.data.length || data.constructor !== t.data.constructor) {
            data = new t.data.constructor(new SharedArrayBuffer(t.data.byteLength));
            shared.set(name, data);
          }
          data.set(t.data);
        } else {
          data = t.data.slice();
          if (data.buffer) transfer.push(data.buffer);
        }
        outputs.push({ name, type: t.type, dims: Array.from(t.dims), data });
      }
      // The start on the process-wide clock (performance.timeOrigin differs between threads).
      const startedAtEpochMs = performance.timeOrigin + t0;
      parentPort.postMessage({ id: msg.id, ok: true, outputs, inferenceMs, startedAtEpochMs }, transfer);
    } else if (msg.type === "release") {
      if (session) await session.release();
      session = undefined;
      parentPort.postMessage({ id: msg.id, ok: true });
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, message: err && err.message ? err.message : String(err) });
  }
}
`;

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
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

let ortPath: string | undefined;

type Call = (msg: Record<string, unknown>, transfer?: ArrayBuffer[]) => Promise<Record<string, unknown>>;

/** A session living in a worker thread; see the module comment. */
export class WorkerSession {
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
  readonly #call: Call;
  readonly #worker: Worker;
  #closed = false;

  private constructor(worker: Worker, call: Call, meta: { inputMetadata: ValueMetadata[]; outputMetadata: ValueMetadata[] }) {
    this.#worker = worker;
    this.#call = call;
    this.inputMetadata = meta.inputMetadata;
    this.outputMetadata = meta.outputMetadata;
  }

  /** Starts a worker and loads the model in it (rejects with onnxruntime's message when it cannot). */
  static async create(path: string, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    ortPath ??= createRequire(import.meta.url).resolve("onnxruntime-node");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    const pending = new Map<number, Pending>();
    let nextId = 1;
    let dead: Error | undefined;
    const failAll = (err: Error): void => {
      dead ??= err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on("message", (msg: { id: number; ok: boolean; message?: string }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (pending.size === 0) worker.unref();
      if (msg.ok) p.resolve(msg as unknown as Record<string, unknown>);
      else p.reject(new Error(msg.message ?? "onnxruntime worker error"));
    });
    worker.on("error", (err) => failAll(err instanceof Error ? err : new Error(String(err))));
    worker.on("exit", (code) => failAll(new Error(`onnxruntime worker exited (code ${code})`)));
    // The worker keeps the process alive only while a call is in flight.
    worker.unref();
    const call: Call = (msg, transfer = []) => {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ ...msg, id }, transfer);
      });
    };
    try {
      const meta = await call({ type: "create", path, options });
      return new WorkerSession(worker, call, meta as unknown as { inputMetadata: ValueMetadata[]; outputMetadata: ValueMetadata[] });
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /**
   * Runs the model on the worker: the outputs, the time onnxruntime's run took there, and when it
   * started on this thread's `performance.now()` clock. With `outputSlot`, numeric outputs come in
   * shared buffers of that slot, overwritten by the next run on the same slot (no allocation per
   * run); without it, in new buffers the caller owns.
   */
  async run(feeds: readonly WorkerFeed[], outputSlot?: number): Promise<{ outputs: WorkerOutput[]; inferenceMs: number; startedAtMs: number }> {
    const reply = (await this.#call({ type: "run", feeds: feeds.map((f) => ({ ...f, dims: [...f.dims] })), outputSlot })) as unknown as {
      outputs: WorkerOutput[];
      inferenceMs: number;
      startedAtEpochMs: number;
    };
    return { outputs: reply.outputs, inferenceMs: reply.inferenceMs, startedAtMs: reply.startedAtEpochMs - performance.timeOrigin };
  }

  /** Frees the native session and ends the worker. */
  async release(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#call({ type: "release" });
    } finally {
      await this.#worker.terminate();
    }
  }
}
