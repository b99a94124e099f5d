import type { HdMap } from "../map/types.js";
import {
  LaneMarking as LaneMarkingMsg,
  type EgoLaneState,
  type LaneMarking,
} from "../msgs/types.generated.js";
import { estimateEgoLane, invalidEgoLane, type EgoLaneOptions } from "./ego-lane.js";
import {
  associateMarkings,
  compareMarking,
  markingLateralAt,
  type LaneAssociation,
  type LaneAssociationOptions,
  type MarkingComparison,
} from "./lane-association.js";
import {
  LateralCorrectionFilter,
  type LateralCorrectionFilterOptions,
} from "./lateral-correction-filter.js";
import type { LocalMapView } from "./local-map-view.js";
import type { MapConsistencyMonitor } from "./map-consistency.js";
import { baseToMap, type PlanarPose } from "./planar-pose.js";

/** Options of the lane stage. */
export interface LaneFusionOptions {
  /** Marking-to-boundary association. */
  association: LaneAssociationOptions;
  /** Ego lane estimate (pose vs camera weighting). */
  egoLane: EgoLaneOptions;
  /** Largest |offset - common shift| for an ego marking to be compared with its ego lane's boundary when the normal gate failed (big map shifts), metres. */
  egoBoundaryWideGate: number;
  /** Least type_confidence for a marking's type to count as evidence against the map. */
  minTypeConfidence: number;
  /**
   * Least visible extent (x_max - x_min) of a marking for its offset or type to count as evidence
   * against the map, metres: a dash pattern needs a gap and paint on both sides in view, and a short
   * piece (a kerb, a car's edge) seen for a few frames must not report a shifted boundary.
   */
  minEvidenceExtent: number;
  /** Filtering of the camera's lateral correction over time. */
  lateralCorrection: LateralCorrectionFilterOptions;
}

/** The lane stage's output for one frame. */
export interface LaneFusionResult {
  /** The markings with map_id / map_match_distance filled. */
  messages: LaneMarking[];
  ego: EgoLaneState;
  /** The lane containing the vehicle (also when `ego` is not valid: no marking matched). */
  egoLaneId: string | undefined;
}

/**
 * Lanes: associates markings with the map's boundaries, estimates the ego lane with the filtered
 * camera correction, and feeds boundary offsets and types to the consistency monitor.
 */
export class LaneFusion {
  readonly #map: HdMap | undefined;
  readonly #o: LaneFusionOptions;
  readonly #shiftFilter: LateralCorrectionFilter;
  readonly #consistency: MapConsistencyMonitor;

  constructor(
    map: HdMap | undefined,
    options: LaneFusionOptions,
    consistency: MapConsistencyMonitor,
  ) {
    this.#map = map;
    this.#o = options;
    this.#shiftFilter = new LateralCorrectionFilter(this.#o.lateralCorrection);
    this.#consistency = consistency;
  }

  /** Forgets the filtered correction (time went backwards). */
  reset(): void {
    this.#shiftFilter.reset();
  }

  fuse(
    markings: readonly LaneMarking[],
    view: LocalMapView | undefined,
    pose: PlanarPose | undefined,
    timeSec: number,
  ): LaneFusionResult {
    const messages = markings.map((m) => ({ ...m, map_id: "", map_match_distance: NaN }));
    if (!view || !pose || !this.#map) {
      this.#shiftFilter.reset();
      return { messages, ego: invalidEgoLane(), egoLaneId: undefined };
    }
    const association = associateMarkings(markings, view.boundaries, this.#o.association);
    const filtered = this.#shiftFilter.update(
      timeSec,
      association.commonShift,
      association.commonShiftStd,
    );
    const correction = {
      shift: filtered.shift,
      std: filtered.std,
      residual: association.residual,
      matched: Number.isFinite(association.commonShift),
    };
    const estimate = estimateEgoLane(this.#map, view.lanes, pose, correction, this.#o.egoLane);
    this.#matchEgoBoundariesWide(
      markings,
      association,
      estimate.lane?.leftBoundaryId,
      estimate.lane?.rightBoundaryId,
      view,
    );
    const shift = Number.isFinite(association.commonShift) ? association.commonShift : 0;
    association.matches.forEach((c, i) => {
      if (!c) return;
      const m = markings[i]!;
      messages[i]!.map_id = c.boundary.feature.id;
      messages[i]!.map_match_distance =
        c.offsets.reduce((a, v) => a + Math.abs(v), 0) / c.offsets.length;
      const mid = c.xs.length >> 1;
      const where = baseToMap(pose, {
        x: c.xs[mid]!,
        y: markingLateralAt(m, c.xs[mid]!) - c.offsets[mid]!,
      });
      if (m.x_max - m.x_min < this.#o.minEvidenceExtent) return;
      this.#consistency.observeBoundaryOffset(c.boundary.feature.id, c.meanOffset - shift, where);
      const seenType = markingTypeName(m.type);
      if (seenType && m.type_confidence >= this.#o.minTypeConfidence) {
        const mapType = c.boundary.feature.boundaryType;
        this.#consistency.observeBoundaryType(
          c.boundary.feature.id,
          mapType,
          typeSeenAs(mapType, seenType),
          where,
        );
      }
    });
    return { messages, ego: estimate.state, egoLaneId: estimate.lane?.id };
  }

