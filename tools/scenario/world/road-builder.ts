/**
 * Builds one road's surfaces, painted markings and HD-map features from a cross-section along a
 * reference line: lanes between boundaries, edge lines, shoulders, kerbs and sidewalks, with gaps
 * where another road crosses (an intersection), zebra crossings and stop lines.
 */
import { PerceptionError } from "../../../src/core/errors.js";
import type { Point2 } from "../../../src/geometry/types.js";
import type { BoundaryColor, BoundaryType } from "../../../src/map/types.js";
import { ReferenceLine, type ReferenceLineOptions } from "./reference-line.js";
import {
  emptyWorldFeatures,
  type PaintColor,
  type WorldCrosswalk,
  type WorldFeatures,
} from "./types.js";

/** One lane of the cross-section. */
export interface LaneSpec {
  /** Metres. */
  width: number;
  /** Along the reference line ("forward") or against it ("backward"). */
  direction: "forward" | "backward";
}

/** A painted boundary between lanes (or at the outside of the outer lanes). */
export interface BoundarySpec {
  type: Exclude<BoundaryType, "road_edge">;
  color: Exclude<BoundaryColor, "none">;
}

/** A zebra crossing across the whole road. */
export interface CrosswalkSpec {
  id: string;
  /** Station of the crossing's centre along the reference line (must be on a straight part). */
  station: number;
  /** Extent along the road, metres (stripe length), 3-5 m typical. */
  depth: number;
  /** Gap between the stop line and the crossing, metres; absent = no stop line. */
  stopLineGap?: number;
  /** Which lanes get a stop line: forward lanes before the crossing, backward lanes after it (default both). */
  stopLineFor?: "forward" | "backward" | "both";
  /**
   * Lane lines run through the crossing instead of stopping short of it (default false): a crossing
   * that was scrubbed off and its lines repainted, which only an outdated map still has.
   */
  linesThrough?: boolean;
  /** Width of one painted stripe across the road, metres (default 0.5). */
  stripeWidth?: number;
  /** Unpainted gap between stripes, metres (default 0.5). */
  stripeGap?: number;
}

export interface RoadSpec {
  /** Stable id prefix for everything this road produces. */
  id: string;
  line: ReferenceLineOptions;
  /** Lanes from the right edge to the left edge, looking along the reference line. */
  lanes: LaneSpec[];
  /** lanes.length + 1 boundaries, right to left. */
  boundaries: BoundarySpec[];
  /** Lateral offset of the rightmost boundary from the reference line (negative = right). */
  rightOffset: number;
  /** Asphalt beyond the outermost boundaries, metres. */
  shoulder: number;
  /** Kerb and sidewalk beyond the asphalt on both sides; absent = open ground. */
  sidewalk?: { kerbWidth: number; width: number };
  /** Dash pattern of dashed boundaries, metres. */
  dash: { on: number; off: number };
  /** Paint width, metres. */
  lineWidth: number;
  /** Station intervals with no markings, kerbs or sidewalks (where a crossing road's asphalt is). */
  gaps?: Array<[number, number]>;
  crosswalks?: CrosswalkSpec[];
  /** Paint wear 0..1. */
  wear: number;
  /** m/s, for the HD map's lanes. */
  speedLimit: number;
}

/** Everything one road contributes to the world. */
export interface RoadParts extends WorldFeatures {
  line: ReferenceLine;
  /** Lateral offsets (from the reference line) of each lane's centre, right to left. */
  laneCentreOffsets: number[];
  /** Lateral offsets of the asphalt's right and left edges. */
  asphaltEdges: [number, number];
}

/** Spacing of the sampled polylines of markings and map features, metres. */
export const FEATURE_SPACING = 0.5;
/** Gap between the two stripes of a double line, metres. */
const DOUBLE_GAP = 0.12;

