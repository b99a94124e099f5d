import type { FeatureCollection, Point } from "geojson";
import { PerceptionError } from "../core/errors.js";
import type { MonotonicClock } from "../core/monotonic-clock.js";
import { compareTime, diffSec, timeToSec, type Time } from "../core/time.js";
import type { HdMap } from "../map/types.js";
import {
  Pedestrian as PedestrianMsg,
  type CrosswalkArray,
  type LaneMarking,
  type LaneMarkingArray,
  type MapDisagreement,
  type PedestrianArray,
  type PerceptionFrame,
  type StageLatency,
} from "../msgs/types.generated.js";
import type { CameraView, PoseResult } from "./contracts.js";
import { CrosswalkFusion } from "./crosswalk-fusion.js";
import { crosswalkOccupancy, type CrosswalkRelationOptions } from "./crosswalk-relation.js";
import type { CrosswalkMatchOptions } from "./crosswalk-matching.js";
import { disagreementsToGeoJson } from "./disagreements-geojson.js";
import {
  MapCorridorCache,
  corridorFromMarkings,
  type EgoCorridor,
  type EgoCorridorOptions,
} from "./ego-corridor.js";
import type { EgoLaneOptions } from "./ego-lane.js";
import {
  crosswalkProblem,
  markingProblem,
  pedestrianProblem,
  RejectionCounter,
} from "./input-guard.js";
import type { LaneAssociationOptions } from "./lane-association.js";
import { egoMarkingIndices, LaneFusion } from "./lane-fusion.js";
import type { LateralCorrectionFilterOptions } from "./lateral-correction-filter.js";
import { buildLocalMapView, type ViewRegion } from "./local-map-view.js";
import { MapConsistencyMonitor, type MapConsistencyOptions } from "./map-consistency.js";
import { PedestrianFusion, type FusedPedestrian } from "./pedestrian-fusion.js";
import type { TrackerOptions } from "./pedestrian-tracker.js";
import type { PlanarPose } from "./planar-pose.js";
import { PoseGate, type PoseGateOptions } from "./pose-gate.js";
import type { VisibilityOptions } from "./visibility.js";
import type { Untimed } from "../msgs/detector-arrays.js";

/** One camera frame's worth of inputs. */
export interface FusionInput {
  /** The camera frame's stamp (becomes the output's header stamp). */
  stamp: Time;
  /** The vehicle pose at `stamp`, or why there is none. */
  pose: PoseResult;
  /** Lane markings in base_link. */
  lanes?: Untimed<LaneMarkingArray>;
  /** Detected crosswalks in base_link. */
  crosswalks?: Untimed<CrosswalkArray>;
  /** Untracked pedestrian detections (track_id 0) with ground positions in base_link. */
  pedestrians?: Untimed<PedestrianArray>;
  /** Camera geometry (visible ground region); without it visibility is judged from a nominal field of view. */
  geometry?: CameraView;
  /** Latencies of the stages before fusion, copied into the frame. */
  latencies?: StageLatency[];
}

/**
 * The tuning of every fusion stage. No value has a default in code: the map_fusion node builds it
 * from its parameters (config/map_fusion.param.yaml, src/nodes/map-fusion-tuning.ts).
 */
export interface FusionTuning {
  /** The ground region around the vehicle the map is queried for, base_link metres (`view.ahead` also bounds the crosswalks in the frame). */
  view: ViewRegion;
  /** Marking-to-boundary association. */
  laneAssociation: LaneAssociationOptions;
  /** Ego lane estimate (pose vs camera weighting, containment). */
  egoLane: EgoLaneOptions;
  /** Largest |offset - common shift| for an ego marking to be compared with its ego lane's boundary when the normal gate failed (big map shifts), metres. */
  egoBoundaryWideGate: number;
  /** Least type_confidence for a marking's type to count as evidence against the map. */
  minTypeConfidence: number;
  /** Least visible extent (x_max - x_min) of a marking for its offset or type to count as evidence against the map, metres. */
  minEvidenceExtent: number;
  /** Filtering of the camera's lateral correction over time. */
  lateralCorrection: LateralCorrectionFilterOptions;
  /** The ego corridor pedestrians are related to (map lanes or detected ego markings). */
  corridor: EgoCorridorOptions;
  /** Pedestrian tracker. */
  tracker: TrackerOptions;
  /** Detected-to-mapped crosswalk matching. */
  crosswalkMatch: CrosswalkMatchOptions;
  /** What the camera should see. */
  visibility: VisibilityOptions;
  /** A mapped crosswalk is checkable only when its stripes run within this angle of the line of sight, radians. */
  maxStripeAngle: number;
  /** Pedestrians on / heading to crosswalks. */
  crosswalkRelation: CrosswalkRelationOptions;
  /** Least lateral speed towards the ego corridor that counts as heading into it (time_to_enter_path), m/s. */
  corridorMinApproachSpeed: number;
  /** Map consistency evidence. */
  consistency: MapConsistencyOptions;
  /** Pose plausibility (jumps). */
  poseGate: PoseGateOptions;
}

