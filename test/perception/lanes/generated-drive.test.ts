/**
 * The generated-drive bars on bags/sample_drive (rendered by the scenario generator, exact ground
 * truth in ground_truth.jsonl, calibrated camera in scenario.json): ego lane lines within 0.15 m
 * laterally up to 30 m ahead, and the zebra crossing across the ego path found with polygon IoU >= 0.6 in
 * base_link. Product path: TwinLiteNet 640x360 lanes + stripe crosswalks, from the bag's JPEGs.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openBag } from "../../../src/bag/open-bag.js";
import { projectPath, sharedDir } from "../../../src/core/paths.js";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { CameraModel } from "../../../src/geometry/camera-model.js";
import { decodeCompressedImage } from "../../../src/image/compressed-image.js";
import { loadModelContract } from "../../../src/models/contract.js";
import {
  LaneMarking,
  type CompressedImage,
  type CrosswalkArray,
  type LaneMarkingArray,
} from "../../../src/msgs/types.generated.js";
import { CrosswalkDetector } from "../../../src/perception/crosswalks/crosswalk-detector.js";
import { LaneDetector } from "../../../src/perception/lanes/lane-detector.js";
import { evalPoly } from "../../../src/perception/lanes/polyfit.js";
import { loadGroundTruth, type GroundTruthFrame } from "../../../src/report/ground-truth.js";
import type { Untimed } from "../../../src/msgs/detector-arrays.js";
import { laneTuning } from "./support/lane-tuning.js";

const bagDir = projectPath("bags/sample_drive");
const shared = sharedDir();
const ready =
  shared !== undefined &&
  ["ground_truth.jsonl", "scenario.json", "metadata.yaml"].every((f) =>
    existsSync(join(bagDir, f)),
  );
if (!ready)
  console.warn(
    "skipping generated-drive lane/crosswalk bars: ../shared or bags/sample_drive is absent",
  );
/** A curve, the straight approach, and two frames with the zebra crossing within 35 m. */
const FRAMES = [30, 90, 120, 149];

