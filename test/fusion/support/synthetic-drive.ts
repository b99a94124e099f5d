/**
 * Synthetic drives for fusion tests and the benchmark, with exact ground truth: a one-way two-lane
 * road (straight, then a left curve, then straight) as an HD map, a vehicle driving the right lane
 * with lateral wander, scripted pedestrians, and detections made from the truth with realistic
 * noise (lane cubics fitted to the true paint with offset noise, pedestrian ground positions with
 * range-proportional noise along the ray and a matching covariance, crosswalk corners jittered,
 * missed detections and occlusions). The `map_mismatch` variant's map differs from the world.
 */
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { quatFromEuler } from "../../../src/geometry/transform.js";
import type { Point2 } from "../../../src/geometry/types.js";
import { createHdMap } from "../../../src/map/hd-map.js";
import type { BoundaryType, HdMap, MapFeature } from "../../../src/map/types.js";
import { secToTime } from "../../../src/core/time.js";
import {
  Crosswalk,
  LaneMarking,
  type CrosswalkArray,
  type LaneMarkingArray,
  type Pedestrian,
  type PedestrianArray,
} from "../../../src/msgs/types.generated.js";
import type { FusionInput } from "../../../src/fusion/fusion-engine.js";
import type { Untimed } from "../../../src/msgs/detector-arrays.js";

export const LANE_WIDTH = 3.5;
export const SEGMENT_LENGTH = 50;
export const ROAD_LENGTH = 600;
const HEADING0 = 0.5;
const STRAIGHT1 = 200;
const ARC = 150;
const RADIUS = 250;

/** A seeded PRNG (mulberry32) with Gaussian samples. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  gauss(std = 1): number {
    const u = Math.max(this.next(), 1e-12);
    return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** The road's reference line (the middle boundary): point and heading at arc length s. */
export function roadFrame(s: number): { x: number; y: number; heading: number } {
  const h0 = HEADING0;
  if (s <= STRAIGHT1) return { x: s * Math.cos(h0), y: s * Math.sin(h0), heading: h0 };
  const p1 = { x: STRAIGHT1 * Math.cos(h0), y: STRAIGHT1 * Math.sin(h0) };
  // Left turn: centre to the left of the heading.
  const cx = p1.x - RADIUS * Math.sin(h0);
  const cy = p1.y + RADIUS * Math.cos(h0);
  const u = Math.min(s - STRAIGHT1, ARC);
  const phi = u / RADIUS;
  const heading = h0 + phi;
  const p = { x: cx + RADIUS * Math.sin(heading), y: cy - RADIUS * Math.cos(heading) };
  if (s <= STRAIGHT1 + ARC) return { ...p, heading };
  const rest = s - STRAIGHT1 - ARC;
  return { x: p.x + rest * Math.cos(heading), y: p.y + rest * Math.sin(heading), heading };
}

/** Road coordinates (s along, d left of the middle boundary) to map. */
export function roadPoint(s: number, d: number): Point2 {
  const f = roadFrame(s);
  return { x: f.x - d * Math.sin(f.heading), y: f.y + d * Math.cos(f.heading) };
}

/** A crosswalk across the road, in road coordinates. */
export interface RoadCrosswalk {
  id: string;
  s: number;
}
const CROSSWALK_HALF_DEPTH = 2;
const CROSSWALK_HALF_SPAN = 4;

export function crosswalkPolygon(s: number): Point2[] {
  const h = CROSSWALK_HALF_DEPTH,
    w = CROSSWALK_HALF_SPAN;
  return [roadPoint(s - h, -w), roadPoint(s + h, -w), roadPoint(s + h, w), roadPoint(s - h, w)];
}

/** What lies on the road: paint lines by lateral position and type per segment, crosswalks. */
export interface WorldLayout {
  /** Lateral position of each paint line per segment index (d, metres). */
  lineOffset(line: "right" | "middle" | "left", segment: number): number;
  lineType(line: "right" | "middle" | "left", segment: number): BoundaryType;
  crosswalks: RoadCrosswalk[];
}

