import type { MapFeature, MapFeatureKind } from "./types.js";

/**
 * Problems with ids and references between features: duplicate ids, lane boundaries that are
 * missing or not lane_boundary features, successors/predecessors and stop-line lanes that are
 * missing or not lanes. Each problem is one sentence naming the feature. `reported`: ids of
 * features the file has but that were invalid (their problems listed already), not called missing.
 */
export function checkReferences(
  features: readonly MapFeature[],
  reported: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  const byId = new Map<string, MapFeature>();
  for (const f of features) {
    if (byId.has(f.id))
      problems.push(`duplicate feature id "${f.id}" (a ${byId.get(f.id)!.kind} and a ${f.kind})`);
    else byId.set(f.id, f);
  }
  const expect = (owner: MapFeature, field: string, id: string, kind: MapFeatureKind): void => {
    const target = byId.get(id);
    // A feature in the file that was invalid (its problems already reported) is not "missing" too.
    if (!target) {
      if (!reported.has(id))
        problems.push(`${owner.kind} "${owner.id}": ${field} refers to missing feature "${id}"`);
    } else if (target.kind !== kind)
      problems.push(
        `${owner.kind} "${owner.id}": ${field} "${id}" is a ${target.kind}, expected a ${kind}`,
      );
  };
  for (const f of features) {
    if (f.kind === "lane") {
      expect(f, "left_boundary_id", f.leftBoundaryId, "lane_boundary");
      expect(f, "right_boundary_id", f.rightBoundaryId, "lane_boundary");
      if (f.leftBoundaryId === f.rightBoundaryId)
        problems.push(
          `lane "${f.id}": left and right boundary are the same feature "${f.leftBoundaryId}"`,
        );
      for (const id of f.successorIds) expect(f, "successor_ids", id, "lane");
      for (const id of f.predecessorIds) expect(f, "predecessor_ids", id, "lane");
    } else if (f.kind === "stop_line") {
      for (const id of f.laneIds) expect(f, "lane_ids", id, "lane");
    }
  }
  return problems;
}

/** Successor/predecessor links that are listed on one side only (warnings, not errors). */
export function checkLaneLinkSymmetry(features: readonly MapFeature[]): string[] {
  const lanes = new Map(features.filter((f) => f.kind === "lane").map((f) => [f.id, f] as const));
  const warnings: string[] = [];
  for (const lane of lanes.values()) {
    for (const s of lane.successorIds) {
      const next = lanes.get(s);
      if (next && !next.predecessorIds.includes(lane.id))
        warnings.push(
          `lane "${lane.id}" lists "${s}" as a successor but "${s}" does not list it as a predecessor`,
        );
    }
  }
  return warnings;
}
