/**
 * Map disagreements found by map_fusion vs the map edits injected into a generated drive
 * (`scenario.json` `map_edits`): a found disagreement is right when its kind and map id match an
 * injected edit; an unmapped crossing has no map id, so found unmapped crossings (distinct places,
 * 5 m apart) are counted against the injected ones.
 */
import { MapDisagreement } from "../msgs/types.generated.js";
import type { MapPartial } from "./partial.js";

/** One map edit of scenario.json. */
export interface MapEdit {
  kind: string;
  boundaryId?: string;
  crosswalkId?: string;
}

/** A disagreement as published (kind code, map id, map position). */
export interface FoundDisagreement {
  kind: number;
  mapId: string;
  position: { x: number; y: number };
}

const KIND_NAMES: Record<number, string> = {
  [MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED]: "lane_boundary_shifted",
  [MapDisagreement.KIND_LANE_BOUNDARY_TYPE]: "lane_boundary_type",
  [MapDisagreement.KIND_CROSSWALK_UNMAPPED]: "crosswalk_unmapped",
  [MapDisagreement.KIND_CROSSWALK_MISSING]: "crosswalk_missing",
};

/** The disagreement an edit should produce: its kind code and map id ("" for an unmapped crossing). */
function expectedDisagreement(edit: MapEdit): { kind: number; mapId: string } | undefined {
  if (edit.kind === "shift_boundary")
    return { kind: MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED, mapId: edit.boundaryId ?? "" };
  if (edit.kind === "omit_crosswalk")
    return { kind: MapDisagreement.KIND_CROSSWALK_UNMAPPED, mapId: "" };
  if (edit.kind === "crosswalk_only_in_map")
    return { kind: MapDisagreement.KIND_CROSSWALK_MISSING, mapId: edit.crosswalkId ?? "" };
  return undefined;
}

/** Distinct disagreements over a run: by kind and map id; unmapped crossings by place (5 m cells). */
function distinctDisagreements(
  found: readonly FoundDisagreement[],
): { kind: number; mapId: string }[] {
  const out = new Map<string, { kind: number; mapId: string; x: number; y: number }>();
  for (const d of found) {
    if (d.kind === MapDisagreement.KIND_CROSSWALK_UNMAPPED) {
      const near = [...out.values()].some(
        (o) => o.kind === d.kind && Math.hypot(o.x - d.position.x, o.y - d.position.y) < 5,
      );
      if (!near)
        out.set(`${d.kind}:@${out.size}`, {
          kind: d.kind,
          mapId: "",
          x: d.position.x,
          y: d.position.y,
        });
    } else {
      out.set(`${d.kind}:${d.mapId}`, {
        kind: d.kind,
        mapId: d.mapId,
        x: d.position.x,
        y: d.position.y,
      });
    }
  }
  return [...out.values()].map(({ kind, mapId }) => ({ kind, mapId }));
}

/** Scores one drive: `edits` injected, `found` every disagreement of every frame. */
export function scoreMapDisagreements(
  unit: string,
  edits: readonly MapEdit[],
  found: readonly FoundDisagreement[],
): MapPartial {
  const expected = edits
    .map(expectedDisagreement)
    .filter((e): e is { kind: number; mapId: string } => e !== undefined);
  const distinct = distinctDisagreements(found);
  const used = new Set<number>();
  const out: MapPartial = {
    injected: expected.length,
    found: distinct.length,
    tp: 0,
    fp: 0,
    fn: 0,
    missed: [],
    spurious: [],
  };
  for (const e of expected) {
    const i = distinct.findIndex(
      (d, k) => !used.has(k) && d.kind === e.kind && d.mapId === e.mapId,
    );
    if (i >= 0) {
      used.add(i);
      out.tp++;
    } else {
      out.fn++;
      out.missed.push(`${unit}: ${KIND_NAMES[e.kind] ?? e.kind} ${e.mapId}`.trim());
    }
  }
  distinct.forEach((d, k) => {
    if (used.has(k)) return;
    out.fp++;
    out.spurious.push(`${unit}: ${KIND_NAMES[d.kind] ?? d.kind} ${d.mapId}`.trim());
  });
  return out;
}
