/**
 * Lane-marking detection for one camera frame: TwinLiteNet's lane-line mask (or, without a model,
 * the classical BEV marking filter) -> BEV occupancy -> instances -> fitted `LaneMarking`s in
 * base_link. Bad input (no road, empty or saturated mask, a horizon below the image) gives an empty
 * array with a reason in `status`, never an exception.
 */
import { PerceptionError } from "../../core/errors.js";
import { realClock, type MonotonicClock } from "../../core/monotonic-clock.js";
import type { Time } from "../../core/time.js";
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { ImageView } from "../../image/image-view.js";
import { imagePixelToTensor, type TensorToImage } from "../../image/tensor-mapping.js";
import type { ModelContract } from "../../models/contract.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import { ModelSession, type ModelSessionOptions } from "../../models/session.js";
import type { LaneMarking, LaneMarkingArray } from "../../msgs/types.generated.js";
import { bevLookup, type BevGridSpec, type BevLookup } from "../bev/bev-grid.js";
import type { BevComponent } from "../bev/bev-components.js";
import {
  classicalMarkingOccupancy,
  isRoadColour,
  type ClassicalMarkingOptions,
  type RoadAppearance,
} from "./classical-markings.js";
import { rgbReader } from "../bev/image-sampling.js";
import { DEFAULT_CLASSICAL_GRID, DEFAULT_LANE_GRID } from "../bev/lane-grid.js";
import type { ImageRoad } from "./lane-extent.js";
import { lanesFromOccupancy, type LanePipelineOptions } from "./lane-pipeline.js";
import type { PaintEvidence } from "./paint-or-edge.js";
import { bevMaskIndex, maskFraction, maskToBev } from "../bev/mask-to-bev.js";
import type { Untimed } from "../../msgs/detector-arrays.js";

/** Produces lane-line (and optionally drivable-area) masks for a frame: a model session, or a stand-in in tests. */
export interface LaneSegmenter {
  segment(view: ImageView): Promise<{
    masks: SegmentationMask[];
    toImage: TensorToImage;
    inferenceMs: number;
    modelMs?: number;
  }>;
  /** Starts segmenting a frame that `segment` will get later, same result (optional; see `ModelSession.runAhead`). */
  runAhead?(view: ImageView): void;
  /** Preprocesses a frame that `segment` may get next into the model's next input buffer, same result (optional; see `ModelSession.prepare`). */
  prepare?(view: ImageView): void;
  /** Frees the model (optional). */
  release?(): Promise<void>;
}

/** The masks of one frame, as `LaneDetector.segment` picks them. */
export interface LaneSegmentation {
  laneMask: SegmentationMask | undefined;
  drivableMask: SegmentationMask | undefined;
  toImage: TensorToImage;
  /** Preprocessing + inference + decoding, milliseconds. */
  inferenceMs: number;
  /** The model's own run (onnxruntime on its worker thread), milliseconds; part of `inferenceMs`. */
  modelMs: number;
}

/**
 * The classical fallback's pipeline settings, stricter than the model path's: the classical filter
 * also answers to kerbs, cars, glare and shadows, so it must be surer, keeps fewer lines, and only
 * lines that run along the road. They replace the pipeline's own values on that path.
 */
export interface ClassicalPipelineTuning {
  /** Markings below this confidence are dropped. */
  minConfidence: number;
  /** At most this many markings are kept, most confident first. */
  maxMarkings: number;
  /** Instances whose visible extent is shorter are dropped (metres). */
  minExtent: number;
  /** Lines whose direction anywhere on their extent is farther than this from the x axis are dropped (radians). */
  maxHeading: number;
  /** Lines whose curvature (|y''|) anywhere on their extent exceeds this are dropped (1/m). */
  maxCurvature: number;
  /** Only instances the image shows as paint are reported (its only evidence is the image). */
  requirePaint: boolean;
  /** Whether lines are continued behind vehicles (its road grid does not exclude vehicles). */
  continueOccluded: boolean;
}

