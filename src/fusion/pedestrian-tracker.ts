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
  /** Gate on the squared Mahalanobis distance of a detection to a track (chi-square, 2 dof: 9.21 = 99 %, 13.8 = 99.9 %). */
  gateMahalanobis2: number;
  /**
   * Hard gate, metres: how far a detection may lie from a track's predicted position beyond its own
   * uncertainty. In the first pass the reach along the offset is sqrt(`gateDistance`^2 +
   * `gateMahalanobis2` * var), var the detection's variance in that direction, so a far detection
   * whose monocular range is uncertain by several metres still reaches its track (instead of
   * splitting one far person into duplicate tracks) while a sideways jump of the same size does not.
   * The second-chance pass uses `gateDistance` alone. Guards against huge coasting covariances.
   */
  gateDistance: number;
  /**
   * Second-chance gate: a track and a detection both left over after the first pass are paired when
   * the squared Mahalanobis distance is below this and they are within `gateDistance` metres (a near
   * outlier detection then does not spawn a duplicate track; a detection further off, a newly found
   * person, starts its own tentative track instead of pulling a coasting one across a jump).
   */
  secondGateMahalanobis2: number;
  /** Standard deviation of the white-noise acceleration of pedestrians, m/s^2. */
  accelStd: number;
  /** Standard deviation of each velocity component of a new track, m/s. */
  initialVelocityStd: number;
  /** Floor on the standard deviation of a detection's position on each axis, metres. */
  minPositionStd: number;
  /**
   * Density of people appearing unseen so far (new tracks), per square metre of ground. In the first
   * pass a detection is associated with a track only when its likelihood under that track,
   * N(innovation; 0, S), is above this density: a far detection whose range is uncertain by many
   * metres is then likelier someone newly found than the track's person jumping there, and starts its
   * own (tentative) track. (The second-chance pass stays within `gateDistance` metres.)
   */
  newTargetDensity: number;
}

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

  constructor(options: TrackerOptions) {
    this.#o = { ...options };
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
    this.#associate(measurements, covs, o.gateMahalanobis2, true, trackUsed, detUsed, timeSec);
    this.#associate(
      measurements,
      covs,
      o.secondGateMahalanobis2,
      false,
      trackUsed,
      detUsed,
      timeSec,
    );
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

  /**
   * Greedy association, most likely pair first (-2 ln likelihood; confirmed tracks win ties), of what
   * is still free. The first pass widens the hard gate by the detection's spread and requires the
   * likelihood to beat `newTargetDensity`; the second-chance pass stays within `gateDistance`.
   */
  #associate(
    measurements: readonly TrackMeasurement<T>[],
    covs: [number, number, number, number][],
    gate: number,
    firstPass: boolean,
    trackUsed: Uint8Array,
    detUsed: Uint8Array,
    timeSec: number,
  ): void {
    const o = this.#o;
    const newTargetCost = -2 * Math.log(o.newTargetDensity);
    const pairs: { track: number; det: number; cost: number }[] = [];
    this.#tracks.forEach((t, ti) => {
      if (trackUsed[ti]) return;
      measurements.forEach((m, di) => {
        if (detUsed[di]) return;
        if (!this.#withinReach(t, m.position, covs[di]!, firstPass)) return;
        const d2 = t.filter.mahalanobis2(m.position, covs[di]!);
        if (d2 > gate) return;
        const [a, b, c, d] = t.filter.innovationCovariance(covs[di]!);
        // -2 ln of the detection's likelihood under this track: d2 + ln((2 pi)^2 det S).
        const nll = d2 + Math.log(4 * Math.PI * Math.PI * (a * d - b * c));
        if (firstPass && nll > newTargetCost) return;
        pairs.push({ track: ti, det: di, cost: nll + (t.confirmed ? 0 : 0.5) });
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

  /** The hard gate: the offset is within `gateDistance` (when widened, combined with the detection's own spread along it). */
  #withinReach(
    t: Track<T>,
    z: Point2,
    R: [number, number, number, number],
    widen: boolean,
  ): boolean {
    const o = this.#o;
    const dx = z.x - t.filter.state[0]!;
    const dy = z.y - t.filter.state[1]!;
    const d = Math.hypot(dx, dy);
    if (d <= o.gateDistance) return true;
    if (!widen) return false;
    const ux = dx / d;
    const uy = dy / d;
    const varAlong = ux * ux * R[0] + ux * uy * (R[1] + R[2]) + uy * uy * R[3];
    return d * d <= o.gateDistance ** 2 + o.gateMahalanobis2 * Math.max(0, varAlong);
  }

  #floored(c: ArrayLike<number>): [number, number, number, number] {
    const min = this.#o.minPositionStd ** 2;
    return [Math.max(c[0]!, min), c[1]!, c[2]!, Math.max(c[3]!, min)];
  }
}
