/**
 * Scoring person boxes against labelled ones: recall by box height (the bins of issue 11: < 40,
 * 40-80, >= 80 px) and false alarms, with "ignore" regions (something that may be a person but
 * cannot be told) where a detection is neither a hit nor a false alarm. Matching is greedy by IoU,
 * one detection per labelled person.
 */
import { containedFraction, iou, type Detection } from "../../models/detection.js";

/** A box as [x1, y1, x2, y2] (corner convention, image pixels). */
export type BoxXyxy = readonly [number, number, number, number];

/** Upper edges of the height bins, pixels: < 40, 40-80, >= 80. */
const HEIGHT_BINS = [
  { label: "<40", min: 0, max: 40 },
  { label: "40-80", min: 40, max: 80 },
  { label: ">=80", min: 80, max: Infinity },
] as const;

export interface FrameScore {
  /** Per labelled person: its height and whether a detection matched it. */
  people: { height: number; found: boolean }[];
  /** Detections matching no person and lying outside the ignore regions. */
  falseAlarms: number;
  /** Those detections (box and score), to look at what they are. */
  falseAlarmBoxes: { box: BoxXyxy; score: number }[];
}

function asDetection(b: BoxXyxy): Detection {
  return { x1: b[0], y1: b[1], x2: b[2], y2: b[3], score: 1, classId: 0 };
}

/**
 * Scores one frame: each labelled person is found by the unused detection of highest IoU when that
 * IoU is at least `minIou`; an unmatched detection at least half inside an ignore region is not a
 * false alarm.
 */
export function scoreFrame(
  people: readonly BoxXyxy[],
  ignore: readonly BoxXyxy[],
  detections: readonly Detection[],
  minIou: number,
): FrameScore {
  const used = new Uint8Array(detections.length);
  const truths = people.map(asDetection);
  const pairs: { t: number; d: number; iou: number }[] = [];
  truths.forEach((t, ti) =>
    detections.forEach((d, di) => {
      const v = iou(t, d);
      if (v >= minIou) pairs.push({ t: ti, d: di, iou: v });
    }),
  );
  pairs.sort((a, b) => b.iou - a.iou);
  const found = new Uint8Array(truths.length);
  for (const p of pairs) {
    if (found[p.t] || used[p.d]) continue;
    found[p.t] = 1;
    used[p.d] = 1;
  }
  const ignored = ignore.map(asDetection);
  const falseAlarmBoxes: FrameScore["falseAlarmBoxes"] = [];
  detections.forEach((d, i) => {
    if (used[i]) return;
    if (ignored.some((g) => containedFraction(g, d) >= 0.5)) return;
    // A second box on a found person (a part of them) is not a false alarm either.
    if (truths.some((t) => containedFraction(t, d) >= 0.5)) return;
    falseAlarmBoxes.push({ box: [d.x1, d.y1, d.x2, d.y2], score: d.score });
  });
  return {
    people: truths.map((t, i) => ({ height: t.y2 - t.y1, found: found[i] === 1 })),
    falseAlarms: falseAlarmBoxes.length,
    falseAlarmBoxes,
  };
}

/** Recall per height bin over many frames: found / total per bin, and false alarms per frame. */
export interface RecallSummary {
  bins: { label: string; found: number; total: number }[];
  falseAlarms: number;
  frames: number;
}

export function summarise(frames: readonly FrameScore[]): RecallSummary {
  const bins = HEIGHT_BINS.map((b) => ({ label: b.label, found: 0, total: 0 }));
  let falseAlarms = 0;
  for (const f of frames) {
    falseAlarms += f.falseAlarms;
    for (const p of f.people) {
      const i = HEIGHT_BINS.findIndex((b) => p.height >= b.min && p.height < b.max);
      bins[i]!.total++;
      if (p.found) bins[i]!.found++;
    }
  }
  return { bins, falseAlarms, frames: frames.length };
}

/** "found/total (recall)" per bin, e.g. `<40 3/10 (0.30)`. */
export function formatSummary(s: RecallSummary): string {
  const bins = s.bins
    .map(
      (b) =>
        `${b.label} ${b.found}/${b.total}${b.total ? ` (${(b.found / b.total).toFixed(2)})` : ""}`,
    )
    .join("  ");
  return `${bins}  FA ${s.falseAlarms} (${(s.falseAlarms / Math.max(1, s.frames)).toFixed(2)}/frame)`;
}
