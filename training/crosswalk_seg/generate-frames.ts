/**
 * Training frames for the learned crosswalk source, rendered by the project's own scenario
 * generator (tools/scenario/) with domain randomisation: random town roads with a side street
 * crossing at any angle, zebra crossings of varied size, stripe pitch and wear on both roads (and
 * mid-block), paint that looks like stripes but is not (parking bays, hatched islands, stop lines,
 * arrows, dashes), parked and crossing cars and people, day / overcast / night / wet road, random
 * exposure, and a random camera (height, pitch, field of view, barrel distortion, mount); the ego
 * stands anywhere from 60 m before the junction to inside it, often turned across the crossings.
 *
 * Per frame it writes the rgb8 image and a class map (0 background, 1 crosswalk: the visible ground
 * inside a crossing's painted outline within FAR_CROSSWALK_M, 255 beyond it, 2 other road paint,
 * 3 asphalt), computed from the rendered
 * labels and the exact ground point of every pixel. Photometric effects that are cheap to add at
 * training time (noise, blur, glare, rain streaks, JPEG, hood, overlays) are left to the trainer.
 *
 * Usage: node --import tsx training/crosswalk_seg/generate-frames.ts --out DIR [--worlds 140]
 *        [--frames-per-world 12] [--seed 1] [--width 256] [--height 144]
 * Writes DIR/images.u8 (N*H*W*3), DIR/classes.u8 (N*H*W) and DIR/meta.json. Deterministic per seed.
 */
import { mkdirSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { matrixFromQuat } from "../../src/geometry/quaternion.js";
import type { Point2 } from "../../src/geometry/types.js";
import { makeCameraRig, type CameraRig } from "../../tools/scenario/camera-rig.js";
import { mapFromOptical } from "../../tools/scenario/poses.js";
import { Prng } from "../../tools/scenario/prng.js";
import { LABEL, Renderer } from "../../tools/scenario/render/renderer.js";
import { SCENARIO_ORIGIN } from "../../tools/scenario/scenarios.js";
import { pedestrianAt, vehicleAt } from "../../tools/scenario/world/actors.js";
import { assembleWorld } from "../../tools/scenario/world/assemble.js";
import type { Environment } from "../../tools/scenario/world/environment.js";
import { randomCarColor, randomPedestrianLook } from "../../tools/scenario/world/looks.js";
import {
  buildRoad,
  type BoundarySpec,
  type CrosswalkSpec,
  type LaneSpec,
  type RoadParts,
  type RoadSpec,
} from "../../tools/scenario/world/road-builder.js";
import type {
  GroundPose,
  PaintPolygon,
  PedestrianSpec,
  VehicleSpec,
  World,
} from "../../tools/scenario/world/types.js";

/** Class ids of the training masks (the model's output channels). */
export const CLASSES = { background: 0, crosswalk: 1, paint: 2, asphalt: 3, ignore: 255 } as const;
/**
 * Crossing pixels farther than this from the camera (metres along the ground) are marked `ignore`:
 * a crossing near the horizon is a few pixel rows that the network cannot tell from the clutter
 * there (cars, lights), and learning it taught the network that the horizon band is a crossing.
 */
export const FAR_CROSSWALK_M = 32;

interface WorldPlan {
  world: World;
  main: RoadParts;
  cross: RoadParts;
  /** Main-road station of the junction centre. */
  sInter: number;
  environment: Environment;
}

function boundaries(prng: Prng, lanes: number, twoWay: boolean): BoundarySpec[] {
  const out: BoundarySpec[] = [];
  const centre = lanes / 2;
  for (let i = 0; i <= lanes; i++) {
    if (i === 0 || i === lanes)
      out.push({ type: prng.next() < 0.8 ? "solid" : "dashed", color: "white" });
    else if (twoWay && i === centre)
      out.push(
        prng.next() < 0.5
          ? { type: "double_solid", color: "yellow" }
          : {
              type: prng.pick(["solid", "dashed"] as const),
              color: prng.next() < 0.5 ? "yellow" : "white",
            },
      );
    else out.push({ type: "dashed", color: "white" });
  }
  return out;
}

function crosswalkStyle(prng: Prng): Pick<CrosswalkSpec, "depth" | "stripeWidth" | "stripeGap"> {
  return {
    depth: prng.uniform(2.5, 6),
    stripeWidth: prng.uniform(0.35, 0.75),
    stripeGap: prng.uniform(0.35, 0.9),
  };
}

/** A parallelogram strip across a straight road piece (for hatching), counter-clockwise. */
function slanted(
  parts: RoadParts,
  s: number,
  t0: number,
  t1: number,
  width: number,
  skew: number,
): Point2[] {
  const a = parts.line.pointAt(s, t0);
  const b = parts.line.pointAt(s + width, t0);
  const c = parts.line.pointAt(s + width + skew, t1);
  const d = parts.line.pointAt(s + skew, t1);
  return t1 > t0 ? [a, b, c, d] : [d, c, b, a];
}

function rect(parts: RoadParts, s0: number, s1: number, t0: number, t1: number): Point2[] {
  return slanted(parts, s0, Math.min(t0, t1), Math.max(t0, t1), s1 - s0, 0);
}

/** Road paint that is not a crosswalk but has stripes or bars: the hard negatives. */
function addDistractors(
  prng: Prng,
  parts: RoadParts,
  spec: RoadSpec,
  avoid: Array<[number, number]>,
  wear: number,
): void {
  const right = parts.asphaltEdges[0];
  const left = parts.asphaltEdges[1];
  const length = parts.line.length;
  const free = (s0: number, s1: number): boolean =>
    s0 > 2 && s1 < length - 2 && avoid.every(([a, b]) => s1 < a - 1 || s0 > b + 1);
  const paint = (polygon: Point2[], k: string): void => {
    const p: PaintPolygon = {
      kind: "polygon",
      featureId: `${spec.id}_distractor_${k}`,
      polygon,
      color: prng.next() < 0.85 ? "white" : "yellow",
      wear: Math.min(0.95, wear + prng.uniform(-0.1, 0.3)),
    };
    parts.paint.push(p);
  };
  const n = prng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const kind = prng.pick(["parking", "hatch", "bars", "arrow", "stop", "box"] as const);
    const s = prng.uniform(5, length - 20);
    if (kind === "parking") {
      // Parking bay lines perpendicular to the kerb: short stripes at 2.3-6 m pitch.
      const side = prng.next() < 0.5;
      const t0 = side ? right + 0.1 : left - 0.1;
      const t1 = side ? right + prng.uniform(1.8, 2.5) : left - prng.uniform(1.8, 2.5);
      const pitch = prng.uniform(2.3, 6);
      const count = prng.int(3, 8);
      if (!free(s, s + pitch * count)) continue;
      for (let k = 0; k < count; k++)
        paint(rect(parts, s + k * pitch, s + k * pitch + 0.12, t0, t1), `${i}_${k}`);
    } else if (kind === "hatch") {
      // Hatched island: diagonal bars between two lanes.
      const t0 = prng.uniform(right + 1, left - 3);
      const t1 = t0 + prng.uniform(1, 2.5);
      const pitch = prng.uniform(1, 3);
      const count = prng.int(3, 10);
      if (!free(s, s + pitch * count + 3)) continue;
      const skew = prng.uniform(-2.5, 2.5);
      for (let k = 0; k < count; k++)
        paint(slanted(parts, s + k * pitch, t0, t1, prng.uniform(0.2, 0.5), skew), `${i}_${k}`);
    } else if (kind === "bars") {
      // Transverse "slow down" bars: thin full-width lines across one lane.
      const t0 = prng.uniform(right, left - 3);
      const t1 = t0 + prng.uniform(2.5, 3.5);
      const pitch = prng.uniform(1, 4);
      const count = prng.int(2, 6);
      if (!free(s, s + pitch * count)) continue;
      for (let k = 0; k < count; k++)
        paint(
          rect(parts, s + k * pitch, s + k * pitch + prng.uniform(0.1, 0.4), t0, t1),
          `${i}_${k}`,
        );
    } else if (kind === "arrow") {
      const t = prng.uniform(right + 1.2, left - 1.2);
      if (!free(s, s + 6)) continue;
      paint(rect(parts, s, s + 3.5, t - 0.08, t + 0.08), `${i}_shaft`);
      const tip = parts.line.pointAt(s + 5, t);
      paint(
        [
          parts.line.pointAt(s + 3.5, t - 0.45),
          parts.line.pointAt(s + 3.5, t + 0.45),
          tip,
        ].reverse(),
        `${i}_head`,
      );
    } else if (kind === "stop") {
      const t0 = prng.uniform(right, (right + left) / 2);
      if (!free(s, s + 1)) continue;
      paint(
        rect(parts, s, s + prng.uniform(0.3, 0.6), t0, prng.uniform((right + left) / 2, left)),
        `${i}`,
      );
    } else {
      // A painted box or a manhole-like patch: a single blob.
      const t = prng.uniform(right + 0.5, left - 1.5);
      if (!free(s, s + 2)) continue;
      const w = prng.uniform(0.5, 1.5);
      paint(rect(parts, s, s + w, t, t + prng.uniform(0.5, 1.5)), `${i}`);
    }
  }
}

