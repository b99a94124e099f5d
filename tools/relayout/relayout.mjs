#!/usr/bin/env node
// Re-layout codemod for issue 16: one downward stack
//   cli → report → host → nodes → perception → {models, viz, fusion}
//     → {image, bag, map, localization, diagnostics} → {ros, geometry} → msgs → core
// Repeatable on any later main: the table below is by folder where possible, so files added by
// others after this script was written follow their folder. For every move it does `git mv`, then
// rewrites every relative import / export / dynamic import / vi.mock / new URL(…, import.meta.url)
// path in the code (src/, test/, bench/, scripts/, tools/, bin/, training/, root files), and repo
// paths ("src/…", "test/…") mentioned in code comments and strings, package.json, tsconfig.json,
// vitest.config.ts, .ci/, docs/, launch/, config/, deploy/ and README.md.
// No logic change, except one type move (QosProfile: ros/node-api.ts → msgs/qos-profile.ts,
// re-exported from node-api so node code keeps compiling).
//
//   node tools/relayout/relayout.mjs            apply (needs a clean git tree)
//   node tools/relayout/relayout.mjs --dry-run  print the plan, change nothing
//
// Refuses to run twice (tools/relayout/applied.json is written at the end, and src/ros/node-api.ts
// must not exist yet). Prints a summary: moves, skipped table rows, rewritten files, and places a
// person should look at (string paths it cannot resolve as imports).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { posix } from "node:path";

const dryRun = process.argv.includes("--dry-run");
const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
process.chdir(root);
const MARKER = "tools/relayout/applied.json";

/**
 * The table, old → new, first match wins (put single files before their folder).
 * A row ending in "/" is a folder: everything under it moves, including files that do not exist yet.
 * Tests mirror src rows automatically (src/a/b.ts → test/a/b.test.ts and test/a/b.*.test.ts;
 * src/a/ → test/a/); rows in TEST_ROWS override the mirror.
 */
const SRC_ROWS = [
  // ros/: the node API port every node is written against.
  ["src/transport/node-api.ts", "src/ros/node-api.ts"],
  ["src/transport/node-spec.ts", "src/ros/node-spec.ts"],
  // ROS naming rules are used by the node API and the bag format (topic names in bag-writer), and
  // bag/ and ros/ never import each other: like QosProfile they go below both, to msgs/.
  ["src/transport/names.ts", "src/msgs/names.ts"],
  ["src/transport/command-line.ts", "src/ros/command-line.ts"],
  ["src/transport/parameters/", "src/ros/parameters/"],
  // host/: what runs nodes (bus, handle, clock, logger, launch graph, replay/, live/).
  ["src/transport/", "src/host/"],
  ["src/pipeline/graph.ts", "src/host/graph.ts"],
  // nodes/common/: shared by nodes (frame scheduler, camera node, calibration, model/fallback resolver).
  ["src/pipeline/frame-scheduler.ts", "src/nodes/common/frame-scheduler.ts"],
  ["src/pipeline/compute-budget.ts", "src/nodes/common/compute-budget-rates.ts"],
  ["src/pipeline/", "src/nodes/common/"],
  ["src/nodes/camera-node.ts", "src/nodes/common/camera-node.ts"],
  ["src/nodes/camera-calibration.ts", "src/nodes/common/camera-calibration.ts"],
  ["src/nodes/model-choice.ts", "src/nodes/common/model-choice.ts"],
  ["src/nodes/tf-listener.ts", "src/nodes/common/tf-listener.ts"],
  ["src/nodes/node-diagnostics-setup.ts", "src/nodes/common/node-diagnostics-setup.ts"],
  // Publishing /diagnostics needs the node API: a node helper, not ROS-free diagnostics code.
  ["src/diagnostics/diagnostics-publisher.ts", "src/nodes/common/diagnostics-publisher.ts"],
  // perception/bev/: bird's-eye-view code shared by lanes and crosswalks.
  ["src/perception/lanes/bev-components.ts", "src/perception/bev/bev-components.ts"],
  ["src/perception/lanes/bev-grid.ts", "src/perception/bev/bev-grid.ts"],
  ["src/perception/lanes/image-sampling.ts", "src/perception/bev/image-sampling.ts"],
  ["src/perception/lanes/lane-grid.ts", "src/perception/bev/lane-grid.ts"],
  ["src/perception/lanes/mask-to-bev.ts", "src/perception/bev/mask-to-bev.ts"],
  // report/: the offline report (evaluation, scoring, HTML/figure reports), above host/.
  ["src/viz/eval-report.ts", "src/report/eval-report.ts"],
  ["src/viz/compare-report.ts", "src/report/compare-report.ts"],
  ["src/viz/replay-report.ts", "src/report/replay-report.ts"],
  ["src/viz/metrics-charts.ts", "src/report/metrics-charts.ts"],
  ["src/viz/side-by-side.ts", "src/report/side-by-side.ts"],
  // The ground-truth file format is read by the report: it stays in the product; the generator writes it.
  ["src/scenario/ground-truth.ts", "src/report/ground-truth.ts"],
  // Bag sharding helpers used by the sharded replay (host/) as well as by the evaluation.
  ["src/eval/shard.ts", "src/host/replay/shard.ts"],
  ["src/eval/run-inputs.ts", "src/host/replay/run-inputs.ts"],
  ["src/eval/", "src/report/"],
  // Quantisation runs the detectors over frames and reports accuracy: an offline report, above perception/.
  ["src/models/quantize/", "src/report/quantize/"],
  // The scenario generator leaves the product tree.
  ["src/scenario/", "tools/scenario/"],
];
const TEST_ROWS = [
  ["test/scenario/ground-truth.test.ts", "test/report/ground-truth.test.ts"],
  ["test/pipeline/compute-budget.test.ts", "test/nodes/common/compute-budget-rates.test.ts"],
  ["test/scenario/", "test/tools/scenario/"],
];

