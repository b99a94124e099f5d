/**
 * The learned crosswalk source: the project's own crosswalk segmentation network
 * (`models/crosswalk_seg.onnx`, trained by `training/crosswalk_seg/` on generated drives) run
 * through the model session machinery. Per frame it gives a calibrated probability that a crossing
 * is in view, from the largest coherent crosswalk blob of the mask (scattered pixels do not count),
 * and that blob's outline in the image and on the ground in base_link.
 *
 * Interface for fusion: `analyse(frame)` returns a `LearnedCrosswalkResult` (always, one per
 * frame); `candidates(frame)` is the `CrosswalkSource` view of it, a `CrosswalkSourceReport`:
 * probability = the frame probability; one candidate (the blob's base_link extents, its ground and
 * image outlines, confidence = the probability) when the probability reaches `minProbability`;
 * `invalid` when the mask is garbage (crosswalk over more than half of it).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { projectPath } from "../../core/paths.js";
import type { Point2 } from "../../geometry/types.js";
import type { ModelContract } from "../../models/contract.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import {
  ModelSession,
  type ModelSessionOptions,
  type TensorToImage,
} from "../../models/session.js";
import type {
  CrosswalkCandidate,
  CrosswalkFrame,
  CrosswalkSource,
  CrosswalkSourceReport,
} from "./crosswalk-source.js";

/** How the largest blob becomes a probability (from the model's sidecar file, written by training). */
export interface LearnedPresenceRule {
  /** Class id of "crosswalk" in the model's output. */
  crosswalkClass: number;
  /** probability = 1 / (1 + exp(-(a * ln(areaFraction) + b))). */
  logisticA: number;
  logisticB: number;
}

/** Options of `LearnedCrosswalkSource.create`. */
export interface LearnedSourceOptions {
  /** The model's contract (decoder: segmentation, one output). */
  contract: ModelContract;
  /** Folder holding the model file and its sidecar `<file without .onnx>.json`. */
  modelDir: string;
  /** Candidates are reported only at or above this probability (0..1). */
  minProbability: number;
  /** Extra session options. */
  session?: Omit<ModelSessionOptions, "modelDir">;
}

/** What the learned source saw in one frame. */
export interface LearnedCrosswalkResult {
  /** Calibrated probability that a crossing is in view (0 when the mask has no crosswalk pixel). */
  probability: number;
  /** Area of the largest crosswalk blob, as a fraction of the mask. */
  areaFraction: number;
  /** The blob's outline in image pixels (left edge top to bottom, then right edge bottom to top); empty without a blob. */
  imagePolygon: Point2[];
  /** The same outline on the ground in base_link (x forward, y left, metres; counter-clockwise); points above the horizon or beyond 80 m are left out. */
  groundPolygon: Point2[];
  /** The blob's base_link extents (5th-95th percentile of its cells on the ground) as a crosswalk candidate, with both outlines; absent when fewer than 3 cells meet the ground. */
  candidate?: CrosswalkCandidate;
  /** Milliseconds of the model run (preprocess + inference + decode). */
  modelMs: number;
  /** The network's class mask and its mapping to the image (for checking its other blobs). */
  mask: SegmentationMask;
  toImage: TensorToImage;
}

/** A crosswalk blob over more than this share of the mask is not a crossing seen from a car: the mask is garbage. */
export const MAX_PLAUSIBLE_AREA = 0.5;

