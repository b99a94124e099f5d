/**
 * The regression gate (`npm run gate`; `npm run gate:baseline` rewrites the baseline):
 *   1. generates the seeded drives of config/eval/gate-set.yaml into out/gate/drives,
 *   2. runs `detect --json` on the labelled real frames of ../shared/data (when present),
 *   3. `eval --replay --deterministic-timing` of the drives plus the real frames -> out/gate/metrics.json,
 *   4. `compare test/regression/baseline.json out/gate/metrics.json --gate config/eval/gate.yaml`.
 * Exit 0 when nothing got worse beyond tolerance, 1 naming each regression. `--params <yaml>` replays
 * the drives with a candidate parameter file on top of config/. `--result <file>`
 * writes `{ passed, failed, regressions }` for .ci/summarize.mjs. The gate is deterministic (seeded
 * drives, frozen wall clock, single-threaded inference): two runs on the same code give the same
 * metrics file, so `gate:baseline` is reproducible.
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { projectPath, sharedDir } from "../src/core/paths.js";
import { loadValidatedYaml } from "../src/report/validated-yaml.js";
import { generateDrive } from "../tools/scenario/generate-drive.js";

interface GateSet {
  camera: { width: number; height: number };
  drives: { name: string; scenario: string; seed: number; frames: number; speed?: number }[];
  real_frames: { images: string[]; labels: string[] };
}

const BASELINE = projectPath("test", "regression", "baseline.json");
const OUT = projectPath("out", "gate");

function loadGateSet(): GateSet {
  return loadValidatedYaml<GateSet>(
    projectPath("config", "eval", "gate-set.yaml"),
    "eval-gate-set.schema.json",
    "gate set",
  );
}

/** Runs the CLI; resolves with its exit code and stdout (stderr passes through). */
function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", projectPath("src", "cli", "main.ts"), ...args],
      { cwd: projectPath(), stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

function expandImages(root: string, patterns: string[]): string[] {
  return patterns.flatMap((p) => {
    const m = /^(.*)\/\*(\.[a-z0-9]+)$/i.exec(p);
    if (!m) return existsSync(join(root, p)) ? [join(root, p)] : [];
    const dir = join(root, m[1]!);
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith(m[2]!))
          .sort()
          .map((f) => join(dir, f))
      : [];
  });
}

async function main(argv: string[]): Promise<number> {
  const writeBaseline = argv.includes("--baseline");
  const resultAt = argv.indexOf("--result");
  const resultFile = resultAt >= 0 ? argv[resultAt + 1] : undefined;
  // `--params <yaml>` (repeatable): a candidate parameter set for the drives' replay (try a change without editing config/).
  const params = argv.flatMap((a, i) =>
    a === "--params" && argv[i + 1] ? ["--params", argv[i + 1]!] : [],
  );
  const report = (passed: boolean, regressions: string[]): void => {
    if (resultFile)
      writeFileSync(
        resultFile,
        JSON.stringify({ passed: passed ? 1 : 0, failed: passed ? 0 : 1, regressions }) + "\n",
      );
  };
  const t0 = Date.now();
  const set = loadGateSet();
  rmSync(OUT, { recursive: true, force: true });
  const drives = join(OUT, "drives");
  for (const d of set.drives) {
    await generateDrive({
      scenario: d.scenario,
      seed: d.seed,
      frames: d.frames,
      ...(d.speed !== undefined ? { speed: d.speed } : {}),
      out: join(drives, d.name),
      compressed: true,
      camera: { ...set.camera },
      overwrite: true,
    });
  }
  console.error(
    `gate: ${set.drives.length} drives generated (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );

  const runs = [drives];
  const evalArgs: string[] = [];
  const shared = sharedDir();
  const images = shared ? expandImages(join(shared, "data"), set.real_frames.images) : [];
  if (images.length === 0) {
    console.error(
      "gate: real frames skipped: ../shared/data is absent (only the generated drives are gated)",
    );
  } else {
    const det = await cli(["detect", ...images, "--json"]);
    if (det.code !== 0) {
      console.error(`gate: detect on the real frames failed (exit ${det.code})`);
      report(false, ["detect on the real frames failed"]);
      return 1;
    }
    const json = join(OUT, "real_frames.json");
    writeFileSync(json, det.stdout);
    runs.push(json);
    evalArgs.push("--truth", set.real_frames.labels.map((l) => projectPath(l)).join(","));
    console.error(
      `gate: ${images.length} real frames detected (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  const metrics = join(OUT, "metrics.json");
  const ev = await cli([
    "eval",
    "--replay",
    ...runs,
    ...evalArgs,
    ...params,
    "--deterministic-timing",
    "--out",
    metrics,
    "--report",
    join(OUT, "report"),
    "--quiet",
  ]);
  process.stdout.write(ev.stdout);
  if (ev.code !== 0) {
    report(false, [`eval failed (exit ${ev.code})`]);
    return 1;
  }
  console.error(`gate: evaluated (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (writeBaseline) {
    mkdirSync(dirname(BASELINE), { recursive: true });
    copyFileSync(metrics, BASELINE);
    console.log(`gate: baseline written: ${BASELINE} (commit it)`);
    report(true, []);
    return 0;
  }
  if (!existsSync(BASELINE)) {
    console.error(`gate: no baseline at ${BASELINE}: run npm run gate:baseline and commit it`);
    report(false, ["no baseline"]);
    return 1;
  }
  const baselineMetrics = JSON.parse(readFileSync(BASELINE, "utf8")) as { units: string[] };
  const cmp = await cli([
    "compare",
    BASELINE,
    metrics,
    "--gate",
    projectPath("config", "eval", "gate.yaml"),
    "--report",
    join(OUT, "compare"),
  ]);
  process.stdout.write(cmp.stdout);
  const regressions = cmp.stdout
    .split("\n")
    .filter((l) => l.trim().startsWith("REGRESSION "))
    .map((l) => l.trim());
  if (images.length === 0 && baselineMetrics.units.some((u) => u.endsWith(".json"))) {
    console.error(
      `gate: note: the baseline includes real frames (${baselineMetrics.units
        .filter((u) => u.endsWith(".json"))
        .map((u) => basename(u))
        .join(", ")}) that were skipped here`,
    );
  }
  console.error(
    `gate: ${cmp.code === 0 ? "PASSED" : "FAILED"} in ${((Date.now() - t0) / 1000).toFixed(0)} s (report: ${join(OUT, "compare", "report.md")})`,
  );
  report(cmp.code === 0, regressions);
  return cmp.code === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`gate: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
