import type { FeatureCollection, Point } from "geojson";
import { PerceptionError } from "../core/errors.js";
import { compareTime, diffSec, timeToSec, type Time } from "../core/time.js";
import type { Point2 } from "../geometry/types.js";
import type { HdMap } from "../map/types.js";
import {
  Crosswalk as CrosswalkMsg,
  LaneMarking as LaneMarkingMsg,
  Pedestrian as PedestrianMsg,
  type Crosswalk,
  type CrosswalkArray,
  type EgoLaneState,
  type LaneMarking,
  type LaneMarkingArray,
  type MapDisagreement,
  type Pedestrian,
  type PedestrianArray,
  type PerceptionFrame,
  type StageLatency,
} from "../msgs/types.generated.js";
import type { CameraView, PoseResult } from "./contracts.js";
import { crosswalkOccupancy, relateToCrosswalks, type CrosswalkRelationOptions } from "./crosswalk-relation.js";
import { matchCrosswalks, type CrosswalkMatchOptions } from "./crosswalk-matching.js";
import { disagreementsToGeoJson } from "./disagreements-geojson.js";
import { MapCorridorCache, arcLengthOn, corridorFromMarkings, relateToCorridor, type EgoCorridor } from "./ego-corridor.js";
import { estimateEgoLane, invalidEgoLane, type EgoLaneOptions } from "./ego-lane.js";
import { crosswalkProblem, markingProblem, pedestrianProblem, RejectionCounter } from "./input-guard.js";
import { associateMarkings, compareMarking, markingLateralAt, DEFAULT_LANE_ASSOCIATION_OPTIONS, type LaneAssociation, type LaneAssociationOptions, type MarkingComparison } from "./lane-association.js";
import { LateralCorrectionFilter, type LateralCorrectionFilterOptions } from "./lateral-correction-filter.js";
import { buildLocalMapView, type LocalMapView, type ViewRegion } from "./local-map-view.js";
import { MapConsistencyMonitor, type MapConsistencyOptions } from "./map-consistency.js";
import { DEFAULT_TRACKER_OPTIONS, MultiObjectTracker, type TrackerOptions } from "./pedestrian-tracker.js";
import { baseToMap, mapToBase, rotateCovariance, rotateVector, type PlanarPose } from "./planar-pose.js";
import { PoseGate, type PoseGateOptions } from "./pose-gate.js";
import { polygonCentroid } from "./polyline.js";
import { groundPointVisible, polygonVisibility, DEFAULT_VISIBILITY_OPTIONS, type VisibilityOptions } from "./visibility.js";

/** One camera frame's worth of inputs. */
export interface FusionInput {
  /** The camera frame's stamp (becomes the output's header stamp). */
  stamp: Time;
  /** The vehicle pose at `stamp`, or why there is none. */
  pose: PoseResult;
  /** Lane markings in base_link. */
  lanes?: LaneMarkingArray;
  /** Detected crosswalks in base_link. */
  crosswalks?: CrosswalkArray;
  /** Untracked pedestrian detections (track_id 0) with ground positions in base_link. */
  pedestrians?: PedestrianArray;
  /** Camera geometry (visible ground region); without it visibility is judged from a nominal field of view. */
  geometry?: CameraView;
  /** Latencies of the stages before fusion, copied into the frame. */
  latencies?: StageLatency[];
}

/** Options of the fusion engine; every tuning group is optional and merged over its defaults. */
export interface FusionEngineOptions {
  /** The HD map; without it outputs are vehicle-frame only and map fields NaN/empty. */
  map?: HdMap;
  /** The ground region around the vehicle the map is queried for, base_link metres. */
  view?: Partial<ViewRegion>;
  /** Marking-to-boundary association. */
  laneAssociation?: Partial<LaneAssociationOptions>;
  /** Ego lane estimate (pose vs camera weighting). */
  egoLane?: Partial<EgoLaneOptions>;
  /** Largest |offset| for an ego marking to be compared with its ego lane boundary when the normal gate failed (big map shifts), metres. */
  egoBoundaryWideGate?: number;
  /** Least type_confidence for a marking's type to count as evidence against the map. */
  minTypeConfidence?: number;
  /** Pedestrian tracker. */
  tracker?: Partial<TrackerOptions>;
  /** Crosswalk matching. */
  crosswalkMatch?: Partial<CrosswalkMatchOptions>;
  /** What the camera should see. */
  visibility?: Partial<VisibilityOptions>;
  /** Pedestrians on / heading to crosswalks. */
  crosswalkRelation?: Partial<CrosswalkRelationOptions>;
  /** Map consistency evidence. */
  consistency?: Partial<MapConsistencyOptions>;
  /** Filtering of the camera's lateral correction over time. */
  lateralCorrection?: Partial<LateralCorrectionFilterOptions>;
  /** Pose plausibility (jumps). */
  poseGate?: Partial<PoseGateOptions>;
}