const LINES = ["right", "middle", "left"] as const;
const BASE_OFFSET = { right: -LANE_WIDTH, middle: 0, left: LANE_WIDTH };
const BASE_TYPE: Record<(typeof LINES)[number], BoundaryType> = {
  right: "solid",
  middle: "dashed",
  left: "solid",
};

export const CLEAN_LAYOUT: WorldLayout = {
  lineOffset: (line) => BASE_OFFSET[line],
  lineType: (line) => BASE_TYPE[line],
  crosswalks: [
    { id: "cw_150", s: 150 },
    { id: "cw_330", s: 330 },
    { id: "cw_480", s: 480 },
  ],
};

/** How the map_mismatch map differs from the (clean) world. */
export const MISMATCH = {
  /** Boundary moved laterally in the map only. */
  shiftedBoundaryId: "seg5_right",
  shift: 0.6,
  /** Boundary whose type is wrong in the map. */
  retypedBoundaryId: "seg8_middle",
  /** World crosswalk absent from the map. */
  unmappedCrosswalkS: 330,
  /** Map crosswalk absent from the world. */
  missingCrosswalkId: "cw_420",
} as const;

export const MISMATCH_MAP_LAYOUT: WorldLayout = {
  lineOffset: (line, seg) =>
    BASE_OFFSET[line] + (`seg${seg}_${line}` === MISMATCH.shiftedBoundaryId ? MISMATCH.shift : 0),
  lineType: (line, seg) =>
    `seg${seg}_${line}` === MISMATCH.retypedBoundaryId ? "solid" : BASE_TYPE[line],
  crosswalks: [
    { id: "cw_150", s: 150 },
    { id: MISMATCH.missingCrosswalkId, s: 420 },
    { id: "cw_480", s: 480 },
  ],
};

/** Map features of a layout: per 50 m segment three boundaries and two lanes, crosswalks. */
export function layoutFeatures(
  layout: WorldLayout,
  segments = ROAD_LENGTH / SEGMENT_LENGTH,
  step = 2,
): MapFeature[] {
  const features: MapFeature[] = [];
  const line = (s0: number, s1: number, d: number): Point2[] => {
    const out: Point2[] = [];
    for (let s = s0; s <= s1 + 1e-9; s += step) out.push(roadPoint(s, d));
    return out;
  };
  for (let k = 0; k < segments; k++) {
    const s0 = k * SEGMENT_LENGTH,
      s1 = s0 + SEGMENT_LENGTH;
    for (const l of LINES) {
      features.push({
        kind: "lane_boundary",
        id: `seg${k}_${l}`,
        boundaryType: layout.lineType(l, k),
        color: l === "left" ? "yellow" : "white",
        points: line(s0, s1, layout.lineOffset(l, k)),
      });
    }
    const next = k + 1 < segments;
    const prev = k > 0;
    features.push({
      kind: "lane",
      id: `seg${k}_lane_r`,
      centerline: line(s0, s1, -LANE_WIDTH / 2),
      leftBoundaryId: `seg${k}_middle`,
      rightBoundaryId: `seg${k}_right`,
      successorIds: next ? [`seg${k + 1}_lane_r`] : [],
      predecessorIds: prev ? [`seg${k - 1}_lane_r`] : [],
    });
    features.push({
      kind: "lane",
      id: `seg${k}_lane_l`,
      centerline: line(s0, s1, LANE_WIDTH / 2),
      leftBoundaryId: `seg${k}_left`,
      rightBoundaryId: `seg${k}_middle`,
      successorIds: next ? [`seg${k + 1}_lane_l`] : [],
      predecessorIds: prev ? [`seg${k - 1}_lane_l`] : [],
    });
  }
  for (const c of layout.crosswalks)
    features.push({ kind: "crosswalk", id: c.id, polygon: crosswalkPolygon(c.s) });
  return features;
}

export const MAP_ORIGIN = { latitude: 48.1372, longitude: 11.5756, altitude: 520 };

