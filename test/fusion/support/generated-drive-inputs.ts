/**
 * Fusion inputs from a generated drive's exact ground truth (src/report/ground-truth.ts), as the
 * detectors would deliver them: lane cubics fitted to the true paint in front of the camera (only
 * lines running roughly along the vehicle, as a lane detector sees them) with offset noise, crosswalk
 * outlines with jittered corners within the detector's range, pedestrian feet with range-proportional
 * noise when enough of the body is visible, and the pose from the ground truth's ego.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FusionInput } from "../../../src/fusion/fusion-engine.js";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { CameraModel } from "../../../src/geometry/camera-model.js";
import { quatFromEuler } from "../../../src/geometry/transform.js";
import type { Point2, Transform } from "../../../src/geometry/types.js";
import { Crosswalk, LaneMarking, type Pedestrian } from "../../../src/msgs/types.generated.js";
import type { GroundTruthFrame } from "../../../src/report/ground-truth.js";
import {
  assignPositions,
  crosswalkDetection,
  fitCubic,
  markingMessage,
  pedestrianDetection,
  Rng,
} from "./synthetic-drive.js";

/** The camera of a generated drive, from its scenario.json. */
export function cameraOfDrive(bagDir: string): CameraGeometry | undefined {
  const file = join(bagDir, "scenario.json");
  if (!existsSync(file)) return undefined;
  const c = (
    JSON.parse(readFileSync(file, "utf8")) as {
      camera: {
        width: number;
        height: number;
        fx: number;
        fy: number;
        cx: number;
        cy: number;
        d: number[];
        frame_id: string;
        base_from_optical: Transform;
      };
    }
  ).camera;
  const model = CameraModel.fromIntrinsics({
    width: c.width,
    height: c.height,
    fx: c.fx,
    fy: c.fy,
    cx: c.cx,
    cy: c.cy,
    distortion: c.d,
    frameId: c.frame_id,
  });
  return new CameraGeometry(model, c.base_from_optical);
}

const TYPE_CODE: Record<string, number> = {
  solid: LaneMarking.TYPE_SOLID,
  dashed: LaneMarking.TYPE_DASHED,
  double_solid: LaneMarking.TYPE_DOUBLE_SOLID,
  road_edge: LaneMarking.TYPE_ROAD_EDGE,
};

/** Options of the simulated detectors. */
export interface GeneratedInputOptions {
  seed?: number;
  markingNoise?: number;
  depthNoise?: number;
  missRate?: number;
  /** Least visible fraction of a pedestrian's body for a detection. */
  minVisibleFraction?: number;
}