const DEFAULT_VIEW: ViewRegion = { behind: 10, ahead: 70, side: 25 };
const MAPPED_CROSSWALK_ID_BASE = 1_000_000;

type TrackFrame = "map" | "base_link";

/**
 * Fuses one camera frame's detections with the HD map and the pose into the PerceptionFrame that
 * planning consumes (header.frame_id base_link, stamp = the camera stamp). Keeps state across
 * frames: the pedestrian tracker, map-consistency evidence, the last pose.
 */
export class FusionEngine {
  readonly #map: HdMap | undefined;
  readonly #view: ViewRegion;
  readonly #laneOptions: LaneAssociationOptions;
  readonly #egoOptions: Partial<EgoLaneOptions>;
  readonly #wideGate: number;
  readonly #minTypeConfidence: number;
  readonly #visibility: VisibilityOptions;
  readonly #matchOptions: Partial<CrosswalkMatchOptions>;
  readonly #relationOptions: Partial<CrosswalkRelationOptions>;
  readonly #tracker: MultiObjectTracker<Pedestrian>;
  readonly #coastLimit: number;
  readonly #consistency: MapConsistencyMonitor;
  readonly #poseGate: PoseGate;
  readonly #shiftFilter: LateralCorrectionFilter;
  readonly #corridors: MapCorridorCache | undefined;
  readonly #rejections = new RejectionCounter();
  readonly #mappedCrosswalkIds = new Map<string, number>();
  #trackFrame: TrackFrame = "base_link";
  #lastStamp: Time | undefined;
  #lastValidPose: PlanarPose | undefined;
  #timeResets = 0;

  constructor(options: FusionEngineOptions = {}) {
    this.#map = options.map;
    this.#view = { ...DEFAULT_VIEW, ...options.view };
    this.#laneOptions = { ...DEFAULT_LANE_ASSOCIATION_OPTIONS, ...options.laneAssociation };
    this.#egoOptions = options.egoLane ?? {};
    this.#wideGate = options.egoBoundaryWideGate ?? 2.5;
    this.#minTypeConfidence = options.minTypeConfidence ?? 0.6;
    this.#visibility = { ...DEFAULT_VISIBILITY_OPTIONS, ...options.visibility };
    this.#matchOptions = options.crosswalkMatch ?? {};
    this.#relationOptions = options.crosswalkRelation ?? {};
    this.#tracker = new MultiObjectTracker<Pedestrian>(options.tracker);
    this.#coastLimit = options.tracker?.maxCoastSec ?? DEFAULT_TRACKER_OPTIONS.maxCoastSec;
    this.#consistency = new MapConsistencyMonitor(options.consistency);
    this.#poseGate = new PoseGate(options.poseGate);
    this.#shiftFilter = new LateralCorrectionFilter(options.lateralCorrection);
    this.#corridors = options.map ? new MapCorridorCache(options.map) : undefined;
  }