// ---------------------------------------------------------------------------------------------

function git(...args) {
  return execFileSync("git", args, { encoding: "utf8", maxBuffer: 64 << 20 });
}
function fail(message) {
  console.error(`relayout: ${message}`);
  process.exit(1);
}

if (existsSync(MARKER)) fail(`already applied (${MARKER} exists); refusing to run twice`);
if (existsSync("src/ros/node-api.ts") && !existsSync("src/transport/node-api.ts")) {
  fail("already applied (src/ros/node-api.ts exists); refusing to run twice");
}
if (!dryRun && git("status", "--porcelain", "--untracked-files=no").trim() !== "") {
  fail("the git tree has uncommitted changes; commit or stash them first");
}

const tracked = git("ls-files", "-z").split("\0").filter(Boolean);
const trackedSet = new Set(tracked);

/** Test rows mirrored from src rows. */
function mirrorRows() {
  const rows = [];
  for (const [from, to] of SRC_ROWS) {
    if (!from.startsWith("src/")) continue;
    const tFrom = `test/${from.slice(4)}`;
    const tTo = to.startsWith("src/") ? `test/${to.slice(4)}` : `test/${to}`;
    if (from.endsWith("/")) rows.push({ from: tFrom, to: tTo, kind: "folder" });
    else
      rows.push({
        from: tFrom.replace(/\.ts$/, ""),
        to: tTo.replace(/\.ts$/, ""),
        kind: "test-of",
      });
  }
  return rows;
}
const rows = [
  ...SRC_ROWS.map(([from, to]) => ({ from, to, kind: from.endsWith("/") ? "folder" : "file" })),
  ...TEST_ROWS.map(([from, to]) => ({ from, to, kind: from.endsWith("/") ? "folder" : "file" })),
  ...mirrorRows(),
].filter((r, i, all) => all.findIndex((o) => o.from === r.from) === i);
// Explicit test rows first, so they beat the mirror.
rows.sort((a, b) => rank(a) - rank(b));
function rank(row) {
  const explicit = TEST_ROWS.some(([f]) => f === row.from) ? 0 : 1;
  return row.from.startsWith("test/") ? explicit : 0;
}
const used = new Map(rows.map((r) => [r, 0]));

/** New path of a repo path (file or folder, with or without trailing slash); the same path when it does not move. */
function mapPath(p) {
  for (const row of rows) {
    if (row.kind === "file" && p === row.from) return hit(row, row.to);
    if (row.kind === "folder") {
      if (p.startsWith(row.from)) return hit(row, row.to + p.slice(row.from.length));
      if (p === row.from.slice(0, -1)) return hit(row, row.to.slice(0, -1));
    }
    if (row.kind === "test-of") {
      // test/a/b(.something).test.ts follows src/a/b.ts
      const base = posix.basename(row.from);
      const dir = posix.dirname(row.from);
      if (
        posix.dirname(p) === dir &&
        posix.basename(p).startsWith(`${base}.`) &&
        p.endsWith(".ts")
      ) {
        return hit(
          row,
          `${posix.dirname(row.to)}/${posix.basename(row.to)}${posix.basename(p).slice(base.length)}`,
        );
      }
    }
  }
  return p;
}
let lastRow = null;
function hit(row, to) {
  lastRow = row;
  used.set(row, used.get(row) + 1);
  return to;
}