function randomEnvironment(prng: Prng): Environment {
  const r = prng.next();
  const lighting: Environment["lighting"] =
    r < 0.4
      ? {
          kind: "sunny",
          sunAzimuth: prng.uniform(-Math.PI, Math.PI),
          sunElevation: prng.uniform(0.15, 1.2),
        }
      : r < 0.7
        ? { kind: "overcast" }
        : { kind: "night", lampSpacing: prng.uniform(15, 60) };
  const weather: Environment["weather"] =
    prng.next() < 0.25 ? { kind: "rain", intensity: prng.uniform(0.3, 1) } : { kind: "clear" };
  return {
    lighting,
    weather,
    exposure: prng.uniform(0.6, 1.35),
    backdrop: prng.next() < 0.7 ? "town" : "country",
  };
}

function car(prng: Prng, id: string, motion: VehicleSpec["motion"]): VehicleSpec {
  const big = prng.next() < 0.2;
  return {
    id,
    length: big ? prng.uniform(5, 9) : prng.uniform(4, 4.9),
    width: big ? prng.uniform(2, 2.5) : prng.uniform(1.7, 1.9),
    height: big ? prng.uniform(2, 3.2) : prng.uniform(1.4, 1.6),
    color: randomCarColor(prng),
    motion,
  };
}

