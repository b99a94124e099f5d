/**
 * Lane lines as the lane benchmarks draw them. TuSimple's and CULane's annotators draw a lane on
 * through the vehicles that hide it ("according to the context") and never draw road edges without
 * paint; the `LaneMarking` message says what the pixels show instead (x_max = where the paint is
 * last seen, road edges as `TYPE_ROAD_EDGE`). This is the one conversion from the one to the other,
 * used by `detect --format tusimple|culane`, `detect --json`'s `benchmarkLanes` and the project's
 * own benchmark scorers, so that they all score the same lines.
 */
import type { CameraGeometry } from "../../geometry/camera-geometry.js";
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
 * The painted lines among `markings` (road edges dropped) as image polylines [u, v] from the near
 * end up: each over [x_min, max(x_max, continuation[i])], straight along its tangent beyond x_max
 * (`LaneDetectionResult.continuation`: where it runs on behind a vehicle), points every `stepM`
 * metres that fall inside the image. A continuation stops where it would cross another line or
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
    for (let k = 0; k <= n; k++) {
      ground.x = m.x_min + ((end - m.x_min) * k) / n;
      ground.y = ground.x <= x1 ? evalPoly(c, ground.x) : y1 + slope * (ground.x - x1);
      const px = geometry.groundToPixel(ground);
      if (px && px.u >= 0 && px.u <= width - 1 && px.v >= 0 && px.v <= height - 1) {
        pts.push([Math.round(px.u * 100) / 100, Math.round(px.v * 100) / 100]);
        if (ground.x <= x1 + 1e-9) seen = pts.length;
      }
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