// ---- plan the moves ------------------------------------------------------------------------
const moves = new Map(); // old → new
for (const file of tracked) {
  const to = mapPath(file);
  if (to !== file) moves.set(file, to);
}
const skipped = rows.filter((r) => used.get(r) === 0);
const targets = new Map();
for (const [from, to] of moves) {
  if (targets.has(to)) fail(`two files move to ${to}: ${targets.get(to)} and ${from}`);
  if (trackedSet.has(to) && !moves.has(to))
    fail(`${from} → ${to}: the target exists and does not move`);
  targets.set(to, from);
}
const newPathOf = (p) => moves.get(p) ?? p;

// ---- rewrite contents ------------------------------------------------------------------------
const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;
// Code anywhere in the repo (src/, test/, bench/, scripts/, tools/, bin/, training/, root files);
// text files (docs, config, launch files, CI) get the repo-path mentions rewritten. Fixtures and
// vendored trees are data: left alone.
const LEAVE = /(^|\/)(fixtures|node_modules|ros_ws|\.library)\/|^tools\/relayout\//;
const isCode = (f) => CODE.test(f) && !LEAVE.test(f);
const isText = (f) =>
  !LEAVE.test(f) &&
  (/\.(md|json|ya?ml|xml|py|sh|txt|toml)$/.test(f) || f === ".ci/run") &&
  f !== "package-lock.json";

/** The tracked file a relative specifier points at (the .ts behind a .js), or the path itself. */
function resolveSpec(fromFile, spec) {
  const joined = posix.normalize(posix.join(posix.dirname(fromFile), spec));
  if (trackedSet.has(joined)) return { path: joined, ext: null };
  for (const [js, ts] of [
    [".js", ".ts"],
    [".mjs", ".mts"],
    [".cjs", ".cts"],
  ]) {
    if (joined.endsWith(js) && trackedSet.has(joined.slice(0, -js.length) + ts)) {
      return { path: joined.slice(0, -js.length) + ts, ext: [ts, js] };
    }
  }
  return { path: joined, ext: null };
}
function relSpec(fromNewFile, toNewPath, trailingSlash) {
  let rel = posix.relative(posix.dirname(fromNewFile), toNewPath);
  if (!rel.startsWith(".")) rel = `./${rel}`;
  if (trailingSlash && !rel.endsWith("/")) rel += "/";
  return rel;
}

