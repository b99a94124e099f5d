import { describe, expect, it, vi } from "vitest";
import { NodeDiagnostics } from "../../../src/diagnostics/node-diagnostics.js";
import { CameraModel } from "../../../src/geometry/camera-model.js";
import { quatFromEuler } from "../../../src/geometry/quaternion.js";
import { TfBuffer } from "../../../src/geometry/tf-buffer.js";
import type { CameraInfo, TFMessage } from "../../../src/msgs/types.generated.js";
import { CameraCalibration } from "../../../src/nodes/common/camera-calibration.js";
import { cameraInfoFixture } from "../../geometry/camera-info-fixture.js";
import type { NodeHandle } from "../../../src/ros/node-api.js";

const FRAME = "camera_front_optical_frame";

function cameraInfo(sec: number, over: Partial<CameraInfo> = {}): CameraInfo {
  return cameraInfoFixture({ header: { stamp: { sec, nanosec: 0 }, frame_id: FRAME }, ...over });
}

function mount(child: string, z: number): TFMessage {
  return {
    transforms: [
      {
        header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "base_link" },
        child_frame_id: child,
        transform: {
          translation: { x: 1.2, y: 0, z },
          rotation: quatFromEuler(-Math.PI / 2 - 0.09, 0, -Math.PI / 2),
        },
      },
    ],
  };
}

/** A CameraCalibration with its CameraInfo subscription captured, a static mount in TF, and its diagnostics. */
function setup() {
  let deliver: ((info: CameraInfo) => void) | undefined;
  const handle = {
    createSubscription: (
      _type: string,
      _topic: string,
      _qos: unknown,
      cb: (m: CameraInfo) => void,
    ) => {
      deliver = cb;
      return {};
    },
    resolveTopic: (name: string) => name.replace("~", "/perception/node"),
  } as unknown as NodeHandle;
  const tf = new TfBuffer({});
  tf.addMessage(mount(FRAME, 1.5), true);
  const diagnostics = new NodeDiagnostics({ name: "/perception/node", hardwareId: "camera_front" });
  const calibration = new CameraCalibration(handle, tf, "base_link", diagnostics);
  return { calibration, diagnostics, tf, send: (info: CameraInfo) => deliver!(info) };
}

