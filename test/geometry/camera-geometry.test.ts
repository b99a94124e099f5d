import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sharedDir } from "../../src/core/paths.js";
import { CameraGeometry } from "../../src/geometry/camera-geometry.js";
import { CameraModel } from "../../src/geometry/camera-model.js";
import { cameraMountTransform } from "../../src/geometry/camera-mount.js";
import { TfBuffer } from "../../src/geometry/tf-buffer.js";
import { transformDirection } from "../../src/geometry/transform.js";
import type { CameraInfo, TFMessage } from "../../src/msgs/types.generated.js";
import { readCameraDrive } from "./camera-drive.js";

const DEG = Math.PI / 180;
// The camera_drive bag's camera: 320x180, f = 249.6, 1.2 m ahead, 1.5 m up, pitched 5 degrees down.
const bagModel = CameraModel.fromIntrinsics({
  width: 320,
  height: 180,
  fx: 249.6,
  fy: 249.6,
  cx: 160,
  cy: 90,
  frameId: "camera_front_optical_frame",
});
const bagGeometry = new CameraGeometry(
  bagModel,
  cameraMountTransform({ x: 1.2, z: 1.5, pitch: 5 * DEG }),
);

describe("CameraGeometry", () => {
  it("maps the principal point to the ground where the optical axis meets it", () => {
    const p = bagGeometry.pixelToGround({ u: 160, v: 90 })!;
    expect(p.x).toBeCloseTo(1.2 + 1.5 / Math.tan(5 * DEG), 9);
    expect(p.y).toBeCloseTo(0, 12);
    expect(p.z).toBe(0);
    const px = bagGeometry.groundToPixel(p)!;
    expect(px.u).toBeCloseTo(160, 9);
    expect(px.v).toBeCloseTo(90, 9);
  });

  it("puts points right of the camera at larger columns (y left in base_link)", () => {
    const right = bagGeometry.groundToPixel({ x: 10, y: -2, z: 0 })!;
    expect(right.u).toBeGreaterThan(160);
    const ground = bagGeometry.pixelToGround({ u: 300, v: 170 })!;
    expect(ground.y).toBeLessThan(0);
  });

  it("finds the horizon and refuses rays at or above it", () => {
    const horizon = bagGeometry.horizonRow();
    expect(horizon).toBeCloseTo(90 - 249.6 * Math.tan(5 * DEG), 9);
    expect(bagGeometry.pixelToGround({ u: 100, v: horizon })).toBeUndefined();
    expect(bagGeometry.pixelToGround({ u: 100, v: horizon - 5 })).toBeUndefined();
    expect(bagGeometry.pixelToGround({ u: 100, v: horizon + 0.2 })).toBeUndefined(); // inside the 0.1 degree margin
    const far = bagGeometry.pixelToGround({ u: 160, v: horizon + 1 })!;
    expect(far.x).toBeGreaterThan(200);
  });

  it("honours a maximum range and a raised ground plane", () => {
    const limited = new CameraGeometry(bagModel, bagGeometry.baseFromOptical, { maxRangeM: 30 });
    expect(limited.pixelToGround({ u: 160, v: 80 })).toBeUndefined();
    expect(limited.pixelToGround({ u: 160, v: 120 })).toBeDefined();
    const raised = bagGeometry.pixelToGround({ u: 160, v: 90 }, 0.5)!;
    expect(raised.z).toBe(0.5);
    expect(raised.x).toBeCloseTo(1.2 + 1.0 / Math.tan(5 * DEG), 9);
    expect(bagGeometry.pixelToGround({ u: 160, v: 170 }, 2)).toBeUndefined(); // camera below the plane
  });

  it("round-trips ground points through a distorted, rolled and yawed camera; the horizon is horizontal", () => {
    const model = CameraModel.fromIntrinsics({
      width: 1280,
      height: 720,
      fx: 700,
      fy: 705,
      cx: 641.3,
      cy: 358.9,
      distortion: [-0.3, 0.09, 0.0012, -0.0008, -0.01],
    });
    const g = new CameraGeometry(
      model,
      cameraMountTransform({
        x: 1.5,
        y: 0.3,
        z: 1.4,
        roll: 2 * DEG,
        pitch: 8 * DEG,
        yaw: -10 * DEG,
      }),
    );
    for (const p of [
      { x: 6, y: 0, z: 0 },
      { x: 15, y: -4, z: 0 },
      { x: 40, y: 6, z: 0 },
    ]) {
      const px = g.groundToPixel(p)!;
      expect(model.contains(px)).toBe(true);
      const back = g.pixelToGround(px)!;
      expect(back.x).toBeCloseTo(p.x, 6);
      expect(back.y).toBeCloseTo(p.y, 6);
    }
    for (const u of [0, 400, 1279]) {
      const v = g.horizonRow(u);
      const dir = transformDirection(g.baseFromOptical, model.unproject({ u, v }));
      expect(Math.abs(dir.z)).toBeLessThan(1e-9);
    }
    // Rolled 2 degrees (right side down): the horizon is lower on the right... in the image it rises to the right.
    expect(g.horizonRow(1279)).toBeLessThan(g.horizonRow(0));
  });

  it("refuses pixels the lens model cannot produce", () => {
    // This lens images at most a normalised radius of 0.96; the image corners lie beyond it.
    const model = CameraModel.fromIntrinsics({
      width: 1280,
      height: 720,
      fx: 700,
      fy: 705,
      cx: 641.3,
      cy: 358.9,
      distortion: [-0.32, 0.11, 0.0012, -0.0008, -0.018],
    });
    const g = new CameraGeometry(model, cameraMountTransform({ x: 0, z: 1.5, pitch: 10 * DEG }));
    expect(model.undistortNormalized({ u: 0, v: 719 }).converged).toBe(false);
    expect(g.pixelToGround({ u: 0, v: 719 })).toBeUndefined();
    expect(g.pixelToGround({ u: 640, v: 719 })).toBeDefined();
  });

  it("approximates an uncalibrated still image from a horizon row", () => {
    const g = CameraGeometry.approximate({
      width: 1280,
      height: 720,
      horizontalFovDeg: 60,
      mountHeight: 1.6,
      horizonRow: 300,
    });
    expect(g.model.fx).toBeCloseTo(640 / Math.tan(30 * DEG), 9);
    expect(g.model.horizontalFov).toBeCloseTo(60 * DEG, 12);
    expect(g.horizonRow()).toBeCloseTo(300, 9);
    // Level ray below the horizon: distance = h / tan(angle below the horizon).
    const p = g.pixelToGround({ u: g.model.cx, v: 500 })!;
    const pitch = Math.atan((g.model.cy - 300) / g.model.fx);
    const below = Math.atan((500 - g.model.cy) / g.model.fx) + pitch;
    expect(p.x).toBeCloseTo(1.6 / Math.tan(below), 9);
    const level = CameraGeometry.approximate({
      width: 1280,
      height: 720,
      focalPx: 1000,
      mountHeight: 2,
    });
    expect(level.horizonRow()).toBeCloseTo(359.5, 9);
    expect(level.pixelToGround({ u: 639.5, v: 459.5 })!.x).toBeCloseTo(20, 9);
  });
});