type P = [number, number];
/** Area of a polygon (shoelace, signed: positive counter-clockwise). */
function area(poly: P[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i]!;
    const [x2, y2] = poly[(i + 1) % poly.length]!;
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}
/** Intersection of two convex counter-clockwise polygons (Sutherland-Hodgman). */
function clip(subject: P[], clipper: P[]): P[] {
  let out = subject;
  for (let i = 0; i < clipper.length && out.length; i++) {
    const a = clipper[i]!;
    const b = clipper[(i + 1) % clipper.length]!;
    const inside = (p: P) => (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0;
    const cross = (p: P, q: P): P => {
      const a1 = b[1] - a[1];
      const b1 = a[0] - b[0];
      const c1 = a1 * a[0] + b1 * a[1];
      const a2 = q[1] - p[1];
      const b2 = p[0] - q[0];
      const c2 = a2 * p[0] + b2 * p[1];
      const det = a1 * b2 - a2 * b1;
      return [(b2 * c1 - b1 * c2) / det, (a1 * c2 - a2 * c1) / det];
    };
    const input = out;
    out = [];
    for (let k = 0; k < input.length; k++) {
      const p = input[k]!;
      const q = input[(k + 1) % input.length]!;
      if (inside(q)) {
        if (!inside(p)) out.push(cross(p, q));
        out.push(q);
      } else if (inside(p)) out.push(cross(p, q));
    }
  }
  return out;
}
function iou(a: P[], b: P[]): number {
  const inter = Math.abs(area(clip(a, b)));
  return inter / (Math.abs(area(a)) + Math.abs(area(b)) - inter);
}

describe.skipIf(!ready)("generated drive (bags/sample_drive)", () => {
  const results: {
    gt: GroundTruthFrame;
    lanes: Untimed<LaneMarkingArray>;
    crosswalks: Untimed<CrosswalkArray>;
  }[] = [];
  beforeAll(async () => {
    const scenario = JSON.parse(readFileSync(join(bagDir, "scenario.json"), "utf8"));
    const c = scenario.camera;
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
    const geometry = new CameraGeometry(model, c.base_from_optical);
    const truth = loadGroundTruth(bagDir);
    const lanes = await LaneDetector.create({
      ...laneTuning(),
      contract: loadModelContract("twinlitenet_640x360"),
      modelDir: join(shared!, "models"),
      session: { log: () => {} },
    });
    const crosswalks = new CrosswalkDetector();
    const bag = await openBag(bagDir);
    let index = 0;
    for await (const e of bag.messages<CompressedImage>({ topics: [scenario.image_topic] })) {
      if (e.kind !== "message") continue;
      const frame = index++;
      if (!FRAMES.includes(frame)) continue;
      const view = await decodeCompressedImage(e.message);
      const r = await lanes.detect(view, geometry, e.message.header.stamp);
      results.push({
        gt: truth[frame]!,
        lanes: r.markings,
        crosswalks: await crosswalks.detect(view, geometry, e.message.header.stamp, r),
      });
    }
    await bag.close();
    await lanes.release();
  });

  it("puts the ego lane's lines within 0.15 m of the truth up to 30 m ahead (>= 85% of samples)", () => {
    expect(results).toHaveLength(FRAMES.length);
    const errors: number[] = [];
    for (const r of results) {
      expect(r.lanes.header.stamp).toEqual(r.gt.stamp);
      const painted = r.gt.lane_markings.filter((l) => l.type !== "road_edge");
      for (const [position, side] of [
        [LaneMarking.POSITION_EGO_LEFT, 1],
        [LaneMarking.POSITION_EGO_RIGHT, -1],
      ] as const) {
        // The true ego line: the painted line nearest to base_link on that side at 5 m.
        const yAt5 = (pts: P[]) => pts.find(([x]) => x >= 5)?.[1] ?? NaN;
        const gtLine = painted
          .filter((l) => side * yAt5(l.points_base as P[]) > 0)
          .sort(
            (a, b) => Math.abs(yAt5(a.points_base as P[])) - Math.abs(yAt5(b.points_base as P[])),
          )[0]!;
        const det = r.lanes.markings.find((m) => m.position === position);
        expect(det, `frame ${r.gt.frame} position ${position}`).toBeDefined();
        for (const [x, y] of gtLine.points_base) {
          if (x < 5 || x > 30 || x < det!.x_min || x > det!.x_max) continue;
          errors.push(Math.abs(evalPoly(det!.poly_coefficients, x) - y));
        }
      }
    }
    errors.sort((a, b) => a - b);
    const within = errors.filter((e) => e <= 0.15).length / errors.length;
    console.log(
      `generated drive: ego lines, ${errors.length} samples 5-30 m: ${(within * 100).toFixed(1)}% within 0.15 m, median ${errors[errors.length >> 1]!.toFixed(3)} m, max ${errors[errors.length - 1]!.toFixed(3)} m`,
    );
    expect(errors.length).toBeGreaterThan(40);
    expect(within).toBeGreaterThanOrEqual(0.85);
  });

  it("finds the zebra crossing across the ego path with IoU >= 0.6 in base_link once it lies within 40 m", () => {
    let checked = 0;
    const acrossEgoPath = (poly: P[]) =>
      Math.min(...poly.map((p) => p[1])) < 0 && Math.max(...poly.map((p) => p[1])) > 0;
    for (const r of results) {
      const ahead = r.gt.crosswalks.filter(
        (k) =>
          k.in_image &&
          k.distance_ahead > 3 &&
          Math.max(...k.polygon_base.map((p) => p[0])) < 40 &&
          acrossEgoPath(k.polygon_base as P[]),
      );
      for (const gtc of ahead) {
        const best = Math.max(
          0,
          ...r.crosswalks.crosswalks.map((d) =>
            iou(
              d.polygon.points.map((p) => [p.x, p.y] as P),
              gtc.polygon_base as P[],
            ),
          ),
        );
        console.log(
          `generated drive frame ${r.gt.frame}: ${gtc.id} at ${gtc.distance_ahead.toFixed(1)} m, best IoU ${best.toFixed(2)}`,
        );
        expect(best).toBeGreaterThanOrEqual(0.6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});
