import { describe, expect, it } from "vitest";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import {
  footPixel,
  pedestrianFromDetection,
  regionOfBox,
} from "../../../src/perception/pedestrians/ground-position.js";
import { pedestriansToDetection2DArray } from "../../../src/perception/pedestrians/detection2d.js";

// A level camera 1.5 m up, f = 1000 px, 1280x720: principal point (639.5, 359.5).
const geometry = CameraGeometry.approximate({
  width: 1280,
  height: 720,
  focalPx: 1000,
  mountHeight: 1.5,
  pitchRad: 0,
});
const f = 1000;
const h = 1.5;

/** A 40 px wide box whose foot pixel (centre of its bottom row) is `rowsBelow` rows under the horizon and `colsRight` right of centre. */
function boxAt(rowsBelow: number, colsRight = 0, score = 0.8) {
  const u = 639.5 + colsRight;
  const v = 359.5 + rowsBelow;
  return { x1: u + 0.5 - 20, x2: u + 0.5 + 20, y1: v - 100, y2: v + 0.5, score, classId: 0 };
}

describe("pedestrianFromDetection", () => {
  it("puts the feet on the ground by similar triangles (hand-computed)", () => {
    const b = boxAt(100, 200);
    expect(footPixel(b)).toEqual({ u: 839.5, v: 459.5 });
    const p = pedestrianFromDetection(b, 1280, 720, geometry, { widthFraction: 0 })!;
    // forward = f h / 100 = 15 m; left = -(200 / f) * 15 = -3 m (right of the camera)
    expect(p.position.x).toBeCloseTo(15, 6);
    expect(p.position.y).toBeCloseTo(-3, 6);
    expect(p.position.z).toBe(0);
    expect(p.range).toBeCloseTo(Math.hypot(15, 3), 5);
    expect(p.track_id).toBe(0);
    expect(p.confidence).toBeCloseTo(0.8, 6);
    expect(p.foot_truncated).toBe(false);
    expect(p.image_box).toEqual({
      x_offset: 820,
      y_offset: 359,
      width: 40,
      height: 101,
      do_rectify: false,
    });
  });

  it("has a covariance that grows with range as range^2 / (f h) * sigma_v along the line of sight", () => {
    const noise = { columnStdPx: 0, rowStdPx: 2, widthFraction: 0, minStdM: 0 };
    const near = pedestrianFromDetection(boxAt(100), 1280, 720, geometry, noise)!; // 15 m
    const far = pedestrianFromDetection(boxAt(50), 1280, 720, geometry, noise)!; // 30 m
    // sigma_x = d^2 / (f h) * 2 px: 0.3 m at 15 m, 1.2 m at 30 m
    expect(Math.sqrt(near.position_covariance[0]!)).toBeCloseTo(((15 * 15) / (f * h)) * 2, 2);
    expect(Math.sqrt(far.position_covariance[0]!)).toBeCloseTo(((30 * 30) / (f * h)) * 2, 1);
    expect(far.position_covariance[0]! / near.position_covariance[0]!).toBeGreaterThan(15);
    // Lateral term: sigma_y = d / f * sigma_u
    const lateral = pedestrianFromDetection(boxAt(100), 1280, 720, geometry, {
      columnStdPx: 4,
      rowStdPx: 0,
      widthFraction: 0,
      minStdM: 0,
    })!;
    expect(Math.sqrt(lateral.position_covariance[3]!)).toBeCloseTo((15 / f) * 4, 4);
    // symmetric
    expect(near.position_covariance[1]).toBeCloseTo(near.position_covariance[2]!, 12);
  });

  it("flags boxes touching the bottom edge and drops feet above the horizon", () => {
    const truncated = { x1: 600, x2: 680, y1: 400, y2: 720, score: 0.9, classId: 0 };
    expect(pedestrianFromDetection(truncated, 1280, 720, geometry)!.foot_truncated).toBe(true);
    const sky = { x1: 600, x2: 640, y1: 100, y2: 300, score: 0.9, classId: 0 };
    expect(pedestrianFromDetection(sky, 1280, 720, geometry)).toBeUndefined();
  });

  it("clips regions to the image", () => {
    expect(regionOfBox({ x1: -3.2, y1: 10.5, x2: 20.1, y2: 800 }, 100, 720)).toEqual({
      x_offset: 0,
      y_offset: 10,
      width: 21,
      height: 710,
      do_rectify: false,
    });
  });
});

describe("pedestriansToDetection2DArray", () => {
  it("converts boxes to vision_msgs with the camera frame", () => {
    const p = pedestrianFromDetection(boxAt(100), 1280, 720, geometry)!;
    const msg = pedestriansToDetection2DArray(
      {
        header: { stamp: { sec: 5, nanosec: 6 }, frame_id: "base_link" },
        pedestrians: [p],
        status: "",
      },
      { cameraFrameId: "camera_optical_frame" },
    );
    expect(msg.header).toEqual({ stamp: { sec: 5, nanosec: 6 }, frame_id: "camera_optical_frame" });
    expect(msg.detections).toHaveLength(1);
    const d = msg.detections[0]!;
    expect(d.bbox).toEqual({
      center: { position: { x: 640, y: 409.5 }, theta: 0 },
      size_x: 40,
      size_y: 101,
    });
    expect(d.results[0]!.hypothesis.class_id).toBe("person");
    expect(d.results[0]!.hypothesis.score).toBeCloseTo(0.8, 6);
  });
});
