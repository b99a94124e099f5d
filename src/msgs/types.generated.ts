// Generated from the ROS 2 message definitions by `npm run gen:types` (src/msgs/typegen.ts). Do not edit.
// test/msgs/typegen.test.ts fails when this file and the .msg files disagree.
/* eslint-disable */

/** builtin_interfaces/msg/Duration */
export interface Duration {
  sec: number;
  nanosec: number;
}

/** builtin_interfaces/msg/Time */
export interface Time {
  sec: number;
  nanosec: number;
}

/** diagnostic_msgs/msg/DiagnosticArray */
export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}

/** diagnostic_msgs/msg/DiagnosticStatus */
export interface DiagnosticStatus {
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}
/** Constants of diagnostic_msgs/msg/DiagnosticStatus. */
export const DiagnosticStatus = {
  OK: 0,
  WARN: 1,
  ERROR: 2,
  STALE: 3,
} as const;

/** diagnostic_msgs/msg/KeyValue */
export interface KeyValue {
  key: string;
  value: string;
}

/** edge_perception_msgs/msg/Crosswalk */
export interface Crosswalk {
  id: number;
  polygon: Polygon;
  image_polygon: Polygon;
  distance_ahead: number;
  distance_ahead_std: number;
  confidence: number;
  map_status: number;
  map_id: string;
  occupancy: number;
  pedestrian_ids: Uint32Array;
}
/** Constants of edge_perception_msgs/msg/Crosswalk. */
export const Crosswalk = {
  MAP_STATUS_NOT_CHECKED: 0,
  MAP_STATUS_CONFIRMED: 1,
  MAP_STATUS_UNMAPPED: 2,
  MAP_STATUS_NOT_SEEN: 3,
  OCCUPANCY_UNKNOWN: 0,
  OCCUPANCY_FREE: 1,
  OCCUPANCY_OCCUPIED: 2,
  OCCUPANCY_APPROACHED: 3,
} as const;

/** edge_perception_msgs/msg/CrosswalkArray */
export interface CrosswalkArray {
  header: Header;
  crosswalks: Crosswalk[];
  status: string;
  latencies: StageLatency[];
  pipeline_latency_ms: number;
}

/** edge_perception_msgs/msg/EgoLaneState */
export interface EgoLaneState {
  valid: boolean;
  lane_id: string;
  lateral_offset: number;
  lateral_offset_std: number;
  heading_error: number;
  localization_residual: number;
  lateral_correction: number;
}

/** edge_perception_msgs/msg/LaneMarking */
export interface LaneMarking {
  id: number;
  position: number;
  type: number;
  type_confidence: number;
  color: number;
  color_confidence: number;
  confidence: number;
  poly_coefficients: Float64Array;
  poly_coefficients_std: Float64Array;
  x_min: number;
  x_max: number;
  lateral_offset: number;
  lateral_offset_std: number;
  heading: number;
  points: Point[];
  points_std: Float32Array;
  map_id: string;
  map_match_distance: number;
}
/** Constants of edge_perception_msgs/msg/LaneMarking. */
export const LaneMarking = {
  POSITION_UNKNOWN: 0,
  POSITION_EGO_LEFT: 1,
  POSITION_EGO_RIGHT: 2,
  POSITION_NEXT_LEFT: 3,
  POSITION_NEXT_RIGHT: 4,
  POSITION_OTHER_LEFT: 5,
  POSITION_OTHER_RIGHT: 6,
  TYPE_UNKNOWN: 0,
  TYPE_SOLID: 1,
  TYPE_DASHED: 2,
  TYPE_DOUBLE_SOLID: 3,
  TYPE_ROAD_EDGE: 4,
  COLOR_UNKNOWN: 0,
  COLOR_WHITE: 1,
  COLOR_YELLOW: 2,
} as const;

/** edge_perception_msgs/msg/LaneMarkingArray */
export interface LaneMarkingArray {
  header: Header;
  markings: LaneMarking[];
  status: string;
  latencies: StageLatency[];
  pipeline_latency_ms: number;
}

