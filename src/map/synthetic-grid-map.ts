import type { Point2 } from "../geometry/types.js";
import type { Crosswalk, Lane, LaneBoundary, MapFeature, StopLine } from "./types.js";

/** Options of `syntheticGridMap`. */
export interface SyntheticGridMapOptions {
  /** Blocks along x (east) and y (north); the grid has (blocks + 1)^2 intersections. */
  blocks: number;
  /** Distance between neighbouring intersections in metres; default 100. */
  blockSizeM?: number;
  /** Lane width in metres; default 3.5. */
  laneWidthM?: number;
  /** Points per lane/boundary polyline (>= 2); default 5. */
  pointsPerLine?: number;
}

/**
 * A Manhattan grid of two-lane roads (right-hand traffic) in the map frame, for tests and
 * benchmarks: per road segment two lanes, three boundaries (yellow dashed centre line, two white
 * solid edges) and two stop lines; four crosswalks per intersection. Straight-ahead lanes are
 * linked as successors/predecessors. blocks = 20 gives 7,644 features.
 */
export function syntheticGridMap(o: SyntheticGridMapOptions): MapFeature[] {
  const size = o.blockSizeM ?? 100;
  const w = o.laneWidthM ?? 3.5;
  const n = Math.max(2, o.pointsPerLine ?? 5);
  const margin = 10; // lanes stop this far from an intersection's centre
  const features: MapFeature[] = [];
  const line = (a: Point2, b: Point2): Point2[] =>
    Array.from({ length: n }, (_, k) => ({
      x: a.x + ((b.x - a.x) * k) / (n - 1),
      y: a.y + ((b.y - a.y) * k) / (n - 1),
    }));
  const N = o.blocks;

  for (const dir of ["h", "v"] as const) {
    for (let j = 0; j <= N; j++) {
      for (let i = 0; i < N; i++) {
        // Along = the road's axis coordinate range, across = its fixed coordinate.
        const across = j * size;
        const from = i * size + margin;
        const to = (i + 1) * size - margin;
        const pt = (along: number, off: number): Point2 =>
          dir === "h" ? { x: along, y: across + off } : { x: across - off, y: along };
        const id = `${dir}${j}_${i}`;
        const centre: LaneBoundary = {
          kind: "lane_boundary",
          id: `${id}_centre`,
          boundaryType: "dashed",
          color: "yellow",
          points: line(pt(from, 0), pt(to, 0)),
        };
        // "Right" of the forward (increasing along) direction is off < 0 for h (south) and for v (east, x = across - off).
        const edgeFwd: LaneBoundary = {
          kind: "lane_boundary",
          id: `${id}_edge_fwd`,
          boundaryType: "solid",
          color: "white",
          points: line(pt(from, -w), pt(to, -w)),
        };
        const edgeBwd: LaneBoundary = {
          kind: "lane_boundary",
          id: `${id}_edge_bwd`,
          boundaryType: "solid",
          color: "white",
          points: line(pt(from, w), pt(to, w)),
        };
        const link = (k: number, suffix: string): string[] =>
          k >= 0 && k < N ? [`${dir}${j}_${k}_${suffix}`] : [];
        const fwd: Lane = {
          kind: "lane",
          id: `${id}_fwd`,
          centerline: line(pt(from, -w / 2), pt(to, -w / 2)),
          leftBoundaryId: centre.id,
          rightBoundaryId: edgeFwd.id,
          successorIds: link(i + 1, "fwd"),
          predecessorIds: link(i - 1, "fwd"),
          speedLimit: 13.9,
        };
        const bwd: Lane = {
          kind: "lane",
          id: `${id}_bwd`,
          centerline: line(pt(to, w / 2), pt(from, w / 2)),
          leftBoundaryId: centre.id,
          rightBoundaryId: edgeBwd.id,
          successorIds: link(i - 1, "bwd"),
          predecessorIds: link(i + 1, "bwd"),
          speedLimit: 13.9,
        };
        const stopFwd: StopLine = {
          kind: "stop_line",
          id: `${id}_stop_fwd`,
          points: [pt(to, 0), pt(to, -w)],
          laneIds: [fwd.id],
        };
        const stopBwd: StopLine = {
          kind: "stop_line",
          id: `${id}_stop_bwd`,
          points: [pt(from, w), pt(from, 0)],
          laneIds: [bwd.id],
        };
        features.push(centre, edgeFwd, edgeBwd, fwd, bwd, stopFwd, stopBwd);
      }
    }
  }
  for (let j = 0; j <= N; j++) {
    for (let i = 0; i <= N; i++) {
      const cx = i * size;
      const cy = j * size;
      const arms: [string, number, number, number, number][] = [
        ["e", cx + 6, cy - w, cx + 9, cy + w],
        ["w", cx - 9, cy - w, cx - 6, cy + w],
        ["n", cx - w, cy + 6, cx + w, cy + 9],
        ["s", cx - w, cy - 9, cx + w, cy - 6],
      ];
      for (const [arm, x0, y0, x1, y1] of arms) {
        const polygon: Point2[] = [
          { x: x0, y: y0 },
          { x: x1, y: y0 },
          { x: x1, y: y1 },
          { x: x0, y: y1 },
        ];
        features.push({ kind: "crosswalk", id: `x${i}_${j}_${arm}`, polygon } satisfies Crosswalk);
      }
    }
  }
  return features;
}