function planWorld(prng: Prng): WorldPlan {
  const twoWay = prng.next() < 0.85;
  const perDir = prng.int(1, 2);
  const lanes = twoWay ? 2 * perDir : prng.int(1, 3);
  const laneWidth = prng.uniform(2.8, 3.8);
  const mainLanes: LaneSpec[] = Array.from({ length: lanes }, (_, i) => ({
    width: laneWidth,
    direction: twoWay && i >= lanes / 2 ? "backward" : "forward",
  }));
  const shoulder = prng.uniform(0.3, 2.6);
  const mainHalf = (lanes * laneWidth) / 2 + shoulder;
  const crossLanes = prng.int(1, 2) * 2;
  const crossLaneWidth = prng.uniform(2.8, 3.6);
  const crossShoulder = prng.uniform(0.3, 1.5);
  const crossHalf = (crossLanes * crossLaneWidth) / 2 + crossShoulder;
  // Side street at any angle to the main road (not only square).
  const angle = (prng.next() < 0.5 ? 1 : -1) * prng.uniform(Math.PI / 2 - 0.7, Math.PI / 2 + 0.2);
  const sinA = Math.abs(Math.sin(angle));
  const sInter = prng.uniform(80, 110);
  const gapHalfMain = crossHalf / sinA + (mainHalf / Math.tan(Math.abs(angle))) * 0 + 1;
  const withCrossings = prng.next() < 0.78;
  const wear = prng.next() < 0.3 ? prng.uniform(0.5, 0.9) : prng.uniform(0, 0.5);
  const sidewalk =
    prng.next() < 0.75
      ? { kerbWidth: prng.uniform(0.15, 0.35), width: prng.uniform(1.5, 4) }
      : undefined;
  const mainCrossings: CrosswalkSpec[] = [];
  const cross = (id: string, station: number, style = crosswalkStyle(prng)): CrosswalkSpec => ({
    id,
    station,
    ...style,
    stopLineGap: prng.next() < 0.6 ? prng.uniform(0.8, 3) : undefined,
    stopLineFor: prng.pick(["forward", "backward", "both"] as const),
  });
  const near = crosswalkStyle(prng);
  const margin = Math.abs(Math.cos(angle)) * crossHalf * 1.5 + 0.5;
  if (withCrossings && prng.next() < 0.8)
    mainCrossings.push(cross("cw_near", sInter - gapHalfMain - margin - near.depth! / 2, near));
  const far = crosswalkStyle(prng);
  if (withCrossings && prng.next() < 0.6)
    mainCrossings.push(cross("cw_far", sInter + gapHalfMain + margin + far.depth! / 2, far));
  if (withCrossings && prng.next() < 0.3)
    mainCrossings.push(cross("cw_mid", sInter - prng.uniform(35, 60)));
  const length = sInter + 70;
  const mainSpec: RoadSpec = {
    id: "main",
    line: {
      start: { x: 0, y: 0, heading: prng.uniform(-Math.PI, Math.PI) },
      segments: [{ kind: "straight", length }],
    },
    lanes: mainLanes,
    boundaries: boundaries(prng, lanes, twoWay),
    rightOffset: -(lanes * laneWidth) / 2,
    shoulder,
    sidewalk,
    dash: { on: prng.uniform(1, 6), off: prng.uniform(2, 10) },
    lineWidth: prng.uniform(0.1, 0.25),
    gaps: [[sInter - gapHalfMain, sInter + gapHalfMain]],
    crosswalks: mainCrossings,
    wear,
    speedLimit: 13.9,
  };
  const main = buildRoad(mainSpec);
  addDistractors(
    prng,
    main,
    mainSpec,
    [
      [sInter - gapHalfMain - 8, sInter + gapHalfMain + 8],
      ...mainCrossings.map((c): [number, number] => [
        c.station - c.depth / 2 - 3,
        c.station + c.depth / 2 + 3,
      ]),
    ],
    wear,
  );
  const interPose = main.line.poseAt(sInter);
  const crossLength = 110;
  const crossMid = crossLength / 2;
  const hx = Math.cos(interPose.heading + angle);
  const hy = Math.sin(interPose.heading + angle);
  const crossStart = { x: interPose.x - hx * crossMid, y: interPose.y - hy * crossMid };
  const gapHalfCross = mainHalf / sinA + 1;
  const crossCrossings: CrosswalkSpec[] = [];
  if (withCrossings && prng.next() < 0.6)
    crossCrossings.push(
      cross(
        "cw_side_a",
        crossMid - gapHalfCross - Math.abs(Math.cos(angle)) * mainHalf * 1.5 - 3.5,
      ),
    );
  if (withCrossings && prng.next() < 0.6)
    crossCrossings.push(
      cross(
        "cw_side_b",
        crossMid + gapHalfCross + Math.abs(Math.cos(angle)) * mainHalf * 1.5 + 3.5,
      ),
    );
  const crossSpec: RoadSpec = {
    id: "side",
    line: {
      start: { x: crossStart.x, y: crossStart.y, heading: interPose.heading + angle },
      segments: [{ kind: "straight", length: crossLength }],
    },
    lanes: Array.from({ length: crossLanes }, (_, i) => ({
      width: crossLaneWidth,
      direction: i >= crossLanes / 2 ? "backward" : "forward",
    })),
    boundaries: boundaries(prng, crossLanes, true),
    rightOffset: -(crossLanes * crossLaneWidth) / 2,
    shoulder: crossShoulder,
    sidewalk,
    dash: { on: prng.uniform(1, 5), off: prng.uniform(2, 8) },
    lineWidth: prng.uniform(0.1, 0.2),
    gaps: [[crossMid - gapHalfCross, crossMid + gapHalfCross]],
    crosswalks: crossCrossings,
    wear: Math.min(0.9, wear + prng.uniform(-0.1, 0.2)),
    speedLimit: 13.9,
  };
  const side = buildRoad(crossSpec);
  addDistractors(
    prng,
    side,
    crossSpec,
    [
      [crossMid - gapHalfCross - 8, crossMid + gapHalfCross + 8],
      ...crossCrossings.map((c): [number, number] => [
        c.station - c.depth / 2 - 3,
        c.station + c.depth / 2 + 3,
      ]),
    ],
    wear,
  );

  // Actors: parked cars along the kerbs, cars in the lanes (some on the crossings), people on and
  // beside the crossings (occluders).
  const vehicles: VehicleSpec[] = [];
  const nCars = prng.int(0, 7);
  for (let i = 0; i < nCars; i++) {
    const onSide = prng.next() < 0.3;
    const road = onSide ? side : main;
    const s = prng.uniform(10, road.line.length - 10);
    const offs = road.laneCentreOffsets;
    const parked = prng.next() < 0.4;
    const t = parked
      ? prng.next() < 0.5
        ? road.asphaltEdges[0] + 1.1
        : road.asphaltEdges[1] - 1.1
      : prng.pick(offs);
    const pose = road.line.poseAt(s);
    const p = road.line.pointAt(s, t);
    vehicles.push(
      car(prng, `veh_${i}`, {
        kind: "parked",
        position: p,
        heading: pose.heading + (prng.next() < 0.5 ? 0 : Math.PI),
      }),
    );
  }
  const pedestrians: PedestrianSpec[] = [];
  const nPeds = prng.int(0, 8);
  const crossings = [...main.crosswalks, ...side.crosswalks];
  for (let i = 0; i < nPeds; i++) {
    let position: Point2;
    if (crossings.length && prng.next() < 0.6) {
      const cw = prng.pick(crossings);
      const a = cw.polygon[0]!;
      const c = cw.polygon[2]!;
      const f = prng.next();
      position = {
        x: a.x + (c.x - a.x) * f + prng.uniform(-1, 1),
        y: a.y + (c.y - a.y) * f + prng.uniform(-1, 1),
      };
    } else {
      const road = prng.next() < 0.5 ? side : main;
      position = road.line.pointAt(
        prng.uniform(5, road.line.length - 5),
        prng.uniform(road.asphaltEdges[0] - 3, road.asphaltEdges[1] + 3),
      );
    }
    pedestrians.push({
      id: `ped_${i}`,
      motion: { kind: "stand", position, heading: prng.uniform(-Math.PI, Math.PI) },
      look: randomPedestrianLook(prng, prng.next() < 0.15),
      phase0: prng.uniform(0, 2 * Math.PI),
      role: "crossing",
    });
  }
  const world = assembleWorld(
    SCENARIO_ORIGIN,
    [
      { id: "main", parts: main },
      { id: "side", parts: side },
    ],
    pedestrians,
    vehicles,
  );
  return { world, main, cross: side, sInter, environment: randomEnvironment(prng) };
}