export function layoutMap(layout: WorldLayout, name = "fusion-test-road"): HdMap {
  return createHdMap({ name, origin: MAP_ORIGIN, features: layoutFeatures(layout) });
}

/** The test camera: 1280x720, f = 1000 px, 1.4 m high, pitched 3 degrees down, at base_link. */
export function testCamera(): CameraGeometry {
  return CameraGeometry.approximate({
    width: 1280,
    height: 720,
    focalPx: 1000,
    mountHeight: 1.4,
    pitchRad: (3 * Math.PI) / 180,
  });
}

/** A scripted pedestrian: road coordinates as a function of time. */
export interface ScriptedPedestrian {
  id: number;
  at(t: number): { s: number; d: number };
  /** Time intervals [t0, t1) when the pedestrian is hidden from the camera. */
  occluded: [number, number][];
}

/** A walk between two road points at constant speed, standing still before and after. */
function walk(
  id: number,
  from: { s: number; d: number },
  to: { s: number; d: number },
  start: number,
  speed: number,
  occluded: [number, number][] = [],
): ScriptedPedestrian {
  const len = Math.hypot(to.s - from.s, to.d - from.d);
  const duration = len / speed;
  return {
    id,
    occluded,
    at(t) {
      const u = Math.min(Math.max((t - start) / duration, 0), 1);
      return { s: from.s + u * (to.s - from.s), d: from.d + u * (to.d - from.d) };
    },
  };
}

/**
 * The pedestrians of the drive. The ego passes s = 150 at 14.5 s, 330 at 32.5 s, 480 at 47.5 s
 * (10 m/s); each crosswalk is in the camera's reliable range for ~2.2 s before that, and shows one
 * occupancy state then: cw_150 occupied, cw_330 approached, cw_480 free. Nobody is run over.
 */
export function scriptedPedestrians(): ScriptedPedestrian[] {
  return [
    // Crosses crosswalk 150 right to left while the ego approaches.
    walk(1, { s: 150.5, d: -9 }, { s: 150.5, d: 9 }, 5, 1.1),
    // Walks along the right sidewalk towards crosswalk 150, then waits there.
    walk(2, { s: 125, d: -5.5 }, { s: 146, d: -5.5 }, 0, 1.4),
    // Runs mid-block across the ego's lane at s = 300 (2 m/s), out of it 1.2 s before the ego arrives.
    walk(3, { s: 300, d: -12 }, { s: 300, d: 4 }, 22.05, 2),
    // Walks up to crosswalk 330 from the right, reaching the kerb just after the ego passed.
    walk(6, { s: 330.5, d: -14 }, { s: 330.5, d: -4.3 }, 32.6 - 9.7 / 1.3, 1.3),
    // Crosses crosswalk 480 left to right well before the ego arrives, hidden for 0.6 s after it.
    walk(4, { s: 480.5, d: 8 }, { s: 480.5, d: -8 }, 35.5, 1.4, [[45, 45.6]]),
    // Stands on the left kerb near crosswalk 480.
    walk(5, { s: 485, d: 6.5 }, { s: 485, d: 6.5 }, 0, 1),
    // Walks towards the ego on the left sidewalk.
    walk(7, { s: 300, d: 6 }, { s: 200, d: 6 }, 8, 1.5),
    // Stands on the right sidewalk.
    walk(8, { s: 390, d: -6 }, { s: 390, d: -6 }, 0, 1),
  ];
}

/** The ego's road coordinates at time t: right lane with wander, 10 m/s. */
export function egoRoadState(t: number, speed = 10): { s: number; d: number; dd: number } {
  const period = 7;
  const amp = 0.3;
  return {
    s: 5 + speed * t,
    d: -LANE_WIDTH / 2 + amp * Math.sin((2 * Math.PI * t) / period),
    dd: (amp * 2 * Math.PI * Math.cos((2 * Math.PI * t) / period)) / period / speed,
  };
}

