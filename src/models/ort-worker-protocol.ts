/**
 * Messages between `WorkerSession` (ort-worker.ts) and its worker thread (ort-worker-thread.ts).
 * Types only: both sides import them, neither imports the other.
 */
import type { MessagePort } from "node:worker_threads";
import type * as ort from "onnxruntime-node";

/** Session input/output metadata as it crosses threads (shapes as plain arrays). */
export type PlainValueMetadata =
  | { name: string; isTensor: true; type: ort.Tensor.Type; shape: (number | string)[] }
  | { name: string; isTensor: false };

/** One input of a run as posted: copied, or shared when in a SharedArrayBuffer. */
export interface WorkerRunFeed {
  name: string;
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: number[];
}

/** One output of a run as posted back: in the slot's shared buffer, or a transferred one. */
export interface WorkerRunOutput {
  name: string;
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: number[];
}

/** A request to the worker; `id` matches the reply. */
export type WorkerRequest =
  | {
      id: number;
      type: "create";
      path: string;
      options: ort.InferenceSession.SessionOptions;
      /** Load with the image input's height and width free (onnx/free-input-size.ts). */
      freeInputSize: boolean;
      /**
       * Per output slot, the ticket of a run the caller no longer wants (Int32Array over a
       * SharedArrayBuffer, written by the caller): a run queued with that ticket on that slot is
       * skipped when its turn comes.
       */
      withdrawn: Int32Array;
    }
  | {
      id: number;
      type: "run";
      feeds: WorkerRunFeed[];
      outputSlot: number | undefined;
      /** A number > 0 naming this run for `withdrawn` (with an output slot); 0: cannot be withdrawn. */
      ticket: number;
    }
  | { id: number; type: "release" };

/** The worker's answer to a "create" request. */
export interface CreateReply {
  inputMetadata: PlainValueMetadata[];
  outputMetadata: PlainValueMetadata[];
  /** Subnormal float32 weights set to zero before loading (onnx/subnormal-weights.ts). */
  flushedSubnormalWeights: number;
  /** Whether the session's thread computes with subnormals flushed to zero (subnormal-mode.ts). */
  flushToZero: boolean;
}

/** The worker's answer to a "run" request it skipped: the caller withdrew it before its turn. */
export interface WithdrawnRunReply {
  withdrawn: true;
}

/** The worker's answer to a "run" request. */
export interface RunReply {
  withdrawn?: undefined;
  outputs: WorkerRunOutput[];
  inferenceMs: number;
  /** When the run started, on the process-wide clock (`realToEpochMs` of the thread's real clock). */
  startedAtEpochMs: number;
}

/** The worker's answer to the request with the same `id`: its payload when ok, else the error message. */
export type WorkerReply =
  | ({ id: number; ok: true } & (CreateReply | RunReply | WithdrawnRunReply | Record<never, never>))
  | { id: number; ok: false; message: string };

/** What a session thread is started with (`workerData`): the port its requests come on. */
export interface SessionThreadData {
  port: MessagePort;
}

/** A request to the launcher thread (ort-launcher-thread.ts); `id` names the session thread. */
export type LauncherRequest =
  | { type: "start"; id: number; port: MessagePort }
  | { type: "stop"; id: number };

/** The launcher thread's notices: session thread `id` ended (`message`: the error that ended it), or it is ready. */
export type LauncherNotice =
  | { type: "exit"; id: number; code: number; message?: string }
  /** The launcher created the process's first onnxruntime session (its thread's mode is set). */
  | { type: "ready" };
