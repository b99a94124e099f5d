/**
 * The HD map's crosswalks ahead of the vehicle, in base_link: where the pedestrian detector looks
 * again at a larger scale (people cross there and wait at its ends).
 */
import { invertTransform, transformPoint } from "../../geometry/transform.js";
import type { Transform } from "../../geometry/types.js";
import type { HdMap } from "../../map/types.js";
import type { PedestrianRegion } from "./pedestrian-detector.js";

/**
 * Crosswalks with a vertex within `maxRangeM` of the vehicle and at least one vertex ahead of it
 * (base_link x > 0), their outlines in base_link. `mapFromBase` is the pose (p_map = T * p_base).
 */
export function crosswalkRegionsAhead(
  map: Pick<HdMap, "near">,
  mapFromBase: Transform,
  maxRangeM: number,
): PedestrianRegion[] {
  const baseFromMap = invertTransform(mapFromBase);
  const here = mapFromBase.translation;
  const out: PedestrianRegion[] = [];
  for (const f of map.near({ x: here.x, y: here.y }, maxRangeM, ["crosswalk"])) {
    if (f.kind !== "crosswalk") continue;
    const polygon = f.polygon.map((p) => {
      const q = transformPoint(baseFromMap, { x: p.x, y: p.y, z: 0 });
      return { x: q.x, y: q.y };
    });
    if (polygon.some((p) => p.x > 0)) out.push({ id: f.id, polygon });
  }
  return out;
}
