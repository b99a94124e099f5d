/**
 * Generated drives for tests, made on first use into a temp cache keyed by the scenario generator's
 * source (tools/scenario), so they are rebuilt whenever the generator changes.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../src/core/paths.js";
import { generateDrive, type GenerateDriveOptions } from "../../tools/scenario/generate-drive.js";

/** A cached version of a drive unused this long is removed when another version is made. */
const STALE_AFTER_MS = 24 * 3600 * 1000;

/** The seed of every cached drive. */
const SEED = 3;

/** What `cachedGeneratedDrive` makes and where it keeps it. */
export interface CachedDriveOptions {
  /** The cache folder (a test's own, under the OS temp folder). */
  cache: string;
  /** Scenario name (see SCENARIO_NAMES). */
  scenario: string;
  /** Camera frames to generate. */
  frames: number;
  /** Names the variant in the cache entry's name when `generate` changes the output ("640x360-"); default none. */
  variant?: string;
  /** Generator options beyond scenario, seed, frames and out (camera size, compression). */
  generate?: Omit<GenerateDriveOptions, "scenario" | "seed" | "frames" | "out" | "overwrite">;
}

/** Hash of the `.ts` files under a folder (names and contents), 12 hex digits. */
function sourceHash(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) h.update(name).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest("hex").slice(0, 12);
}

/**
 * A generated drive's folder (seed 3), generated on first use into the cache; older versions of it
 * unused for a day are removed. It is generated aside and moved in whole: a run beside this one
 * never reads a half-written drive.
 */
export async function cachedGeneratedDrive(o: CachedDriveOptions): Promise<string> {
  const prefix = `${o.scenario}-s${SEED}-${o.frames}f-${o.variant ?? ""}`;
  const name = `${prefix}${sourceHash(projectPath("tools", "scenario"))}`;
  const dir = join(o.cache, name);
  if (existsSync(join(dir, "ground_truth.jsonl"))) {
    utimesSync(dir, new Date(), new Date()); // in use: not stale for another checkout's clean-up
    return dir;
  }
  // Older versions go once unused for a day: another checkout (a different tools/scenario) sharing
  // this temp folder may be reading its own version right now.
  const staleBefore = Date.now() - STALE_AFTER_MS;
  if (existsSync(o.cache)) {
    for (const old of readdirSync(o.cache)) {
      const path = join(o.cache, old);
      const modified = old.startsWith(prefix)
        ? statSync(path, { throwIfNoEntry: false })?.mtimeMs
        : undefined; // another run may remove it first
      if (modified !== undefined && modified < staleBefore)
        rmSync(path, { recursive: true, force: true });
    }
  }
  const staging = join(o.cache, `staging-${process.pid}-${Date.now()}`);
  try {
    await generateDrive({
      ...o.generate,
      scenario: o.scenario,
      seed: SEED,
      frames: o.frames,
      out: join(staging, name),
      overwrite: true,
    });
    if (!existsSync(dir)) renameSync(join(staging, name), dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}
