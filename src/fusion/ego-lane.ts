import type { Point2 } from "../geometry/types.js";
import type { HdMap, Lane } from "../map/types.js";
import type { EgoLaneState } from "../msgs/types.generated.js";
import { baseToMap, wrapAngle, type PlanarPose } from "./planar-pose.js";
import { pointAtArcLength } from "../geometry/polyline.js";
import { cumulativeLengths, distanceToPolylineOf, projectOnPolyline } from "./polyline.js";

/** Tuning of the ego lane estimate. */
export interface EgoLaneOptions {
  /** One standard deviation of the pose's lateral error, metres (weighs the camera's correction against the pose). */
  poseLateralStd: number;
  /** Slack on a lane's half width when deciding that the vehicle is in it, metres. */
  containmentSlack: number;
  /** Half width assumed on a side of a lane whose boundary the map lacks (or has as a single point), metres. */
  nominalHalfWidth: number;
}

/** The camera's lateral correction of the pose for this frame. */
export interface CameraCorrection {
  /** Lateral shift of the markings relative to the map (camera minus map, base_link y), metres; NaN when unknown. */
  shift: number;
  /** Standard deviation of `shift`, metres. */
  std: number;
  /** RMS residual of the matched markings after removing the shift, metres. */
  residual: number;
  /** Whether any marking matched a map boundary this frame. */
  matched: boolean;
}

/** The ego lane found for one frame. */
export interface EgoLaneEstimate {
  /** The message (valid only with a map, a pose and at least one matched marking). */
  state: EgoLaneState;
  /** The lane containing the (camera-corrected) vehicle position, even when `state` is not valid. */
  lane: Lane | undefined;
}

/** An EgoLaneState that says "not known". */
export function invalidEgoLane(): EgoLaneState {
  return {
    valid: false,
    lane_id: "",
    lateral_offset: NaN,
    lateral_offset_std: NaN,
    heading_error: NaN,
    localization_residual: NaN,
    lateral_correction: NaN,
  };
}

/**
 * Finds the lane the vehicle is in: the pose, shifted laterally by the camera's correction
 * (inverse-variance weighted against the pose), projected on the nearby lanes' centerlines; the
 * lane whose boundaries contain it, heading the same way as the vehicle, wins.
 */
export function estimateEgoLane(
  map: HdMap,
  lanes: readonly Lane[],
  pose: PlanarPose,
  correction: CameraCorrection,
  o: EgoLaneOptions,
): EgoLaneEstimate {
  const cameraOk = Number.isFinite(correction.shift) && Number.isFinite(correction.std);
  const shiftVar = cameraOk ? Math.max(correction.std, 0.01) ** 2 : Infinity;
  const poseVar = o.poseLateralStd ** 2;
  const gain = cameraOk ? poseVar / (poseVar + shiftVar) : 0;
  const appliedShift = cameraOk ? gain * correction.shift : 0;
  const fusedStd = cameraOk
    ? Math.sqrt((poseVar * shiftVar) / (poseVar + shiftVar))
    : o.poseLateralStd;
  const position = baseToMap(pose, { x: 0, y: -appliedShift });
  const found = laneContaining(map, lanes, position, pose.yaw, o);
  if (!found || !cameraOk || !correction.matched)
    return { state: invalidEgoLane(), lane: found?.lane };
  return {
    lane: found.lane,
    state: {
      valid: true,
      lane_id: found.lane.id,
      lateral_offset: found.lateral,
      lateral_offset_std: fusedStd,
      heading_error: wrapAngle(pose.yaw - found.heading),
      localization_residual: correction.residual,
      lateral_correction: -correction.shift,
    },
  };
}

interface LaneHit {
  lane: Lane;
  lateral: number;
  heading: number;
  score: number;
}

/** Per lane: centreline arc lengths and its bounding box grown by a lane width (cheap rejection). */
const laneGeometry = new WeakMap<
  Lane,
  { cumulative: Float64Array; minX: number; minY: number; maxX: number; maxY: number }
>();

function geometryOf(lane: Lane) {
  let g = laneGeometry.get(lane);
  if (!g) {
    const margin = 6;
    g = {
      cumulative: cumulativeLengths(lane.centerline),
      minX: Infinity,
      minY: Infinity,
      maxX: -Infinity,
      maxY: -Infinity,
    };
    for (const q of lane.centerline) {
      g.minX = Math.min(g.minX, q.x - margin);
      g.minY = Math.min(g.minY, q.y - margin);
      g.maxX = Math.max(g.maxX, q.x + margin);
      g.maxY = Math.max(g.maxY, q.y + margin);
    }
    laneGeometry.set(lane, g);
  }
  return g;
}

/**
 * The lane whose boundaries contain a map point, travelled in the direction `yaw`, within
 * `containmentSlack` of its half widths (`nominalHalfWidth` on a side without a mapped boundary).
 */
export function laneContaining(
  map: HdMap,
  lanes: readonly Lane[],
  p: Point2,
  yaw: number,
  o: Pick<EgoLaneOptions, "containmentSlack" | "nominalHalfWidth">,
): LaneHit | undefined {
  const slack = o.containmentSlack;
  let best: LaneHit | undefined;
  for (const lane of lanes) {
    if (lane.centerline.length < 2) continue;
    const g = geometryOf(lane);
    if (p.x < g.minX || p.x > g.maxX || p.y < g.minY || p.y > g.maxY) continue;
    const cum = g.cumulative;
    const proj = projectOnPolyline(lane.centerline, p);
    if (!proj) continue;
    const length = cum[cum.length - 1]!;
    if (proj.s < -0.5 || proj.s > length + 0.5) continue;
    if (Math.abs(wrapAngle(yaw - proj.heading)) > Math.PI / 2) continue;
    const centre = pointAtArcLength(lane.centerline, Math.min(Math.max(proj.s, 0), length)).point;
    const left = map.laneBoundaries.get(lane.leftBoundaryId);
    const right = map.laneBoundaries.get(lane.rightBoundaryId);
    const halfLeft =
      left && left.points.length >= 2
        ? distanceToPolylineOf(left.points, centre)
        : o.nominalHalfWidth;
    const halfRight =
      right && right.points.length >= 2
        ? distanceToPolylineOf(right.points, centre)
        : o.nominalHalfWidth;
    if (proj.lateral > halfLeft + slack || proj.lateral < -halfRight - slack) continue;
    // Normalised distance from the centre (0 on it, 1 on a boundary); lanes that hold the point only
    // through the end slack (segment joins) lose to the lane that holds it along its length.
    const beyondEnds = Math.max(0, -proj.s, proj.s - length);
    const score =
      (proj.lateral >= 0
        ? proj.lateral / Math.max(halfLeft, 0.1)
        : -proj.lateral / Math.max(halfRight, 0.1)) +
      10 * beyondEnds;
    if (!best || score < best.score)
      best = { lane, lateral: proj.lateral, heading: proj.heading, score };
  }
  return best;
}
