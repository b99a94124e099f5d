/**
 * RViz markers (visualization_msgs/Marker) from the perception messages: lane markings coloured
 * by type, crosswalk outlines coloured by map status, pedestrians with their track id and a
 * velocity arrow (base_link, stamped with the camera frame's stamp), and the HD map around the
 * vehicle (map frame).
 */
import type { Time } from "../core/time.js";
import type { Point2 } from "../geometry/types.js";
import type { HdMap } from "../map/types.js";
import {
  Marker as MarkerConst,
  type ColorRGBA,
  type Header,
  type LaneMarking,
  type Marker,
  type MarkerArray,
  type PerceptionFrame,
  type Point,
  type Crosswalk,
  type Pedestrian,
} from "../msgs/types.generated.js";
import {
  MAP_BOUNDARY_COLOR,
  MAP_CROSSWALK_COLOR,
  MAP_STOP_LINE_COLOR,
  crosswalkColor,
  laneTypeColor,
  pedestrianColor,
  rgba,
} from "./colors.js";

/** Marker namespaces, one per kind of thing drawn. */
export const MARKER_NS = {
  lanes: "lanes",
  crosswalks: "crosswalks",
  pedestrians: "pedestrians",
  pedestrianIds: "pedestrian_ids",
  pedestrianVelocity: "pedestrian_velocity",
  mapBoundaries: "map/lane_boundaries",
  mapCrosswalks: "map/crosswalks",
  mapStopLines: "map/stop_lines",
} as const;

/** A marker with every field set to a neutral value. */
function baseMarker(
  header: Header,
  ns: string,
  id: number,
  type: number,
  color: ColorRGBA,
  lifetimeSec = 0,
): Marker {
  const sec = Math.floor(lifetimeSec);
  return {
    header,
    ns,
    id,
    type,
    action: MarkerConst.ADD,
    pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    scale: { x: 1, y: 1, z: 1 },
    color,
    lifetime: { sec, nanosec: Math.round((lifetimeSec - sec) * 1e9) },
    frame_locked: false,
    points: [],
    colors: [],
    texture_resource: "",
    texture: {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" },
      format: "",
      data: new Uint8Array(0),
    },
    uv_coordinates: [],
    text: "",
    mesh_resource: "",
    mesh_file: { filename: "", data: new Uint8Array(0) },
    mesh_use_embedded_materials: false,
  };
}

/** A DELETEALL marker: clears what the display shows before the frame's markers. */
function deleteAllMarker(header: Header): Marker {
  return {
    ...baseMarker(header, "", 0, MarkerConst.CUBE, rgba(0, 0, 0, 0)),
    action: MarkerConst.DELETEALL,
  };
}

function pt(x: number, y: number, z = 0): Point {
  return { x, y, z };
}

/** One LINE_STRIP per lane marking, through its sampled points (or the polynomial when it has none). */
function laneMarkers(header: Header, lanes: readonly LaneMarking[], lifetimeSec = 0): Marker[] {
  return lanes.map((lane, i) => {
    const m = baseMarker(
      header,
      MARKER_NS.lanes,
      i,
      MarkerConst.LINE_STRIP,
      laneTypeColor(lane.type),
      lifetimeSec,
    );
    m.scale = { x: 0.15, y: 0, z: 0 };
    if (lane.points.length >= 2) {
      m.points = lane.points.map((p) => pt(p.x, p.y, 0.02));
    } else {
      const c = lane.poly_coefficients;
      const steps = 20;
      for (let s = 0; s <= steps; s++) {
        const x = lane.x_min + ((lane.x_max - lane.x_min) * s) / steps;
        m.points.push(pt(x, c[0]! + c[1]! * x + c[2]! * x * x + c[3]! * x * x * x, 0.02));
      }
    }
    m.color = { ...m.color, a: Math.max(0.35, Math.min(1, lane.confidence)) };
    return m;
  });
}

/** One closed LINE_STRIP per crosswalk outline. */
function crosswalkMarkers(
  header: Header,
  crosswalks: readonly Crosswalk[],
  lifetimeSec = 0,
): Marker[] {
  return crosswalks
    .filter((c) => c.polygon.points.length >= 3)
    .map((c, i) => {
      const m = baseMarker(
        header,
        MARKER_NS.crosswalks,
        i,
        MarkerConst.LINE_STRIP,
        crosswalkColor(c.map_status),
        lifetimeSec,
      );
      m.scale = { x: 0.2, y: 0, z: 0 };
      m.points = [...c.polygon.points, c.polygon.points[0]!].map((p) => pt(p.x, p.y, 0.03));
      return m;
    });
}