const unresolved = [];
const SPEC =
  /((?:\bfrom|\bimport|\bexport\s*\*\s*from|vi\.(?:mock|doMock|unmock|importActual|importMock)(?:<[^>]*>)?\(|\bimport\(|\brequire\(|new URL\()\s*)(["'])(\.{1,2}\/[^"'\n]*)\2/g;
function rewriteSpecs(oldFile, text) {
  const newFile = newPathOf(oldFile);
  return text.replace(SPEC, (all, lead, quote, spec) => {
    const { path, ext } = resolveSpec(oldFile, spec);
    if (!trackedSet.has(path) && !existsSync(path) && !/\/$/.test(spec))
      unresolved.push(`${oldFile}: ${spec}`);
    let target = mapPath(path);
    if (ext) target = target.slice(0, -ext[0].length) + ext[1];
    const next = relSpec(newFile, target, spec.endsWith("/"));
    return next === spec ? all : `${lead}${quote}${next}${quote}`;
  });
}
// Repo-relative path mentions ("src/transport/replay/", "test/scenario/x.test.ts") in code comments,
// strings, docs and config.
const MENTION = /(?<![\w.-])((?:src|test)\/[\w./-]*[\w/])/g;
function rewriteMentions(text) {
  return text.replace(MENTION, (all, p) => {
    const clean = p.replace(/\/$/, "");
    const mapped = mapPath(p.endsWith("/") ? p : trackedSet.has(clean) ? clean : `${clean}/`);
    if (mapped === p || mapped === `${clean}/` || mapped === clean) return all;
    return p.endsWith("/") || !trackedSet.has(clean)
      ? mapped.replace(/\/$/, p.endsWith("/") ? "/" : "")
      : mapped;
  });
}

// Repo paths spelled as literal segments: join("test", "transport", "replay", "x.ts") and the like.
const SEGMENTS = /\b(join|resolve|projectPath)\((\s*"(?:src|test)"(?:\s*,\s*"[\w.-]+")+\s*)\)/g;
function rewriteSegments(text) {
  return text.replace(SEGMENTS, (all, fn, args) => {
    const parts = [...args.matchAll(/"([\w.-]+)"/g)].map((m) => m[1]);
    const p = parts.join("/");
    const mapped = mapPath(trackedSet.has(p) ? p : `${p}/`).replace(/\/$/, "");
    if (mapped === p) return all;
    return `${fn}(${mapped
      .split("/")
      .map((x) => `"${x}"`)
      .join(", ")})`;
  });
}

const writes = new Map(); // new path → content
for (const file of tracked) {
  if (!isCode(file) && !isText(file)) continue;
  const before = readFileSync(file, "utf8");
  let after = isCode(file) ? rewriteSegments(rewriteSpecs(file, before)) : before;
  after = rewriteMentions(after);
  if (after !== before) writes.set(newPathOf(file), after);
}

// ---- the one type move: QosProfile → msgs/qos-profile.ts ------------------------------------
const QOS_FILE = "src/msgs/qos-profile.ts";
const nodeApiNew = newPathOf("src/transport/node-api.ts");
let qosMoved = false;
if (trackedSet.has("src/transport/node-api.ts") && !trackedSet.has(QOS_FILE)) {
  const api = writes.get(nodeApiNew) ?? readFileSync("src/transport/node-api.ts", "utf8");
  const decl = /\/\*\* Quality of service[\s\S]*?\*\/\nexport type QosProfile =[^;]*;\n/.exec(api);
  if (!decl) {
    console.log(
      "  WARNING: QosProfile declaration not found in node-api.ts (text changed?): move it to src/msgs/qos-profile.ts by hand",
    );
  } else {
    const header =
      "// The ROS 2 quality-of-service profiles, shared by the node API (ros/) and the bag format (bag/).\n";
    writes.set(QOS_FILE, `${header}${decl[0]}`);
    const firstImport = api.indexOf("import ");
    const withImport = `${api.slice(0, firstImport)}import type { QosProfile } from "../msgs/qos-profile.js";\n${api.slice(firstImport)}`;
    writes.set(
      nodeApiNew,
      withImport.replace(decl[0], 'export type { QosProfile } from "../msgs/qos-profile.js";\n'),
    );
    qosMoved = true;
    // Files that import only QosProfile from the node API take it from msgs/ instead (bag/ must not import ros/).
    for (const [path, text] of [
      ...writes.entries(),
      ...tracked
        .filter((f) => isCode(f) && !writes.has(newPathOf(f)))
        .map((f) => [newPathOf(f), null]),
    ]) {
      if (!path.startsWith("src/") || path === nodeApiNew) continue;
      const content = text ?? readFileSync(targets.get(path) ?? path, "utf8");
      const rel = relSpec(path, "src/ros/node-api.js", false);
      const only = new RegExp(
        `import type \\{ QosProfile \\} from "${rel.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}";`,
      );
      if (only.test(content))
        writes.set(
          path,
          content.replace(
            only,
            `import type { QosProfile } from "${relSpec(path, "src/msgs/qos-profile.js", false)}";`,
          ),
        );
    }
  }
}

// ---- tsconfig: the generator's new home is type-checked ---------------------------------------
if ([...moves.values()].some((p) => p.startsWith("tools/") && p.endsWith(".ts"))) {
  const cfg = writes.get("tsconfig.json") ?? readFileSync("tsconfig.json", "utf8");
  if (!cfg.includes('"tools/**/*.ts"'))
    writes.set(
      "tsconfig.json",
      cfg.replace('"scripts/**/*.ts"', '"scripts/**/*.ts", "tools/**/*.ts"'),
    );
}

// ---- summary / apply --------------------------------------------------------------------------
const byRow = new Map();
for (const [from] of moves) {
  mapPath(from);
  const row = lastRow;
  const key = row ? `${row.from} → ${row.to}` : from;
  byRow.set(key, (byRow.get(key) ?? 0) + 1);
}
console.log(
  `relayout${dryRun ? " (dry run)" : ""}: ${moves.size} files move, ${writes.size} files rewritten${qosMoved ? ", QosProfile → src/msgs/qos-profile.ts" : ""}`,
);
for (const [key, n] of byRow) console.log(`  ${String(n).padStart(3)}  ${key}`);
for (const row of skipped) {
  if (row.kind !== "test-of") console.log(`  skipped (no such source): ${row.from}`);
}
if (unresolved.length > 0) {
  console.log(
    `  ${unresolved.length} relative paths that resolve to no tracked file (left as they were, check by hand):`,
  );
  for (const u of unresolved.slice(0, 30)) console.log(`    ${u}`);
}
if (dryRun) {
  if (process.argv.includes("--verbose")) for (const [f, t] of moves) console.log(`  ${f} → ${t}`);
  process.exit(0);
}

for (const [from, to] of moves) {
  mkdirSync(posix.dirname(to), { recursive: true });
  git("mv", from, to);
}
for (const [path, text] of writes) {
  mkdirSync(posix.dirname(path), { recursive: true });
  writeFileSync(path, text);
}
if (qosMoved) git("add", QOS_FILE);
writeFileSync(
  MARKER,
  `${JSON.stringify({ applied: new Date().toISOString(), moves: Object.fromEntries(moves), qosProfile: qosMoved }, null, 2)}\n`,
);
console.log(`relayout: done; ${MARKER} written. Next: npm run typecheck && npm run lint`);
