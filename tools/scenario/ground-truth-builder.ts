/**
 * Builds one frame's ground truth from the world, the ego pose, the actors and what the renderer
 * drew, projecting through the same camera model and mount as the renderer.
 */
import { transformPoint } from "../../src/geometry/transform.js";
import type { Point2 } from "../../src/geometry/types.js";
import type { CameraRig } from "./camera-rig.js";
import {
  GROUND_TRUTH_FORMAT,
  GROUND_TRUTH_VERSION,
  type GroundTruthFrame,
  type GtBox,
  type GtCrosswalk,
  type GtLaneMarking,
  type GtPedestrian,
  type UV,
  type XY,
} from "../../src/report/ground-truth.js";
import { baseFromMap } from "./poses.js";
import type { PedestrianPixels, PixelBox } from "./render/renderer.js";
import type { MapEdit } from "./scenarios.js";
import type { PedestrianState, VehicleState } from "./world/actors.js";
import type { GroundPose, World } from "./world/types.js";

/** Lane-marking and stop-line samples reach this far ahead of base_link, metres. */
export const GT_RANGE = 60;
/** Spacing of lane-marking samples, metres. */
export const GT_SPACING = 2;

export interface GroundTruthInput {
  scenario: string;
  world: World;
  mapEdits: readonly MapEdit[];
  rig: CameraRig;
  imageTopic: string;
  frame: number;
  stamp: { sec: number; nanosec: number };
  ego: GroundPose;
  egoSpeed: number;
  pedestrians: PedestrianState[];
  vehicles: VehicleState[];
  /** The renderer's per-pedestrian pixels, same order as `pedestrians`. */
  pixels: PedestrianPixels[];
}

export function buildGroundTruth(o: GroundTruthInput): GroundTruthFrame {
  const toBase = baseFromMap(o.ego);
  const model = o.rig.model;
  const geometry = o.rig.geometry;
  const base = (p: Point2): XY => {
    const b = transformPoint(toBase, { x: p.x, y: p.y, z: 0 });
    return [b.x, b.y];
  };
  const image = (b: XY): UV | null => {
    const opt = geometry.toOptical({ x: b[0], y: b[1], z: 0 });
    if (opt.z < 0.5) return null;
    const px = model.project(opt);
    return px && model.contains(px) ? [r2(px.u), r2(px.v)] : null;
  };
  const inFront = (b: XY): boolean =>
    geometry.toOptical({ x: b[0], y: b[1], z: 0 }).z >= 0.5 &&
    b[0] <= GT_RANGE &&
    Math.abs(b[1]) <= GT_RANGE;

  const dashes = new Map<string, { on: number; off: number }>();
  for (const p of o.world.paint)
    if (p.kind === "line" && p.dash) dashes.set(p.boundaryId, { on: p.dash.on, off: p.dash.off });
  const step = Math.max(1, Math.round(GT_SPACING / 0.5));
  const laneMarkings: GtLaneMarking[] = [];
  for (const b of o.world.laneBoundaries) {
    const pointsBase: XY[] = [];
    const pointsImage: Array<UV | null> = [];
    for (let i = 0; i < b.points.length; i += step) {
      const pb = base(b.points[i]!);
      if (!inFront(pb)) continue;
      pointsBase.push(r3xy(pb));
      pointsImage.push(image(pb));
    }
    if (pointsImage.filter((p) => p !== null).length < 2) continue;
    const dash = dashes.get(b.id);
    laneMarkings.push({
      id: b.id,
      type: b.boundaryType,
      color: b.color,
      ...(dash ? { dash } : {}),
      points_base: pointsBase,
      points_image: pointsImage,
    });
  }

  const omitted = new Set(
    o.mapEdits
      .filter((e) => e.kind === "omit_crosswalk")
      .map((e) => (e as { crosswalkId: string }).crosswalkId),
  );
  const crosswalks: GtCrosswalk[] = [];
  for (const c of o.world.crosswalks) {
    const polyBase = c.polygon.map(base);
    const polyImage = clipAndProject(polyBase, o.rig);
    if (
      polyImage.length === 0 ||
      Math.min(...polyBase.map((p) => Math.hypot(p[0], p[1]))) > GT_RANGE * 1.5
    )
      continue;
    crosswalks.push({
      id: c.id,
      in_map: !omitted.has(c.id),
      polygon_base: polyBase.map(r3xy),
      polygon_image: polyImage.map((p) => [r2(p[0]), r2(p[1])] as UV),
      distance_ahead: r3(Math.min(...polyBase.map((p) => p[0]))),
      in_image:
        polyImage.some((p) => model.contains({ u: p[0], v: p[1] })) ||
        polygonCoversImageCentre(polyImage, model.width, model.height),
    });
  }
  const mapOnly = o.mapEdits
    .filter(
      (e): e is Extract<MapEdit, { kind: "crosswalk_only_in_map" }> =>
        e.kind === "crosswalk_only_in_map",
    )
    .map((e) => ({ id: e.crosswalkId, polygon_base: e.polygon.map(base).map(r3xy) }));

  const stopLines = o.world.stopLines
    .map((s) => {
      const pts = s.points.map(base);
      return { id: s.id, points_base: pts.map(r3xy), points_image: pts.map(image) };
    })
    .filter((s) => s.points_base.some((p) => inFront(p)));

  const yawBase = -o.ego.heading;
  const pedestrians: GtPedestrian[] = o.pedestrians.map((p, i) => {
    const px = o.pixels[i]!;
    const pb = base(p);
    const c = Math.cos(yawBase);
    const s = Math.sin(yawBase);
    const box = px.amodalBox ? gtBox(px.amodalBox) : undefined;
    return {
      id: p.spec.id,
      role: p.spec.role,
      position_map: r3xy([p.x, p.y]),
      position_base: r3xy(pb),
      velocity_base: r3xy([c * p.vx - s * p.vy, s * p.vx + c * p.vy]),
      height: r3(p.spec.look.height),
      range: r3(Math.hypot(pb[0], pb[1])),
      in_image: px.totalPixels > 0,
      ...(box ? { box } : {}),
      ...(px.visibleBox ? { visible_box: gtBox(px.visibleBox) } : {}),
      visible_fraction: px.totalPixels > 0 ? r3(px.visiblePixels / px.totalPixels) : 0,
      visible_pixels: px.visiblePixels,
      total_pixels: px.totalPixels,
      truncated: box
        ? box.u0 <= 0 || box.v0 <= 0 || box.u1 >= model.width - 1 || box.v1 >= model.height - 1
        : false,
      crosswalk_id: o.world.crosswalks.find((c) => pointInPolygon(p.x, p.y, c.polygon))?.id ?? "",
    };
  });
  const vehicles = o.vehicles.map((v) => {
    const pb = base(v);
    return {
      id: v.spec.id,
      position_base: r3xy(pb),
      heading_base: r3(wrap(v.heading - o.ego.heading)),
      length: r3(v.spec.length),
      width: r3(v.spec.width),
      height: r3(v.spec.height),
      speed: r3(v.speed),
    };
  });
  return {
    format: GROUND_TRUTH_FORMAT,
    version: GROUND_TRUTH_VERSION,
    scenario: o.scenario,
    frame: o.frame,
    stamp: o.stamp,
    image_topic: o.imageTopic,
    ego: {
      x: r6(o.ego.x),
      y: r6(o.ego.y),
      yaw: r9(o.ego.heading),
      speed: r3(o.egoSpeed),
      ...egoLane(o.world, o.ego),
    },
    lane_markings: laneMarkings,
    crosswalks,
    map_only_crosswalks: mapOnly,
    stop_lines: stopLines,
    pedestrians,
    vehicles,
  };
}

