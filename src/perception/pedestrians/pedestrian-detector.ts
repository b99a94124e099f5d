/**
 * Pedestrian detection: person boxes from an ONNX detector (YOLOX-Nano by default, through its
 * contract in config/models.yaml) or, when no model file is available, OpenCV's HOG people
 * detector; then feet on the ground in base_link through the camera geometry.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PerceptionError } from "../../core/errors.js";
import { realClock, type MonotonicClock } from "../../core/monotonic-clock.js";
import type { Time } from "../../core/time.js";
import { cropView, type PixelRect } from "../../image/crop.js";
import type { ImageView } from "../../image/image-view.js";
import {
  defaultContractsPath,
  loadModelContract,
  type ModelContract,
} from "../../models/contract.js";
import type { Detection } from "../../models/detection.js";
import {
  HogPeopleDetector,
  standingBand,
  type HogPeopleDetectorOptions,
} from "../../models/hog-people-detector.js";
import { resolveModelDir } from "../../models/model-dir.js";
import { nonMaxSuppression } from "../../models/nms.js";
import { ModelSession, type GraphOptimizationLevel } from "../../models/session.js";
import { planTiles, type TilingMode } from "../../models/tiling.js";
import type { PedestrianArray } from "../../msgs/types.generated.js";
import {
  bandCropSidePx,
  bandHorizonRow,
  CropSchedule,
  horizonBandCrops,
  regionCrops,
  type BandCropOptions,
  type BandCropSizing,
  type HorizonGeometry,
  type PlannedCrop,
  type RegionCropOptions,
} from "./crop-plan.js";
import {
  pedestrianFromDetection,
  type FootPointNoise,
  type GroundProjector,
} from "./ground-position.js";
import { mergePasses, type MergeOptions, type PassBoxes } from "./merge-passes.js";
import type { Untimed } from "../../msgs/detector-arrays.js";

/**
 * Extra model passes for people too small for the whole-frame pass (see crop-plan.ts): square
 * crops along the horizon band and crops around map regions (crosswalks) ahead. How many run on a
 * frame is the caller's (`detect`'s `cropPasses`, from the crop pass budget): region crops first,
 * in turn when more are in view than passes, then band crops in turn with the passes left.
 */
export interface PedestrianCropOptions {
  /** The horizon band's crops (their side from `BandCropSizing` per frame); undefined: none. */
  band?: Omit<BandCropOptions, "inputSide" | "side"> &
    BandCropSizing & {
      /** Horizon row as a fraction of the image height for frames without calibration. */
      fallbackHorizonFraction: number;
    };
  /** Crops around map regions passed to `detect`; undefined: none. */
  regions?: Omit<RegionCropOptions, "inputSide" | "fullFrameScale">;
  /** How boxes of the passes are merged (cut boxes, IoU, containment). */
  merge: Omit<MergeOptions, "iouThreshold">;
}

/** A map region ahead (crosswalk), in base_link metres. */
export interface PedestrianRegion {
  /** Map feature id. */
  id: string;
  /** Outline on the ground, base_link. */
  polygon: readonly { x: number; y: number }[];
}

export interface PedestrianDetectorOptions {
  /** Model directory; default: ../shared/models when present, else none (HOG fallback). */
  modelDir?: string;
  /** Contract name in the contracts file. Default "yolox_nano". */
  model?: string;
  /** Contracts file. Default config/models.yaml. */
  contractsPath?: string;
  /** A contract object instead of model + contractsPath (tests, custom models). */
  contract?: ModelContract;
  /** Class ids counted as people. Default the contract's class_filter, else [0] (COCO person). */
  personClassIds?: readonly number[];
  /** Minimum score. Default the contract's threshold. */
  scoreThreshold?: number;
  /** Greedy NMS IoU threshold, also used to merge tiles. Default the contract's. */
  nmsIouThreshold?: number;
  /** Extra passes over tiles of wide frames. Default { kind: "auto" } (square tiles when width >= 2 x height). */
  tiling?: TilingMode;
  /** Crops for small people (horizon band, map regions); undefined: the whole frame (and wide-frame tiles) only. */
  crops?: PedestrianCropOptions;
  /** Foot-point noise for the position covariance. */
  footNoise?: FootPointNoise;
  /** Frame id of the PedestrianArray header. Default "base_link". */
  frameId?: string;
  /** onnxruntime intra-op threads. Default 1. */
  intraOpNumThreads?: number;
  /** onnxruntime graph optimisation. Default "all". */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Execution providers tried in order. Default ["cpu"]. */
  executionProviders?: readonly string[];
  /** Options of the HOG fallback. */
  hog?: HogPeopleDetectorOptions;
  /**
   * What to do when the model cannot be loaded (no directory, missing file): "hog" uses the HOG
   * fallback (logged, and flagged in results); "error" throws. A model that does not match its
   * contract always throws. Default "hog".
   */
  onMissingModel?: "hog" | "error";
  /** Start-up log lines (backend chosen, provider). Default standard error. */
  log?: (line: string) => void;
  /** The clock timing the stages (the run's: the node handle's `wallClock`); default the real one. */
  clock?: MonotonicClock;
}