/** One fusion input per ground-truth frame. */
export function inputsFromGroundTruth(
  frames: readonly GroundTruthFrame[],
  camera: CameraGeometry | undefined,
  o: GeneratedInputOptions = {},
): FusionInput[] {
  const rng = new Rng(o.seed ?? 11);
  const markingNoise = o.markingNoise ?? 0.05;
  return frames.map((gt) => {
    const stamp = { ...gt.stamp };
    const header = { stamp, frame_id: "base_link" };
    const markings: LaneMarking[] = [];
    // One painted line continues across map segments (`main_b0_0`, `main_b0_1`, ...): a detector sees one line.
    const lines = new Map<string, { type: string; pts: Point2[] }>();
    for (const m of gt.lane_markings) {
      const key = m.id.replace(/_\d+$/, "");
      const line = lines.get(key) ?? { type: m.type, pts: [] };
      m.points_base.forEach(([x, y], i) => {
        if (x >= 4 && x <= 45 && m.points_image[i] !== null) line.pts.push({ x, y });
      });
      lines.set(key, line);
    }
    for (const m of lines.values()) {
      const pts = m.pts.sort((a, b) => a.x - b.x);
      if (pts.length < 4) continue;
      const first = pts[0]!,
        last = pts[pts.length - 1]!;
      if (last.x - first.x < 8 || Math.abs(Math.atan2(last.y - first.y, last.x - first.x)) > 0.5)
        continue;
      const c = fitCubic(pts);
      const rms = Math.sqrt(
        pts.reduce(
          (a, p) => a + (p.y - (c[0] + p.x * (c[1] + p.x * (c[2] + p.x * c[3])))) ** 2,
          0,
        ) / pts.length,
      );
      if (rms > 0.1) continue;
      c[0] += rng.gauss(markingNoise);
      c[1] += rng.gauss(markingNoise / 40);
      markings.push(
        markingMessage(
          c,
          first.x,
          last.x,
          TYPE_CODE[m.type] ?? LaneMarking.TYPE_UNKNOWN,
          markingNoise,
        ),
      );
    }
    assignPositions(markings);
    const crosswalks: Crosswalk[] = [];
    for (const c of gt.crosswalks) {
      const cx = c.polygon_base.reduce((a, p) => a + p[0], 0) / c.polygon_base.length;
      const cy = c.polygon_base.reduce((a, p) => a + p[1], 0) / c.polygon_base.length;
      if (!c.in_image || cx < 6 || cx > 32 || Math.abs(Math.atan2(cy, cx)) > 0.6) continue;
      const outline = c.polygon_base.map(([x, y]) => ({ x, y }));
      crosswalks.push(
        crosswalkDetection(
          crosswalks.length + 1,
          outline,
          c.polygon_image.map(([u, v]) => ({ x: u, y: v })),
          rng,
        ),
      );
    }
    const pedestrians: Pedestrian[] = [];
    for (const p of gt.pedestrians) {
      const [x, y] = p.position_base;
      if (
        !p.in_image ||
        p.visible_fraction < (o.minVisibleFraction ?? 0.3) ||
        p.range > 45 ||
        x < 2 ||
        rng.next() < (o.missRate ?? 0.05)
      )
        continue;
      const d = pedestrianDetection({ x, y }, o.depthNoise ?? 0.02, rng);
      const box = p.visible_box ?? p.box;
      if (box)
        d.image_box = {
          x_offset: box.u0,
          y_offset: box.v0,
          width: box.u1 - box.u0 + 1,
          height: box.v1 - box.v0 + 1,
          do_rectify: false,
        };
      d.foot_truncated = p.truncated;
      pedestrians.push(d);
    }
    return {
      stamp,
      pose: {
        kind: "ok",
        mapFromBase: {
          translation: { x: gt.ego.x, y: gt.ego.y, z: 0 },
          rotation: quatFromEuler(0, 0, gt.ego.yaw),
        },
        ageSec: 0.01,
      },
      lanes: { header, markings, status: "" },
      crosswalks: { header, crosswalks, status: "" },
      pedestrians: { header, pedestrians, status: "" },
      geometry: camera,
      latencies: [],
    } satisfies FusionInput;
  });
}

/** The ground-truth occupancy of a crosswalk (base_link polygon) from the true pedestrians, by the documented rule. */
export function truthOccupancy(
  polygon: readonly Point2[],
  pedestrians: GroundTruthFrame["pedestrians"],
  crosswalkId: string,
  inside: (poly: readonly Point2[], p: Point2) => boolean,
  closest: (poly: readonly Point2[], p: Point2) => Point2,
): number {
  let approached = false;
  for (const p of pedestrians) {
    const pos = { x: p.position_base[0], y: p.position_base[1] };
    if (p.crosswalk_id === crosswalkId || inside(polygon, pos)) return Crosswalk.OCCUPANCY_OCCUPIED;
    const q = closest(polygon, pos);
    const d = Math.hypot(q.x - pos.x, q.y - pos.y);
    const closing =
      d > 0 ? (p.velocity_base[0] * (q.x - pos.x) + p.velocity_base[1] * (q.y - pos.y)) / d : 0;
    if (d <= 4 && closing >= 0.4 && d / closing <= 4) approached = true;
  }
  return approached ? Crosswalk.OCCUPANCY_APPROACHED : Crosswalk.OCCUPANCY_FREE;
}
