import type { Point2 } from "../geometry/types.js";
import { Pedestrian as PedestrianMsg, type Pedestrian } from "../msgs/types.generated.js";
import { relateToCrosswalks, type CrosswalkRelationOptions } from "./crosswalk-relation.js";
import { arcLengthOn, relateToCorridor, type EgoCorridor } from "./ego-corridor.js";
import { MultiObjectTracker, type TrackerOptions } from "./pedestrian-tracker.js";
import {
  baseToMap,
  mapToBase,
  rotateCovariance,
  rotateVector,
  type PlanarPose,
} from "./planar-pose.js";

/** Options of the pedestrian stage. */
export interface PedestrianFusionOptions {
  /** The multi-object tracker. */
  tracker: TrackerOptions;
  /** On / heading to a crosswalk. */
  crosswalkRelation: CrosswalkRelationOptions;
  /** Least lateral speed towards the ego corridor that counts as heading into it, m/s. */
  corridorMinApproachSpeed: number;
}

/** A published pedestrian and the index of the crosswalk (in the list given) it is on or heading to. */
export interface FusedPedestrian {
  msg: Pedestrian;
  crosswalkIndex: number | undefined;
}

type TrackFrame = "map" | "base_link";

/**
 * Pedestrians: tracks detections (in `map` with a valid pose, else in `base_link`, re-expressing
 * the tracks when that changes), and relates each confirmed track to the crosswalks and the ego
 * corridor.
 */
export class PedestrianFusion {
  readonly #tracker: MultiObjectTracker<Pedestrian>;
  readonly #coastLimit: number;
  readonly #relation: CrosswalkRelationOptions;
  readonly #corridorMinApproachSpeed: number;
  #frame: TrackFrame = "base_link";
  #lastValidPose: PlanarPose | undefined;

  constructor(options: PedestrianFusionOptions) {
    this.#tracker = new MultiObjectTracker<Pedestrian>(options.tracker);
    this.#coastLimit = options.tracker.maxCoastSec;
    this.#relation = options.crosswalkRelation;
    this.#corridorMinApproachSpeed = options.corridorMinApproachSpeed;
  }

  /** Drops every track (time went backwards). */
  reset(): void {
    this.#tracker.reset();
    this.#lastValidPose = undefined;
  }

  fuse(
    detections: readonly Pedestrian[],
    timeSec: number,
    pose: PlanarPose | undefined,
    corridor: EgoCorridor | undefined,
    crosswalkShapes: readonly Point2[][],
  ): FusedPedestrian[] {
    this.#switchFrame(pose ? "map" : "base_link", pose);
    const measurements = detections.map((d) => {
      const p = { x: d.position.x, y: d.position.y };
      return pose
        ? {
            position: baseToMap(pose, p),
            covariance: rotateCovariance(d.position_covariance, pose.yaw),
            payload: d,
          }
        : { position: p, covariance: d.position_covariance, payload: d };
    });
    const tracks = this.#tracker.step(timeSec, measurements);
    const egoS = corridor
      ? arcLengthOn(
          corridor,
          corridor.frame === "map" && pose ? { x: pose.x, y: pose.y } : { x: 0, y: 0 },
        )
      : NaN;
    const out: FusedPedestrian[] = [];
    for (const t of tracks) {
      if (!t.confirmed) continue;
      const s = t.filter.state;
      const inFrame = { x: s[0]!, y: s[1]! };
      const vInFrame = { x: s[2]!, y: s[3]! };
      const base = pose ? mapToBase(pose, inFrame) : inFrame;
      const vBase = pose ? rotateVector(vInFrame, -pose.yaw) : vInFrame;
      const posCov = pose
        ? rotateCovariance(t.filter.positionCovariance(), -pose.yaw)
        : t.filter.positionCovariance();
      const velCov = pose
        ? rotateCovariance(t.filter.velocityCovariance(), -pose.yaw)
        : t.filter.velocityCovariance();
      const rel = relateToCrosswalks(
        base,
        vBase,
        crosswalkShapes,
        pose !== undefined,
        this.#relation,
      );
      const corridorRel = corridor
        ? corridor.frame === "map" && pose
          ? relateToCorridor(corridor, egoS, inFrame, vInFrame, this.#corridorMinApproachSpeed)
          : relateToCorridor(corridor, egoS, base, vBase, this.#corridorMinApproachSpeed)
        : undefined;
      const age = timeSec - t.lastUpdateSec;
      const last = t.payload;
      out.push({
        crosswalkIndex: rel?.index,
        msg: {
          track_id: t.id,
          confidence: t.updated
            ? last.confidence
            : last.confidence * Math.max(0, 1 - age / this.#coastLimit),
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
  #switchFrame(wanted: TrackFrame, pose: PlanarPose | undefined): void {
    if (wanted !== this.#frame) {
      if (wanted === "base_link" && this.#lastValidPose) {
        const p = this.#lastValidPose;
        const t = rotateVector({ x: -p.x, y: -p.y }, -p.yaw);
        this.#tracker.changeFrame(-p.yaw, t.x, t.y);
      } else if (wanted === "map" && pose) {
        this.#tracker.changeFrame(pose.yaw, pose.x, pose.y);
      } else {
        this.#tracker.reset();
      }
      this.#frame = wanted;
    }
    if (pose) this.#lastValidPose = pose;
  }
}
