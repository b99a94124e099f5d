/**
 * Multi-object tracking scores of one sequence (a drive), matched in the ground plane:
 * CLEAR-MOT (FP, FN, ID switches, fragmentations; MOTA = 1 - (FN + FP + IDSW) / GT) with the
 * previous frame's correspondences kept while they stay within the gate, and the identity scores
 * (IDTP/IDFP/IDFN, IDF1) from the optimal one-to-one assignment of labelled trajectories to track
 * ids over the whole sequence (Ristani et al. 2016).
 */
import { minCostAssignment } from "./assignment.js";
import type { TrackingPartial } from "./partial.js";

/** A labelled or tracked object in one frame (ground position, base_link). */
export interface TrackPoint {
  id: string;
  position: [number, number];
  /** Labelled only: tracks matched to it are not false positives, and missing it is no miss. */
  dontCare?: boolean;
  /** Labelled only: the match distance for this object (default: the sequence's gate). */
  gate?: number;
}

export interface TrackingFrame {
  truths: TrackPoint[];
  tracks: TrackPoint[];
}

export function emptyTracking(): TrackingPartial {
  return {
    gt: 0,
    fp: 0,
    fn: 0,
    idSwitches: 0,
    fragmentations: 0,
    idtp: 0,
    idfp: 0,
    idfn: 0,
    trajectories: 0,
  };
}

function dist(a: TrackPoint, b: TrackPoint): number {
  return Math.hypot(a.position[0] - b.position[0], a.position[1] - b.position[1]);
}

/** Whether track `tr` is within the gate of labelled `t`. */
function within(t: TrackPoint, tr: TrackPoint, gateM: number): boolean {
  return dist(t, tr) <= (t.gate ?? gateM);
}

/** Scores one sequence with the ground-distance gate `gateM` (or each labelled object's own) and adds it into `into`. */
export function scoreTracking(
  frames: readonly TrackingFrame[],
  gateM: number,
  into: TrackingPartial,
): void {
  const lastTrackOf = new Map<string, string>();
  const wasTracked = new Map<string, boolean>();
  const gtIds = new Set<string>();
  // Identity: co-occurrences within the gate per (truth id, track id), and per-id presence counts.
  const pairCount = new Map<string, Map<string, number>>();
  const truthFrames = new Map<string, number>();
  const trackFrames = new Map<string, number>();
  for (const f of frames) {
    const truths = f.truths.filter((t) => !t.dontCare);
    const careTracks = f.tracks.filter(
      (tr) =>
        !f.truths.some((t) => t.dontCare && within(t, tr, gateM)) ||
        truths.some((t) => within(t, tr, gateM)),
    );
    for (const t of truths) {
      gtIds.add(t.id);
      truthFrames.set(t.id, (truthFrames.get(t.id) ?? 0) + 1);
      for (const tr of careTracks) {
        if (!within(t, tr, gateM)) continue;
        const row = pairCount.get(t.id) ?? new Map<string, number>();
        row.set(tr.id, (row.get(tr.id) ?? 0) + 1);
        pairCount.set(t.id, row);
      }
    }
    for (const tr of careTracks) trackFrames.set(tr.id, (trackFrames.get(tr.id) ?? 0) + 1);

    // CLEAR-MOT correspondences: keep last frame's where still within the gate, then nearest pairs.
    const matchedTruth = new Map<string, string>();
    const usedTracks = new Set<string>();
    for (const t of truths) {
      const prev = lastTrackOf.get(t.id);
      const tr = prev !== undefined ? careTracks.find((x) => x.id === prev) : undefined;
      if (tr && !usedTracks.has(tr.id) && within(t, tr, gateM)) {
        matchedTruth.set(t.id, tr.id);
        usedTracks.add(tr.id);
      }
    }
    const pairs: { t: TrackPoint; tr: TrackPoint; d: number }[] = [];
    for (const t of truths) {
      if (matchedTruth.has(t.id)) continue;
      for (const tr of careTracks)
        if (!usedTracks.has(tr.id) && within(t, tr, gateM)) pairs.push({ t, tr, d: dist(t, tr) });
    }
    pairs.sort((a, b) => a.d - b.d || (a.t.id < b.t.id ? -1 : 1));
    for (const { t, tr } of pairs) {
      if (matchedTruth.has(t.id) || usedTracks.has(tr.id)) continue;
      matchedTruth.set(t.id, tr.id);
      usedTracks.add(tr.id);
    }
    into.gt += truths.length;
    into.fn += truths.length - matchedTruth.size;
    into.fp += careTracks.length - usedTracks.size;
    for (const t of truths) {
      const tr = matchedTruth.get(t.id);
      if (tr !== undefined) {
        const prev = lastTrackOf.get(t.id);
        if (prev !== undefined && prev !== tr) into.idSwitches++;
        if (wasTracked.has(t.id) && wasTracked.get(t.id) === false) into.fragmentations++;
        lastTrackOf.set(t.id, tr);
        wasTracked.set(t.id, true);
      } else if (wasTracked.has(t.id)) {
        wasTracked.set(t.id, false);
      }
    }
  }
  into.trajectories += gtIds.size;

  const truthIds = [...truthFrames.keys()].sort();
  const trackIds = [...trackFrames.keys()].sort();
  let idtp = 0;
  if (truthIds.length && trackIds.length) {
    const cost = truthIds.map((g) => trackIds.map((h) => -(pairCount.get(g)?.get(h) ?? 0)));
    minCostAssignment(cost).forEach((j, i) => {
      if (j >= 0) idtp -= cost[i]![j]!;
    });
  }
  const totalTruth = [...truthFrames.values()].reduce((a, b) => a + b, 0);
  const totalTracks = [...trackFrames.values()].reduce((a, b) => a + b, 0);
  into.idtp += idtp;
  into.idfn += totalTruth - idtp;
  into.idfp += totalTracks - idtp;
}