/**
 * The lane detector's tuning: the lane_detector node's parameters (config/lane_detector.param.yaml,
 * turned into options by src/nodes/lane-detector-tuning.ts); no defaults in code.
 */
export interface LaneDetectorTuning {
  /** Fit, instance and classification tuning (lateralStdPerMetre is derived from the camera). */
  pipeline: Omit<LanePipelineOptions, "lateralStdPerMetre">;
  /** Classical filter tuning (its road chroma limit also decides road pixels for the near ends). */
  classical: ClassicalMarkingOptions;
  /** The classical fallback's pipeline settings (`pipeline` still wins where it sets the same field). */
  classicalPipeline: ClassicalPipelineTuning;
  /** A lane mask covering more than this fraction of the image is treated as garbage. */
  maxLaneMaskFraction: number;
  /** Below this drivable fraction of the image (with a drivable mask) there is "no road in view". */
  minDrivableFraction: number;
}

/** Options of `LaneDetector.create`: the tuning plus the model and clock. */
export interface LaneDetectorOptions extends LaneDetectorTuning {
  /** Segmentation contract (TwinLiteNet 640x360 or 320x320); undefined -> the classical fallback. */
  contract?: ModelContract;
  /** Folder of the contract's model file; required with `contract`. */
  modelDir?: string;
  /** Extra session options (threads, providers). */
  session?: Omit<ModelSessionOptions, "modelDir">;
  /** A ready segmenter instead of a session (wins over `contract`). */
  segmenter?: LaneSegmenter;
  /** Name of the lane-line mask among the outputs; default: the first whose name starts with "ll" or "lane", else the second. */
  laneMaskName?: string;
  /** Name of the drivable-area mask; default: the first whose name starts with "da" or "drivable", else none. */
  drivableMaskName?: string;
  /** BEV grid of the lane stage; default 0-80 m x +-15 m, 0.5 x 0.1 m cells (classical: 0-50 m, 0.5 x 0.05 m). */
  grid?: BevGridSpec;
  /** The clock timing the stages and the session (the run's: the node handle's `wallClock`); default the real one. */
  clock?: MonotonicClock;
}

/** Milliseconds per stage of one `detect`. */
export interface LaneTimings {
  /** Model preprocessing + inference + decoding (0 on the classical path). */
  inferenceMs: number;
  /** The model's own run within `inferenceMs` (onnxruntime on its worker thread; 0 on the classical path). */
  modelMs: number;
  /** Everything after the model: BEV, instances, fit, classification. */
  postprocessMs: number;
  /** The whole call. */
  totalMs: number;
}

/** What `detect` returns. */
export interface LaneDetectionResult {
  /** The markings (header.frame_id = base_link, stamp = the frame's) with `status` set when empty or degraded. */
  markings: Untimed<LaneMarkingArray>;
  /** The lane-line mask (model path). */
  laneMask?: SegmentationMask;
  /** The drivable-area mask (model path, when the model has one). */
  drivableMask?: SegmentationMask;
  /** Tensor -> image mapping of the masks. */
  toImage?: TensorToImage;
  /** Components across the road (stop lines, crosswalk edges) in the lane BEV, for `CrosswalkDetector`. */
  transverse: BevComponent[];
  /** What the image said about each marking's paint (same order as the markings; empty when none). */
  evidence: PaintEvidence[];
  /** Per marking, the x up to which it runs on behind a vehicle standing on it (its x_max when not occluded; the model path with a drivable mask only). */
  continuation: number[];
  /** The lane BEV lookup used (undefined when the ground is not in view). */
  lookup?: BevLookup;
  timings: LaneTimings;
  /** True when the classical filter ran instead of a model. */
  fallback: boolean;
}

function pickMask(
  masks: SegmentationMask[],
  name: string | undefined,
  pattern: RegExp,
  fallbackIndex: number | undefined,
): SegmentationMask | undefined {
  if (name !== undefined) return masks.find((m) => m.name === name);
  return (
    masks.find((m) => pattern.test(m.name)) ??
    (fallbackIndex !== undefined ? masks[fallbackIndex] : undefined)
  );
}

