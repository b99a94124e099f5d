/**
 * The plumbing every camera node shares, written once: the camera subscription (`~/in/image` or
 * `~/in/image/compressed` by the `image_transport` parameter, sensor-data QoS), `~/in/camera_info`,
 * `/tf` + `/tf_static` (transient local) for the camera's extrinsics, the per-model rate and
 * newest-frame-wins scheduling in node-clock time with counted drops, the `~/debug/processing_time_ms`
 * and `~/debug/pipeline_latency_ms` topics, and diagnostics on `/diagnostics`. A node supplies only
 * `process(frame)`.
 */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { diffSec, timeToNs, type Time } from "../../core/time.js";
import type { DiagnosticsPublisher } from "./diagnostics-publisher.js";
import type { NodeDiagnostics } from "../../diagnostics/node-diagnostics.js";
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import { TfBuffer } from "../../geometry/tf-buffer.js";
import type { ImageView } from "../../image/image-view.js";
import type { DetectorTiming } from "../../msgs/detector-arrays.js";
import type { Header, StageLatency } from "../../msgs/types.generated.js";
import type { NodeHandle, Publisher } from "../../ros/node-api.js";
import type { NodeInstance } from "../../ros/node-spec.js";
import { CameraCalibration } from "./camera-calibration.js";
import { createNodeDiagnostics } from "./node-diagnostics-setup.js";
import { DECODED_FRAMES, type CameraMessage, type DecodedFrames } from "./decoded-frames.js";
import { FrameScheduler, type RunContext } from "./frame-scheduler.js";

/** The highest model rate `~/in/rate_hz` may set (the schemas' bound on rate_hz). */
const MAX_RATE_HZ = 60;

/** One camera frame handed to a node's `process`. */
export interface CameraFrame {
  /** The image's header (stamp = the camera stamp every output carries). */
  header: Header;
  /** The received message. */
  camera: CameraMessage;
  /** The pixels (decoded once per run: the run's decoded-frame service). */
  view(): Promise<ImageView>;
  /** Camera model + extrinsics at this stamp; undefined while calibration is missing (diagnostics say why). */
  geometry: CameraGeometry | undefined;
  /**
   * The frame arrived while this node's model ran an older one and waited for it: the node is
   * behind the camera (live and realtime replay; never in deterministic replay, which settles
   * between messages). A node can shed optional work on such a frame to catch up.
   */
  waitedForModel: boolean;
  /**
   * Aborts when a newer frame arrives for this node's model while this one is processed (live and
   * realtime replay; never in deterministic replay): optional work not started yet can be left
   * out so the newer frame waits less.
   */
  newerFrame: AbortSignal;
  /**
   * The timing fields of this frame's output array, measured now (call it as the array is
   * published): `latencies` = `stages` (the model's own, as the detector measured them) and the
   * node's stage (`CameraNodeOptions.stage`: wall time since the frame was taken up);
   * `pipeline_latency_ms` = camera stamp to now. The times ride in the message, so map_fusion gets
   * them alike in one process and across processes; they are rounded to float32 (the wire type),
   * so a subscriber in this process sees what one in another process decodes. The node's
   * `~/debug/processing_time_ms`, `~/debug/pipeline_latency_ms` and diagnostics report the last
   * call's figures (measured after `process` when it makes none).
   */
  timing(stages?: readonly StageLatency[]): DetectorTiming;
}

export interface CameraNodeOptions {
  /** Diagnostics hardware id. */
  hardwareId?: string;
  /** Stage name for the frame's latencies ("pedestrian_detector"). */
  stage: string;
  /** Skip frames while calibration is missing (detectors that need the ground geometry). */
  requireGeometry: boolean;
  /** The node's work on one frame. Throwing marks the frame failed (diagnostics ERROR for model errors); the node goes on. */
  process(frame: CameraFrame): Promise<void>;
  /**
   * Pure work on the pixels of a frame this node will process later, started early (optional):
   * replay announces upcoming frames, and a detector starts its model on them while earlier
   * frames are still being finished, so its worker never idles between frames. It must not change
   * what `process` later outputs for that frame (the model's inference depends on the pixels only).
   */
  runAhead?(view: ImageView): void;
  /**
   * Pure work on the pixels of the frame waiting for this node's busy model (live and realtime
   * replay: the newest frame while the model runs on an older one), started once the frame is
   * decoded: preprocessing into the model's next input buffer (optional). Same contract as
   * `runAhead`: it must not change what `process` later outputs.
   */
  prepare?(view: ImageView): void;
}

