/** Loads rclnodejs lazily, failing with one clear message when ROS 2 or rclnodejs is missing. */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import type { RclnodejsModule } from "./rclnodejs-api.js";

/** What to do about it, printed as the whole error. */
export const ROS_SETUP_HINT =
  "run it on a ROS 2 Jazzy machine: `source /opt/ros/jazzy/setup.bash` (and your workspace's install/setup.bash " +
  "with edge_perception_msgs), then `npm_config_yes=true npm install rclnodejs@2` in this project";

/** A loader for the rclnodejs module (injected in tests). */
export type RclnodejsLoader = () => Promise<unknown>;

/** The real loader: a non-literal dynamic import, so type-checking and bundling never need rclnodejs. */
export const importRclnodejs: RclnodejsLoader = () => {
  const name = "rclnodejs";
  return import(name);
};

/**
 * Checks that ROS 2 is sourced (AMENT_PREFIX_PATH) and loads rclnodejs. Throws a `ros`
 * PerceptionError whose message says what is missing and how to fix it.
 */
export async function loadRclnodejs(loader: RclnodejsLoader = importRclnodejs, env: NodeJS.ProcessEnv = process.env): Promise<RclnodejsModule> {
  if (!env.AMENT_PREFIX_PATH) {
    throw new PerceptionError("ros", `ROS 2 is not sourced (AMENT_PREFIX_PATH is not set): ${ROS_SETUP_HINT}`);
  }
  let mod: unknown;
  try {
    mod = await loader();
  } catch (err) {
    const missing = /Cannot find (package|module) 'rclnodejs'|ERR_MODULE_NOT_FOUND/.test(errorMessage(err)) || (err as { code?: string }).code === "ERR_MODULE_NOT_FOUND";
    throw new PerceptionError(
      "ros",
      missing ? `rclnodejs is not installed: ${ROS_SETUP_HINT}` : `rclnodejs failed to load (${errorMessage(err).split("\n")[0]}): ${ROS_SETUP_HINT}`,
      {},
      { cause: err },
    );
  }
  const m = ((mod as { default?: unknown }).default ?? mod) as Partial<RclnodejsModule>;
  if (typeof m.init !== "function" || typeof m.Node !== "function") {
    throw new PerceptionError("ros", `the module loaded as rclnodejs does not look like rclnodejs 2.x (no init/Node): ${ROS_SETUP_HINT}`);
  }
  return m as RclnodejsModule;
}