/** Per pedestrian: a cylinder at the feet, its track id as text, and its velocity as an arrow (1 s of motion). */
function pedestrianMarkers(
  header: Header,
  pedestrians: readonly Pedestrian[],
  lifetimeSec = 0,
): Marker[] {
  const out: Marker[] = [];
  pedestrians.forEach((p, i) => {
    const color = pedestrianColor(p.in_ego_corridor);
    const body = baseMarker(
      header,
      MARKER_NS.pedestrians,
      i,
      MarkerConst.CYLINDER,
      color,
      lifetimeSec,
    );
    body.pose.position = pt(p.position.x, p.position.y, 0.9);
    body.scale = { x: 0.6, y: 0.6, z: 1.8 };
    out.push(body);
    const label = baseMarker(
      header,
      MARKER_NS.pedestrianIds,
      i,
      MarkerConst.TEXT_VIEW_FACING,
      rgba(1, 1, 1),
      lifetimeSec,
    );
    label.pose.position = pt(p.position.x, p.position.y, 2.2);
    label.scale = { x: 0, y: 0, z: 0.5 };
    label.text =
      p.track_id > 0 ? `#${p.track_id} ${p.range.toFixed(1)} m` : `${p.range.toFixed(1)} m`;
    out.push(label);
    const speed = Math.hypot(p.velocity.x, p.velocity.y);
    if (speed > 0.05) {
      const arrow = baseMarker(
        header,
        MARKER_NS.pedestrianVelocity,
        i,
        MarkerConst.ARROW,
        color,
        lifetimeSec,
      );
      arrow.points = [
        pt(p.position.x, p.position.y, 0.1),
        pt(p.position.x + p.velocity.x, p.position.y + p.velocity.y, 0.1),
      ];
      arrow.scale = { x: 0.08, y: 0.2, z: 0.25 };
      out.push(arrow);
    }
  });
  return out;
}

/** The frame's detections (base_link), after a DELETEALL so nothing stale stays on screen. */
export function frameMarkers(frame: PerceptionFrame, lifetimeSec = 0): MarkerArray {
  const header = frame.header;
  return {
    markers: [
      deleteAllMarker(header),
      ...laneMarkers(header, frame.lanes, lifetimeSec),
      ...crosswalkMarkers(header, frame.crosswalks, lifetimeSec),
      ...pedestrianMarkers(header, frame.pedestrians, lifetimeSec),
    ],
  };
}

function polyline(
  header: Header,
  ns: string,
  id: number,
  points: readonly Point2[],
  color: ColorRGBA,
  width: number,
  closed = false,
): Marker {
  const m = baseMarker(header, ns, id, MarkerConst.LINE_STRIP, color);
  m.scale = { x: width, y: 0, z: 0 };
  m.points = points.map((p) => pt(p.x, p.y, 0));
  if (closed && points.length > 0) m.points.push(pt(points[0]!.x, points[0]!.y, 0));
  return m;
}

/** Stable small ids for map features (RViz needs int32 ids): the index in the map's sorted id list. */
function ids(keys: Iterable<string>): Map<string, number> {
  return new Map([...keys].sort().map((k, i) => [k, i]));
}

/**
 * The HD map around a point (map frame): lane boundaries, crosswalks and stop lines within `radius`.
 * Ids are stable per feature, so re-publishing replaces rather than duplicates.
 */
export function mapLayerMarkers(
  map: HdMap,
  center: Point2,
  radius: number,
  stamp: Time,
  mapFrame = "map",
): MarkerArray {
  const header: Header = { stamp, frame_id: mapFrame };
  const boundaryIds = ids(map.laneBoundaries.keys());
  const crosswalkIds = ids(map.crosswalks.keys());
  const stopIds = ids(map.stopLines.keys());
  const markers: Marker[] = [deleteAllMarker(header)];
  for (const f of map.near(center, radius)) {
    if (f.kind === "lane_boundary") {
      const width = f.boundaryType === "road_edge" ? 0.25 : 0.12;
      markers.push(
        polyline(
          header,
          MARKER_NS.mapBoundaries,
          boundaryIds.get(f.id)!,
          f.points,
          MAP_BOUNDARY_COLOR,
          width,
        ),
      );
    } else if (f.kind === "crosswalk") {
      markers.push(
        polyline(
          header,
          MARKER_NS.mapCrosswalks,
          crosswalkIds.get(f.id)!,
          f.polygon,
          MAP_CROSSWALK_COLOR,
          0.2,
          true,
        ),
      );
    } else if (f.kind === "stop_line") {
      markers.push(
        polyline(
          header,
          MARKER_NS.mapStopLines,
          stopIds.get(f.id)!,
          f.points,
          MAP_STOP_LINE_COLOR,
          0.3,
        ),
      );
    }
  }
  return { markers };
}