/** The node-side of the plumbing: what a node uses besides its own publishers. */
export class CameraNode implements NodeInstance {
  readonly handle: NodeHandle;
  readonly diagnostics: NodeDiagnostics;
  readonly tf: TfBuffer;
  readonly #options: CameraNodeOptions;
  readonly #diagPublisher: DiagnosticsPublisher;
  readonly #processingPub: Publisher<{ data: number }>;
  readonly #latencyPub: Publisher<{ data: number }>;
  readonly #scheduler: FrameScheduler<{
    frame: CameraMessage;
    receivedNow: Time;
    receivedWallMs: number;
  }>;
  readonly #calibration: CameraCalibration;
  readonly #frames: DecodedFrames;
  #processed = 0;
  #failed = 0;
  #skippedNoCalibration = 0;
  #prefetchedWhileBusy = 0;
  #rateCommands = 0;
  #rejectedRates = 0;

  constructor(handle: NodeHandle, options: CameraNodeOptions) {
    this.handle = handle;
    this.#options = options;
    this.#frames = handle.service(DECODED_FRAMES);
    const params = handle.parameters;
    this.tf = new TfBuffer({ maxExtrapolationSec: params.get<number>("tf_timeout_s") });
    const { diagnostics, publisher: diagPublisher } = createNodeDiagnostics(
      handle,
      options.hardwareId,
    );
    this.diagnostics = diagnostics;
    this.#diagPublisher = diagPublisher;
    this.#processingPub = handle.createPublisher(
      "std_msgs/msg/Float32",
      "~/debug/processing_time_ms",
      { profile: "reliable" },
    );
    this.#latencyPub = handle.createPublisher(
      "std_msgs/msg/Float32",
      "~/debug/pipeline_latency_ms",
      { profile: "reliable" },
    );
    this.#scheduler = new FrameScheduler({
      models: [
        {
          name: options.stage,
          rateHz: params.get<number>("rate_hz"),
          // A node with `rate_phase_s` (lanes, crosswalks) takes frames on a grid of the stamps.
          ...(Object.hasOwn(params.all(), "rate_phase_s")
            ? { phaseS: params.get<number>("rate_phase_s") }
            : {}),
          run: (item, stamp, context) =>
            this.#run(item.frame, stamp, item.receivedNow, item.receivedWallMs, context),
        },
      ],
      // #run reports its own errors to diagnostics; anything else is logged.
      onError: (model, err) => handle.logger.error(`${model}: ${errorMessage(err)}`),
    });
    params.onChange((changes) => {
      if (typeof changes.rate_hz === "number")
        this.#scheduler.setRate(options.stage, changes.rate_hz);
      if (typeof changes.processing_budget_ms === "number")
        this.diagnostics.setBudget(changes.processing_budget_ms);
    });

    const transport = params.get<string>("image_transport");
    const onImage = (frame: CameraMessage): void => {
      const item = { frame, receivedNow: handle.now(), receivedWallMs: handle.wallMs() };
      this.#scheduler.offer(item, frame.message.header.stamp);
      // Kept waiting for the busy model: decode it now (once per run, shared with the other
      // nodes) and preprocess it into the model's next input buffer while the model still runs.
      if (this.#scheduler.pendingFrame(options.stage) !== item) return;
      this.#prefetchedWhileBusy++;
      const view = this.#frames.prefetch(frame);
      const prepare = options.prepare;
      if (prepare)
        view.then(
          (v) => this.#scheduler.pendingFrame(options.stage) === item && prepare(v),
          () => undefined,
        );
    };
    // A frame known ahead (replay) that this node will take is decoded, and its model started,
    // while the current one is processed.
    const upcoming = (frame: CameraMessage): void => {
      if (!this.#scheduler.predictTake(frame.message.header.stamp)) return;
      const view = this.#frames.prefetch(frame);
      const runAhead = options.runAhead;
      if (runAhead) view.then(runAhead, () => undefined);
    };
    if (transport === "raw") {
      handle.createSubscription(
        "sensor_msgs/msg/Image",
        "~/in/image",
        { profile: "sensor_data" },
        (m) => onImage({ kind: "raw", message: m }),
      );
    } else {
      handle.createSubscription(
        "sensor_msgs/msg/CompressedImage",
        "~/in/image/compressed",
        { profile: "sensor_data" },
        (m) => onImage({ kind: "compressed", message: m }),
        {
          upcoming: (m) => upcoming({ kind: "compressed", message: m }),
        },
      );
    }
    // Rates from compute_budget (adaptive policy): they replace rate_hz until the next change of either.
    handle.createSubscription(
      "std_msgs/msg/Float32",
      "~/in/rate_hz",
      { profile: "reliable" },
      (m) => {
        if (!(Number.isFinite(m.data) && m.data > 0 && m.data <= MAX_RATE_HZ)) {
          this.#rejectedRates++;
          this.diagnostics.setCounter("rate_commands_rejected", this.#rejectedRates);
          handle.logger.warn(
            `~/in/rate_hz: ignored ${m.data} (must be > 0 and <= ${MAX_RATE_HZ} Hz)`,
          );
          return;
        }
        this.#scheduler.setRate(options.stage, m.data);
        this.#rateCommands++;
      },
    );
    handle.createSubscription(
      "tf2_msgs/msg/TFMessage",
      "/tf",
      { profile: "reliable", depth: 100 },
      (m) => void this.tf.addMessage(m, false),
    );
    handle.createSubscription(
      "tf2_msgs/msg/TFMessage",
      "/tf_static",
      { profile: "transient_local", depth: 100 },
      (m) => void this.tf.addMessage(m, true),
    );
    this.#calibration = new CameraCalibration(
      handle,
      this.tf,
      params.get<string>("base_frame"),
      this.diagnostics,
    );
  }

  /** The camera geometry at a stamp (undefined, with the reason in diagnostics, while calibration is missing). */
  geometryAt(stamp: Time): CameraGeometry | undefined {
    return this.#calibration.geometryAt(stamp);
  }

  async #run(
    camera: CameraMessage,
    stamp: Time,
    receivedNow: Time,
    receivedWallMs: number,
    { waited: waitedForModel, newerFrame }: RunContext,
  ): Promise<void> {
    const started = this.handle.wallMs();
    const geometry = this.geometryAt(stamp);
    if (!geometry && this.#options.requireGeometry) {
      this.#skippedNoCalibration++;
      this.diagnostics.count("frames_skipped_no_calibration");
      return;
    }
    let measured: { processingMs: number; latencyMs: number } | undefined;
    const measure = (): { processingMs: number; latencyMs: number } => ({
      processingMs: Math.fround(this.handle.wallMs() - started),
      latencyMs: Math.fround(this.pipelineLatencyMs(stamp, receivedNow, receivedWallMs)),
    });
    const timing = (stages: readonly StageLatency[] = []): DetectorTiming => {
      measured = measure();
      return {
        latencies: [
          ...stages.map((s) => ({ stage: s.stage, duration_ms: Math.fround(s.duration_ms) })),
          { stage: this.#options.stage, duration_ms: measured.processingMs },
        ],
        pipeline_latency_ms: measured.latencyMs,
      };
    };
    try {
      await this.#options.process({
        header: camera.message.header,
        camera,
        view: () => checkedView(this.#frames, camera, geometry),
        geometry,
        waitedForModel,
        newerFrame,
        timing,
      });
      const { processingMs, latencyMs } = measured ?? measure();
      this.#processed++;
      this.diagnostics.recordFrame(processingMs);
      this.#processingPub.publish({ data: processingMs });
      this.#latencyPub.publish({ data: latencyMs });
    } catch (err) {
      this.#failed++;
      this.diagnostics.recordError(err);
      this.handle.logger.error(
        `${this.#options.stage}: frame ${timeToNs(stamp)} failed: ${errorMessage(err)}`,
      );
    }
    const c = this.#scheduler.counters()[this.#options.stage]!;
    this.diagnostics.setCounter("drops_rate", c.skippedRate);
    this.diagnostics.setCounter("drops_busy", c.droppedReplaced);
  }

  /** The node's model rate now (`rate_hz`, or the last `~/in/rate_hz`), Hz. */
  get rateHz(): number {
    return this.#scheduler.rateHz(this.#options.stage);
  }

  /** Camera stamp to now: the node-clock delay until reception plus the wall time since. */
  pipelineLatencyMs(stamp: Time, receivedNow: Time, receivedWallMs: number): number {
    return (
      Math.max(0, diffSec(receivedNow, stamp) * 1000) + (this.handle.wallMs() - receivedWallMs)
    );
  }

  idle(): Promise<void> {
    return this.#scheduler.idle();
  }

  stats(): Readonly<Record<string, number>> {
    const c = this.#scheduler.counters()[this.#options.stage]!;
    return {
      frames_offered: c.offered,
      frames_processed: this.#processed,
      frames_failed: this.#failed,
      frames_skipped_no_calibration: this.#skippedNoCalibration,
      drops_rate: c.skippedRate,
      drops_busy: c.droppedReplaced,
      frames_prefetched_while_busy: this.#prefetchedWhileBusy,
      rate_commands: this.#rateCommands,
      rate_commands_rejected: this.#rejectedRates,
    };
  }

  errorCounts(): Readonly<Record<string, number>> {
    return this.diagnostics.errorCounts();
  }

  async dispose(): Promise<void> {
    await this.#scheduler.dispose();
    this.#diagPublisher.publish();
    this.#diagPublisher.stop();
  }
}

