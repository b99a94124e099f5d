import type { MapFeature } from "../../src/map/types.js";

/** A straight 100 m two-lane road along map x with a crosswalk and a stop line (map frame). */
export const origin = { latitude: 37.4275, longitude: -122.1697, altitude: 30 };

export function smallRoad(): MapFeature[] {
  const xs = [0, 50, 100];
  const line = (y: number, reverse = false) => {
    const pts = xs.map((x) => ({ x, y }));
    return reverse ? pts.reverse() : pts;
  };
  return [
    {
      kind: "lane_boundary",
      id: "b_right",
      boundaryType: "solid",
      color: "white",
      points: line(-3.5),
    },
    {
      kind: "lane_boundary",
      id: "b_centre",
      boundaryType: "double_solid",
      color: "yellow",
      points: line(0),
    },
    {
      kind: "lane_boundary",
      id: "b_left",
      boundaryType: "road_edge",
      color: "none",
      points: line(3.5),
    },
    {
      kind: "lane",
      id: "lane_east",
      centerline: line(-1.75),
      leftBoundaryId: "b_centre",
      rightBoundaryId: "b_right",
      successorIds: [],
      predecessorIds: [],
      speedLimit: 13.9,
    },
    {
      kind: "lane",
      id: "lane_west",
      centerline: line(1.75, true),
      leftBoundaryId: "b_centre",
      rightBoundaryId: "b_left",
      successorIds: [],
      predecessorIds: [],
    },
    {
      kind: "crosswalk",
      id: "cw_1",
      polygon: [
        { x: 60, y: -3.5 },
        { x: 64, y: -3.5 },
        { x: 64, y: 3.5 },
        { x: 60, y: 3.5 },
      ],
    },
    {
      kind: "stop_line",
      id: "stop_1",
      points: [
        { x: 58, y: -3.5 },
        { x: 58, y: 0 },
      ],
      laneIds: ["lane_east"],
    },
  ];
}