/** Ground truth of one frame. */
export interface FrameTruth {
  t: number;
  pose: { x: number; y: number; yaw: number };
  egoLaneId: string;
  /** Signed offset of base_link from the ego lane centreline (left positive). */
  egoLateralOffset: number;
  /** Whether ego markings are in view this frame. */
  markingsVisible: boolean;
  pedestrians: {
    id: number;
    base: Point2;
    velocityBase: Point2;
    detected: boolean;
    onCrosswalk: string | undefined;
  }[];
  /** Per world crosswalk in the camera's reliable range: its occupancy. */
  crosswalks: { id: string; occupancy: number }[];
}

/** One synthetic frame: the fusion input and its truth. */
export interface SyntheticFrame {
  input: FusionInput;
  truth: FrameTruth;
}

/** Options of a synthetic drive. */
export interface DriveOptions {
  /** The world (what the camera sees). */
  world?: WorldLayout;
  /** Camera rate, Hz. */
  rate?: number;
  /** First and last time, seconds. */
  from?: number;
  to?: number;
  seed?: number;
  /** Std of each marking's lateral offset noise, metres. */
  markingNoise?: number;
  /** Std of the pedestrian depth noise as a fraction of range. */
  depthNoise?: number;
  /** Probability of missing a pedestrian in a frame. */
  pedestrianMissRate?: number;
  /** Lateral error added to the pose (a biased localisation), metres. */
  poseLateralBias?: number;
  /** Without a camera geometry in the input. */
  noGeometry?: boolean;
  /** Extra pedestrians standing on both sidewalks every `crowdSpacing` metres (load for benchmarks). */
  crowd?: boolean;
  /** Spacing of the crowd along each sidewalk, metres. */
  crowdSpacing?: number;
}

const toBase = (pose: { x: number; y: number; yaw: number }, p: Point2): Point2 => {
  const c = Math.cos(pose.yaw),
    s = Math.sin(pose.yaw);
  const dx = p.x - pose.x,
    dy = p.y - pose.y;
  return { x: c * dx + s * dy, y: -s * dx + c * dy };
};

/** Least-squares cubic y(x) through points. */
export function fitCubic(pts: Point2[]): [number, number, number, number] {
  const A = Array.from({ length: 4 }, () => new Array(5).fill(0) as number[]);
  for (const p of pts) {
    const pw = [1, p.x, p.x ** 2, p.x ** 3];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) A[i]![j]! += pw[i]! * pw[j]!;
      A[i]![4]! += pw[i]! * p.y;
    }
  }
  for (let i = 0; i < 4; i++) {
    let piv = i;
    for (let r = i + 1; r < 4; r++) if (Math.abs(A[r]![i]!) > Math.abs(A[piv]![i]!)) piv = r;
    [A[i], A[piv]] = [A[piv]!, A[i]!];
    for (let r = 0; r < 4; r++) {
      if (r === i) continue;
      const f = A[r]![i]! / A[i]![i]!;
      for (let c = i; c < 5; c++) A[r]![c]! -= f * A[i]![c]!;
    }
  }
  return [
    A[0]![4]! / A[0]![0]!,
    A[1]![4]! / A[1]![1]!,
    A[2]![4]! / A[2]![2]!,
    A[3]![4]! / A[3]![3]!,
  ];
}

const TYPE_CODE: Record<BoundaryType, number> = {
  solid: LaneMarking.TYPE_SOLID,
  dashed: LaneMarking.TYPE_DASHED,
  double_solid: LaneMarking.TYPE_DOUBLE_SOLID,
  road_edge: LaneMarking.TYPE_ROAD_EDGE,
};

const DETECT_MAX_X = 45;
const DETECT_HALF_FOV = (35 * Math.PI) / 180;
/** The simulated crosswalk detector's range (farther than the engine's "should see" range). */
const CROSSWALK_DETECT_RANGE = 32;

