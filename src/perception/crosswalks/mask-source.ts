/**
 * A crosswalk source for a dedicated crosswalk segmentation model, plugged in through the project's
 * model contracts (`config/models.yaml`, decoder `segmentation`): the crosswalk class of its mask
 * is warped to BEV, and each sizeable blob becomes a candidate (its x/y extent in base_link).
 */
import type { ModelContract } from "../../models/contract.js";
import { ModelSession, type ModelSessionOptions } from "../../models/session.js";
import { bevLookup, type BevGridSpec } from "../bev/bev-grid.js";
import { bevComponents } from "../bev/bev-components.js";
import { bevMaskIndex, maskToBev } from "../bev/mask-to-bev.js";
import type { CrosswalkFrame, CrosswalkSource, CrosswalkSourceReport } from "./crosswalk-source.js";
import { checkMask } from "./mask-check.js";

/** Options of `MaskCrosswalkSource.create`. */
export interface MaskSourceOptions {
  /** The model's contract (decoder: segmentation). */
  contract: ModelContract;
  /** Folder holding the model file. */
  modelDir: string;
  /** Output holding the crosswalk class; default: the contract's first output. */
  outputName?: string;
  /** Class id of "crosswalk" in that output; default 1. */
  crosswalkClass?: number;
  /** BEV grid; default 2-40 m x +-10 m at 0.25 x 0.1 m. */
  grid?: BevGridSpec;
  /** Blobs smaller than this (square metres) are dropped; default 4. */
  minArea?: number;
  /** Extra session options. */
  session?: Omit<ModelSessionOptions, "modelDir">;
}

/** Crosswalks from a segmentation model's crosswalk class. */
export class MaskCrosswalkSource implements CrosswalkSource {
  readonly #session: ModelSession;
  readonly #options: MaskSourceOptions;

  private constructor(session: ModelSession, options: MaskSourceOptions) {
    this.#session = session;
    this.#options = options;
  }

  get name(): string {
    return `model:${this.#options.contract.name}`;
  }

  static async create(options: MaskSourceOptions): Promise<MaskCrosswalkSource> {
    const session = await ModelSession.create(options.contract, {
      ...options.session,
      modelDir: options.modelDir,
    });
    return new MaskCrosswalkSource(session, options);
  }

  async candidates(frame: CrosswalkFrame): Promise<CrosswalkSourceReport> {
    const out = await this.#session.run(frame.view);
    if (out.kind !== "segmentation")
      return {
        probability: 0,
        candidates: [],
        invalid: `model output is ${out.kind}, not segmentation`,
      };
    const mask = this.#options.outputName
      ? out.masks.find((m) => m.name === this.#options.outputName)
      : out.masks[0];
    if (!mask)
      return { probability: 0, candidates: [], invalid: `no output '${this.#options.outputName}'` };
    const garbage = checkMask(mask, out.toImage, { classId: this.#options.crosswalkClass ?? 1 });
    if (garbage) return { probability: 0, candidates: [], invalid: garbage };
    const spec = this.#options.grid ?? {
      xMin: 2,
      xMax: 40,
      dx: 0.25,
      yMin: -10,
      yMax: 10,
      dy: 0.1,
    };
    const lookup = bevLookup(frame.geometry, spec, frame.view.width, frame.view.height);
    const occupancy = new Uint8Array(lookup.rows * lookup.cols);
    maskToBev(
      mask,
      bevMaskIndex(lookup, out.toImage, mask.width, mask.height),
      occupancy,
      this.#options.crosswalkClass ?? 1,
    );
    const minCells = Math.ceil((this.#options.minArea ?? 4) / (spec.dx * spec.dy));
    // Blob size as confidence is not calibrated: fit the fusion weight of this source before trusting it.
    const candidates = bevComponents(occupancy, lookup.rows, lookup.cols, spec, {
      minCells,
      rowGap: 0,
    }).map((c) => ({
      xNear: spec.xMin + c.rowMin * spec.dx,
      xFar: spec.xMin + (c.rowMax + 1) * spec.dx,
      yRight: spec.yMin + c.colMin * spec.dy,
      yLeft: spec.yMin + (c.colMax + 1) * spec.dy,
      confidence: Math.min(0.99, 0.5 + c.cells.length / (4 * minCells)),
      distanceStd: Math.max(spec.dx, 0.03 * (spec.xMin + c.rowMin * spec.dx)),
      evidence: `${this.name}: ${c.cells.length} cells`,
    }));
    return { probability: Math.max(0, ...candidates.map((c) => c.confidence)), candidates };
  }
}
