/**
 * An onnxruntime-node session bound to its contract: checked against the model at start-up, warmed
 * up, then `run(view)` = fused preprocessing -> inference -> decoding, with per-stage timings.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as ort from "onnxruntime-node";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { realClock, type MonotonicClock } from "../core/monotonic-clock.js";
import type { ImageView } from "../image/image-view.js";
import { Preprocessor } from "../image/preprocess.js";
import type { TensorToImage } from "../image/tensor-mapping.js";
import type { InputContract, ModelContract } from "./contract.js";
import { fittedInputSize, type TensorSize } from "./fit-aspect.js";
import { categorisePeople, classMapIds } from "./class-map.js";
import { clipDetection, type Detection } from "./detection.js";
import type { OutputMeta } from "./decoders/family.js";
import {
  detectorFamily,
  type AnyDecoderFamily,
  type DetectorDecoder,
} from "./decoders/registry.js";
import { decodeSegmentation, type SegmentationMask } from "./decoders/segmentation.js";
import { nonMaxSuppression } from "./nms.js";
import { noteInference } from "./inference-timeline.js";
import { WorkerSession, type WorkerRunResult } from "./ort-worker.js";

export type { TensorToImage } from "../image/tensor-mapping.js";

/** onnxruntime graph optimisation levels. */
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface ModelSessionOptions {
  /** Folder holding the contract's model file. */
  modelDir: string;
  /** Threads inside one operator. Default 1 (as fast as 2 on the 2-core target, and steadier). */
  intraOpNumThreads?: number;
  /** Graph optimisation level. Default "all". */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Execution providers tried in order until one loads (e.g. ["cuda", "cpu"]). Default ["cpu"]. */
  executionProviders?: readonly string[];
  /** Run one inference on a grey frame at start-up so the first real frame is not slow. Default true. */
  warmUp?: boolean;
  /** Receives start-up log lines (provider taken, fallbacks). Default: standard error. */
  log?: (line: string) => void;
  /** The clock timing the stages (`RunTimings`, warm-up): the run's (the node handle's `wallClock`); default the real one. */
  clock?: MonotonicClock;
}

/** Milliseconds spent per stage of one run. */
export interface RunTimings {
  /** Image view -> input tensor. */
  preprocessMs: number;
  /** onnxruntime's run itself, timed on the session's worker thread (the model's own time). */
  inferenceMs: number;
  /** Handing the input to the worker and the outputs back (round trip minus `inferenceMs`, including any wait behind the run before). */
  transferMs: number;
  /** Outputs -> detections / masks (including NMS). */
  decodeMs: number;
}

export type ModelOutput =
  | {
      kind: "detections";
      /** Boxes in source image pixels after score threshold, class filter and NMS, best first. */
      detections: Detection[];
      /** The tensor -> image mapping used for this frame. */
      toImage: TensorToImage;
      timings: RunTimings;
    }
  | {
      kind: "segmentation";
      /** One argmax mask per contract output, in contract order, in tensor pixels. */
      masks: SegmentationMask[];
      /** Exact tensor -> image pixel mapping (letterbox offsets included). */
      toImage: TensorToImage;
      timings: RunTimings;
    };

/** How decoded outputs are read, fixed at start-up. */
type OutputBinding =
  | { type: "detector"; family: AnyDecoderFamily; decoder: DetectorDecoder; binding: unknown }
  | { type: "segmentation"; names: string[] };

const defaultLog = (line: string): void => {
  process.stderr.write(line + "\n");
};

/** ort reports dynamic dimensions as strings or -1. */
function dimMatches(actual: number | string | undefined, expected: number): boolean {
  return typeof actual !== "number" || actual < 0 || actual === expected;
}

function shapeMatches(
  actual: readonly (number | string)[] | undefined,
  expected: readonly number[],
): boolean {
  if (!actual) return true; // no metadata: checked at warm-up
  return actual.length === expected.length && expected.every((e, i) => dimMatches(actual[i], e));
}

function describeValues(meta: readonly ort.InferenceSession.ValueMetadata[]): string {
  return meta
    .map((m) =>
      m.isTensor ? `${m.name} [${m.shape.join(",")}] ${m.type}` : `${m.name} (not a tensor)`,
    )
    .join("; ");
}

function tensorShape(
  meta: ort.InferenceSession.ValueMetadata | undefined,
): readonly (number | string)[] | undefined {
  return meta && meta.isTensor ? meta.shape : undefined;
}