/** Generates a drive frame by frame. */
export function* syntheticDrive(o: DriveOptions = {}): Generator<SyntheticFrame> {
  const world = o.world ?? CLEAN_LAYOUT;
  const rate = o.rate ?? 30;
  const rng = new Rng(o.seed ?? 1);
  const peds = scriptedPedestrians();
  if (o.crowd) {
    const spacing = o.crowdSpacing ?? 6;
    let id = 100;
    for (let s = 10; s < ROAD_LENGTH; s += spacing) {
      for (const d of [-7, 7])
        peds.push(
          walk(
            id++,
            { s: s + (d > 0 ? spacing / 2 : 0), d },
            { s: s + (d > 0 ? spacing / 2 : 0), d },
            0,
            1,
          ),
        );
    }
  }
  const camera = testCamera();
  const t0 = o.from ?? 0;
  const t1 = o.to ?? 55;
  const markingNoise = o.markingNoise ?? 0.05;
  const depthNoise = o.depthNoise ?? 0.02;
  const miss = o.pedestrianMissRate ?? 0.05;
  const stampBase = 1_700_000_000;
  for (let i = 0; t0 + i / rate <= t1; i++) {
    const t = t0 + i / rate;
    const ego = egoRoadState(t);
    const road = roadFrame(ego.s);
    const p = roadPoint(ego.s, ego.d);
    const pose = { x: p.x, y: p.y, yaw: road.heading + Math.atan(ego.dd) };
    const seg = Math.floor(ego.s / SEGMENT_LENGTH);
    // Markings: fit the true paint between 5 and 40 m ahead.
    const markings: LaneMarking[] = [];
    for (const line of LINES) {
      const pts: Point2[] = [];
      for (let s = ego.s - 5; s <= ego.s + 60; s += 1) {
        const k = Math.min(Math.floor(s / SEGMENT_LENGTH), ROAD_LENGTH / SEGMENT_LENGTH - 1);
        const b = toBase(pose, roadPoint(s, world.lineOffset(line, k)));
        if (b.x >= 5 && b.x <= 40) pts.push(b);
      }
      if (pts.length < 10) continue;
      const c = fitCubic(pts);
      c[0] += rng.gauss(markingNoise);
      c[1] += rng.gauss(markingNoise / 40);
      const type = world.lineType(
        line,
        Math.min(Math.floor((ego.s + 15) / SEGMENT_LENGTH), ROAD_LENGTH / SEGMENT_LENGTH - 1),
      );
      markings.push(markingMessage(c, 5, 40, TYPE_CODE[type], markingNoise));
    }
    assignPositions(markings);
    // Crosswalks seen by the camera.
    const crosswalks: Crosswalk[] = [];
    const truthCrosswalks: FrameTruth["crosswalks"] = [];
    const pedTruth: FrameTruth["pedestrians"] = [];
    const pedsNow = peds.map((pd) => {
      const a = pd.at(t),
        b = pd.at(t + 0.01);
      const pm = roadPoint(a.s, a.d),
        pm2 = roadPoint(b.s, b.d);
      return {
        pd,
        a,
        pm,
        vMap: { x: (pm2.x - pm.x) / 0.01, y: (pm2.y - pm.y) / 0.01 },
        vRoad: { s: (b.s - a.s) / 0.01, d: (b.d - a.d) / 0.01 },
      };
    });
    for (const cw of world.crosswalks) {
      const base = crosswalkPolygon(cw.s).map((q) => toBase(pose, q));
      const cx = base.reduce((a, q) => a + q.x, 0) / base.length;
      const cy = base.reduce((a, q) => a + q.y, 0) / base.length;
      if (cx < 6 || cx > CROSSWALK_DETECT_RANGE || Math.abs(Math.atan2(cy, cx)) > DETECT_HALF_FOV)
        continue;
      crosswalks.push(crosswalkDetection(7 + Math.round(cw.s), base, [], rng));
      if (cx <= 28)
        truthCrosswalks.push({ id: cw.id, occupancy: crosswalkTruthOccupancy(cw.s, pedsNow) });
    }
    // Pedestrians.
    const detections: Pedestrian[] = [];
    for (const { pd, a, pm, vMap } of pedsNow) {
      const base = toBase(pose, pm);
      const c = Math.cos(-pose.yaw),
        s = Math.sin(-pose.yaw);
      const velocityBase = { x: c * vMap.x - s * vMap.y, y: s * vMap.x + c * vMap.y };
      const inView =
        base.x > 2 &&
        base.x < DETECT_MAX_X &&
        Math.abs(Math.atan2(base.y, base.x)) < DETECT_HALF_FOV;
      const hidden = pd.occluded.some(([a0, a1]) => t >= a0 && t < a1);
      const detected = inView && !hidden && rng.next() >= miss;
      const onCrosswalk = world.crosswalks.find(
        (cw) =>
          Math.abs(a.s - cw.s) <= CROSSWALK_HALF_DEPTH && Math.abs(a.d) <= CROSSWALK_HALF_SPAN,
      )?.id;
      pedTruth.push({ id: pd.id, base, velocityBase, detected, onCrosswalk });
      if (detected) detections.push(pedestrianDetection(base, depthNoise, rng));
    }
    const truthLane = ego.d < 0 ? `seg${seg}_lane_r` : `seg${seg}_lane_l`;
    const centreD = ego.d < 0 ? -LANE_WIDTH / 2 : LANE_WIDTH / 2;
    const bias = o.poseLateralBias ?? 0;
    const reported = {
      x: pose.x - bias * Math.sin(pose.yaw),
      y: pose.y + bias * Math.cos(pose.yaw),
      yaw: pose.yaw,
    };
    const stamp = secToTime(stampBase + t);
    const header = { stamp, frame_id: "base_link" };
    yield {
      input: {
        stamp,
        pose: {
          kind: "ok",
          mapFromBase: {
            translation: { x: reported.x, y: reported.y, z: 0 },
            rotation: quatFromEuler(0, 0, reported.yaw),
          },
          ageSec: 0.01,
        },
        lanes: { header, markings, status: "" } satisfies Untimed<LaneMarkingArray>,
        crosswalks: { header, crosswalks, status: "" } satisfies Untimed<CrosswalkArray>,
        pedestrians: {
          header,
          pedestrians: detections,
          status: "",
        } satisfies Untimed<PedestrianArray>,
        geometry: o.noGeometry ? undefined : camera,
        latencies: [{ stage: "detect", duration_ms: 12 }],
      },
      truth: {
        t,
        pose,
        egoLaneId: truthLane,
        // Lateral offset from the lane centreline: d measured perpendicular to the reference line.
        egoLateralOffset: ego.d - centreD,
        markingsVisible: markings.length > 0,
        pedestrians: pedTruth,
        crosswalks: truthCrosswalks,
      },
    };
  }
}

