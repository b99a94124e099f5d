/**
 * The learned crosswalk source with its proposals verified by local evidence. The network finds
 * where a crossing may be (on real frames it segments almost every crossing, but also horizon
 * clutter, a car hood, a tunnel exit); the stripes prove it is one. Each sizeable blob of the
 * network's crosswalk class is a proposal; `ProposalChecker` runs the stripe periodicity analysis
 * inside it, along the stripe direction estimated from the blob itself, with its geometry (on the
 * ground below the horizon, image rows spanned, share on the drivable area). A proposal that passes
 * the plausibility gate gets a calibrated confidence, a logistic in a few of these features fitted on
 * labelled frames (`scripts/crosswalk-verification-fit.ts`, leave-one-out figures in the file),
 * stored beside the model as `<model>.verification.json`.
 *
 * Its candidates are fused with the stripe source's by the `max` rule of `source-fusion.ts`: the
 * verification is itself stripe evidence, so adding the two sources' log-odds would count it twice.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { loadModelContract, type ModelContract } from "../../models/contract.js";
import { realClock, type MonotonicClock } from "../../core/monotonic-clock.js";
import type {
  CrosswalkCandidate,
  CrosswalkFrame,
  CrosswalkSource,
  CrosswalkSourceReport,
} from "./crosswalk-source.js";
import {
  blobOutline,
  blobs,
  LEARNED_CONTRACT,
  LearnedCrosswalkSource,
  MAX_PLAUSIBLE_AREA,
  projectModelDir,
  type LearnedCrosswalkResult,
} from "./learned-source.js";
import type { SourceFusionOptions } from "./source-fusion.js";
import { StripeCrosswalkSource } from "./stripe-source.js";
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import { pointInPolygon } from "../../geometry/polygon.js";
import type { Point2 } from "../../geometry/types.js";
import type { TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import { toMessage } from "./crosswalk-detector.js";
import {
  ProposalChecker,
  type ProposalCheckOptions,
  type ProposalEvidence,
} from "./proposal-check.js";

/** Features the calibration may use, computed from a proposal's evidence. */
export const VERIFICATION_FEATURES = {
  /** Share of the proposal's scored analysis lines that are striped (0 with fewer than `minLines` scored lines). */
  striped_share: (e: ProposalEvidence, gate: VerificationGate) =>
    e.lines >= gate.minLines ? e.stripedLines / e.lines : 0,
  /** Share of the proposal's cells on the ground within range. */
  ground_share: (e: ProposalEvidence) => e.groundShare,
  /** Mean stripe score of its striped lines. */
  mean_score: (e: ProposalEvidence) => e.meanScore,
} as const;

export type VerificationFeature = keyof typeof VERIFICATION_FEATURES;

/** Plausibility gate: a proposal failing it gets no confidence at all. */
export interface VerificationGate {
  /** Blobs smaller than this many mask cells are not proposals. */
  minCells: number;
  /** At most this many proposals per frame, the largest first. */
  maxProposals: number;
  /** Least analysis lines scored inside the proposal. */
  minLines: number;
  /** With a drivable-area mask: least share of the proposal's cells on it (a crossing lies on the road). */
  minDrivableShare: number;
}

/** The calibration file (`<model>.verification.json`). */
export interface VerificationCalibration {
  check: ProposalCheckOptions;
  gate: VerificationGate;
  /** confidence = 1 / (1 + exp(-(bias + sum weights[i] * feature_i))). */
  features: VerificationFeature[];
  weights: number[];
  bias: number;
}

