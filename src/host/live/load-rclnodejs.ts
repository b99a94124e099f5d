/** Loads rclnodejs lazily, failing with one clear message when ROS 2 or rclnodejs is missing. */
import { PerceptionError, errorMessage } from "../../core/errors.js";
import type { RclnodejsModule } from "./rclnodejs-api.js";

/** What to do about it, printed as the whole error. */
const ROS_SETUP_HINT =
  "run it on a ROS 2 Jazzy machine: `source /opt/ros/jazzy/setup.bash` (and your workspace's install/setup.bash " +
  "with edge_perception_msgs), then `npm_config_yes=true npm install rclnodejs@2 --foreground-scripts` in this project " +
  "(its build output shows why it fails, if it does); check with `npm run cli -- doctor`";

/** What to do when rclnodejs is installed but does not load (built against another ROS 2, or its addon is missing). */
const REBUILD_HINT =
  "with ROS 2 Jazzy sourced, rebuild it and watch the build: `npm rebuild rclnodejs --foreground-scripts`; " +
  "check with `npm run cli -- doctor`";

/** A loader for the rclnodejs module (injected in tests). */
export type RclnodejsLoader = () => Promise<unknown>;

/** Set to 1 (with ROS 2 sourced) to let a test run load the installed rclnodejs: the live tests. */
export const LIVE_TESTS_ENV = "EDGE_PERCEPTION_LIVE_TESTS";

/**
 * Why this process must not import the installed rclnodejs, or undefined when it may. Under the
 * test runner (vitest sets VITEST) only explicitly live runs may: importing rclnodejs without ROS 2
 * sourced makes it try to rebuild itself and delete its compiled addon, which breaks the vehicle's
 * install until `npm rebuild rclnodejs`.
 */
export function rclnodejsImportRefusal(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.VITEST) return undefined;
  if (env[LIVE_TESTS_ENV] !== "1") {
    return `tests never load the installed rclnodejs (inject a fake loader, or set ${LIVE_TESTS_ENV}=1 with ROS 2 sourced for live tests)`;
  }
  if (!env.AMENT_PREFIX_PATH)
    return `${LIVE_TESTS_ENV}=1 needs ROS 2 sourced (AMENT_PREFIX_PATH is not set): loading rclnodejs without it breaks its install`;
  return undefined;
}

/**
 * The real loader: a non-literal dynamic import, so type-checking and bundling never need
 * rclnodejs. Refuses (without importing) inside a test run that is not explicitly live.
 */
export const importRclnodejs: RclnodejsLoader = () => {
  const refusal = rclnodejsImportRefusal(process.env);
  if (refusal) return Promise.reject(new PerceptionError("ros", refusal));
  const name = "rclnodejs";
  return import(name);
};

/**
 * Checks that ROS 2 is sourced (AMENT_PREFIX_PATH), loads rclnodejs and removes its own SIGINT
 * handler (`removeSignalHandlers()`, when this rclnodejs has it). Throws a `ros`
 * PerceptionError whose message says what is missing and how to fix it.
 */
export async function loadRclnodejs(
  loader: RclnodejsLoader = importRclnodejs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RclnodejsModule> {
  if (!env.AMENT_PREFIX_PATH) {
    throw new PerceptionError(
      "ros",
      `ROS 2 is not sourced (AMENT_PREFIX_PATH is not set): ${ROS_SETUP_HINT}`,
    );
  }
  let mod: unknown;
  try {
    mod = await loader();
  } catch (err) {
    if (err instanceof PerceptionError) throw err;
    const missing = /Cannot find (package|module) 'rclnodejs'/.test(errorMessage(err));
    throw new PerceptionError(
      "ros",
      missing
        ? `rclnodejs is not installed: ${ROS_SETUP_HINT}`
        : `rclnodejs failed to load (${errorMessage(err).split("\n")[0]}): ${REBUILD_HINT}`,
      {},
      { cause: err },
    );
  }
  const m = ((mod as { default?: unknown }).default ?? mod) as Partial<RclnodejsModule>;
  if (typeof m.init !== "function" || typeof m.Node !== "function") {
    throw new PerceptionError(
      "ros",
      `the module loaded as rclnodejs does not look like rclnodejs 2.x (no init/Node): ${ROS_SETUP_HINT}`,
    );
  }
  // rclnodejs installs a SIGINT handler when it is imported, which shuts every context down at
  // once: registered before the application's, it would run first and the nodes could not publish
  // their last outputs. The application stops rclnodejs itself (runLive).
  if (typeof m.removeSignalHandlers === "function") m.removeSignalHandlers();
  return m as RclnodejsModule;
}
