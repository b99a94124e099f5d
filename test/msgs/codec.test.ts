import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { codecFor, codecFromSchema } from "../../src/msgs/codec.js";
import { messageRegistry } from "../../src/msgs/registry.js";
import type {
  CameraInfo,
  Image,
  LaneMarking,
  PerceptionFrame,
  TFMessage,
} from "../../src/msgs/types.generated.js";
import { LaneMarking as LaneMarkingConst } from "../../src/msgs/types.generated.js";

const header = { stamp: { sec: 1_700_000_000, nanosec: 123_456_789 }, frame_id: "base_link" };

function marking(): LaneMarking {
  return {
    id: 7,
    position: LaneMarkingConst.POSITION_EGO_LEFT,
    type: LaneMarkingConst.TYPE_DASHED,
    type_confidence: 0.75,
    color: LaneMarkingConst.COLOR_WHITE,
    color_confidence: 0.5,
    confidence: 0.875,
    poly_coefficients: Float64Array.of(1.75, 0.01, -0.0005, 0.000001),
    poly_coefficients_std: Float64Array.of(0.05, 0.001, 0.0001, 0.00001),
    x_min: 3,
    x_max: 40,
    lateral_offset: 1.75,
    lateral_offset_std: 0.046875,
    heading: 0.0078125,
    points: [
      { x: 5, y: 1.8, z: 0 },
      { x: 10, y: 1.85, z: 0 },
    ],
    points_std: Float32Array.of(0.05, 0.0625),
    map_id: "lb_12",
    map_match_distance: 0.125,
  };
}

describe("MessageCodec", () => {
  it("round-trips the project's PerceptionFrame with nested arrays, typed arrays and strings", () => {
    const codec = codecFor<PerceptionFrame>("edge_perception_msgs/msg/PerceptionFrame");
    const frame = codec.decode(
      codec.encode({
        header,
        lanes: [marking()],
        crosswalks: [],
        pedestrians: [],
        ego_lane: {
          valid: true,
          lane_id: "lane_3",
          lateral_offset: 0.25,
          lateral_offset_std: 0.0625,
          heading_error: 0.5,
          localization_residual: 0.125,
          lateral_correction: -0.25,
        },
        pose: { position: { x: 1, y: 2, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
        pose_valid: true,
        status: "",
        map_consistency_score: 1,
        disagreements: [],
        latencies: [{ stage: "fusion", duration_ms: 0.5 }],
        pipeline_latency_ms: 42.5,
      }),
    );
    expect(frame.header).toEqual(header);
    expect(frame.lanes[0]).toEqual(marking());
    expect(frame.ego_lane.lane_id).toBe("lane_3");
    expect(frame.latencies).toEqual([{ stage: "fusion", duration_ms: 0.5 }]);
    expect(frame.pipeline_latency_ms).toBe(42.5);
  });

  it("round-trips sensor_msgs/Image bytes exactly and reuses its scratch buffer", () => {
    const codec = codecFor<Image>("sensor_msgs/msg/Image");
    const data = new Uint8Array(64 * 48 * 3).map((_, i) => (i * 31) & 0xff);
    const img: Image = {
      header,
      height: 48,
      width: 64,
      encoding: "rgb8",
      is_bigendian: 0,
      step: 192,
      data,
    };
    const a = codec.encodeReused(img);
    const decoded = codec.decode(a);
    expect(decoded.data).toEqual(data);
    expect(decoded.step).toBe(192);
    const b = codec.encodeReused(img);
    expect(b.buffer).toBe(a.buffer);
    expect(codec.encode(img)).toEqual(b);
  });

  it("encodes CameraInfo and TFMessage as standard Jazzy types", () => {
    const info = codecFor<CameraInfo>("sensor_msgs/CameraInfo");
    const msg: CameraInfo = {
      header,
      height: 720,
      width: 1280,
      distortion_model: "plumb_bob",
      d: Float64Array.of(-0.1, 0.01, 0, 0, 0),
      k: Float64Array.of(1000, 0, 640, 0, 1000, 360, 0, 0, 1),
      r: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
      p: Float64Array.of(1000, 0, 640, 0, 0, 1000, 360, 0, 0, 0, 1, 0),
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    };
    expect(info.decode(info.encode(msg))).toEqual(msg);
    const tf = codecFor<TFMessage>("tf2_msgs/msg/TFMessage");
    const t: TFMessage = {
      transforms: [
        {
          header,
          child_frame_id: "camera_front_optical_frame",
          transform: {
            translation: { x: 1.7, y: 0, z: 1.5 },
            rotation: { x: -0.5, y: 0.5, z: -0.5, w: 0.5 },
          },
        },
      ],
    };
    expect(tf.decode(tf.encode(t))).toEqual(t);
  });

  it("decodes with a bag's schema text the same as with the registry", () => {
    const reg = messageRegistry();
    const fromSchema = codecFromSchema<PerceptionFrame>(
      "edge_perception_msgs/msg/PedestrianArray",
      reg.schemaText("edge_perception_msgs/PedestrianArray"),
    );
    const codec = codecFor("edge_perception_msgs/PedestrianArray");
    const msg = {
      header,
      pedestrians: [
        {
          track_id: 4,
          confidence: 0.5,
          image_box: { x_offset: 10, y_offset: 20, height: 30, width: 12, do_rectify: false },
          position: { x: 12, y: -1, z: 0 },
          position_covariance: Float64Array.of(0.25, 0, 0, 0.0625),
          velocity: { x: 0, y: 1.25, z: 0 },
          velocity_covariance: Float64Array.of(0.5, 0, 0, 0.5),
          range: 12.5,
          foot_truncated: false,
          crosswalk_id: "cw_1",
          crosswalk_relation: 1,
          in_ego_corridor: false,
          distance_along_path: 12,
          time_to_enter_path: 1.5,
        },
      ],
      status: "",
      latencies: [
        { stage: "pedestrian_model", duration_ms: 12.5 },
        { stage: "pedestrian_detector", duration_ms: 20.25 },
      ],
      pipeline_latency_ms: 40.5,
    };
    expect(fromSchema.decode(codec.encode(msg))).toEqual(msg);
  });

  it("rejects malformed CDR with a cdr error naming the type", () => {
    const codec = codecFor<Image>("sensor_msgs/Image");
    const good = codec.encode({
      header,
      height: 2,
      width: 2,
      encoding: "mono8",
      is_bigendian: 0,
      step: 2,
      data: new Uint8Array(4),
    });
    const truncated = good.subarray(0, 20);
    expect(() => codec.decode(truncated)).toThrow(PerceptionError);
    expect(() => codec.decode(truncated)).toThrow(/malformed CDR for sensor_msgs\/Image/);
    expect(() => codec.decode(new Uint8Array([0, 1]))).toThrow(
      /shorter than the 4-byte encapsulation header/,
    );
    const badHeader = good.slice();
    badHeader[0] = 0x7f;
    expect(() => codec.decode(badHeader)).toThrow(/unknown encapsulation kind 0x7f/);
  });

  it("names unknown types", () => {
    expect(() => codecFor("no_such_msgs/msg/Thing")).toThrow(
      /unknown message type no_such_msgs\/Thing/,
    );
    expect(() => codecFor("not a type")).toThrow(/not a ROS 2 message type name/);
  });
});
