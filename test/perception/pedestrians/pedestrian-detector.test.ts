import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedDir } from "../../../src/core/paths.js";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { cameraMountTransform } from "../../../src/geometry/camera-mount.js";
import { CameraModel } from "../../../src/geometry/camera-model.js";
import { readImageFile } from "../../../src/image/compressed-image.js";
import { trackedMatCount } from "../../../src/image/mats.js";
import { iou } from "../../../src/models/detection.js";
import { PedestrianDetector } from "../../../src/perception/pedestrians/pedestrian-detector.js";
import { openBag } from "../../../src/bag/open-bag.js";
import { decodeCompressedImage } from "../../../src/image/compressed-image.js";
import type { CompressedImage } from "../../../src/msgs/types.generated.js";
import { loadGroundTruth } from "../../../src/report/ground-truth.js";
import { cachedGeneratedDrive } from "../../support/generated-drive-cache.js";
import { projectPath } from "../../../src/core/paths.js";
import { pedestrianCropOptions } from "../../../src/nodes/pedestrian-detector.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../../../src/host/graph.js";
import {
  formatSummary,
  scoreFrame,
  summarise,
  type BoxXyxy,
  type FrameScore,
} from "../../../src/perception/pedestrians/box-recall.js";
import { testTimeout } from "../../support/emulation.js";

const shared = sharedDir();
if (!shared) console.warn("skipping pedestrian detection on real frames: ../shared is absent");
const stamp = { sec: 100, nanosec: 5 };

describe.skipIf(!shared)("PedestrianDetector with YOLOX-Nano", () => {
  let detector: PedestrianDetector;
  beforeAll(async () => {
    detector = await PedestrianDetector.create({ log: () => undefined });
  });
  afterAll(async () => detector?.release());

  it("finds KITTI 000007's labelled cyclist and places it on the ground near its labelled 3D position", async () => {
    const frame = await readImageFile(join(shared!, "data/kitti/000007.png"));
    const label = JSON.parse(readFileSync(join(shared!, "data/kitti/000007.json"), "utf8"))[
      "000007.png"
    ];
    const cyclist = label.instances.find((i: { category: string }) => i.category === "Cyclist");
    const [x, y, w, h] = cyclist.bbox_xywh as [number, number, number, number];
    const truth = { x1: x, y1: y, x2: x + w, y2: y + h };
    const [fx, , cx] = label.cam2img_P2[0] as [number, number, number];
    const [, fy, cy] = label.cam2img_P2[1] as [number, number, number];
    // KITTI's camera: 1.65 m above the road, level.
    const model = CameraModel.fromIntrinsics({ width: 1242, height: 375, fx, fy, cx, cy });
    const geometry = new CameraGeometry(model, cameraMountTransform({ x: 0, z: 1.65 }));

    const result = await detector.detect(frame, geometry, stamp);
    expect(result.backend.kind).toBe("model");
    expect(result.timings.passes).toBeGreaterThan(1); // a 1242x375 frame is tiled
    const best = result.boxes.reduce((a, b) => (iou(b, truth) > iou(a, truth) ? b : a));
    // The rider's box: its centre lies inside the labelled box (which also spans the bicycle).
    const centre = { u: (best.x1 + best.x2) / 2, v: (best.y1 + best.y2) / 2 };
    expect(centre.u).toBeGreaterThan(truth.x1);
    expect(centre.u).toBeLessThan(truth.x2);
    expect(centre.v).toBeGreaterThan(truth.y1);
    expect(centre.v).toBeLessThan(truth.y2);
    expect(iou(best, truth)).toBeGreaterThan(0.25);
    expect(Math.abs(best.y2 - truth.y2)).toBeLessThan(4); // the feet row, which sets the range
    // Ground position vs the label's 3D location (camera x right, z forward -> base_link y left, x forward).
    const [xCam, , zCam] = cyclist.bbox_cam3d as [number, number, number];
    const ped = result.message.pedestrians.find(
      (p) =>
        p.image_box.x_offset <= centre.u && centre.u <= p.image_box.x_offset + p.image_box.width,
    )!;
    expect(ped).toBeDefined();
    expect(Math.abs(ped.position.x - zCam) / zCam).toBeLessThan(0.2);
    expect(Math.abs(ped.position.y - -xCam) / Math.abs(xCam)).toBeLessThan(0.2);
    expect(Math.sqrt(ped.position_covariance[0]!)).toBeGreaterThan(0.5); // tens of metres away: metres of uncertainty
    expect(result.message.header).toEqual({ stamp, frame_id: "base_link" });
  });

  it("finds the cyclist on a BDD100K frame", async () => {
    const frame = await readImageFile(join(shared!, "data/bdd100k/cb22c820-f094952f.jpg"));
    const result = await detector.detect(frame, undefined, stamp);
    // Hand-labelled from the frame: rider and bicycle seen from behind.
    const truth = { x1: 608, y1: 322, x2: 645, y2: 428 };
    expect(Math.max(...result.boxes.map((b) => iou(b, truth)))).toBeGreaterThan(0.6);
    expect(result.message.pedestrians).toEqual([]);
    expect(result.message.status).toMatch(/no camera geometry/);
  });
});