/** Reads and checks `<model file without .onnx>.verification.json` in `modelDir`. */
export function loadVerificationCalibration(
  modelDir: string,
  contract: ModelContract,
): VerificationCalibration {
  const path = join(modelDir, contract.file.replace(/\.onnx$/, "") + ".verification.json");
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new PerceptionError(
      "model",
      `cannot read the proposal verification of '${contract.name}': ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
  const fail = (what: string): never => {
    throw new PerceptionError("model", `proposal verification of '${contract.name}': ${what}`, {
      path,
    });
  };
  const num = (v: unknown, field: string): number =>
    typeof v === "number" && Number.isFinite(v)
      ? v
      : fail(`${field} must be a number, got ${JSON.stringify(v)}`);
  const obj = (v: unknown, field: string): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(`${field} must be an object`);
  const check = obj(doc.check, "check");
  const gate = obj(doc.gate, "gate");
  const features = Array.isArray(doc.features) ? doc.features : fail("features must be a list");
  const weights = Array.isArray(doc.weights)
    ? doc.weights.map((w, i) => num(w, `weights[${i}]`))
    : fail("weights must be a list");
  for (const f of features)
    if (typeof f !== "string" || !(f in VERIFICATION_FEATURES))
      fail(
        `unknown feature ${JSON.stringify(f)} (known: ${Object.keys(VERIFICATION_FEATURES).join(", ")})`,
      );
  if (weights.length !== features.length)
    fail(`${features.length} features but ${weights.length} weights`);
  const offsets = Array.isArray(check.angleOffsets)
    ? check.angleOffsets.map((a, i) => num(a, `check.angleOffsets[${i}]`))
    : fail("check.angleOffsets must be a list");
  return {
    check: {
      cell: num(check.cell, "check.cell"),
      lineSpacing: num(check.lineSpacing, "check.lineSpacing"),
      maxRange: num(check.maxRange, "check.maxRange"),
      maxLateral: num(check.maxLateral, "check.maxLateral"),
      angleOffsets: offsets,
      periodicity: obj(check.periodicity, "check.periodicity"),
      minLineScore: num(check.minLineScore, "check.minLineScore"),
      minLineContrast: num(check.minLineContrast, "check.minLineContrast"),
      minImageRows: num(check.minImageRows, "check.minImageRows"),
    },
    gate: {
      minCells: num(gate.minCells, "gate.minCells"),
      maxProposals: num(gate.maxProposals, "gate.maxProposals"),
      minLines: num(gate.minLines, "gate.minLines"),
      minDrivableShare: num(gate.minDrivableShare, "gate.minDrivableShare"),
    },
    features: features as VerificationFeature[],
    weights,
    bias: num(doc.bias, "bias"),
  };
}

/** A proposal of one frame: its evidence, features, and confidence (undefined when it fails the gate). */
export interface CheckedProposal {
  cells: Int32Array;
  evidence: ProposalEvidence;
  /** Feature values in the calibration's order. */
  features: number[];
  /** Whether it passed the plausibility gate. */
  plausible: boolean;
  /** Calibrated confidence (0 when not plausible). */
  confidence: number;
}

/** Whether a proposal's geometry is plausible for a crossing (see `VerificationGate`). */
export function passesGate(
  e: ProposalEvidence,
  gate: VerificationGate,
  minImageRows: number,
): boolean {
  if (!(e.imageRows >= minImageRows) || e.lines < gate.minLines) return false;
  return !(e.drivableShare < gate.minDrivableShare);
}

/** The learned source's proposals, verified. */
export class VerifiedLearnedSource implements CrosswalkSource {
  readonly #checker: ProposalChecker;
  /** Proposals of the last frame (for scripts and logs). */
  lastProposals: CheckedProposal[] = [];
  /** Milliseconds of the last frame's proposal checks (the model run not counted; for benchmarks). */
  lastCheckMs = 0;
  /** Proposals of the last frame left unchecked: covered by a crossing an earlier source located (`CrosswalkFrame.located`). */
  lastCovered = 0;

  /** Times the proposal checks (`lastCheckMs`): the run's clock; default the real one. */
  readonly #clock: MonotonicClock;

  constructor(
    readonly learned: LearnedCrosswalkSource,
    readonly calibration: VerificationCalibration,
    clock: MonotonicClock = realClock,
  ) {
    this.#clock = clock;
    this.#checker = new ProposalChecker(calibration.check);
  }

  get name(): string {
    return this.learned.name;
  }

  /** Proposals of one frame with their evidence and confidence; `invalid` when the mask is garbage. */
  async propose(
    frame: CrosswalkFrame,
  ): Promise<{ proposals: CheckedProposal[]; invalid?: string; result: LearnedCrosswalkResult }> {
    const r = await this.learned.analyse(frame);
    if (r.areaFraction > MAX_PLAUSIBLE_AREA)
      return {
        proposals: [],
        invalid: `crosswalk mask covers ${(100 * r.areaFraction).toFixed(0)}% of the frame (garbage)`,
        result: r,
      };
    const { gate, features, weights, bias, check } = this.calibration;
    const t0 = this.#clock.nowMs();
    const located = (frame.located ?? [])
      .map((c) => toMessage(c, 0, frame.geometry).image_polygon.points)
      .filter((p) => p.length >= 3);
    this.lastCovered = 0;
    const proposals = blobs(r.mask, this.learned.rule.crosswalkClass, gate.minCells)
      .slice(0, gate.maxProposals)
      .filter((cells) => {
        const covered = located.some(
          (outline) => coveredShare(cells, r.mask, r.toImage, outline) >= COVERED_SHARE,
        );
        if (covered) this.lastCovered++;
        return !covered;
      })
      .map((cells): CheckedProposal => {
        const evidence = this.#checker.check(
          {
            view: frame.view,
            geometry: frame.geometry,
            mask: r.mask,
            toImage: r.toImage,
            drivableMask: frame.drivableMask,
            drivableToImage: frame.toImage,
          },
          { cells },
        );
        const values = features.map((f) => VERIFICATION_FEATURES[f](evidence, gate));
        const plausible = passesGate(evidence, gate, check.minImageRows);
        const z = bias + values.reduce((s, v, i) => s + weights[i]! * v, 0);
        return {
          cells,
          evidence,
          features: values,
          plausible,
          confidence: plausible ? 1 / (1 + Math.exp(-z)) : 0,
        };
      });
    this.lastCheckMs = this.#clock.nowMs() - t0;
    return { proposals, result: r };
  }

  async candidates(frame: CrosswalkFrame): Promise<CrosswalkSourceReport> {
    const { proposals, invalid, result } = await this.propose(frame);
    this.lastProposals = proposals;
    if (invalid !== undefined) return { probability: 0, candidates: [], invalid };
    const candidates: CrosswalkCandidate[] = [];
    for (const p of proposals) {
      const e = p.evidence;
      if (!p.plausible || !(e.xFar > e.xNear)) continue;
      // Where the stripes are (the analysis' resolution, a pixel row), else the blob (a mask row:
      // 5 image rows of a 640x360 frame span 8 m of ground at 35-40 m).
      const outline = e.stripedOutline;
      const box = outline
        ? {
            xNear: Math.min(...outline.map((q) => q.x)),
            xFar: Math.max(...outline.map((q) => q.x)),
            yRight: Math.min(...outline.map((q) => q.y)),
            yLeft: Math.max(...outline.map((q) => q.y)),
          }
        : { xNear: e.xNear, xFar: e.xFar, yRight: e.yRight, yLeft: e.yLeft };
      const near = outline
        ? outline.reduce((a, b) => (b.x < a.x ? b : a))
        : { x: e.xNear, y: (e.yRight + e.yLeft) / 2 };
      const rows = outline
        ? 1
        : result.toImage.tensorHeight / result.mask.height / result.toImage.scaleY;
      candidates.push({
        ...box,
        confidence: p.confidence,
        distanceStd: Math.max(
          0.25,
          0.05 * near.x,
          Math.min(near.x, rowGroundStep(frame.geometry, near, rows)),
        ),
        evidence:
          `${this.name} proposal verified: ${e.stripedLines}/${e.lines} lines striped along ${e.angleDeg.toFixed(0)} deg ` +
          `(score ${e.meanScore.toFixed(2)}, contrast ${e.contrast.toFixed(0)}), ${(100 * e.groundShare).toFixed(0)} % on the ground` +
          (Number.isFinite(e.drivableShare)
            ? `, ${(100 * e.drivableShare).toFixed(0)} % on the drivable area`
            : "") +
          `, p ${p.confidence.toFixed(2)}`,
        ...(outline
          ? { groundPolygon: outline }
          : { imagePolygon: blobOutline(p.cells, result.mask, result.toImage) }),
      });
    }
    return { probability: Math.max(0, ...candidates.map((c) => c.confidence)), candidates };
  }

  async release(): Promise<void> {
    await this.learned.release();
  }
}

/**
 * The learned source for the `learned_source` parameter: "off" gives none; "auto" opens
 * `models/crosswalk_seg.onnx` with its presence rule and proposal verification when the model is
 * there (none, said in the log, when it is not). Proposals are reported from confidence 0.5 on (the
 * calibration's own threshold); the detector's `min_confidence` filters them further.
 */
export async function openLearnedSource(
  mode: "auto" | "off",
  log: (line: string) => void,
  clock?: MonotonicClock,
): Promise<VerifiedLearnedSource | undefined> {
  if (mode === "off") {
    log("learned crosswalk source off (learned_source: off)");
    return undefined;
  }
  const contract = loadModelContract(LEARNED_CONTRACT);
  const dir = projectModelDir();
  if (!existsSync(join(dir, contract.file))) {
    log(`learned crosswalk source not used: ${contract.file} not in ${dir}`);
    return undefined;
  }
  const calibration = loadVerificationCalibration(dir, contract);
  const learned = await LearnedCrosswalkSource.create({
    contract,
    modelDir: dir,
    minProbability: 0.5,
    session: { log, clock },
  });
  log(
    `learned crosswalk source: ${contract.name} from ${dir}, proposals verified by local stripe evidence`,
  );
  return new VerifiedLearnedSource(learned, calibration, clock);
}

/** The crosswalk detector's sources and fusion for a `learned_source` mode (the node and `detect` share it). */
export async function crosswalkSources(
  mode: "auto" | "off",
  log: (line: string) => void,
  clock?: MonotonicClock,
): Promise<{
  sources?: CrosswalkSource[];
  fusion?: SourceFusionOptions;
  learned?: VerifiedLearnedSource;
}> {
  const learned = await openLearnedSource(mode, log, clock);
  if (!learned) return {};
  return { sources: [new StripeCrosswalkSource(), learned], fusion: { rule: "max" }, learned };
}

/** A proposal covered by this share of its cells by a crossing already located is not checked. */
const COVERED_SHARE = 0.5;

/** Share of a blob's cells whose centre lies inside an image outline. */
function coveredShare(
  cells: Int32Array,
  mask: SegmentationMask,
  toImage: TensorToImage,
  outline: readonly Point2[],
): number {
  if (cells.length === 0) return 0;
  const sx = toImage.tensorWidth / mask.width;
  const sy = toImage.tensorHeight / mask.height;
  let inside = 0;
  for (const i of cells) {
    const p = {
      x: (((i % mask.width) + 0.5) * sx - toImage.offsetX) / toImage.scaleX,
      y: ((Math.floor(i / mask.width) + 0.5) * sy - toImage.offsetY) / toImage.scaleY,
    };
    if (pointInPolygon(outline, p)) inside++;
  }
  return inside / cells.length;
}

/**
 * Ground distance (metres, along x) that `rows` image rows span at a ground point: the error of a
 * near edge found to that many rows. Infinity when the rows above it see no ground.
 */
function rowGroundStep(geometry: CameraGeometry, at: Point2, rows: number): number {
  const px = geometry.groundToPixel({ x: at.x, y: at.y, z: 0 });
  if (!px) return Infinity;
  const far = geometry.pixelToGround({ u: px.u, v: px.v - rows });
  const near = geometry.pixelToGround({ u: px.u, v: px.v + rows });
  if (!far || !near) return Infinity;
  return Math.max(far.x - at.x, at.x - near.x);
}