/** A detected crosswalk: the true outline (base_link) with corners jittered by 15 cm. */
export function crosswalkDetection(
  id: number,
  outline: readonly Point2[],
  imageOutline: readonly Point2[],
  rng: Rng,
): Crosswalk {
  return {
    id,
    polygon: {
      points: outline.map((q) => ({ x: q.x + rng.gauss(0.15), y: q.y + rng.gauss(0.15), z: 0 })),
    },
    image_polygon: { points: imageOutline.map((q) => ({ x: q.x, y: q.y, z: 0 })) },
    distance_ahead: Math.min(...outline.map((q) => q.x)),
    distance_ahead_std: 0.3,
    confidence: 0.9,
    map_status: Crosswalk.MAP_STATUS_NOT_CHECKED,
    map_id: "",
    occupancy: Crosswalk.OCCUPANCY_UNKNOWN,
    pedestrian_ids: new Uint32Array(),
  };
}

function crosswalkTruthOccupancy(
  s: number,
  peds: { a: { s: number; d: number }; vRoad: { s: number; d: number } }[],
): number {
  let approached = false;
  for (const { a, vRoad } of peds) {
    const ds = Math.abs(a.s - s) - CROSSWALK_HALF_DEPTH;
    const dd = Math.abs(a.d) - CROSSWALK_HALF_SPAN;
    if (ds <= 0 && dd <= 0) return Crosswalk.OCCUPANCY_OCCUPIED;
    // Distance to the rectangle and the speed closing it.
    const gs = Math.max(ds, 0),
      gd = Math.max(dd, 0);
    const dist = Math.hypot(gs, gd);
    const closing = (gs * -Math.sign(a.s - s) * vRoad.s + gd * -Math.sign(a.d) * vRoad.d) / dist;
    if (dist <= 4 && closing >= 0.4 && dist / closing <= 4) approached = true;
  }
  return approached ? Crosswalk.OCCUPANCY_APPROACHED : Crosswalk.OCCUPANCY_FREE;
}

