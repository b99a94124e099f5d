import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { loadEvalConfig } from "../../src/report/eval-config.js";
import { finalizeMetrics } from "../../src/report/metrics.js";
import { scoreStills, type DetectJsonResult } from "../../src/report/score-stills.js";

const config = loadEvalConfig();
const tmp = mkdtempSync(join(tmpdir(), "stills-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fx = (...p: string[]): string => projectPath("test", "fixtures", "eval", "labels", ...p);

function result(
  image: string,
  boxes: { x1: number; y1: number; x2: number; y2: number; score: number }[],
  crosswalks = 0,
  lanesImage: [number, number][][] = [],
): DetectJsonResult {
  return {
    image,
    camera: { width: 1280, height: 720 },
    pedestrians: boxes.map((b) => ({
      confidence: b.score,
      range: 12,
      position: { x: 12, y: 0 },
      box: { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 },
    })),
    unplacedBoxes: [],
    lanesImage,
    crosswalks: new Array(crosswalks).fill({}),
  };
}

describe("still images against labels in their own formats", () => {
  const json = join(tmp, "detect.json");
  writeFileSync(
    json,
    JSON.stringify({
      results: [
        // a: a person at COCO's [100,200,40,100] and YOLO's (0.1,0.5,0.05,0.2) = [96,288,160,432]; a crossing is present.
        result(
          "frames/a.jpg",
          [
            { x1: 98, y1: 202, x2: 141, y2: 298, score: 0.8 },
            { x1: 97, y1: 290, x2: 158, y2: 430, score: 0.7 },
          ],
          1,
        ),
        // b: COCO's only person is a crowd box (don't care): a detection on it is not a false positive; no crossing.
        result("frames/b.jpg", [{ x1: 700, y1: 250, x2: 760, y2: 370, score: 0.9 }], 0),
        // not labelled: ignored
        result("frames/zzz.jpg", [{ x1: 0, y1: 0, x2: 10, y2: 30, score: 0.9 }], 1),
      ],
    }),
  );

  it("scores COCO boxes and a presence list together (comma-separated sources)", () => {
    const unit = scoreStills(
      "detect.json",
      json,
      `${fx("coco.json")},${fx("presence.txt")}`,
      config,
    );
    expect(unit.scenario).toBe("detect");
    expect(unit.partial.frames).toBe(2);
    // a: one matches COCO's person, the other box (the YOLO one) is a false positive for COCO.
    expect(unit.partial.detection.pedestrian!.counts).toEqual({ tp: 1, fp: 1, fn: 0 });
    expect(unit.partial.crosswalks!.presence).toEqual({ tp: 1, fp: 0, fn: 0 });
    const m = finalizeMetrics([unit], config);
    expect(m.overall.crosswalks!.presence.f1).toBe(1);
    expect(m.overall.lanes).toBeNull();
  });

  it("resolves YOLO's normalised boxes with the image size", () => {
    const unit = scoreStills("detect.json", json, fx("yolo"), config);
    // a: the YOLO person [96,288,160,432] matches the second box; the first is a false positive.
    // b: YOLO's box (0.9,0.4,0.02,0.02) is 14 px high: don't care; the 0.9 detection there does not overlap it: FP.
    expect(unit.partial.detection.pedestrian!.counts).toEqual({ tp: 1, fp: 2, fn: 0 });
  });

  it("scores CULane lines from the detections' image polylines", () => {
    const lanes = join(tmp, "lanes.json");
    writeFileSync(
      lanes,
      JSON.stringify({
        results: [
          {
            ...result("00120.jpg", [], 0, [
              [
                [805, 590],
                [812, 420],
                [808, 300],
              ],
              [
                [100, 590],
                [300, 300],
              ],
            ]),
            camera: { width: 1640, height: 590 },
          },
        ],
      }),
    );
    const unit = scoreStills("lanes.json", lanes, fx("culane"), config);
    expect(unit.partial.lanes!.counts).toEqual({ tp: 1, fp: 1, fn: 1 });
  });
});