export function buildRoad(spec: RoadSpec): RoadParts {
  if (spec.boundaries.length !== spec.lanes.length + 1) {
    throw new PerceptionError(
      "scenario",
      `road ${spec.id}: ${spec.lanes.length} lanes need ${spec.lanes.length + 1} boundaries, got ${spec.boundaries.length}`,
    );
  }
  const line = new ReferenceLine(spec.line);
  const offsets: number[] = [spec.rightOffset];
  for (const lane of spec.lanes) {
    if (!(lane.width > 0))
      throw new PerceptionError(
        "scenario",
        `road ${spec.id}: lane width must be positive, got ${lane.width}`,
      );
    offsets.push(offsets[offsets.length - 1]! + lane.width);
  }
  const right = offsets[0]! - spec.shoulder;
  const left = offsets[offsets.length - 1]! + spec.shoulder;
  const pieces = openIntervals(line.length, spec.gaps ?? []);
  const markPieces = openIntervals(line.length, markingGaps(spec));
  const parts: RoadParts = {
    line,
    ...emptyWorldFeatures(),
    laneCentreOffsets: spec.lanes.map((_, i) => (offsets[i]! + offsets[i + 1]!) / 2),
    asphaltEdges: [right, left],
  };
  parts.surfaces.push({ material: "asphalt", polygon: band(line, 0, line.length, right, left) });
  pieces.forEach(([s0, s1], piece) => {
    if (spec.sidewalk) {
      const { kerbWidth, width } = spec.sidewalk;
      for (const [inner, sign] of [
        [right, -1],
        [left, 1],
      ] as const) {
        parts.surfaces.push({
          material: "sidewalk",
          polygon: band(line, s0, s1, inner + sign * kerbWidth, inner + sign * (kerbWidth + width)),
        });
        parts.surfaces.push({
          material: "kerb",
          polygon: band(line, s0, s1, inner, inner + sign * kerbWidth),
        });
      }
    }
    for (const [edge, side] of [
      [right, "right"],
      [left, "left"],
    ] as const) {
      parts.laneBoundaries.push({
        kind: "lane_boundary",
        id: `${spec.id}_edge_${side}_${piece}`,
        boundaryType: "road_edge",
        color: "none",
        points: line.offsetPolyline(edge, s0, s1, FEATURE_SPACING),
      });
    }
  });
  markPieces.forEach(([s0, s1], piece) => {
    spec.boundaries.forEach((b, i) => {
      const id = `${spec.id}_b${i}_${piece}`;
      const points = line.offsetPolyline(offsets[i]!, s0, s1, FEATURE_SPACING);
      parts.laneBoundaries.push({
        kind: "lane_boundary",
        id,
        boundaryType: b.type,
        color: b.color,
        points,
      });
      const color: PaintColor = b.color;
      const stripes =
        b.type === "double_solid"
          ? [-(DOUBLE_GAP + spec.lineWidth) / 2, (DOUBLE_GAP + spec.lineWidth) / 2]
          : [0];
      for (const dt of stripes) {
        parts.paint.push({
          kind: "line",
          boundaryId: id,
          points:
            dt === 0 ? points : line.offsetPolyline(offsets[i]! + dt, s0, s1, FEATURE_SPACING),
          width: spec.lineWidth,
          color,
          ...(b.type === "dashed"
            ? { dash: { on: spec.dash.on, off: spec.dash.off, phase: 0 } }
            : {}),
          wear: spec.wear,
        });
      }
    });
    spec.lanes.forEach((lane, i) => {
      const t = parts.laneCentreOffsets[i]!;
      const forward = lane.direction === "forward";
      const rightB = `${spec.id}_b${forward ? i : i + 1}_${piece}`;
      const leftB = `${spec.id}_b${forward ? i + 1 : i}_${piece}`;
      const prev = piece - 1 >= 0 ? [`${spec.id}_l${i}_${piece - 1}`] : [];
      const next = piece + 1 < markPieces.length ? [`${spec.id}_l${i}_${piece + 1}`] : [];
      parts.lanes.push({
        kind: "lane",
        id: `${spec.id}_l${i}_${piece}`,
        centerline: forward
          ? line.offsetPolyline(t, s0, s1, FEATURE_SPACING)
          : line.offsetPolyline(t, s1, s0, FEATURE_SPACING),
        leftBoundaryId: leftB,
        rightBoundaryId: rightB,
        predecessorIds: forward ? prev : next,
        successorIds: forward ? next : prev,
        speedLimit: spec.speedLimit,
      });
    });
  });
  for (const cw of spec.crosswalks ?? []) addCrosswalk(spec, line, parts, cw, offsets, right, left);
  return parts;
}

