import { describe, expect, it } from "vitest";
import { codecFor } from "../../src/msgs/codec.js";
import { LaneMarking, Marker } from "../../src/msgs/types.generated.js";
import type { MarkerArray } from "../../src/msgs/types.generated.js";
import { laneTypeColor } from "../../src/viz/colors.js";
import { MARKER_NS, frameMarkers, mapLayerMarkers } from "../../src/viz/markers.js";
import type { HdMap, MapFeature } from "../../src/map/types.js";
import { frame } from "./fixtures.js";

describe("frameMarkers", () => {
  const f = frame(100);
  const array = frameMarkers(f, 0.5);

  it("starts with DELETEALL and stamps every marker with the frame's header", () => {
    expect(array.markers[0]!.action).toBe(Marker.DELETEALL);
    for (const m of array.markers) expect(m.header).toEqual(f.header);
  });

  it("draws lanes as line strips coloured by type", () => {
    const lanes = array.markers.filter((m) => m.ns === MARKER_NS.lanes);
    expect(lanes).toHaveLength(2);
    expect(lanes.every((m) => m.type === Marker.LINE_STRIP && m.points.length === 4)).toBe(true);
    expect(lanes[0]!.color).toMatchObject({
      r: laneTypeColor(LaneMarking.TYPE_SOLID).r,
      g: laneTypeColor(LaneMarking.TYPE_SOLID).g,
    });
    expect(lanes[1]!.color.r).toBe(laneTypeColor(LaneMarking.TYPE_DASHED).r);
    expect(lanes[0]!.color.r).not.toBe(lanes[1]!.color.r);
  });

  it("draws each pedestrian with a body, a label with its track id, and an arrow only when moving", () => {
    expect(array.markers.filter((m) => m.ns === MARKER_NS.pedestrians)).toHaveLength(2);
    const labels = array.markers.filter((m) => m.ns === MARKER_NS.pedestrianIds).map((m) => m.text);
    expect(labels[0]).toMatch(/^#3 /);
    const arrows = array.markers.filter((m) => m.ns === MARKER_NS.pedestrianVelocity);
    expect(arrows).toHaveLength(1);
    expect(arrows[0]!.points[1]).toMatchObject({ x: 12, y: 1.7 });
  });

  it("closes crosswalk outlines, sets the lifetime, and encodes as visualization_msgs/MarkerArray", () => {
    const cw = array.markers.find((m) => m.ns === MARKER_NS.crosswalks)!;
    expect(cw.points[0]).toEqual(cw.points[cw.points.length - 1]);
    expect(cw.lifetime).toEqual({ sec: 0, nanosec: 500_000_000 });
    const codec = codecFor<MarkerArray>("visualization_msgs/msg/MarkerArray");
    const back = codec.decode(codec.encode(array));
    expect(back.markers).toHaveLength(array.markers.length);
    expect(back.markers[3]!.ns).toBe(array.markers[3]!.ns);
  });
});

describe("mapLayerMarkers", () => {
  const features: MapFeature[] = [
    {
      kind: "lane_boundary",
      id: "b2",
      boundaryType: "solid",
      color: "white",
      points: [
        { x: 0, y: 2 },
        { x: 50, y: 2 },
      ],
    },
    {
      kind: "lane_boundary",
      id: "b1",
      boundaryType: "road_edge",
      color: "none",
      points: [
        { x: 0, y: -2 },
        { x: 50, y: -2 },
      ],
    },
    {
      kind: "crosswalk",
      id: "c1",
      polygon: [
        { x: 20, y: -4 },
        { x: 24, y: -4 },
        { x: 24, y: 4 },
        { x: 20, y: 4 },
      ],
    },
  ];
  const map = {
    name: "t",
    laneBoundaries: new Map(
      features.filter((f) => f.kind === "lane_boundary").map((f) => [f.id, f]),
    ),
    crosswalks: new Map(features.filter((f) => f.kind === "crosswalk").map((f) => [f.id, f])),
    stopLines: new Map(),
    lanes: new Map(),
    near: () => features,
  } as unknown as HdMap;

  it("draws the map in the map frame with stable ids per feature", () => {
    const a = mapLayerMarkers(map, { x: 0, y: 0 }, 50, { sec: 5, nanosec: 0 });
    expect(a.markers.every((m) => m.header.frame_id === "map")).toBe(true);
    const boundaries = a.markers.filter((m) => m.ns === MARKER_NS.mapBoundaries);
    expect(boundaries.map((m) => m.id).sort()).toEqual([0, 1]);
    expect(boundaries.find((m) => m.id === 1)!.points[0]).toMatchObject({ y: 2 }); // "b2" sorts second
    const cw = a.markers.find((m) => m.ns === MARKER_NS.mapCrosswalks)!;
    expect(cw.points).toHaveLength(5);
  });
});
