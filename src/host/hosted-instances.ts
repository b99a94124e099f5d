/** The node instances a transport hosts, and their shutdown (shared by the live and replay runners). */
import type { HostedNode } from "./node-handle.js";
import type { NodeInstance } from "../ros/node-spec.js";

/** A started node: its handle's bookkeeping and the instance its factory returned. */
export interface HostedInstance {
  node: HostedNode;
  instance: NodeInstance;
}

/**
 * Stops and disposes started nodes, the last started first: each node's subscriptions and timers are
 * stopped, then its `dispose()` awaited; a failing `dispose()` goes to `onError` and the rest go on.
 */
export async function disposeHostedInstances(
  instances: readonly HostedInstance[],
  onError: (node: HostedNode, err: unknown) => void,
): Promise<void> {
  for (const { node, instance } of [...instances].reverse()) {
    for (const s of node.subscriptions) s.destroy();
    for (const t of node.timers) t.cancel();
    try {
      await instance.dispose?.();
    } catch (err) {
      onError(node, err);
    }
  }
}