describe.skipIf(!shared)("PedestrianDetector crop planning under a pass budget", () => {
  it("gives a frame's crop passes to the nearest crossing ahead every frame, then to the other crossings and the band in turn, and none beyond the passes", async () => {
    const params = (await graphToNodeSpecs(loadLaunchGraph())).find(
      (x) => x.name === "pedestrian_detector",
    )!.parameters;
    const detector = await PedestrianDetector.create({
      log: () => undefined,
      crops: pedestrianCropOptions((name) => params[name], true),
    });
    const geometry = CameraGeometry.approximate({
      width: 1280,
      height: 720,
      horizontalFovDeg: 60,
      mountHeight: 1.4,
      horizonRow: 300,
    });
    const view = { width: 1280, height: 720, format: "rgb8" as const };
    // Two crossings far ahead (people ~25 px there, 8 px in the whole-frame input): each gets a crop.
    const crossing = (id: string, x: number) => ({
      id,
      polygon: [
        { x, y: -6 },
        { x: x + 4, y: -6 },
        { x: x + 4, y: 6 },
        { x, y: 6 },
      ],
    });
    const regions = [crossing("cw_b", 60), crossing("cw_a", 80)];
    const plan = (passes: number): string[] =>
      detector
        .planCrops(view, geometry, regions, passes)
        .map((c) => (c.source === "map" ? c.featureId! : `band@${c.rect.x}`));
    // One pass a frame: the nearest crossing, every frame; the band waits.
    expect([plan(1), plan(1), plan(1)]).toEqual([["cw_b"], ["cw_b"], ["cw_b"]]);
    // Three: the nearest, the other crossing, then the band's crops in turn (4 along 1280 px).
    expect(plan(3)).toEqual(["cw_b", "cw_a", "band@0"]);
    expect(plan(3)).toEqual(["cw_b", "cw_a", "band@288"]);
    // Three crossings and two passes: the nearest every frame, the other two and the band in turn.
    const three = [...regions, crossing("cw_c", 70)];
    const plan3 = (): string[] =>
      detector
        .planCrops(view, geometry, three, 2)
        .map((c) => (c.source === "map" ? c.featureId! : `band@${c.rect.x}`));
    expect([plan3(), plan3(), plan3(), plan3(), plan3()]).toEqual([
      ["cw_b", "cw_a"],
      ["cw_b", "cw_c"],
      ["cw_b", "band@576"],
      ["cw_b", "cw_a"],
      ["cw_b", "cw_c"],
    ]);
    expect(plan(0)).toEqual([]);
    // No crossing in view: the band alone, from where its turn stopped.
    expect(detector.planCrops(view, geometry, [], 2).map((c) => c.rect.x)).toEqual([864, 0]);
    // Every crop (still images).
    expect(plan(Infinity)).toHaveLength(6);
    await detector.release();
  });
});

