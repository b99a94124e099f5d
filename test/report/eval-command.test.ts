/**
 * The bars of `eval`/`compare`/`merge` on generated drives, run as a user runs them (CLI child
 * processes): a candidate whose pedestrian detector keeps only boxes scored >= 0.99 fails the
 * compare naming the pedestrian recall drop, identical runs pass; 4 shards merged equal the
 * unsharded metrics byte for byte; a shard with unchanged inputs is skipped; --jobs 2 equals one
 * process.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { generateDrive } from "../../tools/scenario/generate-drive.js";
import { runCli } from "../integration/cli-process.js";
import { testTimeout } from "../support/emulation.js";

const tmp = mkdtempSync(join(tmpdir(), "eval-cli-"));
const drives = join(tmp, "drives");
const outputs = join(tmp, "outputs");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Four short seeded drives at 640x360 (the models' input size): what the CI gate uses, shorter. */
const DRIVES: { scenario: string; frames: number }[] = [
  { scenario: "urban_intersection", frames: 45 },
  { scenario: "night", frames: 20 },
  { scenario: "rain", frames: 20 },
  { scenario: "map_mismatch", frames: 20 },
];

beforeAll(async () => {
  for (const d of DRIVES) {
    await generateDrive({
      scenario: d.scenario,
      seed: 3,
      frames: d.frames,
      out: join(drives, d.scenario),
      compressed: true,
      camera: { width: 640, height: 360 },
      overwrite: true,
    });
  }
}, testTimeout(120_000));

