import type { Point2 } from "../geometry/types.js";
import type { HdMap, Lane } from "../map/types.js";
import type { LaneMarking } from "../msgs/types.generated.js";
import { markingLateralAt } from "./lane-association.js";
import { cumulativeLengths, distanceToPolylineOf, projectOnPolyline } from "./polyline.js";

/**
 * The ego lane corridor: a centre path with a half width on each side, in one frame (`map` when
 * built from the HD map's lanes, `base_link` when built from the detected ego markings).
 */
export interface EgoCorridor {
  frame: "map" | "base_link";
  /** Where it came from, for the status line. */
  source: "map" | "markings";
  centre: Point2[];
  cumulative: Float64Array;
  /** Half width to the left / right at each centre vertex, metres. */
  leftWidth: Float64Array;
  rightWidth: Float64Array;
}

/** Where a pedestrian is relative to the corridor. */
export interface CorridorRelation {
  inside: boolean;
  /** Arc length of the projection on the centre path minus that of `origin`, metres. */
  distanceAlong: number;
  /**
   * Seconds until the pedestrian enters at its velocity; 0 inside, -1 when not heading in (moving
   * towards the corridor slower than the least approach speed: standing, or drifting in the
   * tracker's velocity noise, is not heading in).
   */
  timeToEnter: number;
}

/** Tuning of the ego corridor (from the map's lanes or from the detected ego markings). */
export interface EgoCorridorOptions {
  /** Longest corridor built ahead along the map's lanes, metres. */
  lookahead: number;
  /**
   * Half lane width assumed where it is not known, metres: on a side of a map lane without a usable
   * boundary, and on both sides of the marking corridor when only one ego marking is seen.
   */
  nominalHalfWidth: number;
  /** How far beyond a marking's last supported x its cubic is trusted, metres. */
  markingExtrapolation: number;
}

/** The corridor along a map lane and its successors (first successor heading straightest), cached per start lane. */
export class MapCorridorCache {
  readonly #cache = new Map<string, EgoCorridor>();
  readonly #map: HdMap;
  readonly #o: EgoCorridorOptions;

  constructor(map: HdMap, options: EgoCorridorOptions) {
    this.#map = map;
    this.#o = options;
  }

