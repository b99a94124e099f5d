/**
 * The classical marking filter's road test: paint is kept on asphalt of the road's own grey level
 * (read straight ahead of the car), not on a bright grey snow bank or pavement beside the road.
 */
import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { bevLookup, colY, rowX } from "../../../src/perception/bev/bev-grid.js";
import { DEFAULT_CLASSICAL_GRID } from "../../../src/perception/bev/lane-grid.js";
import {
  classicalMarkingOccupancy,
  roadAppearance,
} from "../../../src/perception/lanes/classical-markings.js";
import { renderRoad } from "./synthetic-road.js";
import { laneTuning } from "./support/lane-tuning.js";

/** The classical filter's tuning from config/lane_detector.param.yaml. */
const classical = laneTuning().classical;
const geometry = CameraGeometry.approximate({
  width: 640,
  height: 360,
  mountHeight: 1.5,
  horizonRow: 150,
  horizontalFovDeg: 60,
});

/** The synthetic road with a snow bank right of y = -4 m (grey 190) and a bright streak along it at y = -5.5 m. */
function snowyRoad() {
  const { view } = renderRoad(geometry, {
    lines: [
      { c: [1.8, 0, 0, 0], dashed: false, colour: "white" },
      { c: [-1.8, 0, 0, 0], dashed: false, colour: "white" },
    ],
  });
  for (let v = 0; v < view.height; v++) {
    for (let u = 0; u < view.width; u++) {
      const g = geometry.pixelToGround({ u, v });
      if (!g || g.x > 200 || g.y > -4) continue;
      const level = Math.abs(g.y + 5.5) < 0.08 ? 235 : 190 + ((u * 7 + v * 13) % 9) - 4;
      view.data.fill(level, (v * view.width + u) * 3, (v * view.width + u) * 3 + 3);
    }
  }
  return view;
}

describe("classical marking filter on and off the road", () => {
  const lookup = bevLookup(geometry, DEFAULT_CLASSICAL_GRID, 640, 360);
  const n = lookup.rows * lookup.cols;
  const view = snowyRoad();

  it("reads the road's grey level straight ahead and marks paint on it only", () => {
    const occupancy = new Uint8Array(n);
    const road = new Uint8Array(n);
    const found = classicalMarkingOccupancy(view, lookup, occupancy, classical, undefined, road);
    expect(found.appearance).toBeDefined();
    expect(Math.abs(found.appearance!.grey - 88.5)).toBeLessThan(6);
    const near = (y0: number) => {
      let cells = 0;
      for (let r = 0; r < lookup.rows; r++) {
        if (rowX(lookup.spec, r) < 5 || rowX(lookup.spec, r) > 30) continue;
        for (let c = 0; c < lookup.cols; c++)
          if (occupancy[r * lookup.cols + c] && Math.abs(colY(lookup.spec, c) - y0) < 0.3) cells++;
      }
      return cells;
    };
    expect(near(1.8)).toBeGreaterThan(20);
    expect(near(-1.8)).toBeGreaterThan(20);
    // The streak on the snow bank has grey flanks too, but not the road's grey.
    expect(near(-5.5)).toBe(0);
    // Road-like cells: the asphalt, not the snow.
    const at = (x: number, y: number) =>
      road[
        Math.floor((x - lookup.spec.xMin) / lookup.spec.dx) * lookup.cols +
          Math.floor((y - lookup.spec.yMin) / lookup.spec.dy)
      ];
    expect(at(10, 0)).toBe(1);
    expect(at(10, -7)).toBe(0);
  });

  it("without enough road seen straight ahead, there is no road test", () => {
    const grey = new Float32Array(n).fill(NaN);
    expect(roadAppearance(lookup, grey, new Float32Array(n), classical)).toBeUndefined();
  });
});
