import { describe, expect, it } from "vitest";
import { sharedDir } from "../../src/core/paths.js";
import { nsToTime, timeToNs, type Time } from "../../src/core/time.js";
import { TfBuffer } from "../../src/geometry/tf-buffer.js";
import { quatFromEuler, yawOf } from "../../src/geometry/transform.js";
import { PoseSource, type PoseResult } from "../../src/localization/pose-source.js";
import type { Odometry, PoseStamped, TFMessage } from "../../src/msgs/types.generated.js";
import { readCameraDrive } from "../geometry/camera-drive.js";

const T0 = 1_700_000_000n * 1_000_000_000n;
const at = (s: number): Time => nsToTime(T0 + BigInt(Math.round(s * 1e9)));

function poseStamped(s: number, x: number, yaw = 0, frame = "map"): PoseStamped {
  return {
    header: { stamp: at(s), frame_id: frame },
    pose: { position: { x, y: 0, z: 0 }, orientation: quatFromEuler(0, 0, yaw) },
  };
}
function odometry(s: number, x: number, child = "base_link", frame = "map"): Odometry {
  const p = poseStamped(s, x, 0, frame);
  return {
    header: p.header,
    child_frame_id: child,
    pose: { pose: p.pose, covariance: new Float64Array(36) },
    twist: {
      twist: { linear: { x: 0, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0 } },
      covariance: new Float64Array(36),
    },
  };
}
function tf(s: number, x: number, parent = "map", child = "base_link"): TFMessage {
  return {
    transforms: [
      {
        header: { stamp: at(s), frame_id: parent },
        child_frame_id: child,
        transform: { translation: { x, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
      },
    ],
  };
}
function ok(r: PoseResult): Extract<PoseResult, { kind: "ok" }> {
  if (r.kind !== "ok") throw new Error(`expected ok, got ${r.kind}: ${r.reason}`);
  return r;
}

describe("PoseSource (pose_stamped)", () => {
  it("interpolates between samples and holds the newest up to maxAgeSec", () => {
    const src = new PoseSource({ mode: "pose_stamped", maxAgeSec: 0.3 });
    expect(src.poseAt(at(0))).toEqual({ kind: "missing", reason: "no pose received yet" });
    for (let i = 0; i <= 10; i++) src.addPoseStamped(poseStamped(i * 0.1, i * 1.5, i * 0.05));
    const mid = ok(src.poseAt(at(0.25)));
    expect(mid.mapFromBase.translation.x).toBeCloseTo(3.75, 9);
    expect(yawOf(mid.mapFromBase.rotation)).toBeCloseTo(0.125, 9);
    expect(mid.ageSec).toBeCloseTo(0.05, 9);
    const held = ok(src.poseAt(at(1.2)));
    expect(held.mapFromBase.translation.x).toBe(15);
    expect(held.ageSec).toBeCloseTo(0.2, 9);
    const stale = src.poseAt(at(1.5));
    expect(stale).toEqual({ kind: "stale", reason: "the newest pose is 0.500 s old (max 0.3 s)" });
    expect(src.poseAt(at(-0.5))).toMatchObject({
      kind: "missing",
      reason: expect.stringMatching(/oldest kept pose is 0\.500 s later/),
    });
  });

  it("marks NaN poses and poses in the wrong frame invalid", () => {
    const src = new PoseSource({ mode: "pose_stamped" });
    src.addPoseStamped(poseStamped(0, 0));
    src.addPoseStamped(poseStamped(0.1, NaN));
    expect(src.poseAt(at(0))).toMatchObject({ kind: "ok" });
    expect(src.poseAt(at(0.05))).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/invalid: the pose contains NaN/),
    });
    expect(src.poseAt(at(0.2))).toMatchObject({ kind: "invalid" });
    src.addPoseStamped(poseStamped(0.2, 0.3, 0, "odom"));
    expect(src.poseAt(at(0.2))).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/PoseStamped is in frame "odom", expected "map"/),
    });
    src.addPoseStamped(poseStamped(0.3, 0.45));
    expect(ok(src.poseAt(at(0.3))).mapFromBase.translation.x).toBe(0.45);
  });

  it("names the distance of an implausible jump, and recovers on the next consistent pose", () => {
    const src = new PoseSource({ mode: "pose_stamped", maxJumpM: 3 });
    src.addPoseStamped(poseStamped(0, 0));
    src.addPoseStamped(poseStamped(0.1, 1.5));
    src.addPoseStamped(poseStamped(0.2, 41.5)); // 40 m in 0.1 s
    src.addPoseStamped(poseStamped(0.3, 43));
    expect(ok(src.poseAt(at(0.1))).mapFromBase.translation.x).toBe(1.5);
    const jump = src.poseAt(at(0.15));
    expect(jump).toEqual({
      kind: "invalid",
      reason: expect.stringMatching(
        /^pose jumped 40\.00 m in 0\.100 s at t=\S+ \(max 3 m between consecutive poses\)$/,
      ),
    });
    expect(src.poseAt(at(0.2)).kind).toBe("invalid");
    expect(ok(src.poseAt(at(0.25))).mapFromBase.translation.x).toBeCloseTo(42.25, 9);
  });

  it("with jumpRecoverySec, stays invalid after a jump until the poses have agreed that long", () => {
    const src = new PoseSource({
      mode: "pose_stamped",
      maxJumpM: 3,
      maxAgeSec: 0.2,
      jumpRecoverySec: 0.5,
    });
    for (let i = 0; i <= 20; i++) src.addPoseStamped(poseStamped(i * 0.1, i < 10 ? i : 1000 + i));
    expect(ok(src.poseAt(at(0.9))).mapFromBase.translation.x).toBe(9);
    for (const s of [0.95, 1.0, 1.05, 1.3, 1.45]) {
      expect(src.poseAt(at(s)), String(s)).toMatchObject({
        kind: "invalid",
        reason: expect.stringMatching(/pose jumped 1001\.00 m/),
      });
    }
    expect(ok(src.poseAt(at(1.5))).mapFromBase.translation.x).toBe(1015);
    // A second jump (back) starts the recovery again.
    src.addPoseStamped(poseStamped(2.1, 21));
    expect(src.poseAt(at(2.1)).kind).toBe("invalid");
    expect(src.poseAt(at(2.25)).kind).toBe("invalid");
  });

  it("starts over when time goes backwards (a looping bag) instead of reporting a jump", () => {
    for (const mode of ["pose_stamped", "tf"] as const) {
      const src = new PoseSource({ mode, maxJumpM: 3 });
      for (let i = 0; i <= 30; i++) {
        if (mode === "tf") src.addTf(tf(i * 0.1, i * 1.5), false);
        else src.addPoseStamped(poseStamped(i * 0.1, i * 1.5));
      }
      // Looped: back to t = 0, x = 0 (45 m from the last pose, but 3 s earlier).
      if (mode === "tf") {
        src.addTf(tf(0, 0), false);
        src.addTf(tf(0.1, 1.5), false);
      } else {
        src.addPoseStamped(poseStamped(0, 0));
        src.addPoseStamped(poseStamped(0.1, 1.5));
      }
      expect(ok(src.poseAt(at(0.05))).mapFromBase.translation.x, mode).toBeCloseTo(0.75, 9);
      expect(src.poseAt(at(2)).kind, mode).toBe("stale");
    }
  });

  it("takes how far back a stamp must go to mean a loop from timeJumpSec (map_fusion's time_jump_threshold_s)", () => {
    const run = (timeJumpSec: number | undefined): PoseSource => {
      const src = new PoseSource({
        mode: "pose_stamped",
        maxJumpM: 3,
        ...(timeJumpSec === undefined ? {} : { timeJumpSec }),
      });
      for (let i = 0; i <= 30; i++) src.addPoseStamped(poseStamped(i * 0.1, i * 1.5));
      src.addPoseStamped(poseStamped(1, 0)); // 2 s before the newest pose (t = 3)
      return src;
    };
    expect(run(undefined).timeJumps).toBe(1); // default 1 s: a loop
    expect(run(1.5).timeJumps).toBe(1);
    const tolerant = run(2.5);
    expect(tolerant.timeJumps).toBe(0); // within 2.5 s: no restart, the history before it is kept
    expect(ok(tolerant.poseAt(at(2.95))).mapFromBase.translation.x).toBeCloseTo(44.25, 9);
    expect(() => new PoseSource({ mode: "tf", timeJumpSec: 0 })).toThrow(
      /timeJumpSec must be > 0, got 0/,
    );
  });

  it("reports a gap between samples as stale", () => {
    const src = new PoseSource({ mode: "pose_stamped", maxAgeSec: 0.5, maxJumpM: 100 });
    src.addPoseStamped(poseStamped(0, 0));
    src.addPoseStamped(poseStamped(3, 30));
    expect(src.poseAt(at(1.5))).toMatchObject({
      kind: "stale",
      reason: expect.stringMatching(/nearest is 1\.500 s away \(a 3\.000 s gap/),
    });
    expect(ok(src.poseAt(at(0.4))).mapFromBase.translation.x).toBeCloseTo(4, 9);
  });
});