/** Clips a base_link polygon to the half-space 0.5 m or more in front of the camera, then projects it. */
function clipAndProject(poly: XY[], rig: CameraRig): Array<[number, number]> {
  const pts = poly.map((p) => rig.geometry.toOptical({ x: p[0], y: p[1], z: 0 }));
  const near = 0.5;
  const clipped: typeof pts = [];
  for (let i = 0; i < pts.length; i++) {
    const a = pts[i]!;
    const b = pts[(i + 1) % pts.length]!;
    if (a.z >= near) clipped.push(a);
    if (a.z >= near !== b.z >= near) {
      const t = (near - a.z) / (b.z - a.z);
      clipped.push({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, z: near });
    }
  }
  const out: Array<[number, number]> = [];
  for (const p of clipped) {
    const px = rig.model.project(p);
    if (px) out.push([px.u, px.v]);
  }
  return out;
}

function polygonCoversImageCentre(
  poly: Array<[number, number]>,
  width: number,
  height: number,
): boolean {
  return (
    poly.length >= 3 &&
    pointInPolygon(
      width / 2,
      height / 2,
      poly.map(([u, v]) => ({ x: u, y: v })),
    )
  );
}

/** The lane the ego is in and its signed offset from the lane's centre line (positive = left). */
function egoLane(world: World, ego: GroundPose): { lane_id: string; lateral_offset: number } {
  let best = { lane_id: "", lateral_offset: 0, d: Infinity };
  for (const lane of world.lanes) {
    const pts = lane.centerline;
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!;
      const b = pts[i]!;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len2 = dx * dx + dy * dy;
      if (len2 === 0) continue;
      if (Math.cos(Math.atan2(dy, dx) - ego.heading) < 0.5) continue;
      const t = Math.max(0, Math.min(1, ((ego.x - a.x) * dx + (ego.y - a.y) * dy) / len2));
      const qx = a.x + dx * t;
      const qy = a.y + dy * t;
      const d = Math.hypot(ego.x - qx, ego.y - qy);
      if (d < best.d) {
        const len = Math.sqrt(len2);
        const side = (dx * (ego.y - a.y) - dy * (ego.x - a.x)) / len;
        best = { lane_id: lane.id, lateral_offset: r3(side), d };
      }
    }
  }
  return { lane_id: best.lane_id, lateral_offset: best.lateral_offset };
}

export function pointInPolygon(x: number, y: number, poly: readonly Point2[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!;
    const b = poly[j]!;
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

function gtBox(b: PixelBox): GtBox {
  return { u0: b.u0, v0: b.v0, u1: b.u1, v1: b.v1 };
}

function wrap(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}
function r2(v: number): number {
  return Math.round(v * 100) / 100;
}
function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
function r9(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}
function r6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
function r3xy(p: XY): XY {
  return [r3(p[0]), r3(p[1])];
}
