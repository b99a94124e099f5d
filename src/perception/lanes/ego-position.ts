/**
 * Orders lane markings relative to the ego vehicle by their lateral offset at x = 0: the nearest
 * one on each side within one lane width is the ego lane's boundary, the next lane width holds the
 * next lane's boundary, anything beyond is "other".
 */
import { LaneMarking } from "../../msgs/types.generated.js";

/** Options of `assignPositions`. */
export interface EgoPositionOptions {
  /** Nominal lane width (metres). */
  laneWidth: number;
  /** Markings that start farther ahead than this (metres) are not ranked (their offset at x = 0 is a long extrapolation). */
  maxStart: number;
}

/**
 * Position constants (LaneMarking.POSITION_*) for lateral offsets (positive = left); `starts` are
 * the markings' x_min (markings starting beyond `maxStart` stay POSITION_UNKNOWN).
 */
export function assignPositions(
  offsets: readonly number[],
  options: EgoPositionOptions,
  starts?: readonly number[],
): number[] {
  const w = options.laneWidth;
  const maxStart = options.maxStart;
  const out = new Array<number>(offsets.length).fill(LaneMarking.POSITION_UNKNOWN);
  for (const side of [1, -1] as const) {
    const idx = offsets
      .map((y, i) => ({ y: y * side, i }))
      .filter((e) => Number.isFinite(e.y) && e.y > 0 && !(starts && starts[e.i]! > maxStart))
      .sort((a, b) => a.y - b.y);
    const ego = side > 0 ? LaneMarking.POSITION_EGO_LEFT : LaneMarking.POSITION_EGO_RIGHT;
    const next = side > 0 ? LaneMarking.POSITION_NEXT_LEFT : LaneMarking.POSITION_NEXT_RIGHT;
    const other = side > 0 ? LaneMarking.POSITION_OTHER_LEFT : LaneMarking.POSITION_OTHER_RIGHT;
    let slotTaken = -1;
    for (const e of idx) {
      // Slot 0: within a lane width of the centre line (ego boundary); 1: the next; 2+: other.
      let slot = Math.max(0, Math.floor((e.y - 0.25 * w) / w));
      if (slot <= slotTaken) slot = slotTaken + 1;
      slotTaken = slot;
      out[e.i] = slot === 0 ? ego : slot === 1 ? next : other;
    }
  }
  return out;
}
