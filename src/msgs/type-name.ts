/**
 * Message type names come as `pkg/msg/Type` (ROS 2, rosbag2 metadata, rclnodejs) or `pkg/Type`
 * (ROS 1 style, MCAP `MSG:` sections, @foxglove definitions). The registry keys on `pkg/Type`.
 */
export function normalizeTypeName(type: string): string {
  const parts = type.split("/");
  if (parts.length === 3 && parts[1] === "msg") return `${parts[0]}/${parts[2]}`;
  if (parts.length === 2) return type;
  throw new Error(`not a ROS 2 message type name: '${type}' (expected pkg/msg/Type or pkg/Type)`);
}

/** `pkg/msg/Type`, the form ROS 2 tools, rclnodejs and rosbag2 metadata use. */
export function ros2TypeName(type: string): string {
  const [pkg, name] = normalizeTypeName(type).split("/");
  return `${pkg}/msg/${name}`;
}