/** Wraps a model session as a segmenter. */
class SessionSegmenter implements LaneSegmenter {
  constructor(readonly session: ModelSession) {}
  async segment(view: ImageView): Promise<{
    masks: SegmentationMask[];
    toImage: TensorToImage;
    inferenceMs: number;
    modelMs: number;
  }> {
    const out = await this.session.run(view);
    if (out.kind !== "segmentation") {
      throw new PerceptionError(
        "model",
        `lane model must be a segmentation model, got ${out.kind}`,
        { contract: this.session.contract.name },
      );
    }
    const t = out.timings;
    return {
      masks: out.masks,
      toImage: out.toImage,
      inferenceMs: t.preprocessMs + t.inferenceMs + t.transferMs + t.decodeMs,
      modelMs: t.inferenceMs,
    };
  }
  runAhead(view: ImageView): void {
    this.session.runAhead(view);
  }
  prepare(view: ImageView): void {
    this.session.prepare(view);
  }
  release(): Promise<void> {
    return this.session.release();
  }
}

/** A ground point's image pixel through the geometry (one query object reused). */
function projector(geometry: CameraGeometry): ImageRoad["project"] {
  const ground = { x: 0, y: 0, z: 0 };
  return (x, y) => {
    ground.x = x;
    ground.y = y;
    return geometry.groundToPixel(ground);
  };
}

/** Road in the image for the classical path: pixels of the road's own colour (`RoadAppearance`). */
function colourImageRoad(
  geometry: CameraGeometry,
  view: ImageView,
  appearance: RoadAppearance,
  maxRoadChroma: number,
): ImageRoad {
  const read = rgbReader(view);
  const rgb = new Uint8Array(3);
  return {
    width: view.width,
    height: view.height,
    project: projector(geometry),
    isRoad(u, v) {
      read(v * view.width + u, rgb, 0);
      return isRoadColour(rgb[0]!, rgb[1]!, rgb[2]!, appearance, maxRoadChroma);
    },
  };
}

/** Road in the image from the model's masks: a pixel is road where either mask marks it. */
function maskImageRoad(
  geometry: CameraGeometry,
  toImage: TensorToImage,
  laneMask: SegmentationMask,
  drivableMask: SegmentationMask,
  width: number,
  height: number,
): ImageRoad {
  const at = (mask: SegmentationMask, u: number, v: number): boolean => {
    const t = imagePixelToTensor(toImage, { u, v });
    const mu = Math.round(t.u);
    const mv = Math.round(t.v);
    return (
      mu >= 0 &&
      mv >= 0 &&
      mu < mask.width &&
      mv < mask.height &&
      mask.classes[mv * mask.width + mu] !== 0
    );
  };
  return {
    width,
    height,
    project: projector(geometry),
    isRoad: (u, v) => at(drivableMask, u, v) || at(laneMask, u, v),
  };
}