/** What a run has once its input is in the worker's hands. */
interface HandedOver {
  toImage: TensorToImage;
  /** The tensor size the run was made at. */
  size: TensorSize;
  /** The session's clock before preprocessing and after the hand-over. */
  t0: number;
  t1: number;
  /** The worker's result; "withdrawn" only for a withdrawable run the worker skipped. */
  reply: Promise<WorkerRunResult | "withdrawn">;
}

const noop = (): void => undefined;

/** A run's output; only withdrawable runs (`runUnlessCancelled`) can end without one. */
function definedOutput(output: ModelOutput | undefined): ModelOutput {
  if (!output) throw new PerceptionError("model", "a model run ended without output");
  return output;
}

/** A run asked for and not handed to the worker yet. */
interface WaitingRun {
  view: ImageView;
  /** Started by `runAhead` and not asked for by `run` yet: any run asked for goes first. */
  ahead: boolean;
  /** A `runUnlessCancelled` run: handed to the worker as a withdrawable run. */
  withdrawable: boolean;
  /** Set once handed over as a withdrawable run: asks the worker to skip it if not started. */
  withdraw?: () => void;
  /** Undefined only for a withdrawable run the worker skipped. */
  resolve: (output: ModelOutput | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * The preprocessors of one input buffer, one per tensor size: the contract's size, and under
 * `input.fit_aspect` the size of each frame shape seen (fit-aspect.ts; a camera gives one, its
 * crops another). Each tensor is shared with the worker thread: no copy per run.
 */
class SlotInputs {
  readonly #input: InputContract;
  readonly #bySize = new Map<string, { size: TensorSize; preprocessor: Preprocessor }>();

  constructor(input: InputContract) {
    this.#input = input;
  }

  /** The preprocessor for a frame of this view's size, with the tensor size it fills. */
  for(view: Pick<ImageView, "width" | "height">): { size: TensorSize; preprocessor: Preprocessor } {
    const size = fittedInputSize(this.#input, view.width, view.height);
    const key = `${size.width}x${size.height}`;
    let entry = this.#bySize.get(key);
    if (!entry) {
      entry = {
        size,
        preprocessor: new Preprocessor({
          width: size.width,
          height: size.height,
          channelOrder: this.#input.channelOrder,
          normalization: this.#input.normalization,
          resize: this.#input.resize,
          sharedTensor: true,
        }),
      };
      this.#bySize.set(key, entry);
    }
    return entry;
  }
}

export class ModelSession {
  /** The execution provider the session runs on. */
  readonly provider: string;
  /**
   * Two input tensors (double buffering): a run is preprocessed into one and handed to the worker
   * while the worker still works on the run before, from the other; the worker queues it and
   * starts it the moment it is free. A buffer is reused once the run that last filled it is done.
   */
  readonly #inputs: [SlotInputs, SlotInputs];
  /** Per input buffer: a run filled it and is not done yet. */
  readonly #inputBusy: [boolean, boolean] = [false, false];
  /** The buffer the next hand-over takes when it is free (buffers alternate). */
  #nextInput: 0 | 1 = 0;
  /**
   * Runs waiting for a free input buffer, in the order they are handed over: runs asked for by `run`
   * in call order, then the look-ahead runs of `runAhead` in call order. A run asked for overtakes
   * look-ahead runs not handed over yet (a crop of the current frame before the next frames), and a
   * look-ahead run that `run` takes moves up with the runs asked for.
   */
  readonly #waiting: WaitingRun[] = [];
  /** Called when no run waits or is in the worker's hands (`release`). */
  #idleWaiters: Array<() => void> = [];
  /** Runs started by `runAhead` and not yet taken by `run`, by frame. */
  readonly #ahead = new WeakMap<
    ImageView,
    { output: Promise<ModelOutput | undefined>; run: WaitingRun }
  >();
  /** A frame `prepare` preprocessed into the next run's input buffer, not handed to the worker yet. */
  #prepared?: { view: ImageView; slot: 0 | 1; toImage: TensorToImage; preprocessMs: number };

  readonly #session: WorkerSession;
  readonly #binding: OutputBinding;
  readonly #clock: MonotonicClock;

  private constructor(
    readonly contract: ModelContract,
    session: WorkerSession,
    provider: string,
    binding: OutputBinding,
    clock: MonotonicClock,
  ) {
    this.#session = session;
    this.#binding = binding;
    this.#clock = clock;
    this.provider = provider;
    this.#inputs = [new SlotInputs(contract.input), new SlotInputs(contract.input)];
  }

  /**
   * Loads the contract's model from options.modelDir, checks its input and outputs against the
   * contract (a `model` PerceptionError says what was expected and what was found), and warms up.
   */
  static async create(
    contract: ModelContract,
    options: ModelSessionOptions,
  ): Promise<ModelSession> {
    const log = options.log ?? defaultLog;
    const path = resolve(options.modelDir, contract.file);
    if (!existsSync(path)) {
      throw new PerceptionError(
        "model",
        `model file for contract '${contract.name}' not found: expected ${contract.file} in ${options.modelDir}`,
        {
          path,
        },
      );
    }
    const threads = options.intraOpNumThreads ?? 1;
    const level = options.graphOptimizationLevel ?? "all";
    const providers = options.executionProviders?.length ? options.executionProviders : ["cpu"];
    let session: WorkerSession | undefined;
    let provider = "";
    const failures: string[] = [];
    for (const ep of providers) {
      try {
        // Each session gets its own worker thread: onnxruntime-node runs inference synchronously
        // on the calling thread, which would block the event loop and serialise the models.
        session = await WorkerSession.create(
          path,
          {
            executionProviders: [ep],
            intraOpNumThreads: threads,
            interOpNumThreads: 1,
            graphOptimizationLevel: level,
            logSeverityLevel: 3,
            // The session's own intra-op threads, when it has any, flush subnormals too (the
            // thread that runs it already does: ort-launcher-thread.ts).
            extra: { session: { set_denormal_as_zero: "1" } },
          },
          contract.input.fitAspect !== undefined,
        );
        provider = ep;
        break;
      } catch (err) {
        failures.push(`${ep}: ${errorMessage(err)}`);
        log(
          `model ${contract.name}: execution provider '${ep}' unavailable (${errorMessage(err).split("\n")[0]}), trying the next`,
        );
      }
    }
    if (!session) {
      throw new PerceptionError(
        "model",
        `cannot load model '${contract.name}' with any execution provider: ${failures.join(" | ")}`,
        { path },
      );
    }
    try {
      const binding = bindOutputs(contract, session);
      const clock = options.clock ?? realClock;
      const ms = new ModelSession(contract, session, provider, binding, clock);
      const warm = options.warmUp ?? true;
      let warmMs = 0;
      if (warm) {
        const t0 = clock.nowMs();
        await ms.#warmUp();
        warmMs = clock.nowMs() - t0;
      }
      log(
        `model ${contract.name}: ${contract.file} on execution provider '${provider}' (intra-op threads ${threads}, graph optimisation ${level}` +
          (warm ? `, warm-up ${warmMs.toFixed(0)} ms` : "") +
          `, subnormals ${session.flushToZero ? "flushed to zero" : "kept"}` +
          (session.flushedSubnormalWeights > 0
            ? `; ${session.flushedSubnormalWeights} subnormal weights set to zero)`
            : ")"),
      );
      return ms;
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err instanceof PerceptionError
        ? err
        : new PerceptionError(
            "model",
            `model '${contract.name}' failed its start-up run: ${errorMessage(err)}`,
            { path },
            { cause: err },
          );
    }
  }

  /** One run on a mid-grey frame; also checks the real output sizes against the decoder. */
  async #warmUp(): Promise<void> {
    const { width, height } = this.contract.input;
    const data = new Uint8Array(width * height).fill(128);
    await this.run({ width, height, step: width, format: "mono8", data });
  }

  /**
   * Preprocess, infer and decode one frame. Runs are handed to the worker in call order; one can be
   * preprocessed and queued on the worker while the one before runs there (see `inputs`). An idle
   * session preprocesses and hands the frame to its worker at once, within this call, so the model
   * starts before whatever the caller's event-loop turn does next (another node's CPU work).
   */
  run(view: ImageView): Promise<ModelOutput> {
    const early = this.#ahead.get(view);
    if (early) {
      this.#ahead.delete(view);
      const at = this.#waiting.indexOf(early.run);
      if (at >= 0) {
        // Not handed over yet: now asked for, it goes before the look-ahead runs.
        this.#waiting.splice(at, 1);
        early.run.ahead = false;
        this.#enqueue(early.run);
      }
      return early.output.then(definedOutput);
    }
    return this.#ask(view, false).output.then(definedOutput);
  }

  /**
   * `run`, for optional work (a crop pass): resolves undefined, and the model never runs it, when
   * `cancel` aborts before the model starts it: while it waits for an input buffer, or queued on
   * the worker behind the run there (the worker skips it). A run the model has started finishes
   * and gives its output.
   */
  runUnlessCancelled(view: ImageView, cancel: AbortSignal): Promise<ModelOutput | undefined> {
    if (cancel.aborted) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const { output, run } = this.#ask(view, false, true);
      const drop = (): void => {
        const at = this.#waiting.indexOf(run);
        if (at < 0) {
          run.withdraw?.(); // on the worker: skipped there unless started
          return;
        }
        this.#waiting.splice(at, 1);
        resolve(undefined);
      };
      cancel.addEventListener("abort", drop, { once: true });
      output.then(resolve, reject).finally(() => cancel.removeEventListener("abort", drop));
    });
  }