describe.skipIf(!shared)("PedestrianDetector band crops across resolutions", () => {
  it("sizes the band crops by angle: 416 px at 1280x720, 624 px at 1920x1080 (calibrated or not), none at 640x360", async () => {
    const params = (await graphToNodeSpecs(loadLaunchGraph())).find(
      (x) => x.name === "pedestrian_detector",
    )!.parameters;
    const detector = await PedestrianDetector.create({
      log: () => undefined,
      crops: pedestrianCropOptions((name) => params[name], false),
    });
    const sides = (width: number, height: number, calibrated: boolean): number[] => {
      const geometry = calibrated
        ? CameraGeometry.approximate({
            width,
            height,
            horizontalFovDeg: 60,
            mountHeight: 1.5,
            horizonRow: height * 0.45,
          })
        : undefined;
      return detector
        .planCrops({ width, height, format: "rgb8" }, geometry)
        .filter((c) => c.source === "band")
        .map((c) => c.rect.width);
    };
    for (const calibrated of [true, false]) {
      expect(new Set(sides(1280, 720, calibrated))).toEqual(new Set([416]));
      expect(new Set(sides(1920, 1080, calibrated))).toEqual(new Set([624]));
      // The same band, in as many crops as at 720p.
      expect(sides(1920, 1080, calibrated)).toHaveLength(sides(1280, 720, calibrated).length);
      expect(sides(640, 360, calibrated)).toEqual([]);
    }
    await detector.release();
  });
});

describe.skipIf(!shared)(
  "PedestrianDetector on the labelled real frames (test/fixtures/person-boxes.json)",
  () => {
    it("finds the 40-80 px people with the horizon-band crops, which the whole frame at 416 misses", {
      timeout: testTimeout(240_000),
    }, async () => {
      const fixture = JSON.parse(
        readFileSync(projectPath("test/fixtures/person-boxes.json"), "utf8"),
      ) as {
        frames: { file: string; people: { box: BoxXyxy }[]; ignore: BoxXyxy[] }[];
      };
      // The node's settings (score threshold, crops), every band crop on each still image.
      const params = (await graphToNodeSpecs(loadLaunchGraph())).find(
        (x) => x.name === "pedestrian_detector",
      )!.parameters;
      const crops = pedestrianCropOptions((name) => params[name], false);
      const scoreThreshold = params.score_threshold as number;
      const whole = await PedestrianDetector.create({ log: () => undefined, scoreThreshold });
      const cropped = await PedestrianDetector.create({
        log: () => undefined,
        scoreThreshold,
        crops,
      });
      const before: FrameScore[] = [];
      const after: FrameScore[] = [];
      for (const f of fixture.frames) {
        const view = await readImageFile(join(shared!, "data", f.file));
        const people = f.people.map((p) => p.box);
        before.push(scoreFrame(people, f.ignore, (await whole.detectBoxes(view)).boxes, 0.5));
        after.push(
          scoreFrame(people, f.ignore, (await cropped.detect(view, undefined, stamp)).boxes, 0.5),
        );
      }
      await whole.release();
      await cropped.release();
      const b = summarise(before);
      const a = summarise(after);
      console.log(
        `real frames (${fixture.frames.length}): whole frame ${formatSummary(b)}; band crops ${formatSummary(a)}`,
      );
      const mid = (s: typeof a) => s.bins.find((x) => x.label === "40-80")!;
      expect(mid(a).total).toBeGreaterThanOrEqual(5);
      // Measured: 0/6 -> 4/6, false alarms 1 -> 4 over the 37 frames (0/5 -> 4/5 before the scooter
      // rider of reflection_after_rain was labelled, 2026-12-06).
      expect(mid(a).found / mid(a).total).toBeGreaterThanOrEqual(0.6);
      expect(mid(a).found).toBeGreaterThan(mid(b).found);
      expect(a.bins.find((x) => x.label === ">=80")!.found).toBe(
        a.bins.find((x) => x.label === ">=80")!.total,
      );
      expect(a.falseAlarms / a.frames).toBeLessThan(0.2);
    });
  },
);