  /** Fuses one frame. Throws a `time` PerceptionError only for a stamp that is not a time at all. */
  update(input: FusionInput): PerceptionFrame {
    const started = performance.now();
    const notes: string[] = [];
    this.#rejections.beginFrame();
    if (!Number.isFinite(input.stamp.sec) || !Number.isFinite(input.stamp.nanosec)) {
      this.#rejections.count("frame(s): non-finite stamp");
      throw new PerceptionError("time", "fusion input stamp is not finite", { sec: input.stamp.sec, nanosec: input.stamp.nanosec });
    }
    const timeSec = timeToSec(input.stamp);
    if (this.#lastStamp && compareTime(input.stamp, this.#lastStamp) < 0) {
      const back = diffSec(this.#lastStamp, input.stamp);
      this.#tracker.reset();
      this.#poseGate.reset();
      this.#shiftFilter.reset();
      this.#lastValidPose = undefined;
      this.#timeResets++;
      this.#rejections.count("time jump(s) backwards");
      notes.push(`time went backwards by ${back.toFixed(3)} s: pedestrian tracks reset`);
    }
    this.#lastStamp = { ...input.stamp };

    // Pose.
    const gated = this.#poseGate.check(input.pose, timeSec);
    if (gated.kind === "degraded") {
      notes.push(`${gated.reason}: vehicle-frame outputs only`);
      if (gated.counted) this.#rejections.count(gated.counted);
    }
    const pose = gated.kind === "valid" ? gated.pose : undefined;
    if (!this.#map) notes.push("no HD map: vehicle-frame outputs only");
    if (!input.geometry) notes.push("no camera geometry: visibility from a nominal field of view, missing crosswalks not checked");

    // Inputs.
    const markings = this.#clean(input.lanes, input.lanes?.markings, markingProblem, "lane marking array");
    const detectedCrosswalks = this.#clean(input.crosswalks, input.crosswalks?.crosswalks, crosswalkProblem, "crosswalk array");
    const detections = this.#clean(input.pedestrians, input.pedestrians?.pedestrians, pedestrianProblem, "pedestrian array");

    const view = this.#map && pose ? buildLocalMapView(this.#map, pose, this.#view) : undefined;

    // Lanes.
    const lanes = this.#fuseLanes(markings, view, pose, timeSec);

    // Crosswalks (before pedestrians: relations use them).
    const crosswalks = this.#fuseCrosswalks(detectedCrosswalks, view, pose, input.geometry);

    // Pedestrians.
    const corridor = this.#corridor(lanes.egoLaneId, markings, pose);
    if (!corridor) notes.push("no ego corridor (no ego lane in the map, no ego markings)");
    const pedestrians = this.#trackPedestrians(detections, timeSec, pose, corridor, crosswalks.shapes);
    for (let i = 0; i < crosswalks.messages.length; i++) {
      const cw = crosswalks.messages[i]!;
      const on = pedestrians.filter((p) => p.crosswalkIndex === i && p.msg.crosswalk_relation === PedestrianMsg.CROSSWALK_RELATION_ON);
      const approaching = pedestrians.filter((p) => p.crosswalkIndex === i && p.msg.crosswalk_relation === PedestrianMsg.CROSSWALK_RELATION_APPROACHING);
      cw.occupancy = crosswalkOccupancy(crosswalks.visible[i]!, on.length, approaching.length);
      cw.pedestrian_ids = Uint32Array.from(on.map((p) => p.msg.track_id));
    }
    for (const p of pedestrians) if (p.crosswalkIndex !== undefined) p.msg.crosswalk_id = crosswalks.messages[p.crosswalkIndex]!.map_id;

    const score = view ? this.#consistency.endFrame() : NaN;
    const rejected = this.#rejections.frameSummary();
    if (rejected) notes.push(rejected);

    const fusionMs = performance.now() - started;
    const latencies: StageLatency[] = [...(input.latencies ?? []).map((l) => ({ ...l })), { stage: "fusion", duration_ms: fusionMs }];
    return {
      header: { stamp: { ...input.stamp }, frame_id: "base_link" },
      lanes: lanes.messages,
      crosswalks: crosswalks.messages,
      pedestrians: pedestrians.map((p) => p.msg),
      ego_lane: lanes.ego,
      pose: gated.kind === "valid"
        ? { position: { ...gated.mapFromBase.translation }, orientation: { ...gated.mapFromBase.rotation } }
        : { position: { x: NaN, y: NaN, z: NaN }, orientation: { x: NaN, y: NaN, z: NaN, w: NaN } },
      pose_valid: pose !== undefined,
      status: notes.join("; "),
      map_consistency_score: score,
      disagreements: pose && this.#map ? this.#consistency.disagreements() : [],
      latencies,
      pipeline_latency_ms: latencies.reduce((a, l) => a + (Number.isFinite(l.duration_ms) ? l.duration_ms : 0), 0),
    };
  }

  /** The map disagreements reported so far (map frame positions). */
  disagreements(): MapDisagreement[] {
    return this.#consistency.disagreements();
  }

  /** The disagreements as a GeoJSON FeatureCollection of WGS84 points; empty without a map. */
  disagreementsGeoJson(): FeatureCollection<Point> {
    if (!this.#map) return { type: "FeatureCollection", features: [] };
    return disagreementsToGeoJson(this.disagreements(), this.#map.origin);
  }

  /** Rejected inputs since construction, by reason (for diagnostics). */
  rejectionCounts(): Record<string, number> {
    return this.#rejections.totals();
  }

  /** How many times time went backwards (each reset the tracker). */
  get timeResets(): number {
    return this.#timeResets;
  }

  #clean<T>(array: { header: { frame_id: string } } | undefined, items: T[] | undefined, problem: (item: T) => string | undefined, what: string): T[] {
    if (!array || !items) return [];
    const frame = array.header.frame_id;
    if (frame !== "" && frame !== "base_link") {
      this.#rejections.count(`${what}(s): frame '${frame}' is not base_link`);
      return [];
    }
    return items.filter((item) => {
      const why = problem(item);
      if (why) this.#rejections.count(why);
      return why === undefined;
    });
  }

  #fuseLanes(markings: LaneMarking[], view: LocalMapView | undefined, pose: PlanarPose | undefined, timeSec: number): { messages: LaneMarking[]; ego: EgoLaneState; egoLaneId: string | undefined } {
    const messages = markings.map((m) => ({ ...m, map_id: "", map_match_distance: NaN }));
    if (!view || !pose || !this.#map) {
      this.#shiftFilter.reset();
      return { messages, ego: invalidEgoLane(), egoLaneId: undefined };
    }
    const association = associateMarkings(markings, view.boundaries, this.#laneOptions);
    const filtered = this.#shiftFilter.update(timeSec, association.commonShift, association.commonShiftStd);
    const correction = { shift: filtered.shift, std: filtered.std, residual: association.residual, matched: Number.isFinite(association.commonShift) };
    const estimate = estimateEgoLane(this.#map, view.lanes, pose, correction, this.#egoOptions);
    this.#matchEgoBoundariesWide(markings, association, estimate.lane?.leftBoundaryId, estimate.lane?.rightBoundaryId, view);
    const shift = Number.isFinite(association.commonShift) ? association.commonShift : 0;
    association.matches.forEach((c, i) => {
      if (!c) return;
      const m = markings[i]!;
      messages[i]!.map_id = c.boundary.feature.id;
      messages[i]!.map_match_distance = c.offsets.reduce((a, v) => a + Math.abs(v), 0) / c.offsets.length;
      const mid = c.xs.length >> 1;
      const where = baseToMap(pose, { x: c.xs[mid]!, y: markingLateralAt(m, c.xs[mid]!) - c.offsets[mid]! });
      this.#consistency.observeBoundaryOffset(c.boundary.feature.id, c.meanOffset - shift, where);
      const seenType = markingTypeName(m.type);
      if (seenType && m.type_confidence >= this.#minTypeConfidence) this.#consistency.observeBoundaryType(c.boundary.feature.id, c.boundary.feature.boundaryType, seenType, where);
    });
    return { messages, ego: estimate.state, egoLaneId: estimate.lane?.id };
  }

  /** Ego markings that missed the normal gate are compared with the ego lane's own boundaries under a wider gate (large map shifts). */
  #matchEgoBoundariesWide(markings: LaneMarking[], association: LaneAssociation, leftId: string | undefined, rightId: string | undefined, view: LocalMapView): void {
    const used = new Set(association.matches.filter((c): c is MarkingComparison => c !== undefined).map((c) => c.boundary.feature.id));
    const { left, right } = egoMarkingIndices(markings);
    const shift = Number.isFinite(association.commonShift) ? association.commonShift : 0;
    for (const [index, boundaryId] of [[left, leftId], [right, rightId]] as const) {
      if (index === undefined || !boundaryId || association.matches[index] || used.has(boundaryId)) continue;
      const boundary = view.boundaries.find((b) => b.feature.id === boundaryId);
      if (!boundary) continue;
      const c = compareMarking(markings[index]!, boundary, this.#laneOptions);
      if (c && Math.abs(c.meanOffset - shift) <= this.#wideGate) association.matches[index] = c;
    }
  }

  #fuseCrosswalks(detected: Crosswalk[], view: LocalMapView | undefined, pose: PlanarPose | undefined, camera: CameraView | undefined): { messages: Crosswalk[]; shapes: Point2[][]; visible: boolean[] } {
    const messages: Crosswalk[] = [];
    const shapes: Point2[][] = [];
    const visible: boolean[] = [];
    const detectedShapes = detected.map((c) => c.polygon.points.map((p) => ({ x: p.x, y: p.y })));
    const push = (msg: Crosswalk, shape: Point2[], isVisible: boolean) => {
      messages.push(msg);
      shapes.push(shape);
      visible.push(isVisible);
    };
    if (!view || !pose) {
      detected.forEach((c, i) => push({ ...c, map_status: CrosswalkMsg.MAP_STATUS_NOT_CHECKED, map_id: "", occupancy: CrosswalkMsg.OCCUPANCY_UNKNOWN, pedestrian_ids: new Uint32Array() }, detectedShapes[i]!, true));
      return { messages, shapes, visible };
    }
    const ahead = view.crosswalks.filter((c) => Math.max(...c.base.map((p) => p.x)) > 0 && Math.min(...c.base.map((p) => p.x)) < this.#view.ahead);
    const matching = matchCrosswalks(detectedShapes, ahead.map((c) => c.base), this.#matchOptions);
    for (const [di, mi] of matching.pairs) {
      const mapped = ahead[mi]!;
      push({ ...detected[di]!, id: this.#mappedId(mapped.feature.id), map_status: CrosswalkMsg.MAP_STATUS_CONFIRMED, map_id: mapped.feature.id, occupancy: CrosswalkMsg.OCCUPANCY_UNKNOWN, pedestrian_ids: new Uint32Array() }, detectedShapes[di]!, true);
      this.#consistency.observeMappedCrosswalk(mapped.feature.id, true, mapped.centroidMap);
    }
    const unmappedSeen: Point2[] = [];
    for (const di of matching.unmatchedDetections) {
      push({ ...detected[di]!, map_status: CrosswalkMsg.MAP_STATUS_UNMAPPED, map_id: "", occupancy: CrosswalkMsg.OCCUPANCY_UNKNOWN, pedestrian_ids: new Uint32Array() }, detectedShapes[di]!, true);
      const centroid = baseToMap(pose, polygonCentroid(detectedShapes[di]!));
      unmappedSeen.push(centroid);
      this.#consistency.observeUnmappedCrosswalk(centroid);
    }
    for (const mi of matching.unmatchedMapped) {
      const mapped = ahead[mi]!;
      const vis = polygonVisibility(mapped.base, camera, this.#visibility);
      const xs = mapped.base.map((p) => p.x);
      push({
        id: this.#mappedId(mapped.feature.id),
        polygon: { points: mapped.base.map((p) => ({ x: p.x, y: p.y, z: 0 })) },
        image_polygon: { points: [] },
        distance_ahead: Math.max(0, Math.min(...xs)),
        distance_ahead_std: NaN,
        confidence: 0,
        map_status: vis.visible ? CrosswalkMsg.MAP_STATUS_NOT_SEEN : CrosswalkMsg.MAP_STATUS_NOT_CHECKED,
        map_id: mapped.feature.id,
        occupancy: CrosswalkMsg.OCCUPANCY_UNKNOWN,
        pedestrian_ids: new Uint32Array(),
      }, mapped.base, vis.visible);
      if (vis.visible && vis.calibrated) this.#consistency.observeMappedCrosswalk(mapped.feature.id, false, mapped.centroidMap);
    }
    // Unmapped candidates that are in view but not seen this frame count against themselves.
    if (camera) {
      const r = this.#consistency.options.unmappedClusterRadius;
      for (const cand of this.#consistency.unmappedCandidates()) {
        if (unmappedSeen.some((p) => Math.hypot(p.x - cand.position.x, p.y - cand.position.y) <= r)) continue;
        if (groundPointVisible(mapToBase(pose, cand.position), camera, this.#visibility)) this.#consistency.observeUnmappedAbsent(cand.key);
      }
    }
    return { messages, shapes, visible };
  }

  #mappedId(mapId: string): number {
    let id = this.#mappedCrosswalkIds.get(mapId);
    if (id === undefined) {
      id = MAPPED_CROSSWALK_ID_BASE + this.#mappedCrosswalkIds.size;
      this.#mappedCrosswalkIds.set(mapId, id);
    }
    return id;
  }

  #corridor(egoLaneId: string | undefined, markings: LaneMarking[], pose: PlanarPose | undefined): EgoCorridor | undefined {
    if (pose && this.#map && this.#corridors && egoLaneId) {
      const lane = this.#map.lanes.get(egoLaneId);
      if (lane) return this.#corridors.corridor(lane);
    }
    const { left, right } = egoMarkingIndices(markings);
    return corridorFromMarkings(left === undefined ? undefined : markings[left], right === undefined ? undefined : markings[right]);
  }

  #trackPedestrians(detections: Pedestrian[], timeSec: number, pose: PlanarPose | undefined, corridor: EgoCorridor | undefined, crosswalkShapes: Point2[][]): { msg: Pedestrian; crosswalkIndex: number | undefined }[] {
    this.#switchTrackFrame(pose ? "map" : "base_link", pose);
    const measurements = detections.map((d) => {
      const p = { x: d.position.x, y: d.position.y };
      return pose
        ? { position: baseToMap(pose, p), covariance: rotateCovariance(d.position_covariance, pose.yaw), payload: d }
        : { position: p, covariance: d.position_covariance, payload: d };
    });
    const tracks = this.#tracker.step(timeSec, measurements);
    const out: { msg: Pedestrian; crosswalkIndex: number | undefined }[] = [];
    const egoS = corridor ? arcLengthOn(corridor, corridor.frame === "map" && pose ? { x: pose.x, y: pose.y } : { x: 0, y: 0 }) : NaN;
    const coastLimit = this.#coastLimit;
    for (const t of tracks) {
      if (!t.confirmed) continue;
      const s = t.filter.state;
      const inFrame = { x: s[0]!, y: s[1]! };
      const vInFrame = { x: s[2]!, y: s[3]! };
      const base = pose ? mapToBase(pose, inFrame) : inFrame;
      const vBase = pose ? rotateVector(vInFrame, -pose.yaw) : vInFrame;
      const posCov = pose ? rotateCovariance(t.filter.positionCovariance(), -pose.yaw) : t.filter.positionCovariance();
      const velCov = pose ? rotateCovariance(t.filter.velocityCovariance(), -pose.yaw) : t.filter.velocityCovariance();
      const rel = relateToCrosswalks(base, vBase, crosswalkShapes, pose !== undefined, this.#relationOptions);
      const corridorRel = corridor
        ? corridor.frame === "map" && pose
          ? relateToCorridor(corridor, egoS, inFrame, vInFrame)
          : relateToCorridor(corridor, egoS, base, vBase)
        : undefined;
      const age = timeSec - t.lastUpdateSec;
      const last = t.payload;
      out.push({
        crosswalkIndex: rel?.index,
        msg: {
          track_id: t.id,
          confidence: t.updated ? last.confidence : last.confidence * Math.max(0, 1 - age / coastLimit),
          image_box: { ...last.image_box },
          position: { x: base.x, y: base.y, z: 0 },
          position_covariance: Float64Array.from(posCov),
          velocity: { x: vBase.x, y: vBase.y, z: 0 },
          velocity_covariance: Float64Array.from(velCov),
          range: Math.hypot(base.x, base.y),
          foot_truncated: last.foot_truncated,
          crosswalk_id: "",
          crosswalk_relation: rel?.relation ?? PedestrianMsg.CROSSWALK_RELATION_NONE,
          in_ego_corridor: corridorRel?.inside ?? false,
          distance_along_path: corridorRel?.distanceAlong ?? NaN,
          time_to_enter_path: corridorRel?.timeToEnter ?? NaN,
        },
      });
    }
    return out;
  }

  /** Re-expresses the tracks when the tracking frame changes (pose lost or regained). */
  #switchTrackFrame(wanted: TrackFrame, pose: PlanarPose | undefined): void {
    if (wanted === this.#trackFrame) {
      if (pose) this.#lastValidPose = pose;
      return;
    }
    if (wanted === "base_link" && this.#lastValidPose) {
      const p = this.#lastValidPose;
      const t = rotateVector({ x: -p.x, y: -p.y }, -p.yaw);
      this.#tracker.changeFrame(-p.yaw, t.x, t.y);
    } else if (wanted === "map" && pose) {
      this.#tracker.changeFrame(pose.yaw, pose.x, pose.y);
    } else {
      this.#tracker.reset();
    }
    this.#trackFrame = wanted;
    if (pose) this.#lastValidPose = pose;
  }
}

/** The indices of the ego-left and ego-right markings: by their position field, else the nearest on each side. */
export function egoMarkingIndices(markings: readonly LaneMarking[]): { left: number | undefined; right: number | undefined } {
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

function markingTypeName(type: number): string | undefined {
  switch (type) {
    case LaneMarkingMsg.TYPE_SOLID: return "solid";
    case LaneMarkingMsg.TYPE_DASHED: return "dashed";
    case LaneMarkingMsg.TYPE_DOUBLE_SOLID: return "double_solid";
    case LaneMarkingMsg.TYPE_ROAD_EDGE: return "road_edge";
    default: return undefined;
  }
}