  /** Queues a run and hands over what the free input buffers allow, at once. */
  #ask(
    view: ImageView,
    ahead: boolean,
    withdrawable = false,
  ): { output: Promise<ModelOutput | undefined>; run: WaitingRun } {
    let run!: WaitingRun;
    const output = new Promise<ModelOutput | undefined>((resolve, reject) => {
      run = { view, ahead, withdrawable, resolve, reject };
    });
    this.#enqueue(run);
    this.#handOverWaiting();
    return { output, run };
  }

  /** Puts a run in the queue: a look-ahead run last, a run asked for before the first look-ahead run. */
  #enqueue(run: WaitingRun): void {
    const firstAhead = run.ahead ? -1 : this.#waiting.findIndex((w) => w.ahead);
    if (firstAhead < 0) this.#waiting.push(run);
    else this.#waiting.splice(firstAhead, 0, run);
  }

  /**
   * Hands waiting runs to the worker while an input buffer is free (preprocessing each into it), so
   * an idle session starts a run within the call that asked for it.
   */
  #handOverWaiting(): void {
    for (;;) {
      const slot = !this.#inputBusy[this.#nextInput]
        ? this.#nextInput
        : !this.#inputBusy[this.#nextInput === 0 ? 1 : 0]
          ? this.#nextInput === 0
            ? 1
            : 0
          : undefined;
      if (slot === undefined) return;
      const run = this.#waiting.shift();
      if (!run) {
        if (!this.#inputBusy[0] && !this.#inputBusy[1]) this.#wakeIdleWaiters();
        return;
      }
      this.#nextInput = slot === 0 ? 1 : 0;
      this.#inputBusy[slot] = true;
      let handed: HandedOver;
      try {
        handed = this.#handOver(run, slot);
      } catch (err) {
        this.#inputBusy[slot] = false;
        run.reject(err);
        continue;
      }
      const output = this.#finish(handed);
      output.then(run.resolve, run.reject);
      // The buffer is free once its outputs are decoded (they are read from the slot's shared buffers).
      output.then(noop, noop).then(() => {
        this.#inputBusy[slot] = false;
        this.#handOverWaiting();
      });
    }
  }

  #wakeIdleWaiters(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Starts the run of a frame that `run` will be asked for later (replay knows the next frames):
   * queued behind the runs already asked for, so the model works on it while the caller is still
   * busy with earlier frames; runs asked for later overtake it while it waits for an input buffer. `run(view)` with the same view object then takes this result. The
   * result is the same as a run made then (preprocessing, inference and decoding depend on the
   * pixels and the contract only). A frame never asked for costs one wasted run and is forgotten
   * with its view.
   */
  runAhead(view: ImageView): void {
    if (this.#ahead.has(view)) return;
    const early = this.#ask(view, true);
    early.output.catch(() => undefined); // reported to whoever takes it with `run`
    this.#ahead.set(view, early);
  }

  /**
   * Preprocesses a frame that `run` may be asked for next into the input buffer that run will use,
   * while the worker still works on the run before: the live path, where the newest frame waits for
   * a busy model. Nothing goes to the worker: `run(view)` with this view then hands the buffer over
   * at once, without preprocessing; a run of another frame first simply overwrites the buffer (a
   * newer frame replaced this one). Does nothing, and returns false, while that buffer is still in
   * use or runs wait to be handed over. The result of the run is the same either way.
   */
  prepare(view: ImageView): boolean {
    const slot = this.#nextInput;
    if (this.#inputBusy[slot] || this.#waiting.length > 0 || this.#ahead.has(view)) return false;
    if (this.#prepared?.view === view && this.#prepared.slot === slot) return true;
    const t0 = this.#clock.nowMs();
    const toImage = this.#inputs[slot].for(view).preprocessor.run(view);
    this.#prepared = { view, slot, toImage, preprocessMs: this.#clock.nowMs() - t0 };
    return true;
  }

  /**
   * Preprocesses into one input buffer (unless `prepare` already did, for this view) and hands it to
   * the worker (which queues it behind its current run). The outputs come back in that slot's
   * shared output buffers, decoded by `finish` before the slot is used again.
   */
  #handOver(run: WaitingRun, slot: 0 | 1): HandedOver {
    const { view } = run;
    const { name } = this.contract.input;
    const { size, preprocessor: input } = this.#inputs[slot].for(view);
    const prepared = this.#prepared;
    // The first run after a `prepare` takes its buffer: with the prepared frame, or overwriting it.
    this.#prepared = undefined;
    let toImage: TensorToImage;
    let preprocessMs: number;
    if (prepared && prepared.view === view && prepared.slot === slot) {
      ({ toImage, preprocessMs } = prepared);
    } else {
      const start = this.#clock.nowMs();
      toImage = input.run(view);
      preprocessMs = this.#clock.nowMs() - start;
    }
    const feeds = [
      { name, type: "float32" as const, data: input.tensor, dims: [1, 3, size.height, size.width] },
    ];
    let reply: HandedOver["reply"];
    if (run.withdrawable) {
      const withdrawable = this.#session.runWithdrawable(feeds, slot);
      run.withdraw = withdrawable.withdraw;
      reply = withdrawable.result;
    } else reply = this.#session.run(feeds, slot);
    const t1 = this.#clock.nowMs();
    return { toImage, size, t0: t1 - preprocessMs, t1, reply };
  }

  /** Waits for the worker's outputs and decodes them. */
  async #finish({
    toImage,
    size,
    t0,
    t1,
    reply: pending,
  }: HandedOver): Promise<ModelOutput | undefined> {
    const results: Record<string, ort.Tensor> = {};
    let inferenceMs: number;
    try {
      const reply = await pending;
      if (reply === "withdrawn") return undefined;
      for (const o of reply.outputs)
        results[o.name] = new ort.Tensor(o.type, o.data as Float32Array, o.dims);
      // Timed on the worker's own real clock, bounded by the round trip on the session's clock (so
      // a frozen clock, `--deterministic-timing`, gives 0 here as for every other stage).
      inferenceMs = Math.min(reply.inferenceMs, this.#clock.nowMs() - t1);
      noteInference(this.contract.name, reply.startedAtMs, reply.inferenceMs);
    } catch (err) {
      throw new PerceptionError(
        "model",
        `inference failed for '${this.contract.name}': ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
    const t2 = this.#clock.nowMs();
    const output = this.#decode(results, toImage, size);
    const t3 = this.#clock.nowMs();
    const timings = {
      preprocessMs: t1 - t0,
      inferenceMs,
      transferMs: Math.max(0, t2 - t1 - inferenceMs),
      decodeMs: t3 - t2,
    };
    return { ...output, timings } as ModelOutput;
  }

  #decode(
    results: ort.InferenceSession.OnnxValueMapType,
    toImage: TensorToImage,
    size: TensorSize,
  ):
    | { kind: "detections"; detections: Detection[]; toImage: TensorToImage }
    | { kind: "segmentation"; masks: SegmentationMask[]; toImage: TensorToImage } {
    const c = this.contract;
    const b = this.#binding;
    const tensor = (name: string): ort.Tensor => {
      const t = results[name];
      if (!t) throw new PerceptionError("model", `model '${c.name}' returned no output '${name}'`);
      return t;
    };
    const f32 = (t: ort.Tensor): Float32Array => {
      if (t.type !== "float32")
        throw new PerceptionError(
          "model",
          `model '${c.name}': output is ${t.type}, expected float32`,
        );
      return t.data as Float32Array;
    };
    if (b.type === "segmentation") {
      // Masks belong to the caller (they may be kept across frames), so each run allocates new ones.
      const masks = b.names.map((name) => {
        const t = tensor(name);
        return decodeSegmentation(name, f32(t), t.dims);
      });
      return { kind: "segmentation", masks, toImage };
    }
    // The decoder keeps the classes the filter asks for plus those the class map needs (two-wheelers under riders).
    const keep =
      c.classFilter && c.classes
        ? [...new Set([...c.classFilter, ...classMapIds(c.classes)])]
        : c.classFilter;
    const raw = b.family.decode(
      b.decoder,
      b.binding,
      (name) => {
        const t = tensor(name);
        return { data: f32(t), dims: t.dims };
      },
      {
        inputWidth: size.width,
        inputHeight: size.height,
        scoreThreshold: c.thresholds.score,
        classFilter: keep,
      },
    );
    const inImage = raw
      .map((det) =>
        clipDetection(
          {
            ...det,
            x1: (det.x1 - toImage.offsetX) / toImage.scaleX,
            y1: (det.y1 - toImage.offsetY) / toImage.scaleY,
            x2: (det.x2 - toImage.offsetX) / toImage.scaleX,
            y2: (det.y2 - toImage.offsetY) / toImage.scaleY,
          },
          toImage.imageWidth,
          toImage.imageHeight,
        ),
      )
      .filter((det) => det.x2 > det.x1 && det.y2 > det.y1);
    let detections = nonMaxSuppression(inImage, {
      iouThreshold: c.thresholds.nmsIou,
      maxDetections: c.thresholds.maxDetections,
    });
    if (c.classes) {
      const wanted = c.classFilter ? new Set(c.classFilter) : undefined;
      detections = categorisePeople(detections, c.classes).filter(
        (d) => !wanted || wanted.has(d.classId),
      );
    }
    return { kind: "detections", detections, toImage };
  }

  /** Frees the native session once the runs asked for (ahead ones included) are done. */
  async release(): Promise<void> {
    if (this.#waiting.length > 0 || this.#inputBusy[0] || this.#inputBusy[1])
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    await this.#session.release();
  }
}

/** Checks input and outputs against the contract and decides which outputs the decoder reads. */
function bindOutputs(
  c: ModelContract,
  s: {
    inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
    outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  },
): OutputBinding {
  const inputs = s.inputMetadata;
  const outputs = s.outputMetadata;
  const fail = (what: string): never => {
    throw new PerceptionError(
      "model",
      `model '${c.name}' (${c.file}) does not match its contract: ${what}; the model has inputs ${describeValues(inputs)} and outputs ${describeValues(outputs)}`,
    );
  };
  const expectedInput = [1, 3, c.input.height, c.input.width];
  const inMeta = inputs.find((m) => m.name === c.input.name);
  if (!inMeta)
    fail(`expected input '${c.input.name}' [${expectedInput.join(",")}], found none of that name`);
  if (inputs.length !== 1)
    fail(`expected exactly one input '${c.input.name}', found ${inputs.length}`);
  if (inMeta!.isTensor && inMeta!.type !== "float32")
    fail(`expected input '${c.input.name}' to be float32, found ${inMeta!.type}`);
  if (!shapeMatches(tensorShape(inMeta), expectedInput)) {
    fail(
      `expected input '${c.input.name}' of shape [${expectedInput.join(",")}], found [${tensorShape(inMeta)!.join(",")}]`,
    );
  }
  const byName = new Map(outputs.map((m) => [m.name, m]));
  for (const o of c.outputs) {
    const m = byName.get(o.name);
    if (!m) fail(`expected output '${o.name}' [${o.shape.join(",")}], found none of that name`);
    if (!shapeMatches(tensorShape(m), o.shape))
      fail(
        `expected output '${o.name}' of shape [${o.shape.join(",")}], found [${tensorShape(m)!.join(",")}]`,
      );
  }
  const d = c.decoder;
  if (d.type === "segmentation") {
    for (const o of c.outputs) {
      if (o.shape.length !== 4 || o.shape[0] !== 1)
        fail(
          `segmentation output '${o.name}' must be declared [1,C,H,W], is [${o.shape.join(",")}]`,
        );
    }
    return { type: "segmentation", names: c.outputs.map((o) => o.name) };
  }
  const family = detectorFamily(d.type);
  if (!family) fail(`no decoder family '${d.type}'`);
  const metas: OutputMeta[] = outputs.map((m) => ({
    name: m.name,
    dims: m.isTensor ? m.shape.map((v) => (typeof v === "number" && v >= 0 ? v : -1)) : undefined,
  }));
  const binding: unknown = family!.bind(d, {
    contract: `'${c.name}' (${c.file})`,
    inputWidth: c.input.width,
    inputHeight: c.input.height,
    declared: c.outputs,
    outputs: metas,
  });
  return { type: "detector", family: family!, decoder: d, binding };
}