describe("CameraCalibration", () => {
  it("keeps its model and geometry objects while the CameraInfo repeats (new message objects, new stamps)", () => {
    const { calibration, diagnostics, send } = setup();
    expect(diagnostics.condition("calibration")?.message).toMatch(
      /no CameraInfo yet on \/perception\/node\/in\/camera_info/,
    );
    const build = vi.spyOn(CameraModel, "fromCameraInfo");
    try {
      send(cameraInfo(1));
      const geometry = calibration.geometryAt({ sec: 1, nanosec: 0 });
      expect(geometry).toBeDefined();
      expect(diagnostics.condition("calibration")).toBeUndefined();
      for (let sec = 2; sec < 50; sec++) {
        send(cameraInfo(sec, { p: new Float64Array(12) }));
        expect(calibration.geometryAt({ sec, nanosec: 0 })).toBe(geometry);
      }
      expect(build).toHaveBeenCalledTimes(1);
    } finally {
      build.mockRestore();
    }
  });

  it("takes a changed calibration at once: K, distortion, binning, ROI, frame", () => {
    const { calibration, tf, send } = setup();
    tf.addMessage(mount("camera_rear_optical_frame", 0.9), true);
    send(cameraInfo(1));
    let previous = calibration.geometryAt({ sec: 1, nanosec: 0 })!;
    const changes: [Partial<CameraInfo>, (g: NonNullable<typeof previous>) => void][] = [
      [
        { k: Float64Array.of(300, 0, 160, 0, 300, 90, 0, 0, 1) },
        (g) => expect(g.model.fx).toBe(300),
      ],
      [
        {
          k: Float64Array.of(300, 0, 160, 0, 300, 90, 0, 0, 1),
          d: Float64Array.of(-0.2, 0.05, 0, 0, 0),
        },
        (g) => expect(g.model.distortion.model).toBe("plumb_bob"),
      ],
      [
        { binning_x: 2, binning_y: 2 },
        (g) => expect([g.model.width, g.model.height, g.model.fx]).toEqual([160, 90, 124.8]),
      ],
      [
        { roi: { x_offset: 10, y_offset: 20, height: 100, width: 200, do_rectify: false } },
        (g) => expect([g.model.width, g.model.cx]).toEqual([200, 150]),
      ],
      [
        { header: { stamp: { sec: 1, nanosec: 0 }, frame_id: "camera_rear_optical_frame" } },
        (g) => expect(g.baseFromOptical.translation.z).toBeCloseTo(0.9, 12),
      ],
    ];
    let sec = 2;
    for (const [over, check] of changes) {
      send(cameraInfo(sec, over));
      const g = calibration.geometryAt({ sec, nanosec: 0 })!;
      expect(g).not.toBe(previous);
      check(g);
      // ... and then stays.
      send(cameraInfo(sec + 1, over));
      expect(calibration.geometryAt({ sec: sec + 1, nanosec: 0 })).toBe(g);
      previous = g;
      sec += 2;
    }
  });

  it("sees a change made to a reused message object", () => {
    const { calibration, send } = setup();
    const info = cameraInfo(1);
    send(info);
    const before = calibration.geometryAt({ sec: 1, nanosec: 0 })!;
    info.k[0] = 260;
    send(info);
    expect(calibration.geometryAt({ sec: 1, nanosec: 0 })!.model.fx).toBe(260);
    expect(before.model.fx).toBe(249.6);
  });

  it("reports an invalid CameraInfo once per change, and recovers with a valid one", () => {
    const { calibration, diagnostics, send } = setup();
    send(cameraInfo(1));
    expect(calibration.geometryAt({ sec: 1, nanosec: 0 })).toBeDefined();
    const set = vi.spyOn(diagnostics, "set");
    send(cameraInfo(2, { k: new Float64Array(9) }));
    expect(calibration.geometryAt({ sec: 2, nanosec: 0 })).toBeUndefined();
    expect(diagnostics.condition("calibration")).toMatchObject({
      level: "error",
      message: expect.stringMatching(
        /calibration invalid: .*fx must be a positive finite focal length/,
      ),
    });
    send(cameraInfo(3, { k: new Float64Array(9) }));
    expect(calibration.geometryAt({ sec: 3, nanosec: 0 })).toBeUndefined();
    expect(set).toHaveBeenCalledTimes(1);
    send(cameraInfo(4));
    expect(calibration.geometryAt({ sec: 4, nanosec: 0 })?.model.fx).toBe(249.6);
    expect(diagnostics.condition("calibration")).toBeUndefined();
  });

  it("says when the extrinsics are missing, and finds them once they arrive", () => {
    const { calibration, diagnostics, tf, send } = setup();
    send(
      cameraInfo(1, {
        header: { stamp: { sec: 1, nanosec: 0 }, frame_id: "camera_left_optical_frame" },
      }),
    );
    expect(calibration.geometryAt({ sec: 1, nanosec: 0 })).toBeUndefined();
    expect(diagnostics.condition("calibration")).toMatchObject({
      level: "warn",
      message: expect.stringMatching(/no transform base_link <- camera_left_optical_frame/),
    });
    tf.addMessage(mount("camera_left_optical_frame", 1.1), true);
    send(
      cameraInfo(2, {
        header: { stamp: { sec: 2, nanosec: 0 }, frame_id: "camera_left_optical_frame" },
      }),
    );
    expect(
      calibration.geometryAt({ sec: 2, nanosec: 0 })?.baseFromOptical.translation.z,
    ).toBeCloseTo(1.1, 12);
    expect(diagnostics.condition("calibration")).toBeUndefined();
  });
});