function randomRig(prng: Prng, width: number, height: number): CameraRig {
  for (;;) {
    const fov = prng.next() < 0.5 ? prng.uniform(50, 80) : prng.uniform(80, 110);
    // Barrel distortion as on dashcams; stronger values make the plumb_bob inverse fold at the corners.
    const k1 = fov > 80 ? prng.uniform(-0.18, -0.02) : prng.uniform(-0.1, 0.02);
    try {
      return makeCameraRig({
        width,
        height,
        horizontalFovDeg: fov,
        distortion: [k1, prng.uniform(0, 0.03), 0, 0, 0],
        mountX: prng.uniform(0.5, 2.5),
        mountHeight: prng.uniform(1.1, 2.4),
        pitchDeg: prng.uniform(-2, 12),
      });
    } catch {
      // A pitch that sees no road: draw again.
    }
  }
}

/** Ego poses around the junction: approaching, drifting, and turned across the crossings. */
function randomPose(prng: Prng, plan: WorldPlan): GroundPose {
  const onSide = prng.next() < 0.25;
  const road = onSide ? plan.cross : plan.main;
  const centre = onSide ? road.line.length / 2 : plan.sInter;
  const s = Math.max(3, Math.min(road.line.length - 3, centre - prng.uniform(-8, 60)));
  const t = prng.uniform(road.asphaltEdges[0] + 1, road.asphaltEdges[1] - 1);
  const pose = road.line.poseAt(s);
  const p = road.line.pointAt(s, t);
  const reversed = onSide && prng.next() < 0.5;
  const nearJunction = Math.abs(s - centre) < 25;
  const turn = nearJunction && prng.next() < 0.5 ? prng.uniform(-1.1, 1.1) : prng.normal(0, 0.12);
  return { x: p.x, y: p.y, heading: pose.heading + (reversed ? Math.PI : 0) + turn };
}

