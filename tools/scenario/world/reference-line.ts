/**
 * A road's reference line in the `map` frame: a start pose followed by straight, arc and clothoid
 * segments, sampled densely once (every `step` metres) so every consumer (renderer, HD map, ground
 * truth) reads the same polyline and agrees with the others exactly.
 */
import { PerceptionError } from "../../../src/core/errors.js";
import type { Point2 } from "../../../src/geometry/types.js";

/** One piece of a reference line. Curvature is 1/radius, positive = turning left. */
export type ReferenceSegment =
  | { kind: "straight"; length: number }
  | { kind: "arc"; length: number; curvature: number }
  | { kind: "clothoid"; length: number; curvatureStart: number; curvatureEnd: number };

/** A pose on the ground: position (map frame, metres) and heading (radians from map x, CCW). */
export interface Pose2 {
  x: number;
  y: number;
  heading: number;
}

export interface ReferenceLineOptions {
  /** Where the line starts and which way it points. */
  start: Pose2;
  /** The segments, in driving order. */
  segments: readonly ReferenceSegment[];
  /** Sampling step in metres (default 0.25; chord error below 0.3 mm for radii above 25 m). */
  step?: number;
}

/** A sampled reference line: station s (metres along it) to pose, and lateral offsets. */
export class ReferenceLine {
  /** Total length, metres. */
  readonly length: number;
  readonly step: number;
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #h: Float64Array;

  constructor(options: ReferenceLineOptions) {
    const step = options.step ?? 0.25;
    if (!(step > 0))
      throw new PerceptionError("scenario", `reference line step must be positive, got ${step}`);
    let total = 0;
    for (const seg of options.segments) {
      if (!(seg.length > 0))
        throw new PerceptionError(
          "scenario",
          `reference line segment length must be positive, got ${seg.length}`,
        );
      total += seg.length;
    }
    if (total <= 0)
      throw new PerceptionError("scenario", "a reference line needs at least one segment");
    const n = Math.ceil(total / step) + 1;
    this.step = step;
    this.length = total;
    this.#x = new Float64Array(n);
    this.#y = new Float64Array(n);
    this.#h = new Float64Array(n);
    // Integrate heading exactly (curvature is linear within a segment) and position with Simpson's
    // rule, never across a segment boundary (curvature may jump there).
    const starts: number[] = [];
    let acc = 0;
    for (const seg of options.segments) {
      starts.push(acc);
      acc += seg.length;
    }
    const curvature = (k: number, s: number): number => {
      const seg = options.segments[k]!;
      switch (seg.kind) {
        case "straight":
          return 0;
        case "arc":
          return seg.curvature;
        case "clothoid":
          return (
            seg.curvatureStart +
            (seg.curvatureEnd - seg.curvatureStart) *
              Math.min(1, Math.max(0, (s - starts[k]!) / seg.length))
          );
      }
    };
    let x = options.start.x;
    let y = options.start.y;
    let h = options.start.heading;
    this.#x[0] = x;
    this.#y[0] = y;
    this.#h[0] = h;
    let seg = 0;
    const maxSub = step / 8;
    for (let i = 1; i < n; i++) {
      let a = (i - 1) * step;
      const end = Math.min(i * step, total);
      while (a < end - 1e-12) {
        while (seg < options.segments.length - 1 && a >= starts[seg + 1]! - 1e-12) seg++;
        const segEnd = seg < options.segments.length - 1 ? starts[seg + 1]! : total;
        const b = Math.min(end, segEnd, a + maxSub);
        const ds = b - a;
        const ka = curvature(seg, a);
        const km = curvature(seg, a + ds / 2);
        const kb = curvature(seg, b);
        const hm = h + ((ds / 2) * (ka + km)) / 2;
        const hb = h + (ds * (ka + 4 * km + kb)) / 6;
        x += (ds / 6) * (Math.cos(h) + 4 * Math.cos(hm) + Math.cos(hb));
        y += (ds / 6) * (Math.sin(h) + 4 * Math.sin(hm) + Math.sin(hb));
        h = hb;
        a = b;
      }
      this.#x[i] = x;
      this.#y[i] = y;
      this.#h[i] = h;
    }
  }

  /** The pose at station s (clamped to [0, length]), linearly interpolated between samples. */
  poseAt(s: number): Pose2 {
    const c = Math.min(Math.max(s, 0), this.length);
    const f = c / this.step;
    const i = Math.min(Math.floor(f), this.#x.length - 2);
    const t = f - i;
    const h0 = this.#h[i]!;
    const h1 = this.#h[i + 1]!;
    return {
      x: this.#x[i]! + (this.#x[i + 1]! - this.#x[i]!) * t,
      y: this.#y[i]! + (this.#y[i + 1]! - this.#y[i]!) * t,
      heading: h0 + (h1 - h0) * t,
    };
  }

  /** The point at station s and lateral offset t (positive = left of the driving direction). */
  pointAt(s: number, t: number): Point2 {
    const p = this.poseAt(s);
    return { x: p.x - Math.sin(p.heading) * t, y: p.y + Math.cos(p.heading) * t };
  }

  /**
   * The polyline at lateral offset t from station s0 to s1, one point per `spacing` metres of
   * station (both ends included). s1 < s0 gives the reversed line.
   */
  offsetPolyline(t: number, s0: number, s1: number, spacing = 1): Point2[] {
    const span = Math.abs(s1 - s0);
    const n = Math.max(1, Math.round(span / spacing));
    const out: Point2[] = [];
    for (let i = 0; i <= n; i++) out.push(this.pointAt(s0 + ((s1 - s0) * i) / n, t));
    return out;
  }
}
