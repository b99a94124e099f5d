/**
 * Fault injection on the pose of the real map_fusion node (pose_source tf): NaN transforms on /tf
 * and a 1 km relocalisation jump. No frame may carry pose_valid=true for a pose that no fresh,
 * finite, consistent transform supports at its stamp; frames outside the fault are unchanged.
 */
import { describe, expect, it } from "vitest";
import { nsToTime, timeToNs } from "../../src/core/time.js";
import type {
  LaneMarkingArray,
  PerceptionFrame,
  TFMessage,
} from "../../src/msgs/types.generated.js";
import { createMapFusionNode, parameterSchema } from "../../src/nodes/map-fusion.js";
import { lane } from "../viz/fixtures.js";
import { mapFusionFileParameters } from "../fusion/support/map-fusion-tuning.js";
import { START, hostNode } from "./harness.js";

const FRAME = "/perception/map_fusion/out/frame";
const LANES = "/perception/map_fusion/in/lanes";
const TF_PERIOD = 20_000_000n; // 50 Hz
const CAM_PERIOD = 66_666_667n; // 15 Hz
const SPEED = 10; // m/s along map x
const DURATION = 4_000_000_000n;

/** What each /tf message carries: the true pose, NaN, or the truth shifted by `offsetM` along x; "none": no message. */
type TfFault = (
  tNs: bigint,
) => { kind: "good"; offsetM: number } | { kind: "nan" } | { kind: "none" };

const truthX = (tNs: bigint): number => (Number(tNs) / 1e9) * SPEED;

function tfAt(tNs: bigint, fault: TfFault): TFMessage {
  const f = fault(tNs);
  const x = f.kind === "good" ? truthX(tNs) + f.offsetM : 0;
  const rotation =
    f.kind === "nan" ? { x: NaN, y: NaN, z: NaN, w: NaN } : { x: 0, y: 0, z: 0, w: 1 };
  return {
    transforms: [
      {
        header: { stamp: nsToTime(START + tNs), frame_id: "map" },
        child_frame_id: "base_link",
        transform: { translation: { x, y: 0, z: 0 }, rotation },
      },
    ],
  };
}

function lanesAt(tNs: bigint): LaneMarkingArray {
  return {
    header: { stamp: nsToTime(START + tNs), frame_id: "base_link" },
    markings: [lane(1, 1.8, 0), lane(2, -1.8, 1)],
    status: "",
    latencies: [],
    pipeline_latency_ms: 0,
  };
}

/** Plays 4 s of /tf (50 Hz) and camera lanes (15 Hz) in stamp order through the node. */
async function drive(fault: TfFault) {
  const h = await hostNode(
    {
      name: "map_fusion",
      namespace: "/perception",
      create: createMapFusionNode,
      parameterSchema: parameterSchema(),
      parameters: {
        ...mapFusionFileParameters(),
        map_file: "",
        base_frame: "base_link",
        map_frame: "map",
        pose_source: "tf",
        pose_timeout_s: 0.2,
        max_input_age_s: 0.5,
        processing_budget_ms: 50,
        max_pose_jump_m: 5,
        pose_jump_recovery_s: 1,
      },
    },
    [FRAME],
  );
  const diagnostics: any[] = [];
  h.hosted.handle.createSubscription(
    "diagnostic_msgs/msg/DiagnosticArray",
    "/diagnostics",
    { profile: "reliable" },
    (m) => void diagnostics.push(m),
  );
  const events: Array<{ ns: bigint; topic: string; msg: unknown }> = [];
  for (let t = 0n; t <= DURATION; t += TF_PERIOD)
    if (fault(t).kind !== "none") events.push({ ns: t, topic: "/tf", msg: tfAt(t, fault) });
  for (let t = 0n; t <= DURATION; t += CAM_PERIOD)
    events.push({ ns: t + 1n, topic: LANES, msg: lanesAt(t) });
  events.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  for (const e of events) await h.feed(e.topic, e.msg, START + e.ns + 5_000_000n);
  await h.advance(START + DURATION + 2_000_000_000n);
  const frames = (h.outputs[FRAME] as PerceptionFrame[]).map((f) => ({
    tNs: timeToNs(f.header.stamp) - START,
    frame: f,
  }));
  const counters = (): Record<string, string> =>
    Object.fromEntries(
      diagnostics
        .at(-1)
        .status.flatMap((s: { values: Array<{ key: string; value: string }> }) =>
          s.values.map((v) => [v.key, v.value]),
        ),
    );
  return { h, frames, counters };
}

const clean: TfFault = () => ({ kind: "good", offsetM: 0 });

