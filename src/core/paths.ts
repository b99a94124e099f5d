import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cachedRoot: string | undefined;

/**
 * The project's root folder (where its package.json is), found from this file's location so it
 * works from `src/` under tsx and from `dist/` after `tsc`.
 */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name;
      if (name === "edge-perception") return (cachedRoot = dir);
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(
        "edge-perception: cannot find the project's package.json above " + import.meta.url,
      );
    dir = parent;
  }
}

/** A path inside the project. */
export function projectPath(...parts: string[]): string {
  return join(projectRoot(), ...parts);
}

/** `../shared` beside the project (models, data and bags for tests); undefined when absent. */
export function sharedDir(): string | undefined {
  const dir = join(projectRoot(), "..", "shared");
  return existsSync(dir) ? dir : undefined;
}
