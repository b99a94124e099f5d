import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import {
  GROUND_TRUTH_FORMAT,
  groundTruthAt,
  loadGroundTruth,
  parseGroundTruthFrame,
} from "../../src/report/ground-truth.js";

const dir = mkdtempSync(join(tmpdir(), "gt-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (frame: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    format: GROUND_TRUTH_FORMAT,
    version: 1,
    scenario: "x",
    frame,
    stamp: { sec: 1700000000, nanosec: frame },
    image_topic: "/i",
    ego: {},
    lane_markings: [],
    crosswalks: [],
    map_only_crosswalks: [],
    stop_lines: [],
    pedestrians: [],
    vehicles: [],
    ...extra,
  });

describe("ground truth loader", () => {
  it("reads the frames of a sidecar file in order and finds one by stamp", () => {
    const file = join(dir, "ok.jsonl");
    writeFileSync(file, [record(0), record(1), record(2)].join("\n") + "\n");
    const frames = loadGroundTruth(file);
    expect(frames.map((f) => f.frame)).toEqual([0, 1, 2]);
    expect(groundTruthAt(frames, { sec: 1700000000, nanosec: 1 })?.frame).toBe(1);
    expect(groundTruthAt(frames, { sec: 1700000000, nanosec: 9 })).toBeUndefined();
  });

  it("names the file and line of a bad record, and refuses other formats and versions", () => {
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, [record(0), "{not json"].join("\n"));
    expect(() => loadGroundTruth(file)).toThrow(/bad\.jsonl:2: ground truth record is not JSON/);
    expect(() => parseGroundTruthFrame(JSON.stringify({ format: "other" }))).toThrow(
      /not a ground truth record/,
    );
    expect(() => parseGroundTruthFrame(record(0, { version: 2 }))).toThrow(
      /unsupported ground truth version 2/,
    );
    const gap = join(dir, "gap.jsonl");
    writeFileSync(gap, [record(0), record(2)].join("\n"));
    expect(() => loadGroundTruth(gap)).toThrow(/frame 2 found where frame 1 was expected/);
    expect(() => loadGroundTruth(join(dir, "missing"))).toThrow(/no ground truth/);
  });

  it("loads the committed sample drive's ground truth", () => {
    const frames = loadGroundTruth(projectPath("bags", "sample_drive"));
    expect(frames.length).toBeGreaterThanOrEqual(150);
    expect(frames[0]!.scenario).toBe("sample");
    expect(
      frames.some((f) =>
        f.pedestrians.some(
          (p) => p.role === "crossing" && p.in_image && p.crosswalk_id === "cw_main_near",
        ),
      ),
    ).toBe(true);
  });
});
