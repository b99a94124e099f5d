import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { compareMetrics, flattenMetrics } from "../../src/report/compare.js";
import { loadEvalConfig } from "../../src/report/eval-config.js";
import { loadGateFile, pathMatches } from "../../src/report/gate-file.js";
import { finalizeMetrics } from "../../src/report/metrics.js";
import { emptyPartial, type EvalUnit } from "../../src/report/partial.js";
import { loadValidatedYaml } from "../../src/report/validated-yaml.js";

const config = loadEvalConfig();
const gate = loadGateFile();

function unit(id: string, scenario: string, tp: number, fn: number, lateral = 0.1): EvalUnit {
  return {
    id,
    scenario,
    partial: {
      ...emptyPartial(),
      frames: 20,
      detection: {
        pedestrian: {
          counts: { tp, fp: 2, fn },
          byRange: { "10-20": { tp, fp: 2, fn } },
          byHeight: { "40-80": { tp, fp: 2, fn } },
          prTp: new Array(9).fill(tp),
          prFp: new Array(9).fill(2),
        },
      },
      lanes: {
        tusimpleFrames: 4,
        tusimpleAccuracy: 3.6,
        tusimpleFp: 0.4,
        tusimpleFn: 0.2,
        counts: { tp: 8, fp: 1, fn: 1 },
        lateral: {
          "0-10": { n: 10, sum: 10 * lateral, sumSq: 10 * lateral * lateral, max: lateral },
        },
      },
      latency: { pipeline: { "20": 5, "40": 1 } },
    },
  };
}

describe("metrics schema and compare", () => {
  it("writes metrics that validate against docs/schema/eval-metrics.schema.json", () => {
    const schema = JSON.parse(
      readFileSync(projectPath("docs", "schema", "eval-metrics.schema.json"), "utf8"),
    );
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const m = finalizeMetrics([unit("a", "day", 8, 2), unit("b", "night", 3, 5)], config);
    expect(validate(JSON.parse(JSON.stringify(m))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...m, schema_version: 2 })).toBe(false);
  });

  it("matches gate patterns by segments", () => {
    expect(
      pathMatches("**.detection.pedestrian.recall", "scenarios.night.detection.pedestrian.recall"),
    ).toBe(true);
    expect(
      pathMatches("**.detection.pedestrian.recall", "overall.detection.pedestrian.recall"),
    ).toBe(true);
    expect(
      pathMatches("**.lanes.lateral_error_m.*.mean", "overall.lanes.lateral_error_m.0-10.mean"),
    ).toBe(true);
    expect(
      pathMatches("**.lanes.lateral_error_m.*.mean", "overall.lanes.lateral_error_m.0-10.max"),
    ).toBe(false);
    expect(pathMatches("overall.*", "overall.a.b")).toBe(false);
  });

  it("names each regression beyond tolerance, in the worse direction only", () => {
    const base = finalizeMetrics([unit("a", "day", 8, 2), unit("b", "night", 6, 4)], config);
    const better = finalizeMetrics([unit("a", "day", 9, 1), unit("b", "night", 6, 4)], config);
    expect(compareMetrics(base, better, gate).regressions).toEqual([]);
    expect(compareMetrics(base, base, gate).regressions).toEqual([]);
    const worse = finalizeMetrics([unit("a", "day", 8, 2), unit("b", "night", 2, 8, 0.3)], config);
    const msgs = compareMetrics(base, worse, gate).regressions.map((r) => r.message);
    expect(msgs).toContain(
      "scenarios.night.detection.pedestrian.recall dropped 0.6 -> 0.2 (-0.4, tolerance 0.02, higher is better)",
    );
    expect(
      msgs.some((s) => s.startsWith("overall.detection.pedestrian.recall dropped 0.7 -> 0.5")),
    ).toBe(true);
    expect(
      msgs.some((s) =>
        s.startsWith("scenarios.night.lanes.lateral_error_m.0-10.mean rose 0.1 -> 0.3"),
      ),
    ).toBe(true);
    expect(msgs.some((s) => s.includes(".day."))).toBe(false);
    // Latency is reported, not gated.
    expect(flattenMetrics(base).get("overall.latency_ms.pipeline.p50")).toBe(10.5);
    const slow = structuredClone(base);
    slow.overall.latency_ms.pipeline!.p50 = 500;
    expect(compareMetrics(base, slow, gate).regressions).toEqual([]);
  });

  it("reads the committed gate files and refuses a bad one naming the problem", () => {
    const set = loadValidatedYaml<{ drives: { scenario: string }[] }>(
      projectPath("config", "eval", "gate-set.yaml"),
      "eval-gate-set.schema.json",
      "gate set",
    );
    expect(set.drives.map((d) => d.scenario)).toEqual(
      expect.arrayContaining(["night", "rain", "urban_intersection", "map_mismatch"]),
    );
    const dir = mkdtempSync(join(tmpdir(), "gate-"));
    const bad = join(dir, "gate.yaml");
    writeFileSync(
      bad,
      "version: 1\nrules:\n  - metric: overall.x\n    better: up\n    tolerance: 0.1\n",
    );
    expect(() => loadGateFile(bad)).toThrow(
      /invalid gate file: \/rules\/0\/better must be equal to one of the allowed values/,
    );
    rmSync(dir, { recursive: true });
  });

  it("counts a figure that disappears as a regression", () => {
    const base = finalizeMetrics([unit("a", "day", 8, 2)], config);
    const gone = structuredClone(base);
    gone.overall.lanes = null;
    const r = compareMetrics(base, gone, gate).regressions.map((x) => x.message);
    expect(r).toContain(
      "overall.lanes.tusimple.accuracy is gone (baseline 0.9, candidate has no value)",
    );
  });
});
