import type { Point2 } from "../geometry/types.js";
import { Crosswalk as CrosswalkMsg, type Crosswalk } from "../msgs/types.generated.js";
import type { CameraView } from "./contracts.js";
import { matchCrosswalks, type CrosswalkMatchOptions } from "./crosswalk-matching.js";
import type { LocalMapView } from "./local-map-view.js";
import type { MapConsistencyMonitor } from "./map-consistency.js";
import { baseToMap, mapToBase, type PlanarPose } from "./planar-pose.js";
import { polygonCentroid } from "./polyline.js";
import {
  crosswalkStripesDetectable,
  groundPointVisible,
  polygonVisibility,
  type VisibilityOptions,
} from "./visibility.js";

/** Options of the crosswalk stage. */
export interface CrosswalkFusionOptions {
  /** Mapped crosswalks starting farther ahead than this are left out of the frame, metres. */
  ahead: number;
  /** Detected-to-mapped matching. */
  match: CrosswalkMatchOptions;
  /** What the camera should see. */
  visibility: VisibilityOptions;
  /**
   * A mapped crosswalk counts as checkable (NOT_SEEN, evidence that it is missing) only when its
   * stripes run within this angle of the line of sight, radians (the stripe detector finds nothing
   * else: side-road crossings seen from the main road stay NOT_CHECKED).
   */
  maxStripeAngle: number;
}

/** The crosswalks of one frame, with their outlines and visibility for the pedestrian stage. */
export interface CrosswalkFusionResult {
  messages: Crosswalk[];
  /** Outline of each message's crosswalk in base_link (same order). */
  shapes: Point2[][];
  /** Whether each is in the camera's visible region (occupancy is UNKNOWN otherwise). */
  visible: boolean[];
}

/** Ids of mapped crosswalks in the frame start here (stable per map id). */
const MAPPED_CROSSWALK_ID_BASE = 1_000_000;

/**
 * Crosswalks: matches detections with the mapped crosswalks ahead (CONFIRMED / UNMAPPED /
 * NOT_SEEN / NOT_CHECKED) and feeds seen / not seen / unmapped evidence to the consistency monitor.
 */
export class CrosswalkFusion {
  readonly #o: CrosswalkFusionOptions;
  readonly #consistency: MapConsistencyMonitor;
  readonly #mappedIds = new Map<string, number>();

  constructor(options: CrosswalkFusionOptions, consistency: MapConsistencyMonitor) {
    this.#o = options;
    this.#consistency = consistency;
  }

  fuse(
    detected: readonly Crosswalk[],
    view: LocalMapView | undefined,
    pose: PlanarPose | undefined,
    camera: CameraView | undefined,
  ): CrosswalkFusionResult {
    const out: CrosswalkFusionResult = { messages: [], shapes: [], visible: [] };
    const push = (msg: Crosswalk, shape: Point2[], isVisible: boolean) => {
      out.messages.push(msg);
      out.shapes.push(shape);
      out.visible.push(isVisible);
    };
    const detectedShapes = detected.map((c) => c.polygon.points.map((p) => ({ x: p.x, y: p.y })));
    const fromDetection = (
      i: number,
      mapStatus: number,
      mapId: string,
      id = detected[i]!.id,
    ): Crosswalk => ({
      ...detected[i]!,
      id,
      map_status: mapStatus,
      map_id: mapId,
      occupancy: CrosswalkMsg.OCCUPANCY_UNKNOWN,
      pedestrian_ids: new Uint32Array(),
    });
    if (!view || !pose) {
      detected.forEach((_, i) =>
        push(fromDetection(i, CrosswalkMsg.MAP_STATUS_NOT_CHECKED, ""), detectedShapes[i]!, true),
      );
      return out;
    }
    const ahead = view.crosswalks.filter(
      (c) =>
        Math.max(...c.base.map((p) => p.x)) > 0 &&
        Math.min(...c.base.map((p) => p.x)) < this.#o.ahead,
    );
    const matching = matchCrosswalks(
      detectedShapes,
      ahead.map((c) => c.base),
      this.#o.match,
    );
    for (const [di, mi] of matching.pairs) {
      const mapped = ahead[mi]!;
      push(
        fromDetection(
          di,
          CrosswalkMsg.MAP_STATUS_CONFIRMED,
          mapped.feature.id,
          this.#mappedId(mapped.feature.id),
        ),
        detectedShapes[di]!,
        true,
      );
      this.#consistency.observeMappedCrosswalk(mapped.feature.id, true, mapped.centroidMap);
    }
    const unmappedSeen: Point2[] = [];
    for (const di of matching.unmatchedDetections) {
      push(fromDetection(di, CrosswalkMsg.MAP_STATUS_UNMAPPED, ""), detectedShapes[di]!, true);
      const centroid = baseToMap(pose, polygonCentroid(detectedShapes[di]!));
      unmappedSeen.push(centroid);
      this.#consistency.observeUnmappedCrosswalk(centroid);
    }
    for (const mi of matching.unmatchedMapped) {
      const mapped = ahead[mi]!;
      const vis = polygonVisibility(mapped.base, camera, this.#o.visibility);
      const checkable =
        vis.visible && crosswalkStripesDetectable(mapped.base, this.#o.maxStripeAngle);
      push(
        {
          id: this.#mappedId(mapped.feature.id),
          polygon: { points: mapped.base.map((p) => ({ x: p.x, y: p.y, z: 0 })) },
          image_polygon: { points: [] },
          distance_ahead: Math.max(0, Math.min(...mapped.base.map((p) => p.x))),
          distance_ahead_std: NaN,
          confidence: 0,
          map_status: checkable
            ? CrosswalkMsg.MAP_STATUS_NOT_SEEN
            : CrosswalkMsg.MAP_STATUS_NOT_CHECKED,
          map_id: mapped.feature.id,
          occupancy: CrosswalkMsg.OCCUPANCY_UNKNOWN,
          pedestrian_ids: new Uint32Array(),
        },
        mapped.base,
        vis.visible,
      );
      if (checkable && vis.calibrated)
        this.#consistency.observeMappedCrosswalk(mapped.feature.id, false, mapped.centroidMap);
    }
    // Unmapped candidates that are in view but not seen this frame count against themselves.
    if (camera) {
      const r = this.#consistency.options.unmappedClusterRadius;
      for (const cand of this.#consistency.unmappedCandidates()) {
        if (unmappedSeen.some((p) => Math.hypot(p.x - cand.position.x, p.y - cand.position.y) <= r))
          continue;
        if (groundPointVisible(mapToBase(pose, cand.position), camera, this.#o.visibility))
          this.#consistency.observeUnmappedAbsent(cand.key);
      }
    }
    return out;
  }

  #mappedId(mapId: string): number {
    let id = this.#mappedIds.get(mapId);
    if (id === undefined) {
      id = MAPPED_CROSSWALK_ID_BASE + this.#mappedIds.size;
      this.#mappedIds.set(mapId, id);
    }
    return id;
  }
}
