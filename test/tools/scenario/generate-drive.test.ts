/**
 * A short generated drive end to end: the bag's topics, rates and stamps, the ground truth against
 * the HD map (millimetres), map_mismatch's disagreements, and byte-identical output per seed.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBag } from "../../../src/bag/open-bag.js";
import { distanceToPolyline } from "../../../src/geometry/polyline.js";
import { transformPoint } from "../../../src/geometry/transform.js";
import { loadHdMap } from "../../../src/map/loader.js";
import type { Point2 } from "../../../src/geometry/types.js";
import type {
  CameraInfo,
  CompressedImage,
  PoseStamped,
  String as StringMsg,
  TFMessage,
} from "../../../src/msgs/types.generated.js";
import { generateDrive, TOPICS } from "../../../tools/scenario/generate-drive.js";
import {
  loadGroundTruth,
  parseGroundTruthFrame,
  type GroundTruthFrame,
} from "../../../src/report/ground-truth.js";
import { mapFromBase } from "../../../tools/scenario/poses.js";

const dir = mkdtempSync(join(tmpdir(), "scenario-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = { width: 320, height: 180 };

function toMap(gt: GroundTruthFrame, xy: [number, number]): Point2 {
  const p = transformPoint(mapFromBase({ x: gt.ego.x, y: gt.ego.y, heading: gt.ego.yaw }), {
    x: xy[0],
    y: xy[1],
    z: 0,
  });
  return { x: p.x, y: p.y };
}

describe("generateDrive (sample, 8 frames)", () => {
  const out = join(dir, "a", "drive");
  let frames: GroundTruthFrame[];
  beforeAll(async () => {
    await generateDrive({
      scenario: "sample",
      seed: 11,
      frames: 8,
      out,
      compressed: true,
      camera: small,
    });
    frames = loadGroundTruth(out);
  });

  it("writes the camera_drive topics at 30 Hz (camera) and 50 Hz (pose) with the ground truth at the image stamps", async () => {
    const bag = await openBag(out);
    const counts = new Map<string, number>();
    const imageStamps: string[] = [];
    const gtStamps: string[] = [];
    const poseStamps: number[] = [];
    let info: CameraInfo | undefined;
    let tfStatic: TFMessage | undefined;
    let firstJpeg: Uint8Array | undefined;
    for await (const e of bag.messages<unknown>()) {
      if (!("message" in e)) throw new Error(`bag error entry: ${JSON.stringify(e)}`);
      counts.set(e.topic, (counts.get(e.topic) ?? 0) + 1);
      if (e.topic === TOPICS.compressed) {
        const m = e.message as CompressedImage;
        expect(m.format).toBe("jpeg");
        expect(m.header.frame_id).toBe("camera_front_optical_frame");
        imageStamps.push(`${m.header.stamp.sec}.${m.header.stamp.nanosec}`);
        firstJpeg ??= m.data;
      }
      if (e.topic === TOPICS.groundTruth) {
        const g = parseGroundTruthFrame((e.message as StringMsg).data);
        gtStamps.push(`${g.stamp.sec}.${g.stamp.nanosec}`);
      }
      if (e.topic === TOPICS.pose) {
        const p = e.message as PoseStamped;
        expect(p.header.frame_id).toBe("map");
        poseStamps.push(p.header.stamp.sec + p.header.stamp.nanosec * 1e-9);
      }
      if (e.topic === TOPICS.cameraInfo) info ??= e.message as CameraInfo;
      if (e.topic === TOPICS.tfStatic) tfStatic = e.message as TFMessage;
    }
    await bag.close();
    expect(counts.get(TOPICS.compressed)).toBe(8);
    expect(counts.get(TOPICS.cameraInfo)).toBe(8);
    expect(counts.get(TOPICS.groundTruth)).toBe(8);
    expect(counts.get(TOPICS.tfStatic)).toBe(1);
    expect(counts.get(TOPICS.tf)).toBe(counts.get(TOPICS.pose));
    expect(gtStamps).toEqual(imageStamps);
    expect(imageStamps[0]).toBe("1700000000.0");
    expect(imageStamps[1]).toBe("1700000000.33333333");
    for (let i = 1; i < poseStamps.length; i++)
      expect(poseStamps[i]! - poseStamps[i - 1]!).toBeCloseTo(0.02, 6);
    expect(poseStamps[poseStamps.length - 1]).toBeGreaterThanOrEqual(1700000000 + 7 / 30);
    expect(info!.width).toBe(320);
    expect(info!.k[0]).toBeGreaterThan(0);
    const t = tfStatic!.transforms[0]!;
    expect(t.header.frame_id).toBe("base_link");
    expect(t.child_frame_id).toBe("camera_front_optical_frame");
    expect(t.transform.translation.z).toBeCloseTo(1.5, 9);
    const meta = await sharp(firstJpeg!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 320, 180]);
  });

  it("ground-truth lane markings lie on the HD map's boundaries to a millimetre", () => {
    const map = loadHdMap(join(out, "map.geojson"));
    let points = 0;
    for (const gt of frames) {
      expect(gt.lane_markings.length).toBeGreaterThan(2);
      for (const m of gt.lane_markings) {
        const boundary = map.laneBoundaries.get(m.id);
        expect(boundary, m.id).toBeDefined();
        expect(boundary!.boundaryType).toBe(m.type);
        for (const xy of m.points_base) {
          expect(distanceToPolyline(boundary!.points, toMap(gt, xy))).toBeLessThan(0.001);
          points++;
        }
      }
    }
    expect(points).toBeGreaterThan(100);
  });

  it("ground-truth image points are the camera model's projection of the base points", async () => {
    const { makeCameraRig } = await import("../../../tools/scenario/camera-rig.js");
    const rig = makeCameraRig(small);
    const gt = frames[4]!;
    let n = 0;
    for (const m of gt.lane_markings) {
      m.points_base.forEach((xy, i) => {
        const uv = m.points_image[i];
        if (!uv) return;
        const px = rig.geometry.groundToPixel({ x: xy[0], y: xy[1], z: 0 })!;
        expect(Math.hypot(px.u - uv[0], px.v - uv[1])).toBeLessThan(0.05);
        n++;
      });
    }
    expect(n).toBeGreaterThan(10);
  });

  it("reports pedestrians with boxes, visibility and positions consistent with the camera", () => {
    const gt = frames[7]!;
    const seen = gt.pedestrians.filter((p) => p.in_image);
    expect(seen.length).toBeGreaterThan(2);
    for (const p of seen) {
      expect(p.visible_fraction).toBeGreaterThanOrEqual(0);
      expect(p.visible_fraction).toBeLessThanOrEqual(1);
      expect(p.box!.u1).toBeGreaterThanOrEqual(p.box!.u0);
      // Feet on the ground at position_base: the box's bottom is near the feet's projection.
      const back = toMap(gt, p.position_base);
      expect(Math.hypot(back.x - p.position_map[0], back.y - p.position_map[1])).toBeLessThan(
        0.002,
      );
      expect(p.range).toBeCloseTo(Math.hypot(p.position_base[0], p.position_base[1]), 2);
    }
    expect(gt.crosswalks.some((c) => c.id === "cw_main_near" && c.in_image && c.in_map)).toBe(true);
    expect(gt.ego.lane_id).toBe("main_l0_0");
    expect(Math.abs(gt.ego.lateral_offset)).toBeLessThan(0.3);
  });

  it("is byte-identical for the same seed and differs for another seed", async () => {
    const again = join(dir, "b", "drive");
    const other = join(dir, "c", "drive");
    await generateDrive({
      scenario: "sample",
      seed: 11,
      frames: 8,
      out: again,
      compressed: true,
      camera: small,
    });
    await generateDrive({
      scenario: "sample",
      seed: 12,
      frames: 8,
      out: other,
      compressed: true,
      camera: small,
    });
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      "drive_0.mcap",
      "ground_truth.jsonl",
      "map.geojson",
      "metadata.yaml",
      "scenario.json",
    ]);
    for (const f of files)
      expect(readFileSync(join(again, f)).equals(readFileSync(join(out, f))), f).toBe(true);
    expect(
      readFileSync(join(other, "drive_0.mcap")).equals(readFileSync(join(out, "drive_0.mcap"))),
    ).toBe(false);
  });
});

describe("generateDrive (map_mismatch)", () => {
  const out = join(dir, "mismatch");
  let frames: GroundTruthFrame[];
  beforeAll(async () => {
    await generateDrive({ scenario: "map_mismatch", seed: 3, frames: 3, out, camera: small });
    frames = loadGroundTruth(out);
  });

  it("has a map whose boundary is shifted 0.5 m, lacks a painted crosswalk and keeps a removed one", () => {
    const map = loadHdMap(join(out, "map.geojson"));
    const gt = frames[0]!;
    const shifted = gt.lane_markings.find((m) => m.id === "main_b1_0")!;
    for (const xy of shifted.points_base)
      expect(
        distanceToPolyline(map.laneBoundaries.get("main_b1_0")!.points, toMap(gt, xy)),
      ).toBeCloseTo(0.5, 3);
    const straight = gt.lane_markings.find((m) => m.id === "main_b0_0")!;
    for (const xy of straight.points_base)
      expect(
        distanceToPolyline(map.laneBoundaries.get("main_b0_0")!.points, toMap(gt, xy)),
      ).toBeLessThan(0.001);
    expect(map.crosswalks.has("cw_main_near")).toBe(false);
    expect(gt.crosswalks.find((c) => c.id === "cw_main_near")?.in_map).toBe(false);
    expect(map.crosswalks.has("cw_main_ghost")).toBe(true);
    expect(gt.crosswalks.some((c) => c.id === "cw_main_ghost")).toBe(false);
    expect(gt.map_only_crosswalks.map((c) => c.id)).toEqual(["cw_main_ghost"]);
  });

  it("writes raw rgb8 images when not compressed", async () => {
    const bag = await openBag(out);
    expect(bag.summary.topics.map((t) => t.name)).toContain(TOPICS.image);
    await bag.close();
  });
});

describe("generateDrive input errors", () => {
  it("refuses zero frames, unknown scenarios, negative speed and an existing folder", async () => {
    await expect(
      generateDrive({ scenario: "sample", seed: 1, frames: 0, out: join(dir, "x") }),
    ).rejects.toThrow(/frames must be a positive integer/);
    await expect(
      generateDrive({ scenario: "moon", seed: 1, frames: 2, out: join(dir, "x") }),
    ).rejects.toThrow(/unknown scenario 'moon'/);
    await expect(
      generateDrive({ scenario: "highway", seed: 1, frames: 2, out: join(dir, "x"), speed: -3 }),
    ).rejects.toThrow(/speed must be positive/);
    await expect(
      generateDrive({
        scenario: "sample",
        seed: 1,
        frames: 2,
        out: join(dir, "mismatch"),
        camera: small,
      }),
    ).rejects.toThrow(/exists/);
  });
});