describe("PoseSource (odometry)", () => {
  it("reads the pose and checks the frames", () => {
    const src = new PoseSource({ mode: "odometry" });
    src.addOdometry(odometry(0, 1));
    src.addOdometry(odometry(0.1, 2));
    expect(ok(src.poseAt(at(0.05))).mapFromBase.translation.x).toBeCloseTo(1.5, 9);
    src.addOdometry(odometry(0.2, 3, "imu_link"));
    expect(src.poseAt(at(0.2))).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/child_frame_id is "imu_link", expected "base_link"/),
    });
  });
});

describe("PoseSource (tf)", () => {
  it("looks up map <- base_link through the tree, with staleness and jumps", () => {
    const src = new PoseSource({ mode: "tf", maxAgeSec: 0.2, maxJumpM: 5 });
    expect(src.poseAt(at(0))).toMatchObject({
      kind: "missing",
      reason: expect.stringMatching(/unknown frame "map"/),
    });
    src.addTf(tf(0, 10, "map", "odom"), true);
    for (let i = 0; i <= 5; i++) src.addTf(tf(i * 0.1, i, "odom", "base_link"), false);
    expect(ok(src.poseAt(at(0.25))).mapFromBase.translation.x).toBeCloseTo(12.5, 9);
    const held = ok(src.poseAt(at(0.6)));
    expect(held.mapFromBase.translation.x).toBeCloseTo(15, 9);
    expect(held.ageSec).toBeCloseTo(0.1, 9);
    expect(src.poseAt(at(0.8))).toMatchObject({
      kind: "stale",
      reason: expect.stringMatching(/0\.300 s old \(max 0\.2 s\)/),
    });
    expect(src.poseAt(at(-1))).toMatchObject({
      kind: "missing",
      reason: expect.stringMatching(/extrapolation into the past/),
    });
    src.addTf(tf(0.6, 25, "odom", "base_link"), false);
    expect(src.poseAt(at(0.55))).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/jumped 20\.00 m/),
    });
  });
});

