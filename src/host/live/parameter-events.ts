/**
 * Parameter events on `/parameter_events`. rclnodejs 2.x creates each node's parameter event
 * publisher with the relative name `parameter_events`, so a node in `/perception` publishes on
 * `/perception/parameter_events`, where `ros2 param`, rqt and every rclcpp/rclpy
 * ParameterEventHandler do not listen. This moves the publisher to the absolute topic with the
 * parameter events QoS (rmw_qos_profile_parameter_events: reliable, volatile, keep last 1000).
 */
import {
  RclQosPolicy,
  type RclNode,
  type RclPublisher,
  type RclnodejsModule,
} from "./rclnodejs-api.js";

const PARAMETER_EVENTS_TOPIC = "/parameter_events";
const PARAMETER_EVENT_TYPE = "rcl_interfaces/msg/ParameterEvent";
const PARAMETER_EVENTS_DEPTH = 1000;

/** What happened to a node's parameter event publisher. */
export type ParameterEventsRepoint =
  /** Already on /parameter_events (a node in the root namespace). */
  | { kind: "already" }
  /** Moved from the namespaced topic. */
  | { kind: "moved"; from: string }
  /** This rclnodejs keeps it elsewhere: events stay where rclnodejs puts them. */
  | { kind: "unsupported" };

/**
 * Replaces the node's namespaced parameter event publisher with one on `/parameter_events`.
 * Relies on rclnodejs 2.x's `_parameterEventPublisher` (the publisher its parameter code uses).
 */
export function repointParameterEvents(
  rcl: RclnodejsModule,
  node: RclNode,
): ParameterEventsRepoint {
  const internal = node as unknown as {
    _parameterEventPublisher?: RclPublisher & { topic?: string };
  };
  const current = internal._parameterEventPublisher;
  if (!current || typeof node.destroyPublisher !== "function") return { kind: "unsupported" };
  const from =
    current.topic ?? `${node.namespace() === "/" ? "" : node.namespace()}/parameter_events`;
  if (from === PARAMETER_EVENTS_TOPIC) return { kind: "already" };
  const qos = new rcl.QoS(
    RclQosPolicy.HISTORY_KEEP_LAST,
    PARAMETER_EVENTS_DEPTH,
    RclQosPolicy.RELIABILITY_RELIABLE,
    RclQosPolicy.DURABILITY_VOLATILE,
  );
  internal._parameterEventPublisher = node.createPublisher(
    PARAMETER_EVENT_TYPE,
    PARAMETER_EVENTS_TOPIC,
    { qos },
  );
  node.destroyPublisher(current);
  return { kind: "moved", from };
}