/** Lane-marking detector (model or classical). */
export class LaneDetector {
  #occupancy = new Uint8Array(0);
  #drivable = new Uint8Array(0);
  #scratch = {
    grey: new Float32Array(0),
    yellow: new Float32Array(0),
    chroma: new Float32Array(0),
  };

  readonly #clock: MonotonicClock;

  readonly #segmenter: LaneSegmenter | undefined;

  private constructor(
    segmenter: LaneSegmenter | undefined,
    readonly options: LaneDetectorOptions,
  ) {
    this.#segmenter = segmenter;
    this.#clock = options.clock ?? realClock;
  }

  /** A detector on the contract's model, or the classical fallback when no contract/segmenter is given. */
  static async create(options: LaneDetectorOptions): Promise<LaneDetector> {
    if (options.segmenter) return new LaneDetector(options.segmenter, options);
    if (!options.contract) return new LaneDetector(undefined, options);
    if (!options.modelDir)
      throw new PerceptionError("parameter", "LaneDetector: modelDir is required with a contract", {
        contract: options.contract.name,
      });
    const session = await ModelSession.create(options.contract, {
      clock: options.clock,
      ...options.session,
      modelDir: options.modelDir,
    });
    return new LaneDetector(new SessionSegmenter(session), options);
  }

  /** Frees the model session; `segment`/`detect` must not be called afterwards (detectSegmented still works). */
  async release(): Promise<void> {
    await this.#segmenter?.release?.();
  }

  /** Starts the model on a frame that `detect` will get later (replay's look-ahead); results are the same. */
  runAhead(view: ImageView): void {
    this.#segmenter?.runAhead?.(view);
  }

  /** Preprocesses a frame waiting for the busy model into its next input buffer (live path); results are the same. */
  prepare(view: ImageView): void {
    this.#segmenter?.prepare?.(view);
  }

  /** True when no model is used. */
  get fallback(): boolean {
    return this.#segmenter === undefined;
  }

  /** Detects lane markings in one frame. */
  async detect(
    view: ImageView,
    geometry: CameraGeometry,
    stamp: Time,
  ): Promise<LaneDetectionResult> {
    return this.detectSegmented(view, geometry, stamp, await this.segment(view));
  }

  /** The model's masks for a frame (undefined on the classical path). */
  async segment(view: ImageView): Promise<LaneSegmentation | undefined> {
    if (!this.#segmenter) return undefined;
    const t0 = this.#clock.nowMs();
    const seg = await this.#segmenter.segment(view);
    return {
      toImage: seg.toImage,
      laneMask: pickMask(
        seg.masks,
        this.options.laneMaskName,
        /^(ll|lane)/i,
        seg.masks.length > 1 ? 1 : 0,
      ),
      drivableMask: pickMask(
        seg.masks,
        this.options.drivableMaskName,
        /^(da|drivable)/i,
        undefined,
      ),
      inferenceMs: this.#clock.nowMs() - t0,
      modelMs: seg.modelMs ?? seg.inferenceMs,
    };
  }

  /** The lane stage on masks from `segment` (the still-image helper picks a camera from them in between). */
  detectSegmented(
    view: ImageView,
    geometry: CameraGeometry,
    stamp: Time,
    seg: LaneSegmentation | undefined,
  ): LaneDetectionResult {
    const t0 = this.#clock.nowMs() - (seg?.inferenceMs ?? 0);
    const fallback = this.#segmenter === undefined;
    const modelMs = seg?.modelMs ?? 0;
    const empty = (
      status: string,
      extra: Partial<LaneDetectionResult> = {},
      inferenceMs = 0,
    ): LaneDetectionResult => {
      const totalMs = this.#clock.nowMs() - t0;
      return {
        markings: { header: { stamp, frame_id: "base_link" }, markings: [], status },
        transverse: [],
        evidence: [],
        continuation: [],
        timings: { inferenceMs, modelMs, postprocessMs: totalMs - inferenceMs, totalMs },
        fallback,
        ...extra,
      };
    };
    const laneMask = seg?.laneMask;
    const drivableMask = seg?.drivableMask;
    const toImage = seg?.toImage;
    const inferenceMs = seg?.inferenceMs ?? 0;
    if (seg && !laneMask)
      return empty("the model produced no lane-line mask", { toImage }, inferenceMs);
    const t1 = this.#clock.nowMs();
    const horizon = geometry.horizonRow();
    if (Number.isFinite(horizon) && horizon >= view.height - 1) {
      return empty(
        "horizon below image: the calibration puts no ground in view",
        { laneMask, drivableMask, toImage },
        inferenceMs,
      );
    }
    const lookup = bevLookup(
      geometry,
      this.options.grid ?? (fallback ? DEFAULT_CLASSICAL_GRID : DEFAULT_LANE_GRID),
      view.width,
      view.height,
    );
    if (lookup.visibleCells === 0)
      return empty(
        "no ground in view (check the calibration)",
        { laneMask, drivableMask, toImage },
        inferenceMs,
      );
    const n = lookup.rows * lookup.cols;
    if (this.#occupancy.length !== n) this.#occupancy = new Uint8Array(n);
    const occupancy = this.#occupancy;
    let lateralStdPerMetre = 1 / geometry.model.fx;
    let drivable: Uint8Array | undefined;
    let imageRoad: ImageRoad | undefined;
    if (laneMask && toImage) {
      const laneFraction = maskFraction(laneMask);
      if (laneFraction > this.options.maxLaneMaskFraction) {
        return empty(
          `lane mask covers ${(laneFraction * 100).toFixed(0)}% of the image: not lane lines`,
          { laneMask, drivableMask, toImage, lookup },
          inferenceMs,
        );
      }
      if (
        drivableMask &&
        maskFraction(drivableMask) < this.options.minDrivableFraction &&
        laneFraction < 0.001
      ) {
        return empty("no road in view", { laneMask, drivableMask, toImage, lookup }, inferenceMs);
      }
      if (laneFraction === 0 && maskFraction(laneMask, 1, 1) === 0)
        return empty(
          "no lane lines in view",
          { laneMask, drivableMask, toImage, lookup },
          inferenceMs,
        );
      const index = bevMaskIndex(lookup, toImage, laneMask.width, laneMask.height);
      maskToBev(laneMask, index, occupancy);
      if (drivableMask) {
        if (this.#drivable.length !== n) this.#drivable = new Uint8Array(n);
        maskToBev(
          drivableMask,
          bevMaskIndex(lookup, toImage, drivableMask.width, drivableMask.height),
          this.#drivable,
        );
        drivable = this.#drivable;
        imageRoad = maskImageRoad(
          geometry,
          toImage,
          laneMask,
          drivableMask,
          view.width,
          view.height,
        );
      }
      lateralStdPerMetre = 1 / (geometry.model.fx * Math.min(1, toImage.scaleX));
    } else {
      if (this.#scratch.grey.length !== n)
        this.#scratch = {
          grey: new Float32Array(n),
          yellow: new Float32Array(n),
          chroma: new Float32Array(n),
        };
      if (this.#drivable.length !== n) this.#drivable = new Uint8Array(n);
      // Road-like cells (the road's own grey level, or paint) stand in for the drivable mask: near ends stop at the hood.
      const found = classicalMarkingOccupancy(
        view,
        lookup,
        occupancy,
        this.options.classical,
        this.#scratch,
        this.#drivable,
      );
      drivable = this.#drivable;
      if (found.appearance)
        imageRoad = colourImageRoad(
          geometry,
          view,
          found.appearance,
          this.options.classical.maxRoadChroma,
        );
    }
    // The classical filter also answers to kerbs, cars, glare and shadows: it must be surer, keeps
    // fewer lines, and only lines that run along the road.
    const pipeline: LanePipelineOptions = fallback
      ? { ...this.options.classicalPipeline, ...this.options.pipeline, lateralStdPerMetre }
      : { ...this.options.pipeline, lateralStdPerMetre };
    const result = lanesFromOccupancy(occupancy, lookup, view, pipeline, drivable, imageRoad);
    const markings: LaneMarking[] = result.markings;
    const t2 = this.#clock.nowMs();
    return {
      markings: {
        header: { stamp, frame_id: "base_link" },
        markings,
        status:
          markings.length === 0
            ? fallback
              ? "no lane markings found (classical fallback)"
              : "no lane markings found"
            : fallback
              ? "classical fallback (no model)"
              : "",
      },
      laneMask,
      drivableMask,
      toImage,
      transverse: result.transverse,
      evidence: result.evidence,
      continuation: result.continuation,
      lookup,
      timings: { inferenceMs, modelMs, postprocessMs: t2 - t1, totalMs: t2 - t0 },
      fallback,
    };
  }
}