const shared = sharedDir();
if (!shared) console.warn("skipping camera_drive pose test: ../shared is absent");

describe.skipIf(!shared)("PoseSource on the camera_drive_mcap bag", () => {
  it("tf and pose_stamped agree at every camera frame", () => {
    const messages = readCameraDrive(shared!, [
      "/tf",
      "/tf_static",
      "/localization/pose",
      "/camera/front/camera_info",
    ]);
    const viaTf = new PoseSource({ mode: "tf" });
    const viaPose = new PoseSource({ mode: "pose_stamped" });
    for (const m of messages) {
      if (m.topic === "/tf" || m.topic === "/tf_static")
        viaTf.addTf(m.message as TFMessage, m.topic === "/tf_static");
      if (m.topic === "/localization/pose") viaPose.addPoseStamped(m.message as PoseStamped);
    }
    const cameraStamps = messages
      .filter((m) => m.topic === "/camera/front/camera_info")
      .map((m) => (m.message as { header: { stamp: Time } }).header.stamp);
    expect(cameraStamps.length).toBe(30);
    let previousX = -Infinity;
    for (const stamp of cameraStamps) {
      const a = ok(viaTf.poseAt(stamp));
      const b = ok(viaPose.poseAt(stamp));
      expect(a.mapFromBase.translation.x).toBeCloseTo(b.mapFromBase.translation.x, 9);
      expect(a.mapFromBase.translation.x).toBeGreaterThan(previousX);
      previousX = a.mapFromBase.translation.x;
    }
    // 1.5 m per frame along map x: 29 frames.
    expect(previousX).toBeCloseTo(43.5, 6);
    // A second past the bag's end the pose is stale.
    const last = cameraStamps[cameraStamps.length - 1]!;
    expect(viaPose.poseAt(nsToTime(timeToNs(last) + 1_000_000_000n)).kind).toBe("stale");
  });
});

describe("PoseSource (tf) with a shared, lenient TF buffer", () => {
  it("still reports the age and staleness when the buffer holds the newest sample", () => {
    const buffer = new TfBuffer({ maxExtrapolationSec: 2 });
    const src = new PoseSource({ mode: "tf", maxAgeSec: 0.5, tfBuffer: buffer });
    src.addTf(tf(0, 1), false);
    src.addTf(tf(0.1, 2), false);
    expect(ok(src.poseAt(at(0.4))).ageSec).toBeCloseTo(0.3, 9);
    expect(src.poseAt(at(1.1))).toMatchObject({
      kind: "stale",
      reason: expect.stringMatching(/1\.000 s old/),
    });
  });
});
