/**
 * The work of `eval` on a list of units: where each unit's labels are, the hash of the inputs
 * (for resumable shards), and scoring each unit (replaying input drives first with `--replay`).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { PerceptionError } from "../core/errors.js";
import { GROUND_TRUTH_FILE } from "./ground-truth.js";
import type { LogSink } from "../host/logger.js";
import type { EvalConfig } from "./eval-config.js";
import type { LabelFormat } from "./labels/still-labels.js";
import type { EvalUnit } from "./partial.js";
import { replayDrive } from "./replay-drive.js";
import { hashPath, type RunUnit } from "../host/replay/run-inputs.js";
import { scoreDrive } from "./score-drive.js";
import { scoreStills } from "./score-stills.js";

/** How input drives are replayed before scoring (`eval --replay`). */
export interface ReplaySettings {
  /** Where output bags go (`<workDir>/<unit id>`); kept when `keep`. */
  workDir: string;
  keep: boolean;
  graph: string;
  paramsFiles: string[];
  launchArgs: Record<string, string>;
  deterministicTiming: boolean;
  logSink: LogSink;
}

export interface EvalRunOptions {
  /** `--truth`: a label file or folder; for bags a drive folder (one unit) or a folder mirroring the unit ids. */
  truth: string | undefined;
  /** `--truth-format`: the still-label format (recognised when undefined). */
  truthFormat: LabelFormat | undefined;
  config: EvalConfig;
  /** The thresholds file's text (hashed). */
  configText: string;
  /** Present with `--replay`: the units are input drives. */
  replay: ReplaySettings | undefined;
  log: (line: string) => void;
}

/** Where a bag unit's ground truth is: the --truth drive (one unit), <truth>/<id>, or the bag itself (input drives). */
function truthFor(
  unit: RunUnit,
  truth: string | undefined,
  unitCount: number,
  replay: boolean,
): string {
  const candidates: string[] = [];
  if (truth !== undefined) {
    if (unitCount === 1 && (existsSync(join(truth, GROUND_TRUTH_FILE)) || truth.endsWith(".jsonl")))
      return truth.endsWith(".jsonl") ? dirname(truth) : truth;
    candidates.push(join(truth, unit.id));
  }
  if (replay || truth === undefined) candidates.push(unit.path);
  for (const c of candidates) if (existsSync(join(c, GROUND_TRUTH_FILE))) return c;
  throw new PerceptionError(
    "eval",
    `no ${GROUND_TRUTH_FILE} for run '${unit.id}' (looked in ${candidates.join(", ")}); give --truth <drive folder or folder of drives>`,
  );
}

/** sha256 over everything a shard's result depends on. */
export function inputHash(units: readonly RunUnit[], o: EvalRunOptions, unitCount: number): string {
  const h = createHash("sha256");
  h.update(`eval-input v1\n${o.configText}\n`);
  if (o.replay) {
    h.update(
      `replay graph=${o.replay.graph} timing=${o.replay.deterministicTiming}\n${JSON.stringify(Object.entries(o.replay.launchArgs).sort())}\n`,
    );
    hashPath(h, o.replay.graph);
    for (const p of o.replay.paramsFiles) hashPath(h, p);
  }
  for (const u of units) {
    h.update(`unit:${u.id}:${u.kind}\n`);
    hashPath(h, u.path);
    if (u.kind === "bag")
      hashPath(h, join(truthFor(u, o.truth, unitCount, o.replay !== undefined), GROUND_TRUTH_FILE));
    else if (o.truth !== undefined)
      for (const t of o.truth.split(",").filter(Boolean)) hashPath(h, t);
  }
  return h.digest("hex");
}

/** Scores the units in order (replaying them first with --replay). */
export async function evaluateUnits(
  units: readonly RunUnit[],
  o: EvalRunOptions,
  unitCount: number,
): Promise<EvalUnit[]> {
  const out: EvalUnit[] = [];
  for (const u of units) {
    if (u.kind === "detect-json") {
      if (o.truth === undefined)
        throw new PerceptionError(
          "eval",
          `detect output '${u.id}' needs --truth <label file or folder>`,
        );
      out.push(scoreStills(u.id, u.path, o.truth, o.config, o.truthFormat));
      o.log(`eval: ${u.id}: scored`);
      continue;
    }
    const truth = truthFor(u, o.truth, unitCount, o.replay !== undefined);
    let bag = u.path;
    if (o.replay) {
      bag = join(o.replay.workDir, u.id);
      mkdirSync(dirname(bag), { recursive: true });
      o.log(`eval: ${u.id}: replaying`);
      await replayDrive({
        drive: u.path,
        out: bag,
        graph: o.replay.graph,
        paramsFiles: o.replay.paramsFiles,
        launchArgs: o.replay.launchArgs,
        deterministicTiming: o.replay.deterministicTiming,
        logSink: o.replay.logSink,
      });
    }
    out.push(await scoreDrive(u.id, bag, truth, o.config));
    o.log(`eval: ${u.id}: scored`);
    if (o.replay && !o.replay.keep && existsSync(bag) && statSync(bag).isDirectory())
      rmSync(bag, { recursive: true, force: true });
  }
  return out;
}

/** Reads a file's text (for hashing the thresholds). */
export function readText(path: string): string {
  return readFileSync(path, "utf8");
}