const shared = sharedDir();
if (!shared)
  console.warn("skipping KITTI and camera_drive camera-geometry tests: ../shared is absent");

describe.skipIf(!shared)(
  "CameraGeometry from the camera_drive_mcap bag's CameraInfo and /tf_static",
  () => {
    it("puts the horizon where the recorded mount says", () => {
      const messages = readCameraDrive(shared!, ["/camera/front/camera_info", "/tf_static"]);
      const info = messages.find((m) => m.topic === "/camera/front/camera_info")!
        .message as CameraInfo;
      const tf = new TfBuffer();
      tf.addMessage(messages.find((m) => m.topic === "/tf_static")!.message as TFMessage, true);
      const model = CameraModel.fromCameraInfo(info);
      expect([model.width, model.height, model.cx, model.cy, model.frameId]).toEqual([
        320,
        180,
        160,
        90,
        "camera_front_optical_frame",
      ]);
      expect(model.fx).toBeCloseTo(249.6, 9);
      const g = new CameraGeometry(model, tf.lookup("base_link", model.frameId, info.header.stamp));
      // Recorded pitched 5 degrees up (see test/geometry/tf-buffer.test.ts): the horizon is below the centre row.
      expect(g.horizonRow()).toBeCloseTo(90 + 249.6 * Math.tan((5 * Math.PI) / 180), 6);
      const bottom = g.pixelToGround({ u: 160, v: 179 })!;
      expect(bottom.x).toBeCloseTo(
        1.2 + 1.5 / Math.tan(Math.atan(89 / 249.6) - (5 * Math.PI) / 180),
        6,
      );
    });
  },
);

describe.skipIf(!shared)("CameraGeometry on the KITTI frame 000007", () => {
  it("recovers the labelled distance of each object from its 2D box's bottom row", () => {
    const frame = JSON.parse(readFileSync(join(shared!, "data/kitti/000007.json"), "utf8"))[
      "000007.png"
    ];
    const P: number[][] = frame.cam2img_P2;
    const model = CameraModel.fromIntrinsics({
      width: frame.width,
      height: frame.height,
      fx: P[0]![0]!,
      fy: P[1]![1]!,
      cx: P[0]![2]!,
      cy: P[1]![2]!,
    });
    for (const inst of frame.instances) {
      const [x, y, z, l, h, w, ry] = inst.bbox_cam3d as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const [bx, by, bw, bh] = inst.bbox_xywh as [number, number, number, number];
      // The nearest bottom corner is the one the 2D box's bottom row touches.
      const nearestZ =
        Math.min(
          ...[l / 2, -l / 2].flatMap((dl) =>
            [w / 2, -w / 2].map((dw) => z - dl * Math.sin(ry) + dw * Math.cos(ry)),
          ),
        ) + P[2]![3]!;
      // KITTI's rectified camera is level; the local ground under the object is y + h/2 below it.
      const local = new CameraGeometry(model, cameraMountTransform({ x: 0, z: y + h / 2 }));
      const exact = local.pixelToGround({ u: bx + bw / 2, v: by + bh })!;
      expect(Math.abs(exact.x - nearestZ) / nearestZ).toBeLessThan(0.01);
      // With KITTI's nominal 1.65 m mount the flat-ground assumption costs at most ~15% on this sloped road.
      const nominal = new CameraGeometry(model, cameraMountTransform({ x: 0, z: 1.65 }));
      const approx = nominal.pixelToGround({ u: bx + bw / 2, v: by + bh })!;
      expect(Math.abs(approx.x - nearestZ) / nearestZ).toBeLessThan(0.15);
      // Lateral: the box's centre column maps to the object's lateral offset (x right in the camera = -y in base_link).
      const tx = (P[0]![3]! - P[0]![2]! * P[2]![3]!) / P[0]![0]!;
      expect(exact.y).toBeCloseTo((-(x + tx) * exact.x) / nearestZ, 0);
    }
  });
});
