/**
 * The ego vehicle's drive: along one lane of a road (a lateral offset from its reference line) at a
 * cruise speed with smooth speed jitter, optionally slowing for a point ahead (a crossing), with a
 * small smooth lateral wander around the lane centre. base_link is on the ground under the rear
 * axle; its pose is the drive's pose.
 */
import { PerceptionError } from "../../../src/core/errors.js";
import { type Prng, SmoothNoise1D } from "../prng.js";
import type { ReferenceLine } from "./reference-line.js";
import type { GroundPose } from "./types.js";

export interface EgoDriveOptions {
  /** The road the ego drives along, in the reference line's direction. */
  line: ReferenceLine;
  /** Lateral offset of the lane centre from the reference line, metres. */
  laneOffset: number;
  /** Station where the drive starts, metres. */
  startStation: number;
  /** Cruise speed, m/s (> 0). */
  speed: number;
  /**
   * Yield: brake comfortably (1.5 m/s^2) to stop at `station` (a stop line) and wait there until
   * `releaseTime` seconds, then drive on. Ignored once the ego is past the station.
   */
  stopAt?: { station: number; releaseTime: number };
  /** Peak lateral wander around the lane centre, metres (0.15 typical). */
  wander: number;
  /** Duration to plan for, seconds. */
  duration: number;
  prng: Prng;
}

/** Integration rate (Hz): a common multiple of the 30 Hz camera and the 50 Hz pose. */
export const EGO_RATE_HZ = 150;

/**
 * Speed (m/s) from which the lateral wander runs at its full rate in time; below it the wander
 * advances in proportion to speed (so by distance), and stops with the car.
 */
export const WANDER_FULL_SPEED = 3;

/** The ego's planned drive, sampled at EGO_RATE_HZ. */
export class EgoDrive {
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #h: Float64Array;
  readonly #v: Float64Array;
  readonly #s: Float64Array;

  constructor(o: EgoDriveOptions) {
    if (!(o.speed > 0) || !Number.isFinite(o.speed))
      throw new PerceptionError(
        "scenario",
        `ego speed must be a positive number of m/s, got ${o.speed}`,
        { speed: o.speed },
      );
    if (o.speed > 70)
      throw new PerceptionError(
        "scenario",
        `ego speed ${o.speed} m/s is not a plausible road speed (max 70)`,
        { speed: o.speed },
      );
    const n = Math.ceil(o.duration * EGO_RATE_HZ) + 2;
    this.#x = new Float64Array(n);
    this.#y = new Float64Array(n);
    this.#h = new Float64Array(n);
    this.#v = new Float64Array(n);
    this.#s = new Float64Array(n);
    const speedNoise = new SmoothNoise1D(o.prng.fork("speed"), 3, o.duration + 10);
    const wander = new SmoothNoise1D(o.prng.fork("wander"), 4, o.duration + 10);
    const dt = 1 / EGO_RATE_HZ;
    let s = o.startStation;
    let v = o.speed;
    const decel = 1.5;
    for (let i = 0; i < n; i++) {
      const t = i * dt;
      let target = o.speed * (1 + 0.03 * speedNoise.at(t));
      if (o.stopAt && t < o.stopAt.releaseTime) {
        const remaining = o.stopAt.station - s;
        // Speed from which braking at `decel` stops exactly at the station.
        if (remaining > -0.5)
          target = Math.min(target, Math.sqrt(2 * decel * Math.max(0, remaining)));
      }
      v = Math.max(0, v + Math.max(-decel * dt * 2, Math.min(1.2 * dt, target - v)));
      if (s > o.line.length - 1)
        throw new PerceptionError(
          "scenario",
          `the drive runs off the end of its road at t=${t.toFixed(2)} s: fewer frames or a lower speed`,
          { station: s, roadLength: o.line.length },
        );
      this.#s[i] = s;
      this.#v[i] = v;
      s += v * dt;
    }
    // Positions: lane centre + wander. The wander's clock runs with the car: at full rate above
    // WANDER_FULL_SPEED, slower below it and not at all at a standstill, so the wander is a shape of
    // the path there (a car does not drift sideways while it is stopped) and the path's direction
    // stays close to the lane's even when the car creeps. Above WANDER_FULL_SPEED the clock is the
    // drive's time exactly (a drive that never slows below it is unchanged).
    let lag = 0;
    for (let i = 0; i < n; i++) {
      const p = o.line.pointAt(this.#s[i]!, o.laneOffset + o.wander * wander.at(i * dt - lag));
      this.#x[i] = p.x;
      this.#y[i] = p.y;
      lag += dt * (1 - Math.min(1, this.#v[i]! / WANDER_FULL_SPEED));
    }
    // Heading: the direction of travel (central difference); where the car does not move (a stop),
    // the heading it had when it stopped is held: atan2 of a zero displacement means nothing.
    const still = 1e-6;
    for (let i = 0; i < n; i++) {
      const a = Math.max(0, i - 1);
      const b = Math.min(n - 1, i + 1);
      const dx = this.#x[b]! - this.#x[a]!;
      const dy = this.#y[b]! - this.#y[a]!;
      if (Math.hypot(dx, dy) > still) this.#h[i] = Math.atan2(dy, dx);
      else if (i > 0) this.#h[i] = this.#h[i - 1]!;
      else this.#h[i] = o.line.poseAt(this.#s[i]!).heading;
    }
  }

  /** The pose at t seconds after the start (linear between samples). */
  poseAt(t: number): GroundPose {
    const f = Math.max(0, t) * EGO_RATE_HZ;
    const i = Math.min(Math.floor(f), this.#x.length - 2);
    const u = f - i;
    let dh = this.#h[i + 1]! - this.#h[i]!;
    dh = Math.atan2(Math.sin(dh), Math.cos(dh));
    return {
      x: this.#x[i]! + (this.#x[i + 1]! - this.#x[i]!) * u,
      y: this.#y[i]! + (this.#y[i + 1]! - this.#y[i]!) * u,
      heading: this.#h[i]! + dh * u,
    };
  }

  /** Speed at t, m/s. */
  speedAt(t: number): number {
    const i = Math.min(Math.round(Math.max(0, t) * EGO_RATE_HZ), this.#v.length - 1);
    return this.#v[i]!;
  }

  /** Station along the road at t. */
  stationAt(t: number): number {
    const i = Math.min(Math.round(Math.max(0, t) * EGO_RATE_HZ), this.#s.length - 1);
    return this.#s[i]!;
  }
}
