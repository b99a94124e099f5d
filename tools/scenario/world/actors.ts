/**
 * Where the actors are at an instant: pedestrians (position, heading, walking phase) and vehicles
 * (pose), from their specs. Pure functions of time.
 */
import type { PedestrianSpec, VehicleSpec, GroundPose } from "./types.js";
import type { Point2 } from "../../../src/geometry/types.js";

/** A pedestrian at an instant. */
export interface PedestrianState {
  spec: PedestrianSpec;
  /** Feet position (ground contact) in the map frame. */
  x: number;
  y: number;
  /** Facing direction, radians from map x. */
  heading: number;
  /** Walking phase, radians (gait cycle = 2 pi); constant when standing. */
  phase: number;
  /** Speed over ground, m/s. */
  speed: number;
  /** Velocity in the map frame, m/s. */
  vx: number;
  vy: number;
}

/** A vehicle at an instant. */
export interface VehicleState {
  spec: VehicleSpec;
  /** Centre of the footprint, map frame. */
  x: number;
  y: number;
  heading: number;
  speed: number;
}

/** Metres walked per gait cycle (two steps) for a given body height. */
export function strideLength(height: number): number {
  return 0.8 * height;
}

export function pedestrianAt(spec: PedestrianSpec, t: number): PedestrianState {
  const m = spec.motion;
  if (m.kind === "stand") {
    return {
      spec,
      x: m.position.x,
      y: m.position.y,
      heading: m.heading,
      phase: spec.phase0,
      speed: 0,
      vx: 0,
      vy: 0,
    };
  }
  const walked = Math.max(0, t - m.startDelay) * m.speed;
  const at = alongPolyline(m.path, walked);
  const moving = walked > 0 && !at.atEnd;
  const speed = moving ? m.speed : 0;
  return {
    spec,
    x: at.x,
    y: at.y,
    heading: at.heading,
    phase:
      spec.phase0 + (2 * Math.PI * Math.min(walked, at.total)) / strideLength(spec.look.height),
    speed,
    vx: speed * Math.cos(at.heading),
    vy: speed * Math.sin(at.heading),
  };
}

export function vehicleAt(spec: VehicleSpec, t: number): VehicleState {
  const m = spec.motion;
  if (m.kind === "parked")
    return { spec, x: m.position.x, y: m.position.y, heading: m.heading, speed: 0 };
  const at = alongPolyline(m.path, m.start + m.speed * t);
  return { spec, x: at.x, y: at.y, heading: at.heading, speed: at.atEnd ? 0 : m.speed };
}

/** The point `distance` metres along a polyline (clamped), its direction and whether it is at the end. */
export function alongPolyline(
  path: readonly Point2[],
  distance: number,
): GroundPose & { atEnd: boolean; total: number } {
  let total = 0;
  for (let i = 1; i < path.length; i++)
    total += Math.hypot(path[i]!.x - path[i - 1]!.x, path[i]!.y - path[i - 1]!.y);
  let left = Math.max(0, distance);
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1]!;
    const b = path[i]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len === 0) continue;
    const heading = Math.atan2(b.y - a.y, b.x - a.x);
    if (left <= len || i === path.length - 1) {
      const u = Math.min(1, left / len);
      return {
        x: a.x + (b.x - a.x) * u,
        y: a.y + (b.y - a.y) * u,
        heading,
        atEnd: distance >= total,
        total,
      };
    }
    left -= len;
  }
  const p = path[0]!;
  return { x: p.x, y: p.y, heading: 0, atEnd: true, total };
}
