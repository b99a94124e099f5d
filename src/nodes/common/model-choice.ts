/**
 * Which model a detector node runs: the contract named by its `model` parameter from its
 * `contracts_file` (empty: config/models.yaml) with the file from `model_dir` (empty: ../shared/models when present), or the
 * detector's built-in fallback when the file is not there (said in diagnostics and the log).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  defaultContractsPath,
  loadModelContract,
  type ModelContract,
} from "../../models/contract.js";
import { resolveModelDir } from "../../models/model-dir.js";
import type { NodeHandle } from "../../ros/node-api.js";

export type ModelChoice =
  /** The model file is there: run it. */
  | { kind: "model"; contract: ModelContract; dir: string; source: "parameter" | "shared" }
  /** No model file: the fallback runs; `reason` says why. */
  | { kind: "fallback"; reason: string };

/** The contracts file of a node's `contracts_file` parameter (empty: config/models.yaml). */
export function contractsFileOf(handle: NodeHandle): string {
  return handle.parameters.get<string>("contracts_file") || defaultContractsPath();
}

/**
 * The model for a node from its `model_dir`, `model` and `contracts_file` parameters. An explicit
 * folder that does not exist throws, as does a contract that is not in the contracts file.
 */
export function chooseModel(handle: NodeHandle): ModelChoice {
  const contract = loadModelContract(
    handle.parameters.get<string>("model"),
    contractsFileOf(handle),
  );
  const resolved = resolveModelDir(handle.parameters.get<string>("model_dir"));
  if (resolved.source === "none")
    return {
      kind: "fallback",
      reason: "no model directory (model_dir empty and no ../shared/models)",
    };
  const file = join(resolved.dir, contract.file);
  if (!existsSync(file))
    return { kind: "fallback", reason: `${contract.file} not in ${resolved.dir}` };
  return { kind: "model", contract, dir: resolved.dir, source: resolved.source };
}

/** One line for the log and diagnostics. */
export function describeModelChoice(choice: ModelChoice, fallbackName: string): string {
  return choice.kind === "model"
    ? `model ${choice.contract.name} from ${choice.dir}`
    : `model missing (${choice.reason}): ${fallbackName} fallback in use`;
}