function pointInConvex(poly: readonly Point2[], x: number, y: number): boolean {
  let sign = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    const cross = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
    if (cross !== 0) {
      const s = cross > 0 ? 1 : -1;
      if (sign === 0) sign = s;
      else if (s !== sign) return false;
    }
  }
  return true;
}

/** The class map of a rendered frame. */
function classMap(
  rig: CameraRig,
  ego: GroundPose,
  labels: Uint16Array,
  world: World,
  out: Uint8Array,
): number {
  const T = mapFromOptical(ego, rig.baseFromOptical);
  const R = matrixFromQuat(T.rotation);
  const cx = T.translation.x;
  const cy = T.translation.y;
  const cz = T.translation.z;
  let crosswalkPixels = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    let cls: number = CLASSES.background;
    if (label >= LABEL.ground && label <= LABEL.yellowPaint) {
      const rx = rig.rays[i * 3]!;
      const ry = rig.rays[i * 3 + 1]!;
      const rz = rig.rays[i * 3 + 2]!;
      const dx = R[0]! * rx + R[1]! * ry + R[2]! * rz;
      const dy = R[3]! * rx + R[4]! * ry + R[5]! * rz;
      const dz = R[6]! * rx + R[7]! * ry + R[8]! * rz;
      const k = dz < 0 ? -cz / dz : Infinity;
      const inCrosswalk =
        dz < 0 && world.crosswalks.some((c) => pointInConvex(c.polygon, cx + k * dx, cy + k * dy));
      if (inCrosswalk)
        cls = Math.hypot(k * dx, k * dy) > FAR_CROSSWALK_M ? CLASSES.ignore : CLASSES.crosswalk;
      else if (label === LABEL.whitePaint || label === LABEL.yellowPaint) cls = CLASSES.paint;
      else if (label === LABEL.asphalt) cls = CLASSES.asphalt;
    }
    if (cls === CLASSES.crosswalk) crosswalkPixels++;
    out[i] = cls;
  }
  return crosswalkPixels;
}

/** One generated frame: the rendered image, its class map and the camera that saw it. */
export interface GeneratedFrame {
  world: number;
  /** rgb8, width * height * 3. */
  rgb: Uint8Array;
  /** Class ids (`CLASSES`) per pixel; the generator's buffer, overwritten by the next frame. */
  classes: Uint8Array;
  crosswalkPixels: number;
  rig: CameraRig;
  lighting: string;
  weather: string;
}

