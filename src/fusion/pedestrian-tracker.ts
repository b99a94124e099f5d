import type { Point2 } from "../geometry/types.js";
import { ConstantVelocityFilter } from "./kalman-cv.js";

/** Tuning of the multi-object tracker. */
export interface TrackerOptions {
  /** Detections a track needs before it is confirmed (published). */
  confirmHits: number;
  /** Seconds a confirmed track coasts (predicted only) without a detection before it is dropped. */
  maxCoastSec: number;
  /** Seconds a tentative (unconfirmed) track survives without a detection. */
  tentativeMaxCoastSec: number;
  /** Gate on the squared Mahalanobis distance of a detection to a track (chi-square, 2 dof: 9.21 = 99 %). */
  gateMahalanobis2: number;
  /** Hard gate on the Euclidean distance, metres (guards against huge coasting covariances). */
  gateDistance: number;
  /**
   * Second-chance gate: a track and a detection both left over after the first pass are paired when
   * the squared Mahalanobis distance is below this and they are within `gateDistance` (outlier
   * detections then do not spawn a duplicate track).
   */
  secondGateMahalanobis2: number;
  /** Standard deviation of the white-noise acceleration of pedestrians, m/s^2. */
  accelStd: number;
  /** Standard deviation of each velocity component of a new track, m/s. */
  initialVelocityStd: number;
  /** Floor on the standard deviation of a detection's position on each axis, metres. */
  minPositionStd: number;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  confirmHits: 3,
  maxCoastSec: 1.5,
  tentativeMaxCoastSec: 0.25,
  gateMahalanobis2: 13.8, // chi-square 2 dof, 99.9 %
  gateDistance: 4,
  secondGateMahalanobis2: 40,
  accelStd: 1.5,
  initialVelocityStd: 2.0,
  minPositionStd: 0.05,
});

/** One detection handed to the tracker, already in the tracking frame. */
export interface TrackMeasurement<T> {
  position: Point2;
  /** Row-major 2x2 covariance in the tracking frame, m^2. */
  covariance: ArrayLike<number>;
  /** Carried along with the track (the source detection). */
  payload: T;
}

/** A track's state after a step. */
export interface Track<T> {
  /** Stable id, >= 1. */
  readonly id: number;
  readonly filter: ConstantVelocityFilter;
  /** Detections associated so far. */
  hits: number;
  /** Time of the last associated detection, seconds. */
  lastUpdateSec: number;
  /** Confirmed once `hits >= confirmHits`; stays confirmed while it lives. */
  confirmed: boolean;
  /** True when a detection was associated in the latest step. */
  updated: boolean;
  /** The latest associated detection. */
  payload: T;
}

/**
 * Constant-velocity Kalman tracking of ground positions with greedy nearest-Mahalanobis
 * association: stable ids, coasting through short occlusions, confirmation after N hits.
 */
export class MultiObjectTracker<T> {
  readonly #o: TrackerOptions;
  #tracks: Track<T>[] = [];
  #nextId = 1;
  #lastSec: number | undefined;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.#o = { ...DEFAULT_TRACKER_OPTIONS, ...options };
  }

  /** Live tracks (tentative and confirmed). */
  get tracks(): readonly Track<T>[] {
    return this.#tracks;
  }

  /** Drops every track (ids keep increasing so an old id is never reused for someone else). */
  reset(): void {
    this.#tracks = [];
    this.#lastSec = undefined;
  }

  /** Re-expresses every track in another frame: p' = R(angle) p + t. */
  changeFrame(angle: number, tx: number, ty: number): void {
    for (const t of this.#tracks) t.filter.changeFrame(angle, tx, ty);
  }

  /** Predicts to `timeSec`, associates the detections, updates, births and retires tracks. */
  step(timeSec: number, measurements: readonly TrackMeasurement<T>[]): readonly Track<T>[] {
    const o = this.#o;
    const dt = this.#lastSec === undefined ? 0 : Math.max(0, timeSec - this.#lastSec);
    this.#lastSec = timeSec;
    for (const t of this.#tracks) {
      t.filter.predict(dt, o.accelStd);
      t.updated = false;
    }
    const covs = measurements.map((m) => this.#floored(m.covariance));
    const trackUsed = new Uint8Array(this.#tracks.length);
    const detUsed = new Uint8Array(measurements.length);
    this.#associate(measurements, covs, o.gateMahalanobis2, trackUsed, detUsed, timeSec);
    this.#associate(measurements, covs, o.secondGateMahalanobis2, trackUsed, detUsed, timeSec);
    this.#tracks = this.#tracks.filter(
      (t) => timeSec - t.lastUpdateSec <= (t.confirmed ? o.maxCoastSec : o.tentativeMaxCoastSec),
    );
    measurements.forEach((m, di) => {
      if (detUsed[di]) return;
      const id = this.#nextId;
      this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
      this.#tracks.push({
        id,
        filter: new ConstantVelocityFilter(m.position, covs[di]!, o.initialVelocityStd),
        hits: 1,
        lastUpdateSec: timeSec,
        confirmed: o.confirmHits <= 1,
        updated: true,
        payload: m.payload,
      });
    });
    return this.#tracks;
  }

  /** Greedy association, cheapest squared Mahalanobis distance first (confirmed tracks win ties), of what is still free. */
  #associate(
    measurements: readonly TrackMeasurement<T>[],
    covs: [number, number, number, number][],
    gate: number,
    trackUsed: Uint8Array,
    detUsed: Uint8Array,
    timeSec: number,
  ): void {
    const o = this.#o;
    const pairs: { track: number; det: number; cost: number }[] = [];
    this.#tracks.forEach((t, ti) => {
      if (trackUsed[ti]) return;
      measurements.forEach((m, di) => {
        if (detUsed[di]) return;
        const dx = m.position.x - t.filter.state[0]!;
        const dy = m.position.y - t.filter.state[1]!;
        if (Math.hypot(dx, dy) > o.gateDistance) return;
        const d2 = t.filter.mahalanobis2(m.position, covs[di]!);
        if (d2 <= gate) pairs.push({ track: ti, det: di, cost: d2 + (t.confirmed ? 0 : 0.5) });
      });
    });
    pairs.sort((a, b) => a.cost - b.cost);
    for (const p of pairs) {
      if (trackUsed[p.track] || detUsed[p.det]) continue;
      trackUsed[p.track] = 1;
      detUsed[p.det] = 1;
      const t = this.#tracks[p.track]!;
      const m = measurements[p.det]!;
      t.filter.update(m.position, covs[p.det]!);
      t.hits++;
      t.lastUpdateSec = timeSec;
      t.updated = true;
      t.payload = m.payload;
      if (t.hits >= o.confirmHits) t.confirmed = true;
    }
  }

  #floored(c: ArrayLike<number>): [number, number, number, number] {
    const min = this.#o.minPositionStd ** 2;
    return [Math.max(c[0]!, min), c[1]!, c[2]!, Math.max(c[3]!, min)];
  }
}