/**
 * The node as a transport sees it, with `release` run after the camera node's own dispose (a
 * detector's model session, a pending rebuild): every other call goes to `node` unchanged.
 */
export function withRelease(node: CameraNode, release: () => Promise<void>): NodeInstance {
  return {
    idle: () => node.idle(),
    stats: () => node.stats(),
    errorCounts: () => node.errorCounts(),
    dispose: async () => {
      await node.dispose();
      await release();
    },
  };
}

/**
 * The frame's pixels, refused (an `image` PerceptionError naming both sizes) when their size is not
 * the one the frame's CameraInfo describes: the calibration would place every pixel wrongly.
 */
async function checkedView(
  frames: DecodedFrames,
  camera: CameraMessage,
  geometry: CameraGeometry | undefined,
): Promise<ImageView> {
  const view = await frames.view(camera);
  const model = geometry?.model;
  if (model && (view.width !== model.width || view.height !== model.height)) {
    throw new PerceptionError(
      "image",
      `image size ${view.width}x${view.height} does not match its CameraInfo (${model.width}x${model.height} after binning and ROI): no detections from this frame`,
    );
  }
  return view;
}

/** The `status` of an empty output for a failed frame: the cause (an image problem) or `<what> error: ...`. */
export function failureStatus(error: PerceptionError, what: string): string {
  return error.kind === "image"
    ? `image error: ${error.message}`
    : `${what} error: ${error.message}`;
}

/** Throws a `model` PerceptionError with the node's context (for errors that are not PerceptionErrors yet). */
export function asModelError(err: unknown, stage: string): PerceptionError {
  return err instanceof PerceptionError
    ? err
    : new PerceptionError("model", `${stage}: ${errorMessage(err)}`, { stage }, { cause: err });
}