function addCrosswalk(
  spec: RoadSpec,
  line: ReferenceLine,
  parts: RoadParts,
  cw: CrosswalkSpec,
  offsets: number[],
  right: number,
  left: number,
): void {
  const s0 = cw.station - cw.depth / 2;
  const s1 = cw.station + cw.depth / 2;
  if (s0 < 0 || s1 > line.length)
    throw new PerceptionError("scenario", `crosswalk ${cw.id} lies outside road ${spec.id}`);
  const stripeWidth = cw.stripeWidth ?? 0.5;
  const gap = cw.stripeGap ?? 0.5;
  const span = left - right;
  const count = Math.floor((span + gap) / (stripeWidth + gap));
  const margin = (span - (count * stripeWidth + (count - 1) * gap)) / 2;
  const stripes: Point2[][] = [];
  for (let k = 0; k < count; k++) {
    const t0 = right + margin + k * (stripeWidth + gap);
    stripes.push(rectangle(line, s0, s1, t0, t0 + stripeWidth));
  }
  const world: WorldCrosswalk = {
    id: cw.id,
    polygon: rectangle(line, s0, s1, right + margin, left - margin),
    stripes,
  };
  parts.crosswalks.push(world);
  for (const stripe of stripes)
    parts.paint.push({
      kind: "polygon",
      featureId: cw.id,
      polygon: stripe,
      color: "white",
      wear: spec.wear,
    });
  if (cw.stopLineGap !== undefined) {
    const width = 0.4;
    const forwardLanes = spec.lanes
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => l.direction === "forward");
    const backwardLanes = spec.lanes
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => l.direction === "backward");
    const lanesAt = (station: number, idx: number): string => {
      // The lane piece ending just before (forward) or starting just after (backward) the stop line.
      const pieces = openIntervals(line.length, markingGaps(spec));
      let best = 0;
      pieces.forEach(([a, b], k) => {
        const [ba, bb] = pieces[best]!;
        if (
          Math.min(Math.abs(station - a), Math.abs(station - b)) <
          Math.min(Math.abs(station - ba), Math.abs(station - bb))
        )
          best = k;
      });
      return `${spec.id}_l${idx}_${best}`;
    };
    const groups: Array<{ suffix: string; lanes: { i: number }[]; station: number }> = [
      { suffix: "a", lanes: forwardLanes, station: s0 - cw.stopLineGap - width / 2 },
      { suffix: "b", lanes: backwardLanes, station: s1 + cw.stopLineGap + width / 2 },
    ];
    const which = cw.stopLineFor ?? "both";
    for (const g of groups) {
      if (g.lanes.length === 0) continue;
      if (which !== "both" && (which === "forward") !== (g.suffix === "a")) continue;
      const tLo = offsets[Math.min(...g.lanes.map((l) => l.i))]!;
      const tHi = offsets[Math.max(...g.lanes.map((l) => l.i)) + 1]!;
      const id = `${cw.id}_stop_${g.suffix}`;
      const forward = g.suffix === "a";
      // Points across the lanes from right to left as seen by a driver on them.
      const points = forward
        ? [line.pointAt(g.station, tLo), line.pointAt(g.station, tHi)]
        : [line.pointAt(g.station, tHi), line.pointAt(g.station, tLo)];
      parts.stopLines.push({
        kind: "stop_line",
        id,
        points,
        laneIds: g.lanes.map((l) => lanesAt(g.station, l.i)),
      });
      parts.paint.push({
        kind: "polygon",
        featureId: id,
        polygon: rectangle(line, g.station - width / 2, g.station + width / 2, tLo, tHi),
        color: "white",
        wear: spec.wear,
      });
    }
  }
}

/** Where lane lines are not painted: the gaps plus each crossing with its stop lines. */
function markingGaps(spec: RoadSpec): Array<[number, number]> {
  const out: Array<[number, number]> = [...(spec.gaps ?? [])];
  for (const cw of spec.crosswalks ?? []) {
    if (cw.linesThrough) continue;
    const reach = cw.depth / 2 + (cw.stopLineGap ?? 0) + 0.4 + 0.5;
    out.push([cw.station - reach, cw.station + reach]);
  }
  return out;
}

/** The station intervals of [0, length] outside the gaps. */
function openIntervals(length: number, gaps: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...gaps].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  let s = 0;
  for (const [a, b] of sorted) {
    if (a > s) out.push([s, a]);
    s = Math.max(s, b);
  }
  if (s < length) out.push([s, length]);
  return out;
}

/** The polygon between lateral offsets t0 and t1 from station s0 to s1 (counter-clockwise when t0 < t1). */
export function band(
  line: ReferenceLine,
  s0: number,
  s1: number,
  t0: number,
  t1: number,
): Point2[] {
  const a = line.offsetPolyline(Math.min(t0, t1), s0, s1, 1);
  const b = line.offsetPolyline(Math.max(t0, t1), s1, s0, 1);
  return [...a, ...b];
}

/** A rectangle-like quad (exact rectangle on straight road) counter-clockwise. */
function rectangle(line: ReferenceLine, s0: number, s1: number, t0: number, t1: number): Point2[] {
  return [line.pointAt(s0, t0), line.pointAt(s1, t0), line.pointAt(s1, t1), line.pointAt(s0, t1)];
}
