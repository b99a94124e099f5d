/**
 * What `eval` evaluates: units found from its positional arguments. A bag folder (holding
 * `metadata.yaml`) is one unit named by its folder name; any other folder is searched for bag
 * folders (not inside bags), each named by its path relative to that folder; a `.txt` file lists
 * bag folders one per line (relative to the list); a `.json` file is `detect --json` output (one
 * unit of still images). Ids must be unique; they are what shards split and results are keyed by.
 */
import type { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { PerceptionError } from "../../core/errors.js";

export interface RunUnit {
  /** Unit id: the bag's path relative to the folder given, or its name. */
  id: string;
  kind: "bag" | "detect-json";
  /** Absolute path of the bag folder or JSON file. */
  path: string;
}

function isBagDir(dir: string): boolean {
  return existsSync(join(dir, "metadata.yaml"));
}

function bagsUnder(root: string, dir: string, out: RunUnit[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) continue;
    if (isBagDir(p)) out.push({ id: relative(root, p).split(sep).join("/"), kind: "bag", path: p });
    else bagsUnder(root, p, out);
  }
}

/** The units of the positional arguments, sorted by id. */
export function findUnits(args: readonly string[]): RunUnit[] {
  const units: RunUnit[] = [];
  for (const arg of args) {
    const p = resolve(arg);
    if (!existsSync(p))
      throw new PerceptionError("eval", "no such run: the path does not exist", { path: arg });
    if (statSync(p).isDirectory()) {
      if (isBagDir(p)) units.push({ id: basename(p), kind: "bag", path: p });
      else {
        const found: RunUnit[] = [];
        bagsUnder(p, p, found);
        if (found.length === 0)
          throw new PerceptionError(
            "eval",
            "no bag folders (with metadata.yaml) under this folder",
            { path: arg },
          );
        units.push(...found);
      }
    } else if (p.endsWith(".json")) {
      units.push({ id: basename(p), kind: "detect-json", path: p });
    } else if (p.endsWith(".txt")) {
      readFileSync(p, "utf8")
        .split("\n")
        .forEach((line, i) => {
          const entry = line.trim();
          if (!entry || entry.startsWith("#")) return;
          const bag = resolve(dirname(p), entry);
          if (!isBagDir(bag))
            throw new PerceptionError(
              "eval",
              `${p}:${i + 1}: '${entry}' is not a bag folder (no metadata.yaml)`,
              { path: p, line: i + 1 },
            );
          units.push({ id: entry.replace(/\/+$/, ""), kind: "bag", path: bag });
        });
    } else {
      throw new PerceptionError(
        "eval",
        "a run is a bag folder, a folder of bags, a .txt list of bags or a detect --json .json file",
        { path: arg },
      );
    }
  }
  units.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const dup = units.find((u, i) => i > 0 && units[i - 1]!.id === u.id);
  if (dup)
    throw new PerceptionError(
      "eval",
      `two runs have the id '${dup.id}' (give folders whose relative paths differ)`,
    );
  return units;
}

/** Adds a file or folder to a hash: small files (<= 4 MiB) by content, larger ones by size and mtime. */
export function hashPath(hash: ReturnType<typeof createHash>, path: string): void {
  if (!existsSync(path)) {
    hash.update(`missing:${path}\n`);
    return;
  }
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) hashPath(hash, join(path, name));
    return;
  }
  hash.update(`file:${basename(path)}:${st.size}\n`);
  if (st.size <= 4 * 1024 * 1024) hash.update(readFileSync(path));
  else hash.update(`mtime:${st.mtimeMs}\n`);
}
