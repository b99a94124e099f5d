/**
 * The worker-thread side of `WorkerSession` (ort-worker.ts): one onnxruntime-node session per
 * thread, driven by the messages of ort-worker-protocol.ts on the port it is started with.
 * Started by the launcher thread (ort-launcher-thread.ts), never imported.
 * The thread's state is one `SessionThread` (no module-level state).
 */
import { readFileSync } from "node:fs";
import { type MessagePort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { realClock, realToEpochMs } from "../core/monotonic-clock.js";
import type {
  PlainValueMetadata,
  SessionThreadData,
  WorkerReply,
  WorkerRequest,
  WorkerRunFeed,
  WorkerRunOutput,
} from "./ort-worker-protocol.js";
import { freeInputSize } from "./onnx/free-input-size.js";
import { flushSubnormalWeights } from "./onnx/subnormal-weights.js";
import { subnormalsFlushed } from "./subnormal-mode.js";

/** A numeric typed array onnxruntime hands out or accepts (every tensor data type but string[]). */
type NumericArray = Exclude<ort.Tensor.DataType, string[]>;
type NumericArrayConstructor = {
  new (length: number): NumericArray;
  new (buffer: ArrayBufferLike): NumericArray;
};

const plainMeta = (list: readonly ort.InferenceSession.ValueMetadata[]): PlainValueMetadata[] =>
  list.map((m) =>
    m.isTensor
      ? { name: m.name, isTensor: true, type: m.type, shape: Array.from(m.shape) }
      : { name: m.name, isTensor: false },
  );

const isNumeric = (data: ort.Tensor.DataType): data is NumericArray => !Array.isArray(data);
const ctorOf = (data: NumericArray): NumericArrayConstructor =>
  data.constructor as NumericArrayConstructor;
const copyInto = (target: NumericArray, source: NumericArray): void =>
  (target as { set(source: ArrayLike<number | bigint>): void }).set(
    source as ArrayLike<number | bigint>,
  );

/** The session of this thread and the buffers it reuses run after run. */
class SessionThread {
  readonly #port: MessagePort;
  #session: ort.InferenceSession | undefined;
  /** This thread's copy of each shared input, by input name. */
  readonly #inputs = new Map<string, NumericArray>();
  /** Per output slot: the shared buffer of each output, by output name. */
  readonly #sharedOutputs: Map<string, NumericArray>[] = [];
  /**
   * One message at a time, in arrival order: a run queued while another runs waits for it (its input
   * is copied into the same local buffer, and the session runs one inference at a time anyway).
   */
  #chain = Promise.resolve();
  /** Per output slot, the ticket of a run the caller withdrew (shared with it; see the protocol). */
  #withdrawn: Int32Array | undefined;

  constructor(port: MessagePort) {
    this.#port = port;
    port.on("message", (msg: WorkerRequest) => {
      this.#chain = this.#chain.then(() => this.#handle(msg));
    });
  }

  #reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
    this.#port.postMessage(message, transfer);
  }

  #feedTensor(f: WorkerRunFeed): ort.Tensor {
    let data = f.data;
    // onnxruntime refuses SharedArrayBuffer-backed inputs: copy into this thread's own buffer
    // (a memcpy here instead of a structured clone on the main thread).
    if (
      typeof SharedArrayBuffer !== "undefined" &&
      isNumeric(data) &&
      data.buffer instanceof SharedArrayBuffer
    ) {
      let local = this.#inputs.get(f.name);
      if (!local || local.length !== data.length || local.constructor !== data.constructor)
        this.#inputs.set(f.name, (local = new (ctorOf(data))(data.length)));
      copyInto(local, data);
      data = local;
    }
    return new ort.Tensor(f.type, data, f.dims);
  }

  async #handle(msg: WorkerRequest): Promise<void> {
    try {
      if (msg.type === "create") {
        const model = flushSubnormalWeights(readFileSync(msg.path));
        const freed = msg.freeInputSize ? freeInputSize(model.bytes) : undefined;
        const session = await ort.InferenceSession.create(freed?.bytes ?? model.bytes, msg.options);
        // The contract is checked against the size the file declares, not the freed one.
        const inputMetadata = plainMeta(session.inputMetadata).map((m) =>
          freed && m.isTensor && m.name === freed.name ? { ...m, shape: freed.declaredShape } : m,
        );
        this.#session = session;
        this.#withdrawn = msg.withdrawn;
        this.#reply({
          id: msg.id,
          ok: true,
          inputMetadata,
          outputMetadata: plainMeta(session.outputMetadata),
          flushedSubnormalWeights: model.flushed,
          flushToZero: subnormalsFlushed(),
        });
      } else if (msg.type === "run") {
        await this.#run(msg);
      } else {
        if (this.#session) await this.#session.release();
        this.#session = undefined;
        this.#reply({ id: msg.id, ok: true });
      }
    } catch (err) {
      this.#reply({
        id: msg.id,
        ok: false,
        message: err instanceof Error && err.message ? err.message : String(err),
      });
    }
  }

  async #run(msg: Extract<WorkerRequest, { type: "run" }>): Promise<void> {
    if (!this.#session) throw new Error("onnxruntime worker: run before create");
    if (
      msg.ticket > 0 &&
      msg.outputSlot !== undefined &&
      this.#withdrawn &&
      Atomics.load(this.#withdrawn, msg.outputSlot) === msg.ticket
    ) {
      this.#reply({ id: msg.id, ok: true, withdrawn: true });
      return;
    }
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of msg.feeds) feeds[f.name] = this.#feedTensor(f);
    // The thread's own real clock: the caller bounds it by its run's clock (a frozen one gives 0).
    const t0 = realClock.nowMs();
    const results = await this.#session.run(feeds);
    const inferenceMs = realClock.nowMs() - t0;
    const outputs: WorkerRunOutput[] = [];
    const transfer: ArrayBuffer[] = [];
    const shared =
      msg.outputSlot === undefined
        ? undefined
        : (this.#sharedOutputs[msg.outputSlot] ??= new Map());
    for (const [name, t] of Object.entries(results)) {
      // The native output buffer cannot be handed over: copy it into this slot's shared buffer
      // (reused run after run; the caller reads it before it asks for this slot again), or into
      // a new buffer the main thread takes over.
      let data: ort.Tensor.DataType;
      const src = t.data;
      if (
        shared &&
        typeof SharedArrayBuffer !== "undefined" &&
        isNumeric(src) &&
        src.BYTES_PER_ELEMENT
      ) {
        let slot = shared.get(name);
        if (!slot || slot.length !== src.length || slot.constructor !== src.constructor) {
          slot = new (ctorOf(src))(new SharedArrayBuffer(src.byteLength));
          shared.set(name, slot);
        }
        copyInto(slot, src);
        data = slot;
      } else {
        data = src.slice();
        if (isNumeric(data)) transfer.push(data.buffer as ArrayBuffer);
      }
      outputs.push({ name, type: t.type, dims: Array.from(t.dims), data });
    }
    // The start on the process-wide clock (each thread's real clock has its own origin).
    this.#reply(
      { id: msg.id, ok: true, outputs, inferenceMs, startedAtEpochMs: realToEpochMs(t0) },
      transfer,
    );
  }
}

const data = workerData as SessionThreadData | undefined;
if (!data?.port) throw new Error("ort-worker-thread must be started by ort-launcher-thread");
new SessionThread(data.port);