/** edge_perception_msgs/msg/MapDisagreement */
export interface MapDisagreement {
  kind: number;
  map_id: string;
  description: string;
  position: Point;
  magnitude: number;
  evidence_frames: number;
  confidence: number;
}
/** Constants of edge_perception_msgs/msg/MapDisagreement. */
export const MapDisagreement = {
  KIND_LANE_BOUNDARY_SHIFTED: 1,
  KIND_LANE_BOUNDARY_TYPE: 2,
  KIND_CROSSWALK_UNMAPPED: 3,
  KIND_CROSSWALK_MISSING: 4,
} as const;

/** edge_perception_msgs/msg/Pedestrian */
export interface Pedestrian {
  track_id: number;
  confidence: number;
  image_box: RegionOfInterest;
  position: Point;
  position_covariance: Float64Array;
  velocity: Vector3;
  velocity_covariance: Float64Array;
  range: number;
  foot_truncated: boolean;
  crosswalk_id: string;
  crosswalk_relation: number;
  in_ego_corridor: boolean;
  distance_along_path: number;
  time_to_enter_path: number;
}
/** Constants of edge_perception_msgs/msg/Pedestrian. */
export const Pedestrian = {
  CROSSWALK_RELATION_NONE: 0,
  CROSSWALK_RELATION_ON: 1,
  CROSSWALK_RELATION_APPROACHING: 2,
} as const;

/** edge_perception_msgs/msg/PedestrianArray */
export interface PedestrianArray {
  header: Header;
  pedestrians: Pedestrian[];
  status: string;
  latencies: StageLatency[];
  pipeline_latency_ms: number;
}

/** edge_perception_msgs/msg/PerceptionFrame */
export interface PerceptionFrame {
  header: Header;
  lanes: LaneMarking[];
  crosswalks: Crosswalk[];
  pedestrians: Pedestrian[];
  ego_lane: EgoLaneState;
  pose: Pose;
  pose_valid: boolean;
  status: string;
  map_consistency_score: number;
  disagreements: MapDisagreement[];
  latencies: StageLatency[];
  pipeline_latency_ms: number;
}

/** edge_perception_msgs/msg/StageLatency */
export interface StageLatency {
  stage: string;
  duration_ms: number;
}

/** geometry_msgs/msg/Point */
export interface Point {
  x: number;
  y: number;
  z: number;
}

/** geometry_msgs/msg/Point32 */
export interface Point32 {
  x: number;
  y: number;
  z: number;
}

/** geometry_msgs/msg/Polygon */
export interface Polygon {
  points: Point32[];
}

/** geometry_msgs/msg/Pose */
export interface Pose {
  position: Point;
  orientation: Quaternion;
}

/** geometry_msgs/msg/PoseStamped */
export interface PoseStamped {
  header: Header;
  pose: Pose;
}

/** geometry_msgs/msg/PoseWithCovariance */
export interface PoseWithCovariance {
  pose: Pose;
  covariance: Float64Array;
}

/** geometry_msgs/msg/PoseWithCovarianceStamped */
export interface PoseWithCovarianceStamped {
  header: Header;
  pose: PoseWithCovariance;
}

/** geometry_msgs/msg/Quaternion */
export interface Quaternion {
  x: number;
  y: number;
  z: number;
  w: number;
}

/** geometry_msgs/msg/Transform */
export interface Transform {
  translation: Vector3;
  rotation: Quaternion;
}

/** geometry_msgs/msg/TransformStamped */
export interface TransformStamped {
  header: Header;
  child_frame_id: string;
  transform: Transform;
}

/** geometry_msgs/msg/Twist */
export interface Twist {
  linear: Vector3;
  angular: Vector3;
}

/** geometry_msgs/msg/TwistWithCovariance */
export interface TwistWithCovariance {
  twist: Twist;
  covariance: Float64Array;
}

/** geometry_msgs/msg/Vector3 */
export interface Vector3 {
  x: number;
  y: number;
  z: number;
}

/** nav_msgs/msg/Odometry */
export interface Odometry {
  header: Header;
  child_frame_id: string;
  pose: PoseWithCovariance;
  twist: TwistWithCovariance;
}

/** rosgraph_msgs/msg/Clock */
export interface Clock {
  clock: Time;
}