/** Which detector produced the boxes. */
export type PedestrianBackend =
  | { kind: "model"; model: string; file: string; provider: string }
  | { kind: "hog-fallback"; reason: string };

export interface PedestrianTimings {
  /** Preprocessing and the hand-over to the model's worker thread, all passes, ms. */
  preprocessMs: number;
  /** Inference (onnxruntime's own run on its worker thread, or HOG) over all passes, ms. */
  inferenceMs: number;
  /** Decoding, NMS and merging, ms. */
  decodeMs: number;
  /** Boxes -> ground positions, ms. */
  geometryMs: number;
  /** Detector passes run (1 + tiles + crops). */
  passes: number;
  /** Of them, crops along the horizon band and around map regions. */
  bandCrops: number;
  regionCrops: number;
}

export interface PedestrianDetection {
  /** The message: header (stamp, frameId), pedestrians whose feet meet the ground, status. */
  message: Untimed<PedestrianArray>;
  /** Every person box after NMS (image pixels), including those left out of the message. */
  boxes: Detection[];
  /** The crops run on this frame (source pixels). */
  crops: PlannedCrop[];
  /** Crops planned for this frame and left out because `cancelCrops` aborted before the model started them. */
  cropsCancelled: number;
  /** The detector used; `hog-fallback` when no model was available. */
  backend: PedestrianBackend;
  timings: PedestrianTimings;
}

type Engine = { kind: "model"; session: ModelSession } | { kind: "hog"; hog: HogPeopleDetector };

const defaultLog = (line: string): void => {
  process.stderr.write(line + "\n");
};

export class PedestrianDetector {
  readonly #schedule = new CropSchedule();
  readonly #regionSchedule = new CropSchedule();
  readonly #clock: MonotonicClock;

  readonly #engine: Engine;
  readonly #options: PedestrianDetectorOptions;
  readonly #personClasses: ReadonlySet<number>;
  readonly #scoreThreshold: number;
  readonly #nmsIou: number;

  private constructor(
    engine: Engine,
    readonly backend: PedestrianBackend,
    options: PedestrianDetectorOptions,
    personClasses: ReadonlySet<number>,
    scoreThreshold: number,
    nmsIou: number,
  ) {
    this.#engine = engine;
    this.#options = options;
    this.#personClasses = personClasses;
    this.#scoreThreshold = scoreThreshold;
    this.#nmsIou = nmsIou;
    this.#clock = options.clock ?? realClock;
  }

