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
 * The worker is ort-worker-thread.ts, started by the process's launcher thread (ort-thread-launcher.ts:
 * so that it computes with subnormals flushed to zero); the messages are typed in
 * ort-worker-protocol.ts.
 */
import type * as ort from "onnxruntime-node";
import { epochToRealMs } from "../core/monotonic-clock.js";
import type {
  CreateReply,
  RunReply,
  WithdrawnRunReply,
  WorkerReply,
  WorkerRequest,
} from "./ort-worker-protocol.js";
import { startSessionThread, type SessionThreadHandle } from "./ort-thread-launcher.js";

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
  run: RunReply | WithdrawnRunReply;
  release: Record<never, never>;
}

/** Posts a request and resolves with the worker's ok reply to it (rejects with its error message). */
type Call = <T extends WorkerRequest["type"]>(
  msg: RequestBody<T>,
  transfer?: ArrayBuffer[],
) => Promise<ReplyTo[T]>;

/** What one run gives: its outputs, onnxruntime's own time for it, and when it started (`realClock`). */
export interface WorkerRunResult {
  outputs: WorkerOutput[];
  inferenceMs: number;
  startedAtMs: number;
}

/** Output slots that can take withdrawable runs (`runWithdrawable`). */
export const WITHDRAWABLE_SLOTS = 4;

/** A session living in a worker thread; see the module comment. */
export class WorkerSession {
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
  /** Subnormal float32 weights set to zero before the model was loaded. */
  readonly flushedSubnormalWeights: number;
  /** Whether the session's thread computes with subnormals flushed to zero. */
  readonly flushToZero: boolean;
  readonly #call: Call;
  readonly #thread: SessionThreadHandle;
  /** Per output slot, the ticket of the last run withdrawn (shared with the worker). */
  readonly #withdrawn: Int32Array;
  #lastTicket = 0;
  #closed = false;

  private constructor(
    thread: SessionThreadHandle,
    call: Call,
    meta: CreateReply,
    withdrawn: Int32Array,
  ) {
    this.#thread = thread;
    this.#call = call;
    this.#withdrawn = withdrawn;
    this.inputMetadata = meta.inputMetadata;
    this.outputMetadata = meta.outputMetadata;
    this.flushedSubnormalWeights = meta.flushedSubnormalWeights;
    this.flushToZero = meta.flushToZero;
  }

  /**
   * Starts a worker and loads the model in it (rejects with onnxruntime's message when it cannot).
   * With `freeInputSize`, the image input's height and width are made free before loading
   * (onnx/free-input-size.ts).
   */
  static async create(
    path: string,
    options: ort.InferenceSession.SessionOptions,
    freeInputSize = false,
  ): Promise<WorkerSession> {
    const thread = startSessionThread();
    const port = thread.port;
    const pending = new Map<number, Pending>();
    let nextId = 1;
    let dead: Error | undefined;
    const failAll = (err: Error): void => {
      dead ??= err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    port.on("message", (msg: WorkerReply) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (pending.size === 0) port.unref();
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(msg.message || "onnxruntime worker error"));
    });
    void thread.ended.then(failAll);
    // The thread keeps the process alive only while a call is in flight.
    port.unref();
    const call: Call = (msg, transfer = []) => {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        // The worker answers request `id` with the reply of that request's type (ort-worker-thread.ts).
        pending.set(id, {
          resolve: (reply) => resolve(reply as unknown as ReplyTo[typeof msg.type]),
          reject,
        });
        port.ref();
        port.postMessage({ ...msg, id }, transfer);
      });
    };
    try {
      const withdrawn = new Int32Array(new SharedArrayBuffer(4 * WITHDRAWABLE_SLOTS));
      const meta = await call<"create">({
        type: "create",
        path,
        options,
        freeInputSize,
        withdrawn,
      });
      return new WorkerSession(thread, call, meta, withdrawn);
    } catch (err) {
      await thread.stop();
      throw err;
    }
  }

  /**
   * Runs the model on the worker: the outputs, the time onnxruntime's run took there (on the
   * thread's real clock), and when it started on this thread's real clock (`realClock`). With `outputSlot`, numeric outputs come in
   * shared buffers of that slot, overwritten by the next run on the same slot (no allocation per
   * run); without it, in new buffers the caller owns.
   */
  async run(feeds: readonly WorkerFeed[], outputSlot?: number): Promise<WorkerRunResult> {
    const result = await this.#run(feeds, outputSlot, 0);
    if (result === "withdrawn") throw new Error("onnxruntime worker: a run was skipped unasked");
    return result;
  }

  /**
   * `run` on an output slot (0 to WITHDRAWABLE_SLOTS - 1) that the caller can withdraw until the
   * worker starts it: after `withdraw()` a run still queued on the worker is skipped there and
   * `result` is "withdrawn"; a run already started finishes and gives its outputs.
   */
  runWithdrawable(
    feeds: readonly WorkerFeed[],
    outputSlot: number,
  ): { result: Promise<WorkerRunResult | "withdrawn">; withdraw(): void } {
    if (!(Number.isInteger(outputSlot) && outputSlot >= 0 && outputSlot < WITHDRAWABLE_SLOTS))
      throw new RangeError(
        `output slot ${outputSlot} cannot take withdrawable runs (0 to ${WITHDRAWABLE_SLOTS - 1})`,
      );
    // Tickets stay positive and distinct for 2^31 runs; the worker compares them for equality only.
    this.#lastTicket = this.#lastTicket >= 0x7fffffff ? 1 : this.#lastTicket + 1;
    const ticket = this.#lastTicket;
    return {
      result: this.#run(feeds, outputSlot, ticket),
      withdraw: () => Atomics.store(this.#withdrawn, outputSlot, ticket),
    };
  }

  async #run(
    feeds: readonly WorkerFeed[],
    outputSlot: number | undefined,
    ticket: number,
  ): Promise<WorkerRunResult | "withdrawn"> {
    const reply = await this.#call<"run">({
      type: "run",
      feeds: feeds.map((f) => ({ ...f, dims: [...f.dims] })),
      outputSlot,
      ticket,
    });
    if (reply.withdrawn) return "withdrawn";
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
      await this.#thread.stop();
    }
  }
}
