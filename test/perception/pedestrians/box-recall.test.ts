import { describe, expect, it } from "vitest";
import type { Detection } from "../../../src/models/detection.js";
import {
  formatSummary,
  scoreFrame,
  summarise,
} from "../../../src/perception/pedestrians/box-recall.js";

const det = (x1: number, y1: number, x2: number, y2: number): Detection => ({
  x1,
  y1,
  x2,
  y2,
  score: 0.9,
  classId: 0,
});

describe("box recall by height", () => {
  it("matches one detection per person by IoU, bins by labelled height, and counts false alarms outside ignore regions", () => {
    const people = [
      [100, 100, 110, 130],
      [200, 100, 220, 160],
      [400, 100, 440, 250],
    ] as const; // 30, 60, 150 px
    const ignore = [[600, 100, 620, 140]] as const;
    const frame = scoreFrame(
      people,
      ignore,
      [
        det(100, 101, 110, 131), // the 30 px person
        det(100, 100, 110, 129), // a second box on them: neither a hit nor a false alarm
        det(405, 180, 440, 250), // half of the 150 px person: IoU < 0.5, but inside them
        det(602, 102, 618, 138), // in the ignore region
        det(900, 100, 920, 160), // a false alarm
      ],
      0.5,
    );
    expect(frame.people).toEqual([
      { height: 30, found: true },
      { height: 60, found: false },
      { height: 150, found: false },
    ]);
    expect(frame.falseAlarms).toBe(1);
    expect(frame.falseAlarmBoxes).toEqual([{ box: [900, 100, 920, 160], score: 0.9 }]);
    const s = summarise([frame, scoreFrame([[0, 0, 10, 50]], [], [det(0, 0, 10, 50)], 0.5)]);
    expect(s.bins).toEqual([
      { label: "<40", found: 1, total: 1 },
      { label: "40-80", found: 1, total: 2 },
      { label: ">=80", found: 0, total: 1 },
    ]);
    expect(formatSummary(s)).toBe(
      "<40 1/1 (1.00)  40-80 1/2 (0.50)  >=80 0/1 (0.00)  FA 1 (0.50/frame)",
    );
  });

  it("gives one detection to one person: two people, one box", () => {
    const f = scoreFrame(
      [
        [0, 0, 20, 60],
        [2, 0, 22, 60],
      ],
      [],
      [det(1, 0, 21, 60)],
      0.5,
    );
    expect(f.people.filter((p) => p.found).length).toBe(1);
  });
});
