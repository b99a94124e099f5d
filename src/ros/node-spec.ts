/**
 * How a node is described to a transport: its name, where it lives, how to build it, its parameter
 * schema and values, and its remappings. The launch graph (src/host/graph.ts) produces these;
 * `runReplay` and `runLive` consume them.
 */
import type { NodeHandle, ParameterValue } from "./node-api.js";

/** A running node, as its `create` returns it. */
export interface NodeInstance {
  /** Releases what the node holds (sessions, Mats, files). Called once when the transport stops. */
  dispose?(): void | Promise<void>;
  /**
   * Resolves when the node finished the work it started (scheduled inference, queued frames).
   * Replay waits on it after every input message so the output is deterministic.
   */
  idle?(): Promise<void>;
  /**
   * Counters the node wants in the run's summary (for example frame-scheduler drops), read at the end.
   * Keys are free-form (`drops.pedestrian_model`); values are counts.
   */
  stats?(): Readonly<Record<string, number>>;
  /**
   * Errors the node caught and went on from (a frame whose processing failed, a bad input it
   * skipped), by error kind (`model`, `image`, `tf`, ...). Read at the end of a run: the summary
   * and `--json` report them per node, and `replay --strict` fails on them.
   */
  errorCounts?(): Readonly<Record<string, number>>;
}

/** Everything a transport needs to start one node. */
export interface NodeSpec {
  /** Node name without namespace, e.g. "pedestrian_detector" (letters, digits, underscores). */
  name: string;
  /** Namespace, e.g. "/perception"; defaults to "/". */
  namespace?: string;
  /** Builds the node against the handle (subscriptions, publishers, timers are created here). */
  create(handle: NodeHandle): NodeInstance | Promise<NodeInstance>;
  /**
   * JSON Schema of the node's `ros__parameters` (an object schema; `default` per property gives the
   * defaults). Nested object properties map to dotted ROS parameter names (`model.rate_hz`).
   */
  parameterSchema: object;
  /** Parameter values set by the launch graph and YAML files, applied over the schema defaults. */
  parameters: Record<string, ParameterValue>;
  /** Topic remappings: keys are names as the node writes them (`~/in/image`) or resolved names. */
  remappings?: Record<string, string>;
}