/** Reads the presence rule written next to the model by training (`crosswalk_seg.json`). */
export function loadPresenceRule(modelDir: string, contract: ModelContract): LearnedPresenceRule {
  const path = join(modelDir, contract.file.replace(/\.onnx$/, "") + ".json");
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new PerceptionError(
      "model",
      `cannot read the presence rule of '${contract.name}': ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
  const p = (doc as { presence?: Record<string, unknown> } | null)?.presence;
  const num = (v: unknown, field: string): number => {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new PerceptionError(
        "model",
        `presence rule of '${contract.name}': ${field} must be a number, got ${JSON.stringify(v)}`,
        { path },
      );
    return v;
  };
  if (!p || typeof p !== "object")
    throw new PerceptionError(
      "model",
      `presence rule of '${contract.name}' has no 'presence' object`,
      { path },
    );
  return {
    crosswalkClass: num(p.crosswalk_class, "presence.crosswalk_class"),
    logisticA: num(p.logistic_a, "presence.logistic_a"),
    logisticB: num(p.logistic_b, "presence.logistic_b"),
  };
}

/** The largest 4-connected blob of `cls` in a mask: its cells' indices (empty when none). */
export function largestBlob(mask: SegmentationMask, cls: number): Int32Array {
  return blobs(mask, cls, 1)[0] ?? new Int32Array(0);
}

/** The 4-connected blobs of `cls` with at least `minCells` cells, largest first (ties in scan order). */
export function blobs(mask: SegmentationMask, cls: number, minCells: number): Int32Array[] {
  const { width: w, height: h, classes } = mask;
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  const out: Int32Array[] = [];
  for (let start = 0; start < w * h; start++) {
    if (classes[start] !== cls || seen[start]) continue;
    let top = 0;
    const cells: number[] = [];
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const i = stack[--top]!;
      cells.push(i);
      const x = i % w;
      const neighbours = [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w];
      for (const j of neighbours) {
        if (j >= 0 && j < w * h && !seen[j] && classes[j] === cls) {
          seen[j] = 1;
          stack[top++] = j;
        }
      }
    }
    if (cells.length >= minCells) out.push(Int32Array.from(cells));
  }
  // Stable: equal sizes keep scan order (the first found wins, as before).
  return out.sort((a, b) => b.length - a.length);
}

/** Outline of a blob: per mask row its leftmost and rightmost cell, as image points (corner convention). */
export function blobOutline(
  cells: Int32Array,
  mask: SegmentationMask,
  toImage: TensorToImage,
): Point2[] {
  if (cells.length === 0) return [];
  const rowMin = new Map<number, number>();
  const rowMax = new Map<number, number>();
  for (const i of cells) {
    const r = Math.floor(i / mask.width);
    const c = i % mask.width;
    rowMin.set(r, Math.min(rowMin.get(r) ?? c, c));
    rowMax.set(r, Math.max(rowMax.get(r) ?? c, c));
  }
  const rows = [...rowMin.keys()].sort((a, b) => a - b);
  const sx = toImage.tensorWidth / mask.width;
  const sy = toImage.tensorHeight / mask.height;
  const img = (x: number, y: number): Point2 => ({
    x: (x * sx - toImage.offsetX) / toImage.scaleX,
    y: (y * sy - toImage.offsetY) / toImage.scaleY,
  });
  const left = rows.map((r) => img(rowMin.get(r)!, r + 0.5));
  const right = rows.map((r) => img(rowMax.get(r)! + 1, r + 0.5)).reverse();
  // Close the top and bottom edges at the first and last rows' outer corners.
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  return [
    img(rowMin.get(first)!, first),
    ...left,
    img(rowMin.get(last)!, last + 1),
    img(rowMax.get(last)! + 1, last + 1),
    ...right,
    img(rowMax.get(first)! + 1, first),
  ];
}

/** Crosswalks from the project's crosswalk segmentation network. */
export class LearnedCrosswalkSource implements CrosswalkSource {
  readonly #session: ModelSession;
  readonly #options: LearnedSourceOptions;

  private constructor(
    session: ModelSession,
    readonly rule: LearnedPresenceRule,
    options: LearnedSourceOptions,
  ) {
    this.#session = session;
    this.#options = options;
  }

  get name(): string {
    return `learned:${this.#options.contract.name}`;
  }

  /** Loads the model (checked against its contract) and its presence rule. */
  static async create(options: LearnedSourceOptions): Promise<LearnedCrosswalkSource> {
    if (options.contract.decoder.type !== "segmentation") {
      throw new PerceptionError(
        "model",
        `the learned crosswalk source needs a segmentation model, '${options.contract.name}' is ${options.contract.decoder.type}`,
      );
    }
    const rule = loadPresenceRule(options.modelDir, options.contract);
    const session = await ModelSession.create(options.contract, {
      ...options.session,
      modelDir: options.modelDir,
    });
    return new LearnedCrosswalkSource(session, rule, options);
  }

  /** Runs the model on one frame. */
  async analyse(frame: CrosswalkFrame): Promise<LearnedCrosswalkResult> {
    const out = await this.#session.run(frame.view);
    if (out.kind !== "segmentation")
      throw new PerceptionError(
        "model",
        `${this.name}: the model gave ${out.kind}, expected segmentation`,
      );
    const modelMs =
      out.timings.preprocessMs +
      out.timings.inferenceMs +
      out.timings.transferMs +
      out.timings.decodeMs;
    const mask = out.masks[0]!;
    const cells = largestBlob(mask, this.rule.crosswalkClass);
    const areaFraction = cells.length / (mask.width * mask.height);
    if (cells.length === 0)
      return {
        probability: 0,
        areaFraction: 0,
        imagePolygon: [],
        groundPolygon: [],
        modelMs,
        mask,
        toImage: out.toImage,
      };
    const probability =
      1 / (1 + Math.exp(-(this.rule.logisticA * Math.log(areaFraction) + this.rule.logisticB)));
    const imagePolygon = blobOutline(cells, mask, out.toImage);
    const groundPolygon: Point2[] = [];
    for (const p of imagePolygon) {
      // Corner convention -> pixel centres at integers; points in the sky are dropped.
      const g = frame.geometry.pixelToGround({ u: p.x - 0.5, v: p.y - 0.5 });
      if (g && g.x > 0 && g.x < 80) groundPolygon.push({ x: g.x, y: g.y });
    }
    const box = this.#candidate(cells, mask, out.toImage, frame, probability, areaFraction);
    // The outline on the ground, clamped to the box (cells bleeding towards the horizon would stretch it).
    const candidate = box && {
      ...box,
      groundPolygon: groundPolygon.map((p) => ({
        x: Math.min(box.xFar, Math.max(box.xNear, p.x)),
        y: Math.min(box.yLeft, Math.max(box.yRight, p.y)),
      })),
      imagePolygon,
    };
    return {
      probability,
      areaFraction,
      imagePolygon,
      groundPolygon,
      candidate,
      modelMs,
      mask,
      toImage: out.toImage,
    };
  }

  /**
   * The blob's base_link extents: its cells (at most ~600, evenly picked) projected to the ground,
   * 5th to 95th percentile along x and y, so a few cells bleeding towards the horizon or onto a stop
   * line do not stretch the crossing.
   */
  #candidate(
    cells: Int32Array,
    mask: SegmentationMask,
    toImage: TensorToImage,
    frame: CrosswalkFrame,
    probability: number,
    areaFraction: number,
  ): CrosswalkCandidate | undefined {
    const step = Math.max(1, Math.floor(cells.length / 600));
    const sx = toImage.tensorWidth / mask.width;
    const sy = toImage.tensorHeight / mask.height;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let k = 0; k < cells.length; k += step) {
      const i = cells[k]!;
      // Cell centre: tensor corner coordinates -> image pixel centre convention.
      const u = (((i % mask.width) + 0.5) * sx - toImage.offsetX) / toImage.scaleX - 0.5;
      const v = ((Math.floor(i / mask.width) + 0.5) * sy - toImage.offsetY) / toImage.scaleY - 0.5;
      const g = frame.geometry.pixelToGround({ u, v });
      if (g && g.x > 0 && g.x < 80) {
        xs.push(g.x);
        ys.push(g.y);
      }
    }
    if (xs.length < 3) return undefined;
    const q = (a: number[], f: number): number =>
      a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(f * a.length))]!;
    const xNear = q(xs, 0.05);
    return {
      xNear,
      xFar: q(xs, 0.95),
      yRight: q(ys, 0.05),
      yLeft: q(ys, 0.95),
      confidence: probability,
      // One mask row spans more ground the farther it is; never under 0.25 m.
      distanceStd: Math.max(0.25, 0.05 * xNear),
      evidence: `${this.name}: blob ${(100 * areaFraction).toFixed(2)}% of the mask, p ${probability.toFixed(2)}`,
    };
  }

  async candidates(frame: CrosswalkFrame): Promise<CrosswalkSourceReport> {
    const r = await this.analyse(frame);
    if (r.areaFraction > MAX_PLAUSIBLE_AREA) {
      return {
        probability: 0,
        candidates: [],
        invalid: `crosswalk mask covers ${(100 * r.areaFraction).toFixed(0)}% of the frame (garbage)`,
      };
    }
    return {
      probability: r.probability,
      candidates: r.candidate && r.probability >= this.#options.minProbability ? [r.candidate] : [],
    };
  }

  /** Releases the model session (its worker thread). */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

/** The contract of the project's own crosswalk model (config/models.yaml). */
export const LEARNED_CONTRACT = "crosswalk_seg";

/** The project's own model folder (`models/`, shipped in the repository; not `model_dir`, which holds third-party models). */
export function projectModelDir(): string {
  return projectPath("models");
}
