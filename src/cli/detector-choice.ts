/**
 * `--contracts <file>` and `--model <name>` of `detect`, `replay` and `demo`: which detector contract
 * the pedestrian detector runs. Checked at once (a missing file or unknown name fails before any
 * bag is opened); for the node graph they become a parameter file over the pedestrian_detector's
 * own (`contracts_file`, `model`).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { PerceptionError } from "../core/errors.js";
import { defaultContractsPath, loadModelContract, type ModelContract } from "../models/contract.js";

export interface DetectorChoice {
  /** Contracts file, absolute. */
  contractsPath: string;
  /** Contract name. */
  model: string;
  /** The contract itself (checked to be a detector). */
  contract: ModelContract;
}

/** The contract `--model` names in `--contracts` (defaults: config/models.yaml, yolox_nano); undefined when neither flag is given. */
export function detectorChoice(
  contracts: string | undefined,
  model: string | undefined,
): DetectorChoice | undefined {
  if (contracts === undefined && model === undefined) return undefined;
  const contractsPath = contracts !== undefined ? resolve(contracts) : defaultContractsPath();
  const name = model ?? "yolox_nano";
  const contract = loadModelContract(name, contractsPath);
  if (contract.decoder.type === "segmentation") {
    throw new PerceptionError(
      "parameter",
      `--model ${name}: contract '${name}' in ${contractsPath} is a segmentation model, not a detector`,
    );
  }
  return { contractsPath, model: name, contract };
}

/** A parameter file setting the pedestrian_detector's `contracts_file` and `model` (in a fresh temporary folder). */
export function detectorParamsFile(choice: DetectorChoice): string {
  const dir = mkdtempSync(join(tmpdir(), "edge-perception-detector-"));
  const path = join(dir, "pedestrian_detector.params.yaml");
  writeFileSync(
    path,
    stringify({
      pedestrian_detector: {
        ros__parameters: { contracts_file: choice.contractsPath, model: choice.model },
      },
    }),
  );
  return path;
}