export function markingMessage(
  c: [number, number, number, number],
  xMin: number,
  xMax: number,
  type: number,
  std: number,
): LaneMarking {
  return {
    id: 0,
    position: LaneMarking.POSITION_UNKNOWN,
    type,
    type_confidence: 0.9,
    color: LaneMarking.COLOR_WHITE,
    color_confidence: 0.8,
    confidence: 0.9,
    poly_coefficients: Float64Array.from(c),
    poly_coefficients_std: Float64Array.from([std, std / 40, 1e-4, 1e-6]),
    x_min: xMin,
    x_max: xMax,
    lateral_offset: c[0],
    lateral_offset_std: std,
    heading: Math.atan(c[1]),
    points: [],
    points_std: new Float32Array(),
    map_id: "",
    map_match_distance: NaN,
  };
}

export function assignPositions(markings: LaneMarking[]): void {
  const left = markings
    .filter((m) => m.poly_coefficients[0]! >= 0)
    .sort((a, b) => a.poly_coefficients[0]! - b.poly_coefficients[0]!);
  const right = markings
    .filter((m) => m.poly_coefficients[0]! < 0)
    .sort((a, b) => b.poly_coefficients[0]! - a.poly_coefficients[0]!);
  left.forEach(
    (m, i) =>
      (m.position =
        [LaneMarking.POSITION_EGO_LEFT, LaneMarking.POSITION_NEXT_LEFT][i] ??
        LaneMarking.POSITION_OTHER_LEFT),
  );
  right.forEach(
    (m, i) =>
      (m.position =
        [LaneMarking.POSITION_EGO_RIGHT, LaneMarking.POSITION_NEXT_RIGHT][i] ??
        LaneMarking.POSITION_OTHER_RIGHT),
  );
  markings.forEach((m, i) => (m.id = i + 1));
}

/** A noisy ground-position detection: depth noise along the ray, smaller across it. */
export function pedestrianDetection(base: Point2, depthNoise: number, rng: Rng): Pedestrian {
  const r = Math.hypot(base.x, base.y);
  const bearing = Math.atan2(base.y, base.x);
  const sr = depthNoise * r + 0.05;
  const st = 0.005 * r + 0.03;
  const nr = rng.gauss(sr),
    nt = rng.gauss(st);
  const c = Math.cos(bearing),
    s = Math.sin(bearing);
  const x = base.x + c * nr - s * nt;
  const y = base.y + s * nr + c * nt;
  const cov = Float64Array.from([
    c * c * sr * sr + s * s * st * st,
    c * s * (sr * sr - st * st),
    c * s * (sr * sr - st * st),
    s * s * sr * sr + c * c * st * st,
  ]);
  return {
    track_id: 0,
    confidence: 0.8,
    image_box: { x_offset: 600, y_offset: 300, width: 40, height: 100, do_rectify: false },
    position: { x, y, z: 0 },
    position_covariance: cov,
    velocity: { x: 0, y: 0, z: 0 },
    velocity_covariance: new Float64Array(4),
    range: Math.hypot(x, y),
    foot_truncated: false,
    crosswalk_id: "",
    crosswalk_relation: 0,
    in_ego_corridor: false,
    distance_along_path: NaN,
    time_to_enter_path: -1,
  };
}
