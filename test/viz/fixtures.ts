/** Small perception messages for the viz tests. */
import {
  Crosswalk,
  LaneMarking,
  type PerceptionFrame,
  type Pedestrian,
} from "../../src/msgs/types.generated.js";

export function lane(type: number, y: number, id = 0): LaneMarking {
  return {
    id,
    position: 0,
    type,
    type_confidence: 0.9,
    color: LaneMarking.COLOR_WHITE,
    color_confidence: 0.9,
    confidence: 0.8,
    poly_coefficients: Float64Array.from([y, 0, 0, 0]),
    poly_coefficients_std: new Float64Array(4),
    x_min: 5,
    x_max: 30,
    lateral_offset: y,
    lateral_offset_std: 0.1,
    heading: 0,
    points: [5, 10, 20, 30].map((x) => ({ x, y, z: 0 })),
    points_std: new Float32Array(4),
    map_id: "",
    map_match_distance: NaN,
  };
}

export function pedestrian(trackId: number, x: number, y: number, vx = 0, vy = 0): Pedestrian {
  return {
    track_id: trackId,
    confidence: 0.9,
    image_box: { x_offset: 100, y_offset: 40, width: 30, height: 80, do_rectify: false },
    position: { x, y, z: 0 },
    position_covariance: Float64Array.from([0.1, 0, 0, 0.1]),
    velocity: { x: vx, y: vy, z: 0 },
    velocity_covariance: new Float64Array(4),
    range: Math.hypot(x, y),
    foot_truncated: false,
    crosswalk_id: "",
    crosswalk_relation: 0,
    in_ego_corridor: Math.abs(y) < 1.5,
    distance_along_path: x,
    time_to_enter_path: -1,
  };
}

export function crosswalk(xNear: number): Crosswalk {
  const pts = [
    [xNear, -4],
    [xNear + 4, -4],
    [xNear + 4, 4],
    [xNear, 4],
  ].map(([x, y]) => ({ x: x!, y: y!, z: 0 }));
  return {
    id: 1,
    polygon: { points: pts },
    image_polygon: {
      points: [
        { x: 60, y: 120, z: 0 },
        { x: 260, y: 120, z: 0 },
        { x: 240, y: 100, z: 0 },
        { x: 80, y: 100, z: 0 },
      ],
    },
    distance_ahead: xNear,
    distance_ahead_std: 0.5,
    confidence: 0.8,
    map_status: Crosswalk.MAP_STATUS_CONFIRMED,
    map_id: "cw1",
    occupancy: 0,
    pedestrian_ids: new Uint32Array(0),
  };
}

export function frame(sec: number, overrides: Partial<PerceptionFrame> = {}): PerceptionFrame {
  return {
    header: { stamp: { sec, nanosec: 500 }, frame_id: "base_link" },
    lanes: [lane(LaneMarking.TYPE_SOLID, 1.8, 0), lane(LaneMarking.TYPE_DASHED, -1.8, 1)],
    crosswalks: [crosswalk(15)],
    pedestrians: [pedestrian(3, 12, 0.5, 0, 1.2), pedestrian(0, 20, 6)],
    ego_lane: {
      valid: false,
      lane_id: "",
      lateral_offset: NaN,
      lateral_offset_std: NaN,
      heading_error: NaN,
      localization_residual: NaN,
      lateral_correction: NaN,
    },
    pose: { position: { x: sec * 10, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    pose_valid: true,
    status: "",
    map_consistency_score: 1,
    disagreements: [],
    latencies: [],
    pipeline_latency_ms: 0,
    ...overrides,
  };
}
