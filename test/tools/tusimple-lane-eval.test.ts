/**
 * `detect --format tusimple` on the shared TuSimple frames is accepted by an independent scorer
 * (tools/tusimple_lane_eval.py, a numpy port of the benchmark's official LaneEval), and `eval` of
 * `detect --json` against the same labels (test/fixtures/eval/tusimple_label_data.json, made from
 * the shared instance masks) agrees with it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { readCuLaneFile } from "../../src/report/labels/culane-labels.js";
import { runCli } from "../integration/cli-process.js";
import { testTimeout } from "../support/emulation.js";

const shared = sharedDir();
const images = shared
  ? ["0000", "0001", "0002"].map((n) => join(shared, "data", "tusimple", "image", `${n}.png`))
  : [];
const python = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
const skip =
  !shared || !images.every(existsSync)
    ? "../shared/data/tusimple is absent"
    : python.status !== 0
      ? "python3 with numpy is not available"
      : undefined;
if (skip) console.log(`tusimple-lane-eval.test: skipped: ${skip}`);
const tmp = mkdtempSync(join(tmpdir(), "tusimple-eval-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const labels = projectPath("test", "fixtures", "eval", "tusimple_label_data.json");
const tool = projectPath("tools", "tusimple_lane_eval.py");

describe.skipIf(skip !== undefined)("TuSimple output scored by an independent scorer", () => {
  it(
    "is accepted by tools/tusimple_lane_eval.py and agrees with eval",
    async () => {
      const det = await runCli(["detect", ...images, "--format", "tusimple"]);
      expect(det.code, det.stderr).toBe(0);
      const pred = join(tmp, "pred.json");
      writeFileSync(pred, det.stdout);
      const lines = det.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(3);
      for (const l of lines)
        expect(l.h_samples).toEqual(Array.from({ length: 56 }, (_, i) => 160 + 10 * i));

      const scored = spawnSync("python3", [tool, pred, labels, "--no-runtime-limit"], {
        encoding: "utf8",
      });
      expect(scored.status, scored.stderr).toBe(0);
      const [acc, fp, fn] = JSON.parse(scored.stdout) as { name: string; value: number }[];
      console.log(
        `TuSimple (3 shared frames) by the independent scorer: accuracy ${acc!.value.toFixed(3)}, FP ${fp!.value.toFixed(3)}, FN ${fn!.value.toFixed(3)}`,
      );
      expect(acc!.name).toBe("Accuracy");
      // The bar, met through the path an outside evaluator runs (TwinLiteNet 640x360, lines drawn through the cars that hide them).
      expect(acc!.value).toBeGreaterThanOrEqual(0.92);
      expect(fp!.value).toBeLessThanOrEqual(0.2);

      // eval on detect --json with the same labels: the project's implementation of the same rules.
      const json = await runCli(["detect", ...images, "--json"]);
      expect(json.code, json.stderr).toBe(0);
      const detJson = join(tmp, "tusimple.json");
      writeFileSync(detJson, json.stdout);
      const metrics = join(tmp, "m.json");
      const ev = await runCli(["eval", detJson, "--truth", labels, "--out", metrics, "--quiet"]);
      expect(ev.code, ev.stderr).toBe(0);
      const t = JSON.parse(readFileSync(metrics, "utf8")).overall.lanes.tusimple;
      expect(t.frames).toBe(3);
      // The scorer gets integer x (the benchmark's format), eval the float polylines: small differences only.
      expect(Math.abs(t.accuracy - acc!.value)).toBeLessThan(0.03);
      expect(Math.abs(t.fp - fp!.value)).toBeLessThan(0.05);
      expect(Math.abs(t.fn - fn!.value)).toBeLessThan(0.05);

      // The CULane format of the same lanes: one <image>.lines.txt per image that the CULane reader reads back.
      const culaneDir = join(tmp, "culane");
      const cu = await runCli(["detect", ...images, "--format", "culane", "--out", culaneDir]);
      expect(cu.code, cu.stderr).toBe(0);
      for (const n of ["0000", "0001", "0002"]) {
        const lanes = readCuLaneFile(join(culaneDir, `${n}.lines.txt`));
        expect(lanes.length).toBe(lines[Number(n)].lanes.length);
        for (const l of lanes) expect(l[0]![1]).toBeGreaterThanOrEqual(l[l.length - 1]![1]); // bottom up
      }

      // A malformed prediction is refused with the benchmark's own message.
      const broken = join(tmp, "broken.json");
      writeFileSync(
        broken,
        lines.map((l, i) => JSON.stringify(i === 1 ? { ...l, lanes: [[1, 2, 3]] } : l)).join("\n") +
          "\n",
      );
      const refused = spawnSync("python3", [tool, broken, labels, "--no-runtime-limit"], {
        encoding: "utf8",
      });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/Format of lanes error/);
    },
    testTimeout(240_000),
  );
});
