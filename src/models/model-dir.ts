/**
 * Where model files come from: an explicit directory (parameter / --models), else `../shared/models`
 * beside the project when present, else none (detectors then use their zero-download fallback).
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { PerceptionError } from "../core/errors.js";
import { sharedDir } from "../core/paths.js";

export type ModelDirResolution =
  /** A directory was given and exists. */
  | { source: "parameter"; dir: string }
  /** None given; `../shared/models` exists. */
  | { source: "shared"; dir: string }
  /** None given and none found: use fallbacks. */
  | { source: "none"; dir: undefined };

/**
 * Resolves the model directory. An explicit directory that does not exist is an error (a typo must
 * not silently switch to the fallback); an empty string counts as not given.
 */
export function resolveModelDir(explicit?: string): ModelDirResolution {
  if (explicit) {
    const dir = resolve(explicit);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new PerceptionError("parameter", `model directory '${explicit}' does not exist`, {
        path: dir,
      });
    }
    return { source: "parameter", dir };
  }
  const shared = sharedDir();
  const dir = shared ? join(shared, "models") : undefined;
  if (dir && existsSync(dir)) return { source: "shared", dir };
  return { source: "none", dir: undefined };
}