  /** Loads the model (checked against its contract, warmed up) or the HOG fallback. */
  static async create(options: PedestrianDetectorOptions = {}): Promise<PedestrianDetector> {
    const log = options.log ?? defaultLog;
    const contract =
      options.contract ??
      loadModelContract(
        options.model ?? "yolox_nano",
        options.contractsPath ?? defaultContractsPath(),
      );
    if (contract.decoder.type === "segmentation") {
      throw new PerceptionError(
        "parameter",
        `model '${contract.name}' is a segmentation model, not a detector`,
      );
    }
    const personClassIds = options.personClassIds ?? contract.classFilter ?? [0];
    const score = options.scoreThreshold ?? contract.thresholds.score;
    const nmsIou = options.nmsIouThreshold ?? contract.thresholds.nmsIou;
    // The session filters by class; keep its score threshold no higher than ours.
    const sessionContract: ModelContract = {
      ...contract,
      classFilter: personClassIds,
      thresholds: {
        ...contract.thresholds,
        score: Math.min(score, contract.thresholds.score),
        nmsIou,
      },
    };
    const dir = resolveModelDir(options.modelDir);
    let reason: string;
    if (dir.dir === undefined) {
      reason = "no model directory (none given and ../shared/models absent)";
    } else if (!existsSync(join(dir.dir, contract.file))) {
      reason = `model file ${contract.file} not found in ${dir.dir}`;
    } else {
      {
        const session = await ModelSession.create(sessionContract, {
          modelDir: dir.dir,
          intraOpNumThreads: options.intraOpNumThreads,
          graphOptimizationLevel: options.graphOptimizationLevel,
          executionProviders: options.executionProviders,
          log,
          clock: options.clock,
        });
        const backend: PedestrianBackend = {
          kind: "model",
          model: contract.name,
          file: contract.file,
          provider: session.provider,
        };
        return new PedestrianDetector(
          { kind: "model", session },
          backend,
          options,
          new Set(personClassIds),
          score,
          nmsIou,
        );
      }
    }
    if ((options.onMissingModel ?? "hog") === "error") {
      throw new PerceptionError("model", `pedestrian model unavailable: ${reason}`);
    }
    log(
      `pedestrians: FALLBACK to OpenCV HOG people detector (${reason}); expect fewer and less precise detections`,
    );
    const hog = await HogPeopleDetector.create(options.hog);
    return new PedestrianDetector(
      { kind: "hog", hog },
      { kind: "hog-fallback", reason },
      options,
      new Set([0]),
      0,
      nmsIou,
    );
  }