  corridor(lane: Lane): EgoCorridor {
    let c = this.#cache.get(lane.id);
    if (!c) {
      c = this.#build(lane);
      if (this.#cache.size > 512) this.#cache.clear();
      this.#cache.set(lane.id, c);
    }
    return c;
  }

  #build(start: Lane): EgoCorridor {
    const centre: Point2[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const seen = new Set<string>();
    let lane: Lane | undefined = start;
    let length = 0;
    while (lane && !seen.has(lane.id) && length < this.#o.lookahead) {
      seen.add(lane.id);
      const lb = this.#map.laneBoundaries.get(lane.leftBoundaryId);
      const rb = this.#map.laneBoundaries.get(lane.rightBoundaryId);
      const leftPoints = lb && lb.points.length >= 2 ? lb.points : undefined;
      const rightPoints = rb && rb.points.length >= 2 ? rb.points : undefined;
      for (let i = 0; i < lane.centerline.length; i++) {
        const p = lane.centerline[i]!;
        if (i === 0 && centre.length > 0) {
          const last = centre[centre.length - 1]!;
          if (Math.hypot(p.x - last.x, p.y - last.y) < 0.05) continue;
        }
        if (centre.length > 0) {
          const last = centre[centre.length - 1]!;
          length += Math.hypot(p.x - last.x, p.y - last.y);
        }
        centre.push(p);
        left.push(leftPoints ? distanceToPolylineOf(leftPoints, p) : this.#o.nominalHalfWidth);
        right.push(rightPoints ? distanceToPolylineOf(rightPoints, p) : this.#o.nominalHalfWidth);
      }
      lane = lane.successorIds
        .map((id) => this.#map.lanes.get(id))
        .find((l): l is Lane => l !== undefined);
    }
    return {
      frame: "map",
      source: "map",
      centre,
      cumulative: cumulativeLengths(centre),
      leftWidth: Float64Array.from(left),
      rightWidth: Float64Array.from(right),
    };
  }
}

/** The corridor between the detected ego markings (base_link); undefined without any. */
export function corridorFromMarkings(
  left: LaneMarking | undefined,
  right: LaneMarking | undefined,
  o: Pick<EgoCorridorOptions, "nominalHalfWidth" | "markingExtrapolation">,
): EgoCorridor | undefined {
  if (!left && !right) return undefined;
  const xEnd =
    Math.max(left ? left.x_max : -Infinity, right ? right.x_max : -Infinity) +
    o.markingExtrapolation;
  const centre: Point2[] = [];
  const lw: number[] = [];
  const rw: number[] = [];
  for (let x = -5; x <= xEnd; x += 2) {
    const yl = left
      ? markingLateralAt(left, Math.min(x, left.x_max + o.markingExtrapolation))
      : undefined;
    const yr = right
      ? markingLateralAt(right, Math.min(x, right.x_max + o.markingExtrapolation))
      : undefined;
    let c: number, hl: number, hr: number;
    if (yl !== undefined && yr !== undefined && yl > yr) {
      c = (yl + yr) / 2;
      hl = hr = (yl - yr) / 2;
    } else if (yl !== undefined) {
      c = yl - o.nominalHalfWidth;
      hl = hr = o.nominalHalfWidth;
    } else {
      c = yr! + o.nominalHalfWidth;
      hl = hr = o.nominalHalfWidth;
    }
    centre.push({ x, y: c });
    lw.push(hl);
    rw.push(hr);
  }
  return {
    frame: "base_link",
    source: "markings",
    centre,
    cumulative: cumulativeLengths(centre),
    leftWidth: Float64Array.from(lw),
    rightWidth: Float64Array.from(rw),
  };
}

/** The arc length of a point's projection on the corridor's centre path (NaN when degenerate). */
export function arcLengthOn(c: EgoCorridor, p: Point2): number {
  return projectOnPolyline(c.centre, p)?.s ?? NaN;
}

function widthAt(widths: Float64Array, cumulative: Float64Array, s: number): number {
  const n = cumulative.length;
  if (s <= 0) return widths[0]!;
  if (s >= cumulative[n - 1]!) return widths[n - 1]!;
  let i = 0;
  while (i < n - 2 && cumulative[i + 1]! < s) i++;
  const seg = cumulative[i + 1]! - cumulative[i]!;
  const t = seg > 0 ? (s - cumulative[i]!) / seg : 0;
  return widths[i]! + t * (widths[i + 1]! - widths[i]!);
}

/**
 * A point and its velocity (same frame as the corridor) against the corridor; `origin` is where
 * distances along the path start (the vehicle: a point, or its arc length on the centre path when
 * already known). Heading in needs a lateral speed towards the corridor of at least
 * `minApproachSpeed` (m/s). Undefined when the corridor is degenerate.
 */
export function relateToCorridor(
  c: EgoCorridor,
  origin: Point2 | number,
  p: Point2,
  v: Point2,
  minApproachSpeed: number,
): CorridorRelation | undefined {
  if (c.centre.length < 2) return undefined;
  const proj = projectOnPolyline(c.centre, p);
  const egoS = typeof origin === "number" ? origin : projectOnPolyline(c.centre, origin)?.s;
  if (!proj || egoS === undefined) return undefined;
  const wl = widthAt(c.leftWidth, c.cumulative, proj.s);
  const wr = widthAt(c.rightWidth, c.cumulative, proj.s);
  const distanceAlong = proj.s - egoS;
  if (proj.lateral <= wl && proj.lateral >= -wr)
    return { inside: true, distanceAlong, timeToEnter: 0 };
  const lateralSpeed = -v.x * Math.sin(proj.heading) + v.y * Math.cos(proj.heading);
  let timeToEnter = -1;
  if (proj.lateral > wl && lateralSpeed <= -minApproachSpeed)
    timeToEnter = (proj.lateral - wl) / -lateralSpeed;
  else if (proj.lateral < -wr && lateralSpeed >= minApproachSpeed)
    timeToEnter = (-wr - proj.lateral) / lateralSpeed;
  return { inside: false, distanceAlong, timeToEnter };
}
