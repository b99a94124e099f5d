/**
 * The named scenarios: each builds a world (roads, markings, crossings, actors), the ego's drive,
 * the photometric environment and the edits that make its HD map differ from the world (only
 * `map_mismatch` has any). Randomness (looks, positions, timing, wear) comes from the seed.
 */
import { PerceptionError } from "../../src/core/errors.js";
import type { GeoPoint } from "../../src/map/local-projection.js";
import { Prng } from "./prng.js";
import { assembleWorld, removeCrosswalkFromWorld } from "./world/assemble.js";
import { EgoDrive } from "./world/ego-motion.js";
import type { Environment } from "./world/environment.js";
import { randomCarColor, randomPedestrianLook } from "./world/looks.js";
import { pedestrianAt } from "./world/actors.js";
import { buildRoad, type RoadSpec } from "./world/road-builder.js";
import type { ReferenceSegment } from "./world/reference-line.js";
import type { PedestrianSpec, VehicleSpec, World } from "./world/types.js";
import type { Point2 } from "../../src/geometry/types.js";

export const SCENARIO_NAMES = [
  "highway",
  "curve",
  "urban_intersection",
  "night",
  "rain",
  "map_mismatch",
  "sample",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** One way the HD map is made to disagree with the world. */
export type MapEdit =
  /** The map's copy of a lane boundary is moved `offset` metres to the left of its direction. */
  | { kind: "shift_boundary"; boundaryId: string; offset: number }
  /** A crosswalk that is painted in the world is left out of the map. */
  | { kind: "omit_crosswalk"; crosswalkId: string }
  /** A crosswalk that is in the map has been removed from the world (no paint). */
  | { kind: "crosswalk_only_in_map"; crosswalkId: string; polygon: Point2[] };

export interface ScenarioBuildOptions {
  seed: number;
  /** Length of the drive, seconds. */
  duration: number;
  /** Overrides the scenario's cruise speed, m/s. */
  speed?: number;
}

/** A scenario ready to render: world, ego drive, conditions, map edits. */
export interface BuiltScenario {
  name: ScenarioName;
  description: string;
  world: World;
  ego: EgoDrive;
  environment: Environment;
  mapEdits: MapEdit[];
}

export interface ScenarioInfo {
  description: string;
  /** Frames generated when the caller does not say. */
  defaultFrames: number;
}

export const SCENARIOS: Record<ScenarioName, ScenarioInfo> = {
  highway: {
    description: "three-lane divided highway, 3 m/9 m dashes, traffic ahead, overcast, ~97 km/h",
    defaultFrames: 300,
  },
  curve: {
    description:
      "two-lane rural road with left and right clothoid curves, oncoming traffic, low sun glare",
    defaultFrames: 300,
  },
  urban_intersection: {
    description:
      "four-lane town road to an intersection with zebra crossings, stop lines, pedestrians crossing, waiting and occluded by parked cars; sunny with shadows",
    defaultFrames: 300,
  },
  night: {
    description:
      "two-lane town road to an intersection at night: street lamps, headlight cone, pedestrians crossing",
    defaultFrames: 300,
  },
  rain: {
    description:
      "four-lane town road to an intersection in rain: wet road, blur, noise and streaks",
    defaultFrames: 300,
  },
  map_mismatch: {
    description:
      "two-lane town intersection whose HD map disagrees with the world: a boundary shifted 0.5 m, a crosswalk missing from the map, a mapped crosswalk removed from the world",
    defaultFrames: 300,
  },
  sample: {
    description:
      "the committed sample: a left curve into a straight town road, pedestrians crossing a zebra crossing, an intersection, parked cars",
    defaultFrames: 150,
  },
};

/** The geodetic origin of every scenario's `map` frame (documented in docs/scenarios.md). */
export const SCENARIO_ORIGIN: GeoPoint = {
  latitude: 48.137154,
  longitude: 11.576124,
  altitude: 520,
};

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export function buildScenario(name: string, options: ScenarioBuildOptions): BuiltScenario {
  if (!isScenarioName(name)) {
    throw new PerceptionError(
      "scenario",
      `unknown scenario '${name}'; known: ${SCENARIO_NAMES.join(", ")}`,
      { scenario: name },
    );
  }
  if (!(options.duration > 0))
    throw new PerceptionError(
      "scenario",
      `the drive must last more than 0 s, got ${options.duration}`,
    );
  if (options.speed !== undefined && !(options.speed > 0))
    throw new PerceptionError("scenario", `speed must be positive, got ${options.speed} m/s`, {
      speed: options.speed,
    });
  const prng = new Prng(options.seed);
  const built = BUILDERS[name](prng, options);
  return { name, description: SCENARIOS[name].description, ...built };
}

type Builder = (prng: Prng, o: ScenarioBuildOptions) => Omit<BuiltScenario, "name" | "description">;

const BUILDERS: Record<ScenarioName, Builder> = {
  highway: (prng, o) => buildHighway(prng, o),
  curve: (prng, o) => buildCurve(prng, o),
  urban_intersection: (prng, o) =>
    buildUrban(prng, o, {
      leadInCurve: false,
      fourLane: true,
      ghost: false,
      environment: sunny(prng, 0.9),
    }),
  night: (prng, o) =>
    buildUrban(prng, o, {
      leadInCurve: false,
      fourLane: false,
      ghost: false,
      environment: {
        lighting: { kind: "night", lampSpacing: 30 },
        weather: { kind: "clear" },
        exposure: 1,
      },
    }),
  rain: (prng, o) =>
    buildUrban(prng, o, {
      leadInCurve: false,
      fourLane: true,
      ghost: false,
      environment: {
        lighting: { kind: "overcast" },
        weather: { kind: "rain", intensity: 0.8 },
        exposure: 0.85,
      },
    }),
  map_mismatch: (prng, o) =>
    buildUrban(prng, o, {
      leadInCurve: false,
      fourLane: false,
      ghost: true,
      environment: sunny(prng, 0.7),
    }),
  sample: (prng, o) =>
    buildUrban(prng, o, {
      leadInCurve: true,
      fourLane: false,
      ghost: false,
      approach: 24,
      environment: sunny(prng, 0.8),
    }),
};

function sunny(prng: Prng, elevation: number): Environment {
  return {
    lighting: { kind: "sunny", sunAzimuth: prng.uniform(-2.6, -1.2), sunElevation: elevation },
    weather: { kind: "clear" },
    exposure: 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Highway

function buildHighway(
  prng: Prng,
  o: ScenarioBuildOptions,
): Omit<BuiltScenario, "name" | "description"> {
  const speed = o.speed ?? 27;
  const start = 20;
  const length = start + speed * o.duration * 1.1 + 250;
  const curveAt = Math.min(180, length / 3);
  const segments: ReferenceSegment[] = [
    { kind: "straight", length: curveAt },
    { kind: "clothoid", length: 80, curvatureStart: 0, curvatureEnd: 1 / 900 },
    { kind: "arc", length: Math.max(1, length - curveAt - 80), curvature: 1 / 900 },
  ];
  const lane = 3.7;
  const spec: RoadSpec = {
    id: "hwy",
    line: { start: { x: 0, y: 0, heading: 0 }, segments },
    lanes: [0, 1, 2].map(() => ({ width: lane, direction: "forward" as const })),
    boundaries: [
      { type: "solid", color: "white" },
      { type: "dashed", color: "white" },
      { type: "dashed", color: "white" },
      { type: "solid", color: "yellow" },
    ],
    rightOffset: -1.5 * lane,
    shoulder: 2.5,
    dash: { on: 3, off: 9 },
    lineWidth: 0.15,
    wear: prng.uniform(0.15, 0.4),
    speedLimit: 29,
  };
  const road = buildRoad(spec);
  const vehicles: VehicleSpec[] = [];
  const n = prng.int(3, 5);
  for (let i = 0; i < n; i++) {
    const laneIndex = prng.int(0, 2);
    const path = road.line.offsetPolyline(
      road.laneCentreOffsets[laneIndex]!,
      0,
      road.line.length,
      2,
    );
    vehicles.push(
      car(
        prng,
        `veh_${i}`,
        {
          kind: "drive",
          path,
          start: start + 25 + i * 22 + prng.uniform(0, 10),
          speed: speed * prng.uniform(0.9, 1.02),
        },
        i % 3 === 2 ? "truck" : "car",
      ),
    );
  }
  const world = assembleWorld(SCENARIO_ORIGIN, [{ id: "hwy", parts: road }], [], vehicles);
  const ego = new EgoDrive({
    line: road.line,
    laneOffset: road.laneCentreOffsets[1]!,
    startStation: start,
    speed,
    wander: 0.15,
    duration: o.duration,
    prng: prng.fork("ego"),
  });
  return {
    world,
    ego,
    environment: { lighting: { kind: "overcast" }, weather: { kind: "clear" }, exposure: 1 },
    mapEdits: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Curve

function buildCurve(
  prng: Prng,
  o: ScenarioBuildOptions,
): Omit<BuiltScenario, "name" | "description"> {
  const speed = o.speed ?? 16;
  const start = 10;
  const k1 = 1 / prng.uniform(90, 130);
  const k2 = -1 / prng.uniform(80, 110);
  const segments: ReferenceSegment[] = [
    { kind: "straight", length: 30 },
    { kind: "clothoid", length: 35, curvatureStart: 0, curvatureEnd: k1 },
    { kind: "arc", length: 70, curvature: k1 },
    { kind: "clothoid", length: 35, curvatureStart: k1, curvatureEnd: 0 },
    { kind: "straight", length: 25 },
    { kind: "clothoid", length: 30, curvatureStart: 0, curvatureEnd: k2 },
    { kind: "arc", length: 60, curvature: k2 },
    { kind: "clothoid", length: 30, curvatureStart: k2, curvatureEnd: 0 },
  ];
  const needed = start + speed * o.duration * 1.1 + 150;
  const have = segments.reduce((a, s) => a + s.length, 0);
  segments.push({ kind: "straight", length: Math.max(40, needed - have) });
  const spec: RoadSpec = {
    id: "rural",
    line: { start: { x: 0, y: 0, heading: 0 }, segments },
    lanes: [
      { width: 3.5, direction: "forward" },
      { width: 3.5, direction: "backward" },
    ],
    boundaries: [
      { type: "solid", color: "white" },
      { type: "dashed", color: "white" },
      { type: "solid", color: "white" },
    ],
    rightOffset: -3.5,
    shoulder: 0.6,
    dash: { on: 3, off: 6 },
    lineWidth: 0.15,
    wear: prng.uniform(0.2, 0.5),
    speedLimit: 22,
  };
  const road = buildRoad(spec);
  const back = road.line.offsetPolyline(road.laneCentreOffsets[1]!, road.line.length, 0, 2);
  const vehicles: VehicleSpec[] = [0, 1].map((i) =>
    car(
      prng,
      `veh_${i}`,
      {
        kind: "drive",
        path: back,
        start: road.line.length - start - 120 - i * 70 - prng.uniform(0, 20),
        speed: prng.uniform(13, 17),
      },
      "car",
    ),
  );
  const world = assembleWorld(SCENARIO_ORIGIN, [{ id: "rural", parts: road }], [], vehicles);
  const ego = new EgoDrive({
    line: road.line,
    laneOffset: road.laneCentreOffsets[0]!,
    startStation: start,
    speed,
    wander: 0.12,
    duration: o.duration,
    prng: prng.fork("ego"),
  });
  const environment: Environment = {
    lighting: { kind: "sunny", sunAzimuth: 0.35, sunElevation: 0.14 },
    weather: { kind: "clear" },
    glare: { azimuth: 0.35, elevation: 0.14, strength: 0.8 },
    exposure: 0.95,
  };
  return { world, ego, environment, mapEdits: [] };
}

// ---------------------------------------------------------------------------------------------
// Town roads with an intersection

interface UrbanOptions {
  /** Start in a left curve (the sample). */
  leadInCurve: boolean;
  /** Two lanes each way instead of one. */
  fourLane: boolean;
  /**
   * Make the map disagree with the world: a crosswalk on the approach (25 m before the near one,
   * between two parked cars) that exists only in the map, a boundary shifted 0.5 m and the near
   * crosswalk left out of the map.
   */
  ghost: boolean;
  /** Metres from the end of the lead-in to the near crossing (default 62). */
  approach?: number;
  environment: Environment;
}

const DEPTH = 4; // crosswalk stripe length, metres
const KERB = 0.25;
const SIDEWALK = 3.2;

function buildUrban(
  prng: Prng,
  o: ScenarioBuildOptions,
  u: UrbanOptions,
): Omit<BuiltScenario, "name" | "description"> {
  const speed = o.speed ?? 9;
  const start = 5;
  const lane = u.fourLane ? 3.25 : 3.5;
  const mainLanes = u.fourLane
    ? [
        { width: lane, direction: "forward" as const },
        { width: lane, direction: "forward" as const },
        { width: lane, direction: "backward" as const },
        { width: lane, direction: "backward" as const },
      ]
    : [
        { width: lane, direction: "forward" as const },
        { width: lane, direction: "backward" as const },
      ];
  const mainBoundaries: RoadSpec["boundaries"] = u.fourLane
    ? [
        { type: "solid", color: "white" },
        { type: "dashed", color: "white" },
        { type: "double_solid", color: "yellow" },
        { type: "dashed", color: "white" },
        { type: "solid", color: "white" },
      ]
    : [
        { type: "solid", color: "white" },
        { type: "dashed", color: "white" },
        { type: "solid", color: "white" },
      ];
  const halfLanes = (mainLanes.length / 2) * lane;
  const shoulder = 2.3; // parking strip
  const mainHalf = halfLanes + shoulder;
  const crossHalf = 3.25 + 0.5;
  const leadIn = u.leadInCurve ? 45 : 0;
  const sNear = start + leadIn + (u.approach ?? 62) + prng.uniform(0, 6);
  const sInter = sNear + DEPTH / 2 + 1 + crossHalf;
  const sFar = sInter + crossHalf + 1 + DEPTH / 2;
  // The map-only crosswalk lies on the approach: the ego cruises towards it with its centre 15-35 m
  // ahead for about 2 s, then drives over it while braking for the near crossing's stop line.
  const sGhost = sNear - 25;
  const beyondFar = sFar + 32; // the road goes on at least 47 m past the far crossing
  const length = Math.max(beyondFar + 15, start + speed * o.duration * 1.05 + 60) + 60;
  const segments: ReferenceSegment[] = u.leadInCurve
    ? [
        { kind: "arc", length: leadIn, curvature: 1 / 70 },
        { kind: "straight", length: length - leadIn },
      ]
    : [{ kind: "straight", length }];
  const heading0 = u.leadInCurve ? -leadIn / 70 : 0;
  const wear = prng.uniform(0.15, 0.45);
  const mainSpec: RoadSpec = {
    id: "main",
    line: { start: { x: 0, y: 0, heading: heading0 }, segments },
    lanes: mainLanes,
    boundaries: mainBoundaries,
    rightOffset: -halfLanes,
    shoulder,
    sidewalk: { kerbWidth: KERB, width: SIDEWALK },
    dash: { on: 3, off: 5 },
    lineWidth: 0.15,
    gaps: [[sInter - crossHalf, sInter + crossHalf]],
    crosswalks: [
      {
        id: "cw_main_near",
        station: sNear,
        depth: DEPTH,
        stopLineGap: 1.5,
        stopLineFor: "forward",
      },
      { id: "cw_main_far", station: sFar, depth: DEPTH, stopLineGap: 1.5, stopLineFor: "backward" },
      // Removed from the world with its lines repainted through: no gap in the markings for it.
      ...(u.ghost
        ? [{ id: "cw_main_ghost", station: sGhost, depth: DEPTH, linesThrough: true }]
        : []),
    ],
    wear,
    speedLimit: 13.9,
  };
  const main = buildRoad(mainSpec);
  const interPose = main.line.poseAt(sInter);
  const crossLength = 90;
  const crossMid = crossLength / 2;
  const crossStart = main.line.pointAt(sInter, -crossMid);
  const crossSpec: RoadSpec = {
    id: "cross",
    line: {
      start: { x: crossStart.x, y: crossStart.y, heading: interPose.heading + Math.PI / 2 },
      segments: [{ kind: "straight", length: crossLength }],
    },
    lanes: [
      { width: 3.25, direction: "forward" },
      { width: 3.25, direction: "backward" },
    ],
    boundaries: [
      { type: "solid", color: "white" },
      { type: "dashed", color: "white" },
      { type: "solid", color: "white" },
    ],
    rightOffset: -3.25,
    shoulder: 0.5,
    sidewalk: { kerbWidth: KERB, width: SIDEWALK },
    dash: { on: 3, off: 5 },
    lineWidth: 0.15,
    gaps: [[crossMid - mainHalf, crossMid + mainHalf]],
    crosswalks: [
      {
        id: "cw_cross_right",
        station: crossMid - mainHalf - 1 - DEPTH / 2,
        depth: DEPTH,
        stopLineGap: 1.5,
        stopLineFor: "forward",
      },
      {
        id: "cw_cross_left",
        station: crossMid + mainHalf + 1 + DEPTH / 2,
        depth: DEPTH,
        stopLineGap: 1.5,
        stopLineFor: "backward",
      },
    ],
    wear,
    speedLimit: 13.9,
  };
  const cross = buildRoad(crossSpec);
  const egoLane = u.fourLane ? 1 : 0;
  const egoOffset = main.laneCentreOffsets[egoLane]!;
  const rightKerb = -mainHalf;
  const leftKerb = mainHalf;
  const at = (s: number, t: number): Point2 => main.line.pointAt(s, t);
  const roadHeading = interPose.heading;

  // Pedestrians.
  const pedestrians: PedestrianSpec[] = [];
  let pid = 0;
  const ped = (
    motion: PedestrianSpec["motion"],
    role: PedestrianSpec["role"],
    child = false,
  ): void => {
    pedestrians.push({
      id: `ped_${pid++}`,
      motion,
      look: randomPedestrianLook(prng, child),
      phase0: prng.uniform(0, 2 * Math.PI),
      role,
    });
  };
  const crossing = prng.int(2, 3);
  for (let i = 0; i < crossing; i++) {
    const ds = -1.2 + (2.4 * (i + prng.uniform(0.2, 0.8))) / crossing;
    const leftToRight = i % 2 === 1;
    const from = leftToRight ? leftKerb + KERB + 1.5 : rightKerb - KERB - 1.5;
    const to = leftToRight ? rightKerb - KERB - 1.5 : leftKerb + KERB + 1.5;
    const away = leftToRight ? -1 : 1;
    ped(
      {
        kind: "walk",
        path: [
          at(sNear + ds - away * 3, from),
          at(sNear + ds, from),
          at(sNear + ds, to),
          at(sNear + ds + 6, to),
        ],
        speed: prng.uniform(1.15, 1.5),
        startDelay: prng.uniform(0, 2.5) + i * 0.8,
      },
      "crossing",
      i === 2 && prng.next() < 0.5,
    );
  }
  // Someone crossing the side road on its right-hand crosswalk.
  {
    const cs = crossMid - mainHalf - 1 - DEPTH / 2;
    const a = cross.line.pointAt(cs, -crossHalf - KERB - 1.2);
    const b = cross.line.pointAt(cs, crossHalf + KERB + 1.2);
    // Then along the side road's sidewalk, away from the main road (its stations grow towards it).
    ped(
      {
        kind: "walk",
        path: [a, b, cross.line.pointAt(cs - 8, crossHalf + KERB + 1.2)],
        speed: prng.uniform(1.1, 1.4),
        startDelay: prng.uniform(0, 3),
      },
      "crossing",
    );
  }
  // Waiting at the kerb beside the near crossing, facing the road.
  ped(
    {
      kind: "stand",
      position: at(sNear - DEPTH / 2 - 0.6, rightKerb - KERB - 0.5),
      heading: roadHeading + Math.PI / 2,
    },
    "waiting_at_kerb",
  );
  ped(
    {
      kind: "stand",
      position: at(sNear + DEPTH / 2 + 0.8, leftKerb + KERB + 0.6),
      heading: roadHeading - Math.PI / 2,
    },
    "waiting_at_kerb",
  );
  // Walkers along the sidewalks.
  const walkers = prng.int(2, 4);
  for (let i = 0; i < walkers; i++) {
    const rightSide = i % 2 === 0;
    const t = rightSide
      ? rightKerb - KERB - prng.uniform(0.8, 2.4)
      : leftKerb + KERB + prng.uniform(0.8, 2.4);
    const s0 = start + 18 + prng.uniform(0, 35);
    const dir = prng.next() < 0.5 ? 1 : -1;
    ped(
      {
        kind: "walk",
        path: main.line.offsetPolyline(t, s0, s0 + dir * 40, 2),
        speed: prng.uniform(1.0, 1.6),
        startDelay: 0,
      },
      "sidewalk_walker",
    );
  }
  // Parked cars on the right, one pedestrian standing in the gap between two of them, about to cross.
  const vehicles: VehicleSpec[] = [];
  const parkT = rightKerb + 1.05;
  const parkJitter = prng.uniform(0, 6);
  // With a map-only crosswalk, the row is placed so that it lies in the gap between parked_2 and
  // parked_1 (3.4 m clear of both): nobody stands or parks on it.
  const sPark = u.ghost
    ? sGhost + 14.2
    : Math.max(start + leadIn + 12, sNear - DEPTH / 2 - 16 - parkJitter);
  const headingAt = (s: number): number => main.line.poseAt(s).heading;
  vehicles.push(
    car(
      prng,
      "parked_0",
      { kind: "parked", position: at(sPark, parkT), heading: headingAt(sPark) },
      "car",
    ),
  );
  vehicles.push(
    car(
      prng,
      "parked_1",
      { kind: "parked", position: at(sPark - 6.2, parkT), heading: headingAt(sPark - 6.2) },
      "van",
    ),
  );
  vehicles.push(
    car(
      prng,
      "parked_2",
      { kind: "parked", position: at(sPark - 22, parkT), heading: headingAt(sPark - 22) },
      "car",
    ),
  );
  ped(
    {
      kind: "stand",
      position: at(sPark - 3.1, parkT + 0.2),
      heading: headingAt(sPark - 3.1) + Math.PI / 2,
    },
    "behind_parked_vehicle",
  );
  // Oncoming traffic and a car waiting on the side road.
  const oncomingLane = main.laneCentreOffsets[main.laneCentreOffsets.length - 1]!;
  const back = main.line.offsetPolyline(oncomingLane, main.line.length, 0, 2);
  vehicles.push(
    car(
      prng,
      "oncoming_0",
      {
        kind: "drive",
        path: back,
        start: main.line.length - sFar - 40 - prng.uniform(0, 20),
        speed: prng.uniform(7, 10),
      },
      "car",
    ),
  );
  const waitPath = cross.line.offsetPolyline(cross.laneCentreOffsets[0]!, 0, crossLength, 2);
  vehicles.push(
    car(
      prng,
      "waiting_0",
      { kind: "drive", path: waitPath, start: crossMid - mainHalf - DEPTH - 6.5, speed: 0 },
      "car",
    ),
  );

  const world = assembleWorld(
    SCENARIO_ORIGIN,
    [
      { id: "main", parts: main },
      { id: "cross", parts: cross },
    ],
    pedestrians,
    vehicles,
  );
  const mapEdits: BuiltScenario["mapEdits"] = [];
  if (u.ghost) {
    const ghost = world.crosswalks.find((c) => c.id === "cw_main_ghost")!;
    mapEdits.push({ kind: "shift_boundary", boundaryId: "main_b1_0", offset: 0.5 });
    mapEdits.push({ kind: "omit_crosswalk", crosswalkId: "cw_main_near" });
    mapEdits.push({ kind: "crosswalk_only_in_map", crosswalkId: ghost.id, polygon: ghost.polygon });
    removeCrosswalkFromWorld(world, ghost.id);
  }
  // The ego yields at the near stop line until the crossing pedestrians have cleared its lane.
  const stopStation = sNear - DEPTH / 2 - 1.5 - 0.4 - 0.3 - 2.2; // front bumper ~ at the stop line
  const releaseTime = laneClearTime(
    pedestrians.filter((p) => p.role === "crossing"),
    main.line,
    sNear,
    egoOffset,
    lane,
    o.duration,
  );
  const ego = new EgoDrive({
    line: main.line,
    laneOffset: egoOffset,
    startStation: start,
    speed,
    stopAt: { station: stopStation, releaseTime },
    wander: 0.1,
    duration: o.duration,
    prng: prng.fork("ego"),
  });
  return { world, ego, environment: { backdrop: "town", ...u.environment }, mapEdits };
}

/** The first time after which no crossing pedestrian is on the crossing within a metre of the ego's lane. */
function laneClearTime(
  peds: PedestrianSpec[],
  line: {
    pointAt(s: number, t: number): Point2;
    poseAt(s: number): { x: number; y: number; heading: number };
  },
  sCross: number,
  laneOffset: number,
  laneWidth: number,
  duration: number,
): number {
  const centre = line.poseAt(sCross);
  let last = 0;
  for (let t = 0; t <= duration + 20; t += 0.1) {
    for (const p of peds) {
      const s = pedestrianAt(p, t);
      const dx = s.x - centre.x;
      const dy = s.y - centre.y;
      const along = dx * Math.cos(centre.heading) + dy * Math.sin(centre.heading);
      const lateral = -dx * Math.sin(centre.heading) + dy * Math.cos(centre.heading);
      if (
        Math.abs(along) < 40 &&
        Math.abs(lateral - laneOffset) < laneWidth / 2 + 1.5 &&
        Math.abs(along) < DEPTH
      )
        last = t;
    }
  }
  return last + 0.5;
}

function car(
  prng: Prng,
  id: string,
  motion: VehicleSpec["motion"],
  body: "car" | "van" | "truck",
): VehicleSpec {
  const dims =
    body === "car"
      ? {
          length: prng.uniform(4.2, 4.8),
          width: prng.uniform(1.75, 1.85),
          height: prng.uniform(1.4, 1.55),
        }
      : body === "van"
        ? { length: 5.2, width: 2.0, height: 2.1 }
        : { length: 8.5, width: 2.45, height: 3.2 };
  return { id, ...dims, color: randomCarColor(prng), motion };
}
