/** A node's diagnostics and their publisher on /diagnostics, as every perception node sets them up. */
import { DiagnosticsPublisher } from "./diagnostics-publisher.js";
import { NodeDiagnostics } from "../../diagnostics/node-diagnostics.js";
import type { NodeHandle } from "../../ros/node-api.js";

/** What `createNodeDiagnostics` returns. */
export interface NodeDiagnosticsSetup {
  diagnostics: NodeDiagnostics;
  publisher: DiagnosticsPublisher;
}

/**
 * Diagnostics named by the node's fully qualified name, with the `processing_budget_ms` parameter
 * as the budget, and their publisher (created on the handle now).
 */
export function createNodeDiagnostics(
  handle: NodeHandle,
  hardwareId = "camera_front",
): NodeDiagnosticsSetup {
  const fullName =
    handle.namespace === "/" ? `/${handle.name}` : `${handle.namespace}/${handle.name}`;
  const diagnostics = new NodeDiagnostics({
    name: fullName,
    hardwareId,
    budgetMs: handle.parameters.get<number>("processing_budget_ms"),
  });
  return { diagnostics, publisher: new DiagnosticsPublisher(handle, diagnostics) };
}
