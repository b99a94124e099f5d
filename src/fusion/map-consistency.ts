import type { Point2 } from "../geometry/types.js";
import { MapDisagreement } from "../msgs/types.generated.js";

/** Tuning of the evidence behind map disagreements. */
export interface MapConsistencyOptions {
  /** Observations kept per map feature (a sliding window). */
  window: number;
  /** Supporting observations needed before a disagreement is reported. */
  minEvidenceFrames: number;
  /** Fraction of the window that must support a disagreement to report it. */
  reportFraction: number;
  /** A reported disagreement is withdrawn when the supporting fraction falls below this. */
  clearFraction: number;
  /** A boundary counts as shifted beyond this lateral offset, metres. */
  shiftThreshold: number;
  /** Unmatched crosswalk detections within this distance are the same unmapped crosswalk, metres. */
  unmappedClusterRadius: number;
  /** Smoothing of the frame-by-frame consistency score (weight of the newest frame, 0..1). */
  scoreSmoothing: number;
}

type Kind = (typeof MapDisagreement)[keyof typeof MapDisagreement];

interface Evidence {
  kind: Kind;
  mapId: string;
  /** Recent observations: whether each supports the disagreement, and its value (shift, ...). */
  support: boolean[];
  values: number[];
  /** Total supporting observations ever. */
  supportTotal: number;
  /** Latest map-frame position. */
  position: Point2;
  /** Latest text of what the map says vs what the camera sees. */
  describe: (magnitude: number) => string;
  reported: boolean;
}

/**
 * Accumulates, frame by frame, what the camera says about each nearby map feature and reports the
 * disagreements that persist (no single-frame flicker: a disagreement needs `minEvidenceFrames`
 * supporting frames and a `reportFraction` majority of its window, and then stays until the
 * window turns against it). Also keeps the 0..1 consistency score.
 */
export class MapConsistencyMonitor {
  readonly #o: MapConsistencyOptions;
  readonly #evidence = new Map<string, Evidence>();
  #unmappedCount = 0;
  #score = NaN;
  #frameChecks = 0;
  #frameAgreements = 0;

  constructor(options: MapConsistencyOptions) {
    this.#o = { ...options };
  }

  get options(): Readonly<MapConsistencyOptions> {
    return this.#o;
  }