/** Options of the fusion engine: the map, the clock and the tuning of every stage. */
export interface FusionEngineOptions extends FusionTuning {
  /** The HD map; undefined: outputs are vehicle-frame only and map fields NaN/empty. */
  map: HdMap | undefined;
  /** The clock timing the fusion stage (the run's: the node handle's `wallClock`). */
  clock: MonotonicClock;
}

/**
 * Fuses one camera frame's detections with the HD map and the pose into the PerceptionFrame that
 * planning consumes (header.frame_id base_link, stamp = the camera stamp). Keeps state across
 * frames (pedestrian tracks, the lateral correction, map-consistency evidence, the last pose);
 * the stages live in lane-fusion.ts, crosswalk-fusion.ts and pedestrian-fusion.ts.
 */
export class FusionEngine {
  readonly #map: HdMap | undefined;
  readonly #view: ViewRegion;
  readonly #consistency: MapConsistencyMonitor;
  readonly #poseGate: PoseGate;
  readonly #lanes: LaneFusion;
  readonly #crosswalks: CrosswalkFusion;
  readonly #pedestrians: PedestrianFusion;
  readonly #corridors: MapCorridorCache | undefined;
  readonly #corridorOptions: EgoCorridorOptions;
  readonly #rejections = new RejectionCounter();
  readonly #clock: MonotonicClock;
  #lastStamp: Time | undefined;
  #timeResets = 0;