/** Options of `generatedFrames`. */
export interface GeneratedFramesOptions {
  seed: number;
  worlds: number;
  framesPerWorld: number;
  width: number;
  height: number;
}

/**
 * The frames of a seeded run, world by world (deterministic per seed: `main` writes exactly these).
 * `onWorld` is called after each world with the number of worlds done.
 */
export function* generatedFrames(
  o: GeneratedFramesOptions,
  onWorld?: (done: number) => void,
): Generator<GeneratedFrame> {
  const classes = new Uint8Array(o.width * o.height);
  for (let w = 0; w < o.worlds; w++) {
    const prng = new Prng(o.seed * 100_003 + w);
    const plan = planWorld(prng.fork("world"));
    const rigs = [
      randomRig(prng.fork("rig_a"), o.width, o.height),
      randomRig(prng.fork("rig_b"), o.width, o.height),
    ];
    const renderers = rigs.map(
      (rig, k) =>
        new Renderer({
          world: plan.world,
          rig,
          environment: plan.environment,
          seed: o.seed * 7919 + w * 2 + k,
          clean: true,
        }),
    );
    const poses = prng.fork("poses");
    for (let f = 0; f < o.framesPerWorld; f++) {
      const k = f % 2;
      const ego = randomPose(poses, plan);
      const t = poses.uniform(0, 5);
      const frame = renderers[k]!.render({
        index: f,
        ego,
        pedestrians: plan.world.pedestrians.map((p) => pedestrianAt(p, t)),
        vehicles: plan.world.vehicles.map((v) => vehicleAt(v, t)),
      });
      const crosswalkPixels = classMap(rigs[k]!, ego, frame.labels, plan.world, classes);
      yield {
        world: w,
        rgb: frame.rgb,
        classes,
        crosswalkPixels,
        rig: rigs[k]!,
        lighting: plan.environment.lighting.kind,
        weather: plan.environment.weather.kind,
      };
    }
    onWorld?.(w + 1);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      worlds: { type: "string", default: "140" },
      "frames-per-world": { type: "string", default: "12" },
      seed: { type: "string", default: "1" },
      width: { type: "string", default: "256" },
      height: { type: "string", default: "144" },
    },
  });
  if (!values.out) throw new Error("--out DIR is required");
  const worlds = Number(values.worlds);
  const perWorld = Number(values["frames-per-world"]);
  const width = Number(values.width);
  const height = Number(values.height);
  const seed = Number(values.seed);
  mkdirSync(values.out, { recursive: true });
  const imagesFd = openSync(join(values.out, "images.u8"), "w");
  const classesFd = openSync(join(values.out, "classes.u8"), "w");
  const frames: Array<{
    world: number;
    crosswalkPixels: number;
    lighting: string;
    weather: string;
  }> = [];
  const t0 = Date.now();
  const progress = (done: number): void => {
    if (done % 10 === 0)
      process.stderr.write(
        `${done}/${worlds} worlds, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
      );
  };
  for (const frame of generatedFrames(
    { seed, worlds, framesPerWorld: perWorld, width, height },
    progress,
  )) {
    writeSync(imagesFd, frame.rgb);
    writeSync(classesFd, frame.classes);
    frames.push({
      world: frame.world,
      crosswalkPixels: frame.crosswalkPixels,
      lighting: frame.lighting,
      weather: frame.weather,
    });
  }
  closeSync(imagesFd);
  closeSync(classesFd);
  writeFileSync(
    join(values.out, "meta.json"),
    JSON.stringify({ width, height, seed, worlds, perWorld, classes: CLASSES, frames }),
  );
  const positives = frames.filter((f) => f.crosswalkPixels > 0).length;
  process.stderr.write(
    `${frames.length} frames (${positives} with crosswalk pixels) in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
  );
}

// Run as a program (not when imported for its frames).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