describe("map_fusion pose faults (fault injection, pose_source tf)", () => {
  it("a NaN quaternion on /tf for 0.47 s: no frame from its first NaN until valid transforms resume claims a pose; counted and logged", async () => {
    const nanFrom = 1_000_000_000n;
    const nanTo = 1_470_000_000n;
    const fault: TfFault = (t) =>
      t >= nanFrom && t < nanTo ? { kind: "nan" } : { kind: "good", offsetM: 0 };
    const { h, frames, counters } = await drive(fault);
    const reference = await drive(clean);
    expect(frames.length).toBe(reference.frames.length);
    expect(frames.length).toBeGreaterThan(55);
    const nanCount = [...Array(Number(DURATION / TF_PERIOD) + 1).keys()]
      .map((i) => BigInt(i) * TF_PERIOD)
      .filter((t) => t >= nanFrom && t < nanTo).length;
    const lastGood = nanFrom - TF_PERIOD;
    for (const [i, { tNs, frame }] of frames.entries()) {
      // Supported: the pose at the stamp lies between two valid samples with no NaN between them.
      const supported = tNs <= lastGood || tNs >= nanTo;
      if (frame.pose_valid) {
        expect(supported, `frame at ${tNs} ns claims a pose`).toBe(true);
        expect(frame.pose.position.x).toBeCloseTo(truthX(tNs), 6);
      } else {
        expect(supported, `frame at ${tNs} ns`).toBe(false);
        expect(frame.status).toMatch(
          /pose invalid: transform map -> base_link at t=\S+ was rejected \(non-finite transform/,
        );
      }
      // Outside the fault the output is what a clean run gives.
      if (supported) expect(frame.pose).toEqual(reference.frames[i]!.frame.pose);
    }
    expect(frames.filter((f) => !f.frame.pose_valid).length).toBe(
      frames.filter((f) => f.tNs > lastGood && f.tNs < nanTo).length,
    );
    expect(counters()).toMatchObject({ tf_rejected_non_finite: String(nanCount) });
    expect(h.instance.stats!()).toMatchObject({ tf_rejected: nanCount });
    expect(
      h.logs.filter((l) =>
        /^warn: rejected transform: non-finite transform map -> base_link/.test(l),
      ).length,
    ).toBe(2); // 1st and 10th
  });

  it("a 1 km jump: invalid from the jump until the poses have agreed for pose_jump_recovery_s, then the new pose", async () => {
    const jumpAt = 1_000_000_000n;
    const fault: TfFault = (t) => ({ kind: "good", offsetM: t >= jumpAt ? 1000 : 0 });
    const { frames } = await drive(fault);
    const reference = await drive(clean);
    const recoveredAt = jumpAt + 1_000_000_000n;
    let validAfter = 0;
    for (const [i, { tNs, frame }] of frames.entries()) {
      if (tNs <= jumpAt - TF_PERIOD) {
        expect(frame.pose_valid).toBe(true);
        expect(frame.pose).toEqual(reference.frames[i]!.frame.pose);
      } else if (tNs < recoveredAt) {
        expect(frame.pose_valid, `frame at ${tNs} ns`).toBe(false);
        expect(frame.status).toMatch(/pose invalid: pose jumped 1000\.\d\d m/);
        expect(Number.isNaN(frame.map_consistency_score)).toBe(true);
      } else {
        expect(frame.pose_valid, `frame at ${tNs} ns`).toBe(true);
        expect(frame.pose.position.x).toBeCloseTo(truthX(tNs) + 1000, 6);
        validAfter++;
      }
    }
    expect(validAfter).toBeGreaterThan(25);
  });

  it("the newest transform older than pose_timeout_s at the frame's stamp is stale, even though the TF buffer would still hold it", async () => {
    const gapFrom = 1_000_000_000n;
    const gapTo = 1_500_000_000n;
    const { frames } = await drive(clean);
    expect(frames.every((f) => f.frame.pose_valid)).toBe(true);
    // /tf stops for 0.5 s (no messages, nothing rejected): frames more than 0.2 s from the nearest
    // transform are stale, the others keep their pose.
    const gap = await drive((t) =>
      t > gapFrom && t < gapTo ? { kind: "none" } : { kind: "good", offsetM: 0 },
    );
    expect(gap.frames.length).toBe(frames.length);
    let stale = 0;
    for (const { tNs, frame } of gap.frames) {
      const nearest =
        tNs <= gapFrom
          ? 0n
          : tNs >= gapTo
            ? 0n
            : tNs - gapFrom < gapTo - tNs
              ? tNs - gapFrom
              : gapTo - tNs;
      if (nearest > 200_000_000n) {
        stale++;
        expect(frame.pose_valid, `frame at ${tNs} ns`).toBe(false);
        expect(frame.status, `frame at ${tNs} ns`).toMatch(/stale/);
      } else if (nearest === 0n) expect(frame.pose_valid, `frame at ${tNs} ns`).toBe(true);
    }
    expect(stale).toBeGreaterThan(0);
    expect(gap.counters().tf_rejected_non_finite).toBeUndefined(); // nothing was rejected: the frames are invalid for age alone
  });
});