describe.skipIf(!shared)("PedestrianDetector HOG fallback", () => {
  const empty = mkdtempSync(join(tmpdir(), "no-models-"));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it("falls back to HOG when the model file is missing, says so, and finds the upright cyclist", async () => {
    const lines: string[] = [];
    const detector = await PedestrianDetector.create({
      modelDir: empty,
      log: (l) => lines.push(l),
    });
    expect(detector.backend.kind).toBe("hog-fallback");
    expect(lines.join("\n")).toMatch(/FALLBACK to OpenCV HOG/);
    const frame = await readImageFile(join(shared!, "data/bdd100k/cb22c820-f094952f.jpg"));
    const geometry = CameraGeometry.approximate({
      width: 1280,
      height: 720,
      horizontalFovDeg: 60,
      mountHeight: 1.4,
      horizonRow: 300,
    });
    const result = await detector.detect(frame, geometry, stamp);
    const truth = { x1: 608, y1: 322, x2: 645, y2: 428 };
    expect(Math.max(...result.boxes.map((b) => iou(b, truth)))).toBeGreaterThan(0.4);
    expect(result.message.status).toMatch(/HOG fallback/);
    expect(result.message.pedestrians.length).toBeGreaterThan(0);
    // A highway frame with no one on foot: nothing.
    const highway = await readImageFile(join(shared!, "data/tusimple/unlabelled/0.jpg"));
    expect((await detector.detect(highway, geometry, stamp)).boxes).toEqual([]);
    expect(trackedMatCount()).toBe(0);
    await detector.release();
  });

  // About 20 s of CPU (generating the 216-frame drive on first use, then ~0.5 s of HOG per frame);
  // the wall time is several times that on the shared 2-core machine.
  it("finds the clearly visible people of 100 px and more on a KITTI-like 1242x375 drive", {
    timeout: testTimeout(240_000),
  }, async () => {
    // A generated town drive through a KITTI camera (1242x375, 81 degrees wide, level), every
    // frame with a fully visible, untruncated person 100 px tall or more (up to 170 px).
    const dir = await cachedGeneratedDrive({
      cache: join(tmpdir(), "edge-perception-pedestrian-tests"),
      scenario: "urban_intersection",
      frames: 216,
      variant: "kitti-",
      generate: {
        compressed: true,
        jpegQuality: 90,
        camera: { width: 1242, height: 375, horizontalFovDeg: 81, pitchDeg: 0 },
      },
    });
    const scenario = JSON.parse(readFileSync(join(dir, "scenario.json"), "utf8"));
    const c = scenario.camera;
    const geometry = new CameraGeometry(
      CameraModel.fromIntrinsics({
        width: c.width,
        height: c.height,
        fx: c.fx,
        fy: c.fy,
        cx: c.cx,
        cy: c.cy,
        distortion: c.d,
      }),
      c.base_from_optical,
    );
    const truth = loadGroundTruth(dir);
    const detector = await PedestrianDetector.create({ modelDir: empty, log: () => undefined });
    const bag = await openBag(dir);
    let index = 0;
    let total = 0;
    let found = 0;
    const heights: number[] = [];
    const missed: string[] = [];
    for await (const e of bag.messages<CompressedImage>({ topics: [scenario.image_topic] })) {
      if (e.kind !== "message") continue;
      const frame = index++;
      const people = truth[frame]!.pedestrians.filter(
        (p) =>
          p.in_image &&
          p.box &&
          p.visible_fraction >= 0.9 &&
          !p.truncated &&
          p.box.v1 - p.box.v0 >= 100,
      );
      if (people.length === 0 || frame % 4 !== 0) continue;
      const result = await detector.detect(
        await decodeCompressedImage(e.message),
        geometry,
        e.message.header.stamp,
      );
      for (const p of people) {
        total++;
        heights.push(p.box!.v1 - p.box!.v0);
        const best = Math.max(
          0,
          ...result.boxes.map((b) =>
            iou(b, { x1: p.box!.u0, y1: p.box!.v0, x2: p.box!.u1, y2: p.box!.v1 }),
          ),
        );
        if (best >= 0.4) found++;
        else missed.push(`${p.id}@${frame} (${p.box!.v1 - p.box!.v0} px)`);
      }
    }
    await bag.close();
    await detector.release();
    console.log(
      `HOG fallback on a KITTI-like drive: ${found}/${total} people of ${Math.min(...heights)}-${Math.max(...heights)} px found; missed ${missed.join(", ") || "none"}`,
    );
    // Measured 15/17 (the old single pass at 960 px: 11/17 on a drive of another seed, where this
    // one finds 17/17). The two misses are one person walking side-on in mid-stride, a pose the
    // INRIA-trained SVM scores low.
    expect(total).toBeGreaterThanOrEqual(10);
    expect(found / total).toBeGreaterThanOrEqual(0.8);
    expect(trackedMatCount()).toBe(0);
  });

  it("throws instead when told to", async () => {
    await expect(
      PedestrianDetector.create({ modelDir: empty, onMissingModel: "error", log: () => undefined }),
    ).rejects.toThrow(/pedestrian model unavailable: model file yolox_nano.onnx not found/);
  });
});
