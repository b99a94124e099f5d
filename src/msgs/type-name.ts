/**
 * Message type names come as `pkg/msg/Type` (ROS 2, rosbag2 metadata, rclnodejs) or `pkg/Type`
 * (ROS 1 style, MCAP `MSG:` sections, @foxglove definitions). The registry keys on `pkg/Type`.
 * Messages generated from services and actions (`pkg/srv/Name_Event`, as Jazzy records service
 * introspection, `pkg/action/Name_FeedbackMessage`, ...) keep their full name: they live in their
 * own namespace, and are decoded from the schemas a bag stores.
 */
export function normalizeTypeName(type: string): string {
  const parts = type.split("/");
  if (parts.length === 3 && parts[1] === "msg") return `${parts[0]}/${parts[2]}`;
  if (
    parts.length === 3 &&
    (parts[1] === "srv" || parts[1] === "action") &&
    parts.every((p) => p.length > 0)
  )
    return type;
  if (parts.length === 2) return type;
  throw new Error(
    `not a ROS 2 message type name: '${type}' (expected pkg/msg/Type, pkg/srv/Type, pkg/action/Type or pkg/Type)`,
  );
}

/** `pkg/msg/Type`, the form ROS 2 tools, rclnodejs and rosbag2 metadata use. */
export function ros2TypeName(type: string): string {
  const normalized = normalizeTypeName(type);
  const parts = normalized.split("/");
  return parts.length === 3 ? normalized : `${parts[0]}/msg/${parts[1]}`;
}
