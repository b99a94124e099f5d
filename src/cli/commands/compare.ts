/**
 * `edge-perception compare <baseline metrics.json> <candidate metrics.json> [--gate gate.yaml]
 * [--report dir]`: metric deltas per class and scenario; exit 1 naming each regression beyond
 * the gate file's tolerances, 0 otherwise.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { checkMetrics, compareMetrics, type MetricDelta } from "../../report/compare.js";
import { defaultGatePath, loadGateFile } from "../../report/gate-file.js";
import { lastFlag } from "../../ros/command-line.js";
import { parseCommandArgs } from "../command-args.js";
import { writeCompareReport } from "../../report/compare-report.js";
import { writeSideBySide } from "../../report/side-by-side.js";

export const summary =
  "compare two metrics JSONs: deltas per class and scenario, exit 1 on a regression beyond the gate file";

const USAGE = `usage: edge-perception compare <baseline metrics.json> <candidate metrics.json> [options]

  --gate <yaml>     tolerances (default config/eval/gate.yaml)
  --report <dir>    report.md with charts of both runs
  --all             list every figure, not only the gated ones that changed
  --drive <dir> --baseline-bag <bag> --candidate-bag <bag>
                    with --report: side-by-side frames where the two runs' output bags differ
                    most, drawn on the input drive's camera images
  --frames <n>      how many side-by-side frames (default 3)

Exit 0: no regression beyond tolerance; 1: regressions (each named) or an error; 2: bad usage.`;

function f(v: number | null): string {
  return v === null ? "-" : String(Math.round(v * 1e4) / 1e4);
}

function readMetrics(path: string) {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new PerceptionError("eval", `cannot read metrics: ${errorMessage(err)}`, { path });
  }
  return checkMetrics(v, path);
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    "compare",
    USAGE,
    argv,
    ["gate", "report", "drive", "baseline-bag", "candidate-bag", "frames"],
    ["all"],
  );
  if (typeof parsed === "number") return parsed;
  if (parsed.positional.length !== 2) {
    console.error(
      `edge-perception compare: expected two metrics files, got ${parsed.positional.length}\n${USAGE}`,
    );
    return 2;
  }
  const [basePath, candPath] = parsed.positional as [string, string];
  try {
    const baseline = readMetrics(basePath);
    const candidate = readMetrics(candPath);
    const gatePath = lastFlag(parsed, "gate") ?? defaultGatePath();
    const cmp = compareMetrics(baseline, candidate, loadGateFile(gatePath));
    const shown: MetricDelta[] = parsed.switches.has("all")
      ? cmp.deltas
      : cmp.deltas.filter(
          (d) => d.rule && d.delta !== 0 && !(d.baseline === null && d.candidate === null),
        );
    console.log(`compare: ${basePath} (baseline) -> ${candPath} (candidate), gate ${gatePath}`);
    if (shown.length) {
      console.log(
        `  ${"metric".padEnd(64)} ${"baseline".padStart(9)} ${"candidate".padStart(9)} ${"delta".padStart(9)}`,
      );
      for (const d of shown)
        console.log(
          `  ${d.path.padEnd(64)} ${f(d.baseline).padStart(9)} ${f(d.candidate).padStart(9)} ${f(d.delta).padStart(9)}`,
        );
    } else {
      console.log("  no gated figure changed");
    }
    const report = lastFlag(parsed, "report");
    if (report !== undefined) {
      const drive = lastFlag(parsed, "drive");
      const baseBag = lastFlag(parsed, "baseline-bag");
      const candBag = lastFlag(parsed, "candidate-bag");
      if (
        [drive, baseBag, candBag].some((v) => v !== undefined) &&
        [drive, baseBag, candBag].some((v) => v === undefined)
      ) {
        throw new PerceptionError(
          "parameter",
          "side-by-side frames need all of --drive, --baseline-bag and --candidate-bag",
        );
      }
      const count = Number(lastFlag(parsed, "frames") ?? 3);
      if (!Number.isInteger(count) || count < 0)
        throw new PerceptionError("parameter", "--frames must be a whole number");
      mkdirSync(report, { recursive: true });
      const frames =
        drive !== undefined
          ? await writeSideBySide({
              drive,
              baseline: baseBag!,
              candidate: candBag!,
              count,
              dir: report,
            })
          : undefined;
      console.log(
        `report: ${await writeCompareReport(report, baseline, candidate, cmp, { baseline: basePath, candidate: candPath }, frames)}`,
      );
    }
    if (cmp.regressions.length) {
      console.log(
        `REGRESSION: ${cmp.regressions.length} figure(s) worse than the baseline beyond tolerance:`,
      );
      for (const r of cmp.regressions) console.log(`  REGRESSION ${r.message}`);
      return 1;
    }
    console.log("OK: no regression beyond tolerance");
    return 0;
  } catch (err) {
    console.error(`edge-perception compare: ${errorMessage(err)}`);
    return err instanceof PerceptionError && err.kind === "parameter" ? 2 : 1;
  }
}