  /**
   * Starts the model on a frame that `detect` will get later (replay's look-ahead; see
   * `ModelSession.runAhead`): the whole-frame pass only (tiles are cut per call). Results are the same.
   */
  runAhead(view: ImageView): void {
    if (this.#engine.kind === "model" && this.#hasWholeFramePass(view))
      this.#engine.session.runAhead(view);
  }

  /**
   * Preprocesses a frame waiting for the busy model into its next input buffer (live path; see
   * `ModelSession.prepare`): the whole-frame pass only. Results are the same.
   */
  prepare(view: ImageView): void {
    if (this.#engine.kind === "model" && this.#hasWholeFramePass(view))
      this.#engine.session.prepare(view);
  }

  #hasWholeFramePass(view: ImageView): boolean {
    const even = view.format === "yuyv" || view.format === "uyvy";
    const tiles = planTiles(
      this.#options.tiling ?? { kind: "auto" },
      view.width,
      view.height,
      even,
    );
    return tiles.some((t) => t.width === view.width && t.height === view.height);
  }

  /**
   * The crops for this frame, at most `passes` of them (Infinity: every crop): region crops first
   * (where the map says people cross and wait), the nearest crossing needing one on every frame,
   * then the other crossings and the band taking turns with the passes left (the band one turn
   * among the crossings; on its turn it takes every pass left, in turn along it; no band when the
   * frame is already tiled at native scale, nothing for HOG). Advances the turns.
   */
  planCrops(
    view: Pick<ImageView, "width" | "height" | "format">,
    geometry: HorizonGeometry | undefined,
    regions: readonly PedestrianRegion[] = [],
    passes = Infinity,
  ): PlannedCrop[] {
    const c = this.#options.crops;
    if (!c || this.#engine.kind !== "model" || !(passes >= 1)) return [];
    const even = view.format === "yuyv" || view.format === "uyvy";
    const tiled =
      planTiles(this.#options.tiling ?? { kind: "auto" }, view.width, view.height, even).length > 1;
    const { width: inW, height: inH } = this.#engine.session.contract.input;
    const out: PlannedCrop[] = [];
    const band =
      c.band && !tiled
        ? horizonBandCrops(
            view.width,
            view.height,
            bandHorizonRow(geometry, view.width, view.height, c.band.fallbackHorizonFraction),
            {
              side: bandCropSidePx(view.width, geometry?.model?.fx, c.band),
              overlap: c.band.overlap,
              aboveHorizon: c.band.aboveHorizon,
              minZoom: c.band.minZoom,
              inputSide: Math.min(inW, inH),
            },
            even,
          )
        : [];
    let bandTurn = true;
    if (c.regions && geometry && regions.length > 0) {
      // In a stable order (by id), so that turns go round whatever the distances do.
      const byId = [...regions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const o = {
        ...c.regions,
        inputSide: Math.min(inW, inH),
        fullFrameScale: Math.min(inW / view.width, inH / view.height),
      };
      const all = regionCrops(byId, geometry, view.width, view.height, o, even);
      if (all.length > 0) {
        // The nearest crossing that needs a crop every frame (its people are the first within the
        // stopping distance); the other crossings and the band (one turn among them, for people
        // along the road) take turns with the passes left.
        const range = new Map(
          regions.map((r) => [r.id, Math.min(...r.polygon.map((q) => Math.hypot(q.x, q.y)))]),
        );
        const nearest = all.reduce((a, x) =>
          range.get(x.featureId!)! < range.get(a.featureId!)! ? x : a,
        );
        out.push(nearest);
        const turns: (PlannedCrop | "band")[] = [
          ...all.filter((x) => x !== nearest),
          ...(band.length > 0 ? ["band" as const] : []),
        ];
        const taken = this.#regionSchedule.take(turns, Math.min(turns.length, passes - out.length));
        for (const t of taken) if (t !== "band") out.push(t);
        bandTurn = taken.includes("band");
      }
    }
    // The band: every pass left (all of them without crossings in view), in turn along it.
    if (bandTurn && out.length < passes)
      out.push(...this.#schedule.take(band, Math.min(band.length, passes - out.length)));
    return out;
  }

  /**
   * Person boxes in image pixels (tiles and crops merged), with timings and the crops that ran.
   * Crops the model has not started when `cancelCrops` aborts are left out (the whole frame and its
   * tiles always run). The HOG fallback ignores the crops: it searches the band of rows where
   * people stand (from the geometry's horizon, else the middle row) at native resolution, and the
   * whole frame shrunk.
   */
  async detectBoxes(
    view: ImageView,
    crops: readonly PlannedCrop[] = [],
    geometry?: Pick<HorizonGeometry, "horizonRow">,
    cancelCrops?: AbortSignal,
  ): Promise<{
    boxes: Detection[];
    timings: Omit<PedestrianTimings, "geometryMs">;
    cropsRun: PlannedCrop[];
  }> {
    const timings = {
      preprocessMs: 0,
      inferenceMs: 0,
      decodeMs: 0,
      passes: 0,
      bandCrops: 0,
      regionCrops: 0,
    };
    if (this.#engine.kind === "hog") {
      const t0 = this.#clock.nowMs();
      const band = standingBand(
        view.width,
        view.height,
        bandHorizonRow(geometry, view.width, view.height, 0.5),
        this.#options.hog?.processingWidth,
      );
      const boxes = this.#engine.hog
        .detect(view, band)
        .filter((d) => d.score >= this.#scoreThreshold);
      timings.inferenceMs = this.#clock.nowMs() - t0;
      timings.passes = 2;
      return { boxes, timings, cropsRun: [] };
    }
    const even = view.format === "yuyv" || view.format === "uyvy";
    const tiles = planTiles(
      this.#options.tiling ?? { kind: "auto" },
      view.width,
      view.height,
      even,
    );
    const session = this.#engine.session;
    const input = (rect: PixelRect): ImageView =>
      rect.width === view.width && rect.height === view.height ? view : cropView(view, rect);
    // Every pass asked for at once: the session preprocesses the next pass (zero-copy crop of the
    // one decoded frame) into its free input buffer while the worker infers the one before, so the
    // worker goes from pass to pass without waiting for this thread.
    const [tileOutputs, cropOutputs] = await Promise.all([
      Promise.all(tiles.map((rect) => session.run(input(rect)))),
      Promise.all(
        crops.map((c) =>
          cancelCrops
            ? session.runUnlessCancelled(input(c.rect), cancelCrops)
            : session.run(input(c.rect)),
        ),
      ),
    ]);
    const cropsRun = crops.filter((_, k) => cropOutputs[k] !== undefined);
    const rects = [...tiles, ...cropsRun.map((c) => c.rect)];
    const outputs = [...tileOutputs, ...cropOutputs.filter((o) => o !== undefined)];
    const passes: PassBoxes[] = [];
    for (let k = 0; k < rects.length; k++) {
      const rect = rects[k]!;
      const out = outputs[k]!;
      if (out.kind !== "detections")
        throw new PerceptionError("model", "pedestrian model returned masks, not detections");
      timings.preprocessMs += out.timings.preprocessMs + out.timings.transferMs;
      timings.inferenceMs += out.timings.inferenceMs;
      timings.decodeMs += out.timings.decodeMs;
      timings.passes++;
      const boxes: Detection[] = [];
      for (const d of out.detections) {
        if (d.score < this.#scoreThreshold || !this.#personClasses.has(d.classId)) continue;
        boxes.push({
          ...d,
          x1: d.x1 + rect.x,
          x2: d.x2 + rect.x,
          y1: d.y1 + rect.y,
          y2: d.y2 + rect.y,
        });
      }
      passes.push({ rect, boxes });
    }
    for (const c of cropsRun) timings[c.source === "band" ? "bandCrops" : "regionCrops"]++;
    const t0 = this.#clock.nowMs();
    let boxes: Detection[];
    if (cropsRun.length > 0 && this.#options.crops) {
      boxes = mergePasses(passes, view.width, view.height, {
        ...this.#options.crops.merge,
        iouThreshold: this.#nmsIou,
      });
    } else {
      const all = passes.flatMap((p) => p.boxes);
      boxes =
        passes.length > 1
          ? nonMaxSuppression(all, { iouThreshold: this.#nmsIou, perClass: false })
          : all;
    }
    timings.decodeMs += this.#clock.nowMs() - t0;
    return { boxes, timings, cropsRun };
  }

  /**
   * Pedestrians of one frame, with at most `cropPasses` crops besides the whole frame (Infinity,
   * for still images: every crop; a stream takes them from its crop pass budget); crops the model
   * has not started when `cancelCrops` aborts are left out (a stream: a newer frame waits).
   * Without a geometry (no calibration) the message is empty with a status saying so; boxes are
   * returned anyway.
   */
  async detect(
    view: ImageView,
    geometry: (GroundProjector & HorizonGeometry) | undefined,
    stamp: Time,
    regions: readonly PedestrianRegion[] = [],
    cropPasses = Infinity,
    cancelCrops?: AbortSignal,
  ): Promise<PedestrianDetection> {
    const planned = this.planCrops(view, geometry, regions, cropPasses);
    const {
      boxes,
      timings,
      cropsRun: crops,
    } = await this.detectBoxes(view, planned, geometry, cancelCrops);
    const t0 = this.#clock.nowMs();
    const pedestrians = [];
    let aboveHorizon = 0;
    if (geometry) {
      for (const b of boxes) {
        const p = pedestrianFromDetection(
          b,
          view.width,
          view.height,
          geometry,
          this.#options.footNoise,
        );
        if (p) pedestrians.push(p);
        else aboveHorizon++;
      }
    }
    const status: string[] = [];
    if (this.backend.kind === "hog-fallback") status.push("HOG fallback detector (no model file)");
    if (!geometry && boxes.length > 0)
      status.push(`no camera geometry: ${boxes.length} boxes not placed on the ground`);
    if (aboveHorizon > 0) status.push(`${aboveHorizon} boxes with feet above the horizon left out`);
    const message: Untimed<PedestrianArray> = {
      header: { stamp, frame_id: this.#options.frameId ?? "base_link" },
      pedestrians,
      status: status.join("; "),
    };
    return {
      message,
      boxes,
      crops,
      cropsCancelled: planned.length - crops.length,
      backend: this.backend,
      timings: { ...timings, geometryMs: this.#clock.nowMs() - t0 },
    };
  }

  /** Starts the crops' turns again (a new time line). */
  resetSchedule(): void {
    this.#schedule.reset();
    this.#regionSchedule.reset();
  }

  /** Frees the session or the HOG descriptor. */
  async release(): Promise<void> {
    if (this.#engine.kind === "model") await this.#engine.session.release();
    else this.#engine.hog.release();
  }
}
