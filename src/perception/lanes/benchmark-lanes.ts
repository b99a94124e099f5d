/**
 * Lane lines as the lane benchmarks draw them. TuSimple's and CULane's annotators draw a lane on
 * through the vehicles that hide it ("according to the context") and never draw road edges without
 * paint; the `LaneMarking` message says what the pixels show instead (x_max = where the paint is
 * last seen, road edges as `TYPE_ROAD_EDGE`). This is the one conversion from the one to the other,
 * used by `detect --format tusimple|culane`, `detect --json`'s `benchmarkLanes` and the project's
 * own benchmark scorers, so that they all score the same lines.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
import type { Pixel } from "../../geometry/types.js";
import { LaneMarking } from "../../msgs/types.generated.js";
import { evalPoly } from "./polyfit.js";

/** Options of `benchmarkImageLanes`. */
export interface BenchmarkLaneOptions {
  /** Spacing of the projected points along each line (metres); default 0.25. */
  stepM?: number;
  /** Draw each line only over its visible extent [x_min, x_max] (no continuation behind vehicles); default false. */
  visibleOnly?: boolean;
}

/**
 * u of a polyline (points ordered by decreasing v) at row v, by linear interpolation; above its top,
 * straight on along its last few points (where a line would run towards the vanishing point);
 * undefined below its bottom.
 */
function uAtRow(pts: readonly [number, number][], v: number): number | undefined {
  if (pts.length < 2 || v > pts[0]![1]) return undefined;
  const top = pts[pts.length - 1]!;
  if (v < top[1]) {
    const from = pts[Math.max(0, pts.length - 9)]!;
    return from[1] === top[1]
      ? undefined
      : top[0] + ((v - top[1]) * (top[0] - from[0])) / (top[1] - from[1]);
  }
  let lo = 0;
  let hi = pts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (pts[mid]![1] >= v) lo = mid;
    else hi = mid;
  }
  const [ua, va] = pts[lo]!;
  const [ub, vb] = pts[hi]!;
  return va === vb ? ua : ua + ((v - va) / (vb - va)) * (ub - ua);
}

/**
 * The point where the image segment from `a` to `b` (one inside [0, maxU] x [0, maxV], the other
 * outside) crosses the border of that rectangle, on the segment (Liang-Barsky clipping).
 */
function borderCrossing(a: Pixel, b: Pixel, maxU: number, maxV: number): Pixel | undefined {
  const du = b.u - a.u;
  const dv = b.v - a.v;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [
    [-du, a.u],
    [du, maxU - a.u],
    [-dv, a.v],
    [dv, maxV - a.v],
  ] as const) {
    if (p === 0) {
      if (q < 0) return undefined;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
  }
  if (t0 > t1) return undefined;
  // The end that is not a or b is the crossing.
  const t = t0 > 0 ? t0 : t1;
  return {
    u: Math.min(maxU, Math.max(0, a.u + t * du)),
    v: Math.min(maxV, Math.max(0, a.v + t * dv)),
  };
}

/**
 * The painted lines among `markings` (road edges dropped) as image polylines [u, v] from the near
 * end up: each over [x_min, max(x_max, continuation[i])], straight along its tangent beyond x_max
 * (`LaneDetectionResult.continuation`: where it runs on behind a vehicle), points every `stepM`
 * metres that fall inside the image, plus the points where the line crosses the image border
 * between two of them (it runs to the edge, whatever the resolution). A continuation stops where it would cross another line or
 * that line's straight extension (lanes do not cross; they meet at the vanishing point, which a
 * wrongly assumed horizon puts too high). Lines with fewer than two such points are left out.
 */
export function benchmarkImageLanes(
  markings: readonly LaneMarking[],
  continuation: readonly number[],
  geometry: CameraGeometry,
  options: BenchmarkLaneOptions = {},
): [number, number][][] {
  const step = options.stepM ?? 0.25;
  const { width, height } = geometry.model;
  const lines: { pts: [number, number][]; seen: number }[] = [];
  markings.forEach((m, i) => {
    if (m.type === LaneMarking.TYPE_ROAD_EDGE) return;
    const c = m.poly_coefficients;
    const x1 = m.x_max;
    const y1 = evalPoly(c, x1);
    const slope = c[1]! + 2 * c[2]! * x1 + 3 * c[3]! * x1 * x1;
    const end = options.visibleOnly ? x1 : Math.max(x1, continuation[i] ?? x1);
    const pts: [number, number][] = [];
    let seen = 0;
    const ground = { x: 0, y: 0, z: 0 };
    const n = Math.max(1, Math.ceil((end - m.x_min) / step));
    const inside = (p: Pixel): boolean =>
      p.u >= 0 && p.u <= width - 1 && p.v >= 0 && p.v <= height - 1;
    const push = (p: Pixel, visible: boolean): void => {
      pts.push([Math.round(p.u * 100) / 100, Math.round(p.v * 100) / 100]);
      if (visible) seen = pts.length;
    };
    let previous: { px: Pixel | undefined; x: number } | undefined;
    for (let k = 0; k <= n; k++) {
      ground.x = m.x_min + ((end - m.x_min) * k) / n;
      ground.y = ground.x <= x1 ? evalPoly(c, ground.x) : y1 + slope * (ground.x - x1);
      const px = geometry.groundToPixel(ground);
      const visible = ground.x <= x1 + 1e-9;
      // Where the line enters or leaves the image between two samples (a sample is metres deep
      // near the camera: tens of rows), the point on the image border, so that it runs to the edge.
      const isIn = px !== undefined && inside(px);
      const crossing =
        previous?.px && px && inside(previous.px) !== isIn
          ? borderCrossing(previous.px, px, width - 1, height - 1)
          : undefined;
      if (crossing && isIn) push(crossing, previous!.x <= x1 + 1e-9);
      if (isIn) push(px, visible);
      if (crossing && !isIn) push(crossing, visible);
      previous = { px, x: ground.x };
    }
    lines.push({ pts, seen });
  });
  // Each continuation ends before the first row where its side of another line changes.
  const out: [number, number][][] = [];
  for (const a of lines) {
    let keep = a.pts.length;
    for (const b of lines) {
      if (b === a || keep <= a.seen) continue;
      let side = 0;
      for (let k = Math.max(0, a.seen - 1); k < keep; k++) {
        const [u, v] = a.pts[k]!;
        const ub = uAtRow(b.pts, v);
        if (ub === undefined) continue;
        const s = Math.sign(u - ub);
        if (side === 0) side = s;
        else if (s !== 0 && s !== side) {
          keep = Math.max(a.seen, k);
          break;
        }
      }
    }
    if (keep >= 2) out.push(a.pts.slice(0, keep));
  }
  return out;
}