  /** Ego markings that missed the normal gate are compared with the ego lane's own boundaries under a wider gate (large map shifts). */
  #matchEgoBoundariesWide(
    markings: readonly LaneMarking[],
    association: LaneAssociation,
    leftId: string | undefined,
    rightId: string | undefined,
    view: LocalMapView,
  ): void {
    const used = new Set(
      association.matches
        .filter((c): c is MarkingComparison => c !== undefined)
        .map((c) => c.boundary.feature.id),
    );
    const { left, right } = egoMarkingIndices(markings);
    const shift = Number.isFinite(association.commonShift) ? association.commonShift : 0;
    for (const [index, boundaryId] of [
      [left, leftId],
      [right, rightId],
    ] as const) {
      if (index === undefined || !boundaryId || association.matches[index] || used.has(boundaryId))
        continue;
      const boundary = view.boundaries.find((b) => b.feature.id === boundaryId);
      if (!boundary) continue;
      const c = compareMarking(markings[index]!, boundary, this.#o.association);
      if (c && Math.abs(c.meanOffset - shift) <= this.#o.egoBoundaryWideGate)
        association.matches[index] = c;
    }
  }
}

/** The indices of the ego-left and ego-right markings: by their position field, else the nearest on each side. */
export function egoMarkingIndices(markings: readonly LaneMarking[]): {
  left: number | undefined;
  right: number | undefined;
} {
  let left: number | undefined;
  let right: number | undefined;
  markings.forEach((m, i) => {
    if (m.position === LaneMarkingMsg.POSITION_EGO_LEFT && left === undefined) left = i;
    if (m.position === LaneMarkingMsg.POSITION_EGO_RIGHT && right === undefined) right = i;
  });
  if (left !== undefined || right !== undefined) return { left, right };
  markings.forEach((m, i) => {
    if (m.position !== LaneMarkingMsg.POSITION_UNKNOWN) return;
    const y = m.poly_coefficients[0]!;
    if (y >= 0 && (left === undefined || y < markings[left]!.poly_coefficients[0]!)) left = i;
    if (y < 0 && (right === undefined || y > markings[right]!.poly_coefficients[0]!)) right = i;
  });
  return { left, right };
}

/**
 * The camera's type in the map's terms: the lane detector reports painted lines as solid or dashed
 * only (no double lines, road edges reported as lines), so a solid line on a mapped double_solid or
 * road_edge boundary agrees with the map.
 */
export function typeSeenAs(mapType: string, seenType: string): string {
  return seenType === "solid" && (mapType === "double_solid" || mapType === "road_edge")
    ? mapType
    : seenType;
}

/** The HD map's name of a LaneMarking TYPE_* constant; undefined for TYPE_UNKNOWN. */
function markingTypeName(type: number): string | undefined {
  switch (type) {
    case LaneMarkingMsg.TYPE_SOLID:
      return "solid";
    case LaneMarkingMsg.TYPE_DASHED:
      return "dashed";
    case LaneMarkingMsg.TYPE_DOUBLE_SOLID:
      return "double_solid";
    case LaneMarkingMsg.TYPE_ROAD_EDGE:
      return "road_edge";
    default:
      return undefined;
  }
}
