/** The project's QoS profiles as rclnodejs QoS objects. */
import { PROFILE_DEPTH } from "../bus.js";
import type { QosOptions } from "../../ros/node-api.js";
import { RclQosPolicy, type RclnodejsModule, type RclQos } from "./rclnodejs-api.js";

/**
 * sensor_data: best effort, volatile, keep last 5 (rclcpp SensorDataQoS); reliable: reliable,
 * volatile, keep last 10; transient_local: reliable, transient local, keep last 1 (latched, /tf_static).
 */
export function rclQos(rcl: RclnodejsModule, qos: QosOptions | undefined): RclQos {
  const profile = qos?.profile ?? "reliable";
  const depth = qos?.depth ?? PROFILE_DEPTH[profile];
  const reliability =
    profile === "sensor_data"
      ? RclQosPolicy.RELIABILITY_BEST_EFFORT
      : RclQosPolicy.RELIABILITY_RELIABLE;
  const durability =
    profile === "transient_local"
      ? RclQosPolicy.DURABILITY_TRANSIENT_LOCAL
      : RclQosPolicy.DURABILITY_VOLATILE;
  return new rcl.QoS(RclQosPolicy.HISTORY_KEEP_LAST, depth, reliability, durability);
}

/** rclcpp's ClockQoS for `/clock`: best effort, volatile, keep last 1 (matches best-effort and reliable publishers). */
export function clockQos(rcl: RclnodejsModule): RclQos {
  return new rcl.QoS(
    RclQosPolicy.HISTORY_KEEP_LAST,
    1,
    RclQosPolicy.RELIABILITY_BEST_EFFORT,
    RclQosPolicy.DURABILITY_VOLATILE,
  );
}
