/**
 * `edge-perception launch`: the live entry point. Starts the launch graph's nodes (all of them, or
 * one process group with --process, as `ros2 launch edge_perception perception.launch.py` does per
 * process) over ROS 2 with rclnodejs. Without ROS 2 sourced or rclnodejs installed it prints one
 * message saying how to fix that and exits with code 1.
 */
import { errorMessage } from "../../core/errors.js";
import { projectPath } from "../../core/paths.js";
import { defaultGraphPath, graphToNodeSpecs, loadLaunchGraph } from "../../host/graph.js";
import { lastFlag } from "../../ros/command-line.js";
import { parseCommandArgs } from "../command-args.js";
import { applyDdsConfig } from "../../host/live/dds-config.js";
import {
  importRclnodejs,
  loadRclnodejs,
  type RclnodejsLoader,
} from "../../host/live/load-rclnodejs.js";
import { runLive } from "../../host/live/run-live.js";
import { stderrLogSink } from "../../host/logger.js";
import type { NodeSpec } from "../../ros/node-spec.js";

export const summary =
  "run the perception graph live on ROS 2 (rclnodejs); --process runs one process group";

const USAGE = `usage: edge-perception launch [--graph <file>] [--params <yaml>...] [--process <group>] [name:=value ...]

  --graph <file>       launch graph (default launch/perception.graph.yaml)
  --params <yaml>      extra ROS 2 parameter file over each node's own (repeatable)
  --process <group>    only the nodes of this process group (mode:=multi_process)
  --quiet              no node log lines below warnings
  name:=value          launch arguments (mode:=multi_process, image_transport:=raw, use_sim_time:=true, ...);
                       the app's own, never seen by rcl
  --ros-args ...       the only arguments rcl parses (parameter overrides -p node:name:=value, remaps
                       -r from:=to, --log-level)

Needs ROS 2 Jazzy sourced and rclnodejs 2.x installed (check: edge-perception doctor). Sets
CYCLONEDDS_URI to launch/cyclonedds.xml, merged with yours when set. SIGINT/SIGTERM stop the nodes
cleanly: each publishes its last output and final diagnostics, then rclnodejs shuts down.`;

/** How the command gets rclnodejs and its nodes (replaced in tests). */
export interface LaunchCommandDeps {
  loader: RclnodejsLoader;
  /** The process environment (CYCLONEDDS_URI is set in it before rcl starts). */
  env: NodeJS.ProcessEnv;
  loadNodes(
    graphPath: string,
    overrides: { paramsFiles: string[]; args: Record<string, string>; processGroup?: string },
  ): Promise<NodeSpec[]>;
}

const DEFAULT_DEPS: LaunchCommandDeps = {
  loader: importRclnodejs,
  env: process.env,
  loadNodes: (graphPath, overrides) => graphToNodeSpecs(loadLaunchGraph(graphPath), overrides),
};

export function run(argv: string[]): Promise<number> {
  return runLaunchCommand(argv, DEFAULT_DEPS);
}

/** The command with its dependencies injected; returns the exit code. */
export async function runLaunchCommand(argv: string[], deps: LaunchCommandDeps): Promise<number> {
  // Everything after --ros-args belongs to rcl (rclnodejs reads process.argv itself).
  const rosArgsAt = argv.indexOf("--ros-args");
  const own = rosArgsAt >= 0 ? argv.slice(0, rosArgsAt) : argv;
  const rosArgs = rosArgsAt >= 0 ? argv.slice(rosArgsAt) : [];
  const parsed = parseCommandArgs("launch", USAGE, own, ["graph", "params", "process"], ["quiet"]);
  if (typeof parsed === "number") return parsed;
  if (parsed.positional.length > 0) {
    console.error(
      `edge-perception launch: unexpected argument '${parsed.positional[0]}'\n${USAGE}`,
    );
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`edge-perception launch: ${signal}: stopping the nodes\n`);
    controller.abort();
  };
  try {
    // ROS 2 first: without it nothing else matters, and the message must be the only one.
    const rcl = await loadRclnodejs(deps.loader, deps.env);
    const processGroup = lastFlag(parsed, "process");
    const nodes = await deps.loadNodes(lastFlag(parsed, "graph") ?? defaultGraphPath(), {
      paramsFiles: parsed.flags.get("params") ?? [],
      args: parsed.launchArgs,
      ...(processGroup !== undefined ? { processGroup } : {}),
    });
    const dds = applyDdsConfig(deps.env, projectPath("launch", "cyclonedds.xml"));
    const logSink = stderrLogSink(parsed.switches.has("quiet") ? "warn" : "info");
    logSink(dds.level, "launch", dds.message);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    await runLive({
      nodes,
      loader: async () => rcl,
      env: deps.env,
      rosArgs,
      signal: controller.signal,
      logSink,
    });
    return 0;
  } catch (err) {
    console.error(`edge-perception launch: ${errorMessage(err)}`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