  constructor(options: FusionEngineOptions) {
    this.#map = options.map;
    this.#clock = options.clock;
    this.#view = { ...options.view };
    this.#consistency = new MapConsistencyMonitor(options.consistency);
    this.#poseGate = new PoseGate(options.poseGate);
    this.#lanes = new LaneFusion(
      options.map,
      {
        association: options.laneAssociation,
        egoLane: options.egoLane,
        egoBoundaryWideGate: options.egoBoundaryWideGate,
        minTypeConfidence: options.minTypeConfidence,
        minEvidenceExtent: options.minEvidenceExtent,
        lateralCorrection: options.lateralCorrection,
      },
      this.#consistency,
    );
    this.#crosswalks = new CrosswalkFusion(
      {
        ahead: this.#view.ahead,
        match: options.crosswalkMatch,
        visibility: options.visibility,
        maxStripeAngle: options.maxStripeAngle,
      },
      this.#consistency,
    );
    this.#pedestrians = new PedestrianFusion({
      tracker: options.tracker,
      crosswalkRelation: options.crosswalkRelation,
      corridorMinApproachSpeed: options.corridorMinApproachSpeed,
    });
    this.#corridorOptions = options.corridor;
    this.#corridors = options.map ? new MapCorridorCache(options.map, options.corridor) : undefined;
  }

  /** Fuses one frame. Throws a `time` PerceptionError only for a stamp that is not a time at all. */
  update(input: FusionInput): PerceptionFrame {
    const started = this.#clock.nowMs();
    const notes: string[] = [];
    this.#rejections.beginFrame();
    if (!Number.isFinite(input.stamp.sec) || !Number.isFinite(input.stamp.nanosec)) {
      this.#rejections.count("frame(s): non-finite stamp");
      throw new PerceptionError("time", "fusion input stamp is not finite", {
        sec: input.stamp.sec,
        nanosec: input.stamp.nanosec,
      });
    }
    const timeSec = timeToSec(input.stamp);
    if (this.#lastStamp && compareTime(input.stamp, this.#lastStamp) < 0) {
      const back = diffSec(this.#lastStamp, input.stamp);
      this.#pedestrians.reset();
      this.#lanes.reset();
      this.#poseGate.reset();
      this.#timeResets++;
      this.#rejections.count("time jump(s) backwards");
      notes.push(`time went backwards by ${back.toFixed(3)} s: pedestrian tracks reset`);
    }
    this.#lastStamp = { ...input.stamp };

    const gated = this.#poseGate.check(input.pose, timeSec);
    if (gated.kind === "degraded") {
      notes.push(`${gated.reason}: vehicle-frame outputs only`);
      if (gated.counted) this.#rejections.count(gated.counted);
    }
    const pose = gated.kind === "valid" ? gated.pose : undefined;
    if (!this.#map) notes.push("no HD map: vehicle-frame outputs only");
    if (!input.geometry)
      notes.push(
        "no camera geometry: visibility from a nominal field of view, missing crosswalks not checked",
      );

    const markings = this.#clean(
      input.lanes,
      input.lanes?.markings,
      markingProblem,
      "lane marking array",
    );
    const detectedCrosswalks = this.#clean(
      input.crosswalks,
      input.crosswalks?.crosswalks,
      crosswalkProblem,
      "crosswalk array",
    );
    const detections = this.#clean(
      input.pedestrians,
      input.pedestrians?.pedestrians,
      pedestrianProblem,
      "pedestrian array",
    );

    const view = this.#map && pose ? buildLocalMapView(this.#map, pose, this.#view) : undefined;
    const lanes = this.#lanes.fuse(markings, view, pose, timeSec);
    const crosswalks = this.#crosswalks.fuse(detectedCrosswalks, view, pose, input.geometry);
    const corridor = this.#corridor(lanes.egoLaneId, markings, pose);
    if (!corridor) notes.push("no ego corridor (no ego lane in the map, no ego markings)");
    const pedestrians = this.#pedestrians.fuse(
      detections,
      timeSec,
      pose,
      corridor,
      crosswalks.shapes,
    );
    crosswalks.messages.forEach((cw, i) => {
      const on = pedestrians.filter(
        (p) =>
          p.crosswalkIndex === i &&
          p.msg.crosswalk_relation === PedestrianMsg.CROSSWALK_RELATION_ON,
      );
      const approaching = pedestrians.filter(
        (p) =>
          p.crosswalkIndex === i &&
          p.msg.crosswalk_relation === PedestrianMsg.CROSSWALK_RELATION_APPROACHING,
      );
      cw.occupancy = crosswalkOccupancy(crosswalks.visible[i]!, on.length, approaching.length);
      cw.pedestrian_ids = Uint32Array.from(on.map((p) => p.msg.track_id));
    });
    for (const p of pedestrians)
      if (p.crosswalkIndex !== undefined)
        p.msg.crosswalk_id = crosswalks.messages[p.crosswalkIndex]!.map_id;

    const score = view ? this.#consistency.endFrame() : NaN;
    const rejected = this.#rejections.frameSummary();
    if (rejected) notes.push(rejected);
    const latencies: StageLatency[] = [
      ...(input.latencies ?? []).map((l) => ({ ...l })),
      { stage: "fusion", duration_ms: this.#clock.nowMs() - started },
    ];
    return {
      header: { stamp: { ...input.stamp }, frame_id: "base_link" },
      lanes: lanes.messages,
      crosswalks: crosswalks.messages,
      pedestrians: pedestrians.map((p: FusedPedestrian) => p.msg),
      ego_lane: lanes.ego,
      pose:
        gated.kind === "valid"
          ? {
              position: { ...gated.mapFromBase.translation },
              orientation: { ...gated.mapFromBase.rotation },
            }
          : {
              position: { x: NaN, y: NaN, z: NaN },
              orientation: { x: NaN, y: NaN, z: NaN, w: NaN },
            },
      pose_valid: pose !== undefined,
      status: notes.join("; "),
      map_consistency_score: score,
      disagreements: pose && this.#map ? this.#consistency.disagreements() : [],
      latencies,
      pipeline_latency_ms: latencies.reduce(
        (a, l) => a + (Number.isFinite(l.duration_ms) ? l.duration_ms : 0),
        0,
      ),
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

  /** The array's items that can be used; the whole array is refused when it is not in base_link. */
  #clean<T>(
    array: { header: { frame_id: string } } | undefined,
    items: T[] | undefined,
    problem: (item: T) => string | undefined,
    what: string,
  ): T[] {
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

  /** The ego corridor: the map's ego lane and successors, else the detected ego markings. */
  #corridor(
    egoLaneId: string | undefined,
    markings: readonly LaneMarking[],
    pose: PlanarPose | undefined,
  ): EgoCorridor | undefined {
    if (pose && this.#map && this.#corridors && egoLaneId) {
      const lane = this.#map.lanes.get(egoLaneId);
      if (lane) return this.#corridors.corridor(lane);
    }
    const { left, right } = egoMarkingIndices(markings);
    return corridorFromMarkings(
      left === undefined ? undefined : markings[left],
      right === undefined ? undefined : markings[right],
      this.#corridorOptions,
    );
  }
}
