// What the hygiene codemods (hygiene.mjs, unchecked-index.mjs) share: the repository they run in,
// the clean-tree check, an in-memory TypeScript language service over tsconfig.json with edited
// texts laid over the files on disk, and `biome format --write` repeated until it changes nothing.
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

/** The repository root (made the working directory), its TypeScript, and path/exit helpers. */
export function openRepo(tool) {
  const fail = (message) => {
    console.error(`${tool}: ${message}`);
    process.exit(1);
  };
  const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
  process.chdir(root);
  const ts = createRequire(join(root, "package.json"))("typescript");
  const rel = (f) => relative(root, f).split("\\").join("/");
  return { root, ts, fail, rel };
}

/** Exits unless tracked files are unchanged (the tool's edits then stand alone in `git diff`). */
export function requireCleanTree(fail) {
  const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    encoding: "utf8",
  }).trim();
  if (dirty !== "")
    fail("the git tree has uncommitted changes; commit or stash them first (or --allow-dirty)");
}

/** tsconfig.json of `root`, parsed (options and file names). */
export function loadTsconfig(ts, root, fail) {
  return ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) =>
        fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    },
  );
}

/**
 * A language service over the files of `parsed` where `overlay` (absolute path → text) replaces
 * the file on disk; bump `versions` (path → number) on each edit. `options` default to tsconfig's.
 */
export function overlayService(ts, root, parsed, overlay, versions, options = parsed.options) {
  const host = {
    getScriptFileNames: () => parsed.fileNames,
    getScriptVersion: (f) => String(versions.get(f) ?? 0),
    getScriptSnapshot: (f) => {
      const text = overlay.get(f) ?? ts.sys.readFile(f);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => overlay.has(f) || ts.sys.fileExists(f),
    readFile: (f) => overlay.get(f) ?? ts.sys.readFile(f),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}

/**
 * `biome format --write` (settings in biome.json) on `paths` (all of biome.json's files when
 * empty), repeated until a pass fixes nothing: biome joins a few chains only on a second pass.
 * Returns the files fixed per pass.
 */
export function biomeFormat(root, paths, fail) {
  const biome = join(root, "node_modules", ".bin", "biome");
  const fixed = [];
  for (let pass = 0; pass < 4; pass++) {
    const r = spawnSync(biome, ["format", "--write", ...paths], {
      encoding: "utf8",
      maxBuffer: 256 << 20,
    });
    if (r.error) fail(`cannot run biome: ${r.error.message}`);
    const out = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) fail(`biome format --write failed:\n${out.slice(-4000)}`);
    const n = Number(/Fixed (\d+) files?/.exec(out)?.[1] ?? 0);
    fixed.push(n);
    if (n === 0) return fixed;
  }
  fail(`biome format --write still changes files after ${fixed.length} passes`);
}
