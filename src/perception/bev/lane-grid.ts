/** The default BEV grids of the lane and crosswalk stages. */
import type { BevGridSpec } from "./bev-grid.js";

/** Lanes: 0-80 m ahead, +-15 m, 0.5 m x 0.1 m cells (160 x 300). */
export const DEFAULT_LANE_GRID: Readonly<BevGridSpec> = Object.freeze({
  xMin: 0,
  xMax: 80,
  dx: 0.5,
  yMin: -15,
  yMax: 15,
  dy: 0.1,
});

/** Classical fallback: 0-50 m, 0.5 m x 0.05 m cells (100 x 600): the paint filter needs the finer lateral cells. */
export const DEFAULT_CLASSICAL_GRID: Readonly<BevGridSpec> = Object.freeze({
  xMin: 0,
  xMax: 50,
  dx: 0.5,
  yMin: -15,
  yMax: 15,
  dy: 0.05,
});