  /** A matched boundary's lateral offset from the map after removing the pose's common shift. */
  observeBoundaryOffset(boundaryId: string, offset: number, where: Point2): void {
    const e = this.#get(
      `shift:${boundaryId}`,
      MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED,
      boundaryId,
      where,
    );
    const supports = Math.abs(offset) > this.#o.shiftThreshold;
    e.describe = (m) =>
      `map places lane boundary ${boundaryId} ${m.toFixed(2)} m ${median(e.values) > 0 ? "right" : "left"} of where the camera sees it`;
    this.#push(e, supports, offset, where);
  }

  /** A matched boundary's type as the camera sees it (only confident detections should be passed). */
  observeBoundaryType(boundaryId: string, mapType: string, seenType: string, where: Point2): void {
    const e = this.#get(
      `type:${boundaryId}`,
      MapDisagreement.KIND_LANE_BOUNDARY_TYPE,
      boundaryId,
      where,
    );
    if (mapType !== seenType)
      e.describe = () =>
        `map says lane boundary ${boundaryId} is ${mapType}, camera sees ${seenType}`;
    this.#push(e, mapType !== seenType, 0, where);
  }

  /** A mapped crosswalk in the visible ground region: seen by the camera or not. */
  observeMappedCrosswalk(crosswalkId: string, seen: boolean, where: Point2): void {
    const e = this.#get(
      `missing:${crosswalkId}`,
      MapDisagreement.KIND_CROSSWALK_MISSING,
      crosswalkId,
      where,
    );
    e.describe = () => `map has crosswalk ${crosswalkId} here, camera does not see it`;
    this.#push(e, !seen, 0, where);
  }

  /** A detected crosswalk that matches nothing in the map, at a map-frame centroid. */
  observeUnmappedCrosswalk(centroid: Point2): void {
    const e =
      this.#unmappedNear(centroid) ??
      this.#get(
        `unmapped:${++this.#unmappedCount}`,
        MapDisagreement.KIND_CROSSWALK_UNMAPPED,
        "",
        centroid,
      );
    e.describe = () => `camera sees a crosswalk here, map has none`;
    // Running mean of the position while supported.
    const n = e.supportTotal;
    const where = {
      x: (e.position.x * n + centroid.x) / (n + 1),
      y: (e.position.y * n + centroid.y) / (n + 1),
    };
    this.#push(e, true, 0, where);
  }

  /** Known unmapped-crosswalk candidates near a map point (to check whether they are visible but not seen). */
  unmappedCandidates(): { key: string; position: Point2 }[] {
    const out: { key: string; position: Point2 }[] = [];
    for (const [key, e] of this.#evidence)
      if (e.kind === MapDisagreement.KIND_CROSSWALK_UNMAPPED)
        out.push({ key, position: e.position });
    return out;
  }

  /** An unmapped-crosswalk candidate in view this frame with no unmatched detection near it. */
  observeUnmappedAbsent(key: string): void {
    const e = this.#evidence.get(key);
    if (e) this.#push(e, false, 0, e.position);
  }

  /** Closes a frame: folds its agreements into the score; returns the score (NaN before any check). */
  endFrame(): number {
    if (this.#frameChecks > 0) {
      const frame = this.#frameAgreements / this.#frameChecks;
      this.#score = Number.isNaN(this.#score)
        ? frame
        : this.#score + this.#o.scoreSmoothing * (frame - this.#score);
    }
    this.#frameChecks = 0;
    this.#frameAgreements = 0;
    return this.#score;
  }

  /** The current score (NaN before any check). */
  get score(): number {
    return this.#score;
  }

  /** The disagreements reported now. */
  disagreements(): MapDisagreement[] {
    const out: MapDisagreement[] = [];
    for (const e of this.#evidence.values()) {
      if (!e.reported) continue;
      const supporting = e.support.filter(Boolean).length;
      const magnitude =
        e.kind === MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED
          ? Math.abs(median(e.values.filter((_, i) => e.support[i])))
          : 0;
      out.push({
        kind: e.kind,
        map_id: e.mapId,
        description: e.describe(magnitude),
        position: { x: e.position.x, y: e.position.y, z: 0 },
        magnitude,
        evidence_frames: e.supportTotal,
        confidence: Math.min(
          1,
          (supporting / e.support.length) *
            Math.min(1, e.supportTotal / (2 * this.#o.minEvidenceFrames)),
        ),
      });
    }
    return out;
  }

  /** Forgets everything (a different map). */
  clear(): void {
    this.#evidence.clear();
    this.#score = NaN;
  }

  #get(key: string, kind: Kind, mapId: string, where: Point2): Evidence {
    let e = this.#evidence.get(key);
    if (!e) {
      e = {
        kind,
        mapId,
        support: [],
        values: [],
        supportTotal: 0,
        position: { ...where },
        describe: () => "",
        reported: false,
      };
      this.#evidence.set(key, e);
    }
    return e;
  }

  #unmappedNear(p: Point2): Evidence | undefined {
    let best: Evidence | undefined;
    let bestD = this.#o.unmappedClusterRadius;
    for (const e of this.#evidence.values()) {
      if (e.kind !== MapDisagreement.KIND_CROSSWALK_UNMAPPED) continue;
      const d = Math.hypot(e.position.x - p.x, e.position.y - p.y);
      if (d <= bestD) {
        best = e;
        bestD = d;
      }
    }
    return best;
  }

  #push(e: Evidence, supports: boolean, value: number, where: Point2): void {
    const o = this.#o;
    e.support.push(supports);
    e.values.push(value);
    if (e.support.length > o.window) {
      e.support.shift();
      e.values.shift();
    }
    if (supports) {
      e.supportTotal++;
      e.position = { ...where };
    }
    this.#frameChecks++;
    if (!supports) this.#frameAgreements++;
    const supporting = e.support.filter(Boolean).length;
    const fraction = supporting / e.support.length;
    if (!e.reported && supporting >= o.minEvidenceFrames && fraction >= o.reportFraction)
      e.reported = true;
    else if (e.reported && e.support.length >= o.minEvidenceFrames && fraction < o.clearFraction)
      e.reported = false;
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
