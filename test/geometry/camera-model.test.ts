import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../src/core/errors.js";
import { sharedDir } from "../../src/core/paths.js";
import { CameraInfoCalibration, CameraModel } from "../../src/geometry/camera-model.js";
import type { CameraInfo } from "../../src/msgs/types.generated.js";
import { cameraInfoFixture } from "./camera-info-fixture.js";

const cameraInfo = cameraInfoFixture;

function calibrationError(fn: () => unknown): PerceptionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PerceptionError);
    expect((err as PerceptionError).kind).toBe("calibration");
    return err as PerceptionError;
  }
  throw new Error("expected a calibration error");
}

// A strongly distorting plumb_bob lens (typical of a wide automotive camera).
const wide = CameraModel.fromIntrinsics({
  width: 1280,
  height: 720,
  fx: 700,
  fy: 705,
  cx: 641.3,
  cy: 358.9,
  distortion: [-0.3, 0.09, 0.0012, -0.0008, -0.01],
});

describe("CameraModel", () => {
  it("reads a CameraInfo and writes it back", () => {
    const m = CameraModel.fromCameraInfo(cameraInfo());
    expect([m.width, m.height, m.fx, m.fy, m.cx, m.cy, m.frameId]).toEqual([
      320,
      180,
      249.6,
      249.6,
      160,
      90,
      "camera_front_optical_frame",
    ]);
    const info = m.toCameraInfo({ stamp: { sec: 5, nanosec: 6 }, frame_id: "" });
    expect(info.header).toEqual({
      stamp: { sec: 5, nanosec: 6 },
      frame_id: "camera_front_optical_frame",
    });
    expect(Array.from(info.k)).toEqual([249.6, 0, 160, 0, 249.6, 90, 0, 0, 1]);
    expect(Array.from(info.p)).toEqual([249.6, 0, 160, 0, 0, 249.6, 90, 0, 0, 0, 1, 0]);
    const again = CameraModel.fromCameraInfo(
      wide.toCameraInfo({ stamp: { sec: 0, nanosec: 0 }, frame_id: "x" }),
    );
    expect(again.distortion).toEqual(wide.distortion);
  });

  it("projects a point with hand-computed plumb_bob distortion", () => {
    const m = CameraModel.fromIntrinsics({
      width: 100,
      height: 100,
      fx: 100,
      fy: 200,
      cx: 50,
      cy: 40,
      distortion: [0.1, 0.01, 0.001, 0.002, 0.0001],
    });
    // x = 0.5, y = 0.25: r2 = 0.3125, radial = 1 + 0.03125 + 0.0009765625 + 0.000003051758 = 1.032229614258
    // xd = 0.5*radial + 2*0.001*0.125 + 0.002*(0.3125 + 0.5) = 0.516114807129 + 0.00025 + 0.001625 = 0.517989807129
    // yd = 0.25*radial + 0.001*(0.3125 + 0.125) + 2*0.002*0.125 = 0.258057403564 + 0.0004375 + 0.0005 = 0.258994903564
    const px = m.project({ x: 1, y: 0.5, z: 2 })!;
    expect(px.u).toBeCloseTo(50 + 100 * 0.517989807129, 9);
    expect(px.v).toBeCloseTo(40 + 200 * 0.258994903564, 9);
  });

  it("is a plain pinhole without distortion", () => {
    const m = CameraModel.fromCameraInfo(cameraInfo());
    expect(m.project({ x: 1, y: -0.5, z: 10 })).toEqual({ u: 160 + 24.96, v: 90 - 12.48 });
    expect(m.project({ x: 1, y: 1, z: 0 })).toBeUndefined();
    expect(m.project({ x: 1, y: 1, z: -3 })).toBeUndefined();
    const ray = m.unproject({ u: 160, v: 90 });
    expect(ray).toEqual({ x: 0, y: 0, z: 1 });
  });

  it("unprojects distorted pixels to within 1e-6 px of the original over the whole image", () => {
    let worst = 0;
    for (let v = 0; v < 720; v += 36) {
      for (let u = 0; u < 1280; u += 40) {
        const ray = wide.unproject({ u, v });
        expect(Math.hypot(ray.x, ray.y, ray.z)).toBeCloseTo(1, 12);
        const back = wide.project(ray)!;
        worst = Math.max(worst, Math.hypot(back.u - u, back.v - v));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it("round-trips 3D points through project and unproject (rational and fisheye too)", () => {
    const rational = CameraModel.fromIntrinsics({
      width: 1920,
      height: 1080,
      fx: 1000,
      fy: 1000,
      cx: 960,
      cy: 540,
      distortion: [0.5, -0.1, 0.001, 0.0005, 0.01, 0.8, -0.05, 0.02],
    });
    const fisheye = CameraModel.fromIntrinsics({
      width: 1280,
      height: 960,
      fx: 350,
      fy: 350,
      cx: 640,
      cy: 480,
      distortion: [0.05, -0.01, 0.002, -0.0003],
      distortionModel: "equidistant",
    });
    expect(rational.distortion.model).toBe("rational_polynomial");
    for (const m of [wide, rational, fisheye]) {
      for (const p of [
        { x: 3, y: -1, z: 10 },
        { x: -0.4, y: 0.3, z: 1 },
        { x: 0, y: 0, z: 5 },
      ]) {
        const ray = m.unproject(m.project(p)!);
        const n = Math.hypot(p.x, p.y, p.z);
        expect(ray.x).toBeCloseTo(p.x / n, 9);
        expect(ray.y).toBeCloseTo(p.y / n, 9);
        expect(ray.z).toBeCloseTo(p.z / n, 9);
      }
    }
  });

  it("undistorts a pixel to where a pinhole camera with the same K sees it", () => {
    const p = { x: 2.5, y: -1.2, z: 4 };
    const ideal = wide.undistortPixel(wide.project(p)!);
    expect(ideal.u).toBeCloseTo(wide.cx + (wide.fx * p.x) / p.z, 6);
    expect(ideal.v).toBeCloseTo(wide.cy + (wide.fy * p.y) / p.z, 6);
  });

  it("refuses points where the lens model folds back", () => {
    // k1 = -0.3 makes r * (1 + k1 r^2 + ...) peak near r = 2.04: points 80 degrees off axis must not wrap into the image.
    expect(wide.maxNormalizedRadius).toBeCloseTo(2.04, 1);
    expect(wide.project({ x: 6, y: 0, z: 1 })).toBeUndefined();
    expect(wide.project({ x: 0.5, y: 0, z: 1 })).toBeDefined();
  });

  it("scales to another image size", () => {
    const big = CameraModel.fromIntrinsics({
      width: 1280,
      height: 720,
      fx: 998.4,
      fy: 998.4,
      cx: 639.5,
      cy: 359.5,
    });
    const small = big.scaled(0.25);
    expect([small.width, small.height, small.fx, small.cx, small.cy]).toEqual([
      320, 180, 249.6, 159.5, 89.5,
    ]);
    const p = { x: 1, y: 0.3, z: 8 };
    const a = big.project(p)!;
    const b = small.project(p)!;
    expect((b.u + 0.5) * 4 - 0.5).toBeCloseTo(a.u, 9);
  });

  it("uses P and no distortion for rectified images", () => {
    const info = wide.toCameraInfo({ stamp: { sec: 0, nanosec: 0 }, frame_id: "cam" });
    info.p = Float64Array.of(650, 0, 640, 0, 0, 650, 360, 0, 0, 0, 1, 0);
    const rect = CameraModel.fromCameraInfo(info, { rectified: true });
    expect([rect.fx, rect.fy, rect.cx, rect.cy, rect.distortion.model]).toEqual([
      650,
      650,
      640,
      360,
      "none",
    ]);
    expect(CameraModel.fromCameraInfo(info).distortion.model).toBe("plumb_bob");
  });

  it("applies binning and the region of interest", () => {
    const m = CameraModel.fromCameraInfo(
      cameraInfo({
        width: 640,
        height: 360,
        k: Float64Array.of(500, 0, 320, 0, 500, 180, 0, 0, 1),
        binning_x: 2,
        binning_y: 2,
      }),
    );
    expect([m.width, m.height, m.fx, m.cx]).toEqual([320, 180, 250, 160]);
    const roi = CameraModel.fromCameraInfo(
      cameraInfo({
        roi: { x_offset: 10, y_offset: 20, width: 100, height: 50, do_rectify: false },
      }),
    );
    expect([roi.width, roi.height, roi.cx, roi.cy]).toEqual([100, 50, 150, 70]);
  });

  it("rejects invalid calibrations with named problems", () => {
    expect(
      calibrationError(() => CameraModel.fromCameraInfo(cameraInfo({ k: new Float64Array(9) })))
        .message,
    ).toMatch(/fx must be a positive finite focal length, got 0/);
    expect(
      calibrationError(() =>
        CameraModel.fromCameraInfo(
          cameraInfo({ k: Float64Array.of(NaN, 0, 160, 0, 249.6, 90, 0, 0, 1) }),
        ),
      ).message,
    ).toMatch(/fx .* NaN/);
    expect(
      calibrationError(() => CameraModel.fromCameraInfo(cameraInfo({ width: 0 }))).message,
    ).toMatch(/image size .* 0x180/);
    expect(
      calibrationError(() =>
        CameraModel.fromCameraInfo(cameraInfo({ distortion_model: "kannala_brandt_9" })),
      ).message,
    ).toMatch(/unknown distortion model "kannala_brandt_9"/);
    expect(
      calibrationError(() =>
        CameraModel.fromCameraInfo(cameraInfo({ d: Float64Array.of(0.1, 0, 0, 0, NaN) })),
      ).message,
    ).toMatch(/d\[4\] is NaN/);
    expect(
      calibrationError(() =>
        CameraModel.fromCameraInfo(cameraInfo({ d: Float64Array.of(0.1, 0, 0, 0, 0, 0.3) })),
      ).message,
    ).toMatch(/plumb_bob has 5 coefficients/);
    expect(
      calibrationError(() =>
        CameraModel.fromIntrinsics({ width: 10, height: 10, fx: 10, fy: -1, cx: 5, cy: 5 }),
      ).message,
    ).toMatch(/fy/);
  });
});

describe("CameraInfoCalibration", () => {
  it("sees a CameraInfo with other stamps, R and P as the same calibration", () => {
    const c = CameraInfoCalibration.of(cameraInfo());
    expect(
      c.sameAs(
        cameraInfo({
          header: { stamp: { sec: 9, nanosec: 9 }, frame_id: "camera_front_optical_frame" },
        }),
      ),
    ).toBe(true);
    expect(
      c.sameAs(
        cameraInfo({ r: Float64Array.of(0, 1, 0, 1, 0, 0, 0, 0, 1), p: new Float64Array(12) }),
      ),
    ).toBe(true);
    // Plain arrays and typed arrays with the same values are the same.
    expect(
      c.sameAs(
        cameraInfo({
          k: [249.6, 0, 160, 0, 249.6, 90, 0, 0, 1] as never,
          d: [0, 0, 0, 0, 0] as never,
        }),
      ),
    ).toBe(true);
  });

  it("sees a change of every field the model is built from", () => {
    const c = CameraInfoCalibration.of(cameraInfo());
    const changed: Partial<CameraInfo>[] = [
      { header: { stamp: { sec: 1, nanosec: 2 }, frame_id: "camera_rear_optical_frame" } },
      { width: 640 },
      { height: 360 },
      { distortion_model: "rational_polynomial" },
      { d: Float64Array.of(0, 0, 0, 0, 1e-9) },
      { d: new Float64Array(4) },
      { k: Float64Array.of(249.6, 0, 160, 0, 249.7, 90, 0, 0, 1) },
      { binning_x: 2 },
      { binning_y: 2 },
      { roi: { x_offset: 0, y_offset: 0, height: 100, width: 0, do_rectify: false } },
      { roi: { x_offset: 0, y_offset: 0, height: 0, width: 100, do_rectify: false } },
      { roi: { x_offset: 4, y_offset: 0, height: 0, width: 0, do_rectify: false } },
      { roi: { x_offset: 0, y_offset: 4, height: 0, width: 0, do_rectify: false } },
    ];
    for (const over of changed)
      expect(c.sameAs(cameraInfo(over)), JSON.stringify(over)).toBe(false);
  });

  it("keeps its own copy, and treats NaN as equal to NaN", () => {
    const info = cameraInfo();
    const c = CameraInfoCalibration.of(info);
    info.k[0] = 300; // the message object is reused and changed
    expect(c.sameAs(info)).toBe(false);
    const nan = cameraInfo({ k: Float64Array.of(NaN, 0, 160, 0, 249.6, 90, 0, 0, 1) });
    expect(
      CameraInfoCalibration.of(nan).sameAs(
        cameraInfo({ k: Float64Array.of(NaN, 0, 160, 0, 249.6, 90, 0, 0, 1) }),
      ),
    ).toBe(true);
  });
});

const shared = sharedDir();
if (!shared) console.warn("skipping KITTI camera-model test: ../shared is absent");

describe.skipIf(!shared)("CameraModel on the KITTI frame 000007", () => {
  it("projects the labelled 3D boxes onto the labelled 2D boxes' bottom rows (P2)", () => {
    const frame = JSON.parse(readFileSync(join(shared!, "data/kitti/000007.json"), "utf8"))[
      "000007.png"
    ];
    const P: number[][] = frame.cam2img_P2;
    const [fx, cx, fy, cy] = [P[0]![0]!, P[0]![2]!, P[1]![1]!, P[1]![2]!];
    const m = CameraModel.fromIntrinsics({
      width: frame.width,
      height: frame.height,
      fx,
      fy,
      cx,
      cy,
    });
    // P2 = K [I | t]: camera 2's offset from the rectified reference camera.
    const tz = P[2]![3]!;
    const t = { x: (P[0]![3]! - cx * tz) / fx, y: (P[1]![3]! - cy * tz) / fy, z: tz };
    expect(frame.instances.length).toBe(4);
    for (const inst of frame.instances) {
      // bbox_cam3d here is x, y, z of the box's centre (y + h/2 is the bottom: about the 1.65 m
      // camera height), then l, h, w and the yaw ry.
      const [x, y, z, l, h, w, ry] = inst.bbox_cam3d as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const [, by, , bh] = inst.bbox_xywh as [number, number, number, number];
      const corners = [];
      for (const dl of [l / 2, -l / 2])
        for (const dw of [w / 2, -w / 2])
          for (const dy of [h / 2, -h / 2]) {
            corners.push({
              x: x + dl * Math.cos(ry) + dw * Math.sin(ry) + t.x,
              y: y + dy + t.y,
              z: z - dl * Math.sin(ry) + dw * Math.cos(ry) + t.z,
            });
          }
      const rows = corners.map((c) => m.project(c)!.v);
      expect(Math.max(...rows)).toBeCloseTo(by + bh, 0); // the 2D box is the projected 3D box: within 0.5 px
      expect(Math.min(...rows)).toBeCloseTo(by, 0);
      const bottomCentre = m.project({ x: x + t.x, y: y + h / 2 + t.y, z: z + t.z })!;
      expect(bottomCentre.v).toBeLessThan(by + bh + 0.5);
      expect(bottomCentre.v).toBeGreaterThan(by + bh - 4);
    }
  });
});
