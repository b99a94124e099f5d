// The ROS 2 quality-of-service profiles, shared by the node API (ros/) and the bag format (bag/).
/** Quality of service, by the ROS 2 profiles a camera stack needs. */
export type QosProfile =
  /** Best effort, keep last 5, volatile: rclcpp's SensorDataQoS. For camera images and CameraInfo. */
  | "sensor_data"
  /** Reliable, keep last 10, volatile: the ROS 2 default. For perception outputs. */
  | "reliable"
  /** Reliable, keep last 1, transient local: for /tf_static, maps and other latched data. */
  | "transient_local";