/** sensor_msgs/msg/CameraInfo */
export interface CameraInfo {
  header: Header;
  height: number;
  width: number;
  distortion_model: string;
  d: Float64Array;
  k: Float64Array;
  r: Float64Array;
  p: Float64Array;
  binning_x: number;
  binning_y: number;
  roi: RegionOfInterest;
}

/** sensor_msgs/msg/CompressedImage */
export interface CompressedImage {
  header: Header;
  format: string;
  data: Uint8Array;
}

/** sensor_msgs/msg/Image */
export interface Image {
  header: Header;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  step: number;
  data: Uint8Array;
}

/** sensor_msgs/msg/RegionOfInterest */
export interface RegionOfInterest {
  x_offset: number;
  y_offset: number;
  height: number;
  width: number;
  do_rectify: boolean;
}

/** std_msgs/msg/ColorRGBA */
export interface ColorRGBA {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** std_msgs/msg/Float32 */
export interface Float32 {
  data: number;
}

/** std_msgs/msg/Header */
export interface Header {
  stamp: Time;
  frame_id: string;
}

/** std_msgs/msg/String */
export interface String {
  data: string;
}

/** tf2_msgs/msg/TFMessage */
export interface TFMessage {
  transforms: TransformStamped[];
}

/** vision_msgs/msg/BoundingBox2D */
export interface BoundingBox2D {
  center: Pose2D;
  size_x: number;
  size_y: number;
}

/** vision_msgs/msg/BoundingBox3D */
export interface BoundingBox3D {
  center: Pose;
  size: Vector3;
}

/** vision_msgs/msg/Detection2D */
export interface Detection2D {
  header: Header;
  results: ObjectHypothesisWithPose[];
  bbox: BoundingBox2D;
  id: string;
}

/** vision_msgs/msg/Detection2DArray */
export interface Detection2DArray {
  header: Header;
  detections: Detection2D[];
}

/** vision_msgs/msg/Detection3D */
export interface Detection3D {
  header: Header;
  results: ObjectHypothesisWithPose[];
  bbox: BoundingBox3D;
  id: string;
}

/** vision_msgs/msg/Detection3DArray */
export interface Detection3DArray {
  header: Header;
  detections: Detection3D[];
}

/** vision_msgs/msg/ObjectHypothesis */
export interface ObjectHypothesis {
  class_id: string;
  score: number;
}

/** vision_msgs/msg/ObjectHypothesisWithPose */
export interface ObjectHypothesisWithPose {
  hypothesis: ObjectHypothesis;
  pose: PoseWithCovariance;
}

/** vision_msgs/msg/Point2D */
export interface Point2D {
  x: number;
  y: number;
}

/** vision_msgs/msg/Pose2D */
export interface Pose2D {
  position: Point2D;
  theta: number;
}

/** visualization_msgs/msg/Marker */
export interface Marker {
  header: Header;
  ns: string;
  id: number;
  type: number;
  action: number;
  pose: Pose;
  scale: Vector3;
  color: ColorRGBA;
  lifetime: Duration;
  frame_locked: boolean;
  points: Point[];
  colors: ColorRGBA[];
  texture_resource: string;
  texture: CompressedImage;
  uv_coordinates: UVCoordinate[];
  text: string;
  mesh_resource: string;
  mesh_file: MeshFile;
  mesh_use_embedded_materials: boolean;
}
/** Constants of visualization_msgs/msg/Marker. */
export const Marker = {
  ARROW: 0,
  CUBE: 1,
  SPHERE: 2,
  CYLINDER: 3,
  LINE_STRIP: 4,
  LINE_LIST: 5,
  CUBE_LIST: 6,
  SPHERE_LIST: 7,
  POINTS: 8,
  TEXT_VIEW_FACING: 9,
  MESH_RESOURCE: 10,
  TRIANGLE_LIST: 11,
  ARROW_STRIP: 12,
  ADD: 0,
  MODIFY: 0,
  DELETE: 2,
  DELETEALL: 3,
} as const;

/** visualization_msgs/msg/MarkerArray */
export interface MarkerArray {
  markers: Marker[];
}

/** visualization_msgs/msg/MeshFile */
export interface MeshFile {
  filename: string;
  data: Uint8Array;
}

/** visualization_msgs/msg/UVCoordinate */
export interface UVCoordinate {
  u: number;
  v: number;
}

/** Every generated message type by its ROS 2 name. */
export interface MessageTypeMap {
  "builtin_interfaces/msg/Duration": Duration;
  "builtin_interfaces/msg/Time": Time;
  "diagnostic_msgs/msg/DiagnosticArray": DiagnosticArray;
  "diagnostic_msgs/msg/DiagnosticStatus": DiagnosticStatus;
  "diagnostic_msgs/msg/KeyValue": KeyValue;
  "edge_perception_msgs/msg/Crosswalk": Crosswalk;
  "edge_perception_msgs/msg/CrosswalkArray": CrosswalkArray;
  "edge_perception_msgs/msg/EgoLaneState": EgoLaneState;
  "edge_perception_msgs/msg/LaneMarking": LaneMarking;
  "edge_perception_msgs/msg/LaneMarkingArray": LaneMarkingArray;
  "edge_perception_msgs/msg/MapDisagreement": MapDisagreement;
  "edge_perception_msgs/msg/Pedestrian": Pedestrian;
  "edge_perception_msgs/msg/PedestrianArray": PedestrianArray;
  "edge_perception_msgs/msg/PerceptionFrame": PerceptionFrame;
  "edge_perception_msgs/msg/StageLatency": StageLatency;
  "geometry_msgs/msg/Point": Point;
  "geometry_msgs/msg/Point32": Point32;
  "geometry_msgs/msg/Polygon": Polygon;
  "geometry_msgs/msg/Pose": Pose;
  "geometry_msgs/msg/PoseStamped": PoseStamped;
  "geometry_msgs/msg/PoseWithCovariance": PoseWithCovariance;
  "geometry_msgs/msg/PoseWithCovarianceStamped": PoseWithCovarianceStamped;
  "geometry_msgs/msg/Quaternion": Quaternion;
  "geometry_msgs/msg/Transform": Transform;
  "geometry_msgs/msg/TransformStamped": TransformStamped;
  "geometry_msgs/msg/Twist": Twist;
  "geometry_msgs/msg/TwistWithCovariance": TwistWithCovariance;
  "geometry_msgs/msg/Vector3": Vector3;
  "nav_msgs/msg/Odometry": Odometry;
  "rosgraph_msgs/msg/Clock": Clock;
  "sensor_msgs/msg/CameraInfo": CameraInfo;
  "sensor_msgs/msg/CompressedImage": CompressedImage;
  "sensor_msgs/msg/Image": Image;
  "sensor_msgs/msg/RegionOfInterest": RegionOfInterest;
  "std_msgs/msg/ColorRGBA": ColorRGBA;
  "std_msgs/msg/Float32": Float32;
  "std_msgs/msg/Header": Header;
  "std_msgs/msg/String": String;
  "tf2_msgs/msg/TFMessage": TFMessage;
  "vision_msgs/msg/BoundingBox2D": BoundingBox2D;
  "vision_msgs/msg/BoundingBox3D": BoundingBox3D;
  "vision_msgs/msg/Detection2D": Detection2D;
  "vision_msgs/msg/Detection2DArray": Detection2DArray;
  "vision_msgs/msg/Detection3D": Detection3D;
  "vision_msgs/msg/Detection3DArray": Detection3DArray;
  "vision_msgs/msg/ObjectHypothesis": ObjectHypothesis;
  "vision_msgs/msg/ObjectHypothesisWithPose": ObjectHypothesisWithPose;
  "vision_msgs/msg/Point2D": Point2D;
  "vision_msgs/msg/Pose2D": Pose2D;
  "visualization_msgs/msg/Marker": Marker;
  "visualization_msgs/msg/MarkerArray": MarkerArray;
  "visualization_msgs/msg/MeshFile": MeshFile;
  "visualization_msgs/msg/UVCoordinate": UVCoordinate;
}

/** A ROS 2 message type name the project has TypeScript types for. */
export type MessageTypeName = keyof MessageTypeMap;