describe("eval and compare on a generated drive", () => {
  it(
    "replays and scores the drives; a 0.99 pedestrian threshold fails compare naming the recall drop; identical runs pass",
    async () => {
      const normal = join(tmp, "normal.json");
      const r = await runCli([
        "eval",
        "--replay",
        drives,
        "--work",
        outputs,
        "--deterministic-timing",
        "--out",
        normal,
        "--quiet",
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/overall/);
      const m = JSON.parse(readFileSync(normal, "utf8"));
      expect(m.schema_version).toBe(1);
      const validate = new Ajv({ allErrors: true, strict: false }).compile(
        JSON.parse(readFileSync(projectPath("docs", "schema", "eval-metrics.schema.json"), "utf8")),
      );
      expect(validate(m), JSON.stringify(validate.errors)).toBe(true);
      expect(m.units).toEqual(["map_mismatch", "night", "rain", "urban_intersection"]);
      const urban = m.scenarios.urban_intersection;
      expect(urban.detection.pedestrian.tp).toBeGreaterThan(0);
      expect(urban.lanes.tusimple.frames).toBeGreaterThan(0);
      expect(urban.ego_lane.frames).toBeGreaterThan(0);
      expect(m.scenarios.map_mismatch.map_disagreements.injected).toBe(3);
      for (const s of ["night", "rain", "urban_intersection"])
        expect(m.scenarios[s].map_disagreements.injected).toBe(0);

      const bad = join(tmp, "threshold-0.99.json");
      const params = projectPath(
        "test",
        "fixtures",
        "eval",
        "pedestrian-threshold-0.99.param.yaml",
      );
      const badBags = join(tmp, "bad-outputs");
      const rb = await runCli([
        "eval",
        "--replay",
        join(drives, "urban_intersection"),
        "--work",
        badBags,
        "--deterministic-timing",
        "--params",
        params,
        "--out",
        bad,
        "--quiet",
      ]);
      expect(rb.code, rb.stderr).toBe(0);
      const base = join(tmp, "urban-normal.json");
      expect(
        (
          await runCli([
            "eval",
            join(outputs, "urban_intersection"),
            "--truth",
            join(drives, "urban_intersection"),
            "--out",
            base,
            "--quiet",
          ])
        ).code,
      ).toBe(0);
      const report = join(tmp, "compare-report");
      const sideBySide = [
        "--drive",
        join(drives, "urban_intersection"),
        "--baseline-bag",
        join(outputs, "urban_intersection"),
        "--candidate-bag",
        join(badBags, "urban_intersection"),
      ];
      const worse = await runCli(["compare", base, bad, "--report", report, ...sideBySide]);
      expect(worse.code, worse.stdout + worse.stderr).toBe(1);
      expect(worse.stdout).toMatch(
        /REGRESSION scenarios\.urban_intersection\.detection\.pedestrian\.recall dropped (0\.\d+|1) -> 0 /,
      );
      expect(worse.stdout).toMatch(/REGRESSION overall\.detection\.pedestrian\.recall dropped/);
      expect(statSync(join(report, "pr_curve.png")).size).toBeGreaterThan(1000);
      // Side by side where the runs differ most: the candidate lost pedestrians there.
      const md = readFileSync(join(report, "report.md"), "utf8");
      expect(md).toMatch(/!\[pedestrians \d+ vs 0 \(\d+ unmatched\)\]\(differ_1\.png\)/);
      const meta = await sharp(join(report, "differ_1.png")).metadata();
      expect(meta.width).toBe(2 * 640 + 8);
      const same = await runCli(["compare", base, base]);
      expect(same.code, same.stdout).toBe(0);
      expect(same.stdout).toMatch(/OK: no regression/);
    },
    testTimeout(400_000),
  );

  it(
    "merges 4 shards into the unsharded metrics byte for byte, skips an up-to-date shard, and --jobs 2 gives the same",
    async () => {
      expect(existsSync(join(outputs, "night", "metadata.yaml"))).toBe(true);
      const whole = join(tmp, "whole.json");
      expect(
        (await runCli(["eval", outputs, "--truth", drives, "--out", whole, "--quiet"])).code,
      ).toBe(0);
      const shards = join(tmp, "shards");
      for (let i = 0; i < 4; i++) {
        const r = await runCli([
          "eval",
          outputs,
          "--truth",
          drives,
          "--shard",
          `${i}/4`,
          "--out",
          shards,
        ]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`shard ${i}/4: 1 of 4 runs`));
      }
      const merged = join(tmp, "merged.json");
      const mr = await runCli(["merge", shards, "--out", merged]);
      expect(mr.code, mr.stderr).toBe(0);
      expect(readFileSync(merged)).toEqual(readFileSync(whole));

      // Kubernetes Indexed Job environment, inputs unchanged: skipped.
      const again = await runCli(["eval", outputs, "--truth", drives, "--out", shards], {
        ...process.env,
        JOB_COMPLETION_INDEX: "2",
        JOB_COMPLETIONS: "4",
      });
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/shard 2\/4: .* up to date \(inputs unchanged\), skipped/);
      // A changed label file makes it run again.
      const gt = join(drives, "rain", "ground_truth.jsonl");
      writeFileSync(gt, readFileSync(gt, "utf8") + "\n");
      const changed = await runCli([
        "eval",
        outputs,
        "--truth",
        drives,
        "--shard",
        "2/4",
        "--out",
        shards,
      ]);
      expect(changed.stderr).not.toMatch(/skipped/);
      // A missing shard is named.
      rmSync(join(shards, "shard-00001-of-00004.json"));
      const incomplete = await runCli(["merge", shards, "--out", join(tmp, "x.json")]);
      expect(incomplete.code).toBe(1);
      expect(incomplete.stderr).toMatch(/shard\(s\) 1\/4 missing/);

      const jobs = join(tmp, "jobs.json");
      const jr = await runCli([
        "eval",
        outputs,
        "--truth",
        drives,
        "--jobs",
        "2",
        "--out",
        jobs,
        "--quiet",
      ]);
      expect(jr.code, jr.stderr).toBe(0);
      expect(readFileSync(jobs)).toEqual(readFileSync(whole));
    },
    testTimeout(300_000),
  );
});
