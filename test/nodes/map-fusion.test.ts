import { describe, expect, it } from "vitest";
import { nsToTime, timeToNs } from "../../src/core/time.js";
import type {
  CrosswalkArray,
  LaneMarkingArray,
  PedestrianArray,
  PerceptionFrame,
} from "../../src/msgs/types.generated.js";
import { createMapFusionNode, parameterSchema } from "../../src/nodes/map-fusion.js";
import { lane, pedestrian } from "../viz/fixtures.js";
import { mapFusionFileParameters } from "../fusion/support/map-fusion-tuning.js";
import { START, hostNode } from "./harness.js";

const P = 66_666_667n;
const stamp = (i: bigint) => nsToTime(START + i * P);

function lanes(i: bigint): LaneMarkingArray {
  return {
    header: { stamp: stamp(i), frame_id: "base_link" },
    markings: [lane(1, 1.8, 0), lane(2, -1.8, 1)],
    status: "",
    latencies: [],
    pipeline_latency_ms: 0,
  };
}
function peds(i: bigint): PedestrianArray {
  return {
    header: { stamp: stamp(i), frame_id: "base_link" },
    pedestrians: [{ ...pedestrian(0, 15, 2) }],
    status: "",
    latencies: [],
    pipeline_latency_ms: 0,
  };
}
function crosswalks(i: bigint): CrosswalkArray {
  return {
    header: { stamp: stamp(i), frame_id: "base_link" },
    crosswalks: [],
    status: "no crosswalk in view",
    latencies: [],
    pipeline_latency_ms: 0,
  };
}

async function fusion() {
  return hostNode(
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
        pose_source: "pose_stamped",
        pose_timeout_s: 0.2,
        max_input_age_s: 0.5,
        processing_budget_ms: 50,
      },
    },
    [
      "/perception/map_fusion/out/frame",
      "/perception/map_fusion/out/pedestrians/detections",
      "/perception/map_fusion/debug/pipeline_latency_ms",
    ],
  );
}

const FRAME = "/perception/map_fusion/out/frame";
const LANES = "/perception/map_fusion/in/lanes";
const PEDS = "/perception/map_fusion/in/pedestrians";
const CWS = "/perception/map_fusion/in/crosswalks";

describe("map_fusion node", () => {
  it("reports the stage times its inputs carry: the detectors' stages of this stamp plus fusion, and the slowest detector's latency", async () => {
    const h = await fusion();
    await h.feed(
      LANES,
      {
        ...lanes(0n),
        latencies: [
          { stage: "lane_model", duration_ms: 11 },
          { stage: "lane_detector", duration_ms: 17 },
        ],
        pipeline_latency_ms: 25,
      },
      START + 10n,
    );
    await h.feed(
      PEDS,
      {
        ...peds(0n),
        latencies: [{ stage: "pedestrian_detector", duration_ms: 31 }],
        pipeline_latency_ms: 40,
      },
      START + 20n,
    );
    await h.feed(
      CWS,
      {
        ...crosswalks(0n),
        latencies: [{ stage: "crosswalk_detector", duration_ms: 7 }],
        pipeline_latency_ms: 12,
      },
      START + 30n,
    );
    // Stamp 1 has only pedestrians: its lanes and crosswalks are carried over from stamp 0, their times are not.
    await h.feed(
      PEDS,
      {
        ...peds(1n),
        latencies: [{ stage: "pedestrian_detector", duration_ms: 33 }],
        pipeline_latency_ms: 50,
      },
      START + P + 10n,
    );
    await h.feed(PEDS, peds(2n), START + 2n * P + 10n);
    const frames = h.outputs[FRAME] as PerceptionFrame[];
    expect(frames).toHaveLength(2);
    const stages = (f: PerceptionFrame) => f.latencies.filter((l) => l.stage !== "fusion");
    expect(stages(frames[0]!)).toEqual([
      { stage: "crosswalk_detector", duration_ms: 7 },
      { stage: "lane_detector", duration_ms: 17 },
      { stage: "lane_model", duration_ms: 11 },
      { stage: "pedestrian_detector", duration_ms: 31 },
    ]);
    expect(stages(frames[1]!)).toEqual([{ stage: "pedestrian_detector", duration_ms: 33 }]);
    expect(frames.every((f) => f.latencies.at(-1)!.stage === "fusion")).toBe(true);
    expect(frames[0]!.lanes).toHaveLength(2);
    expect(frames[1]!.lanes).toHaveLength(2);
    // Camera stamp to publication: at least the slowest detector's.
    expect(frames[0]!.pipeline_latency_ms).toBeGreaterThanOrEqual(40);
    expect(frames[1]!.pipeline_latency_ms).toBeGreaterThanOrEqual(50);
  });

  it("fuses a stamp once a newer one arrives, whatever order its inputs came in", async () => {
    const h = await fusion();
    // Stamp 0: pedestrians first, then lanes; stamp 1: lanes first, then pedestrians and crosswalks.
    await h.feed(PEDS, peds(0n), START + 10n);
    await h.feed(LANES, lanes(0n), START + 20n);
    expect(h.outputs[FRAME]).toHaveLength(0);
    await h.feed(LANES, lanes(1n), START + P + 10n);
    expect(h.outputs[FRAME]).toHaveLength(1);
    await h.feed(PEDS, peds(1n), START + P + 20n);
    await h.feed(CWS, crosswalks(1n), START + P + 30n);
    await h.feed(PEDS, peds(2n), START + 2n * P + 10n);
    const frames = h.outputs[FRAME] as PerceptionFrame[];
    expect(frames.map((f) => timeToNs(f.header.stamp))).toEqual([START, START + P]);
    expect(frames.every((f) => f.header.frame_id === "base_link")).toBe(true);
    // Lanes of stamp 0 came after its pedestrians, those of stamp 1 before: both frames have them.
    expect(frames.map((f) => f.lanes.length)).toEqual([2, 2]);
    expect(frames[1]!.status).toMatch(/pose missing/);
    expect(frames[0]!.status).toMatch(/no HD map/);
    const det = h.outputs["/perception/map_fusion/out/pedestrians/detections"]!;
    expect(det.map((d) => timeToNs(d.header.stamp))).toEqual([START, START + P]);
  });

  it("fuses a stamp whose inputs stopped coming once the clock is max_input_age_s past it", async () => {
    const h = await fusion();
    await h.feed(PEDS, peds(0n), START + 10n);
    await h.advance(START + 400_000_000n);
    expect(h.outputs[FRAME]).toHaveLength(0);
    await h.advance(START + 600_000_000n);
    expect(h.outputs[FRAME]).toHaveLength(1);
  });

  it("keeps a late input for later frames and counts it", async () => {
    const h = await fusion();
    await h.feed(PEDS, peds(0n), START + 10n);
    await h.feed(PEDS, peds(1n), START + P + 10n);
    await h.feed(LANES, lanes(0n), START + P + 20n); // stamp 0 was already fused
    await h.feed(PEDS, peds(2n), START + 2n * P + 10n);
    expect(h.instance.stats!()).toMatchObject({ late_inputs: 1 });
    const frames = h.outputs[FRAME] as PerceptionFrame[];
    expect(frames).toHaveLength(2);
    expect(frames[0]!.lanes).toHaveLength(0);
    // Not silent: warned about (first one) and counted.
    expect(
      h.logs.filter((l) =>
        /^warn: late input: stamped 0\.000 s before the last fused frame/.test(l),
      ),
    ).toHaveLength(1);
  });

  it("starts again when time goes back (a second play of the bag, or -l): frames again, the jump logged and counted", async () => {
    const h = await fusion();
    const diagnostics: any[] = [];
    h.hosted.handle.createSubscription(
      "diagnostic_msgs/msg/DiagnosticArray",
      "/diagnostics",
      { profile: "reliable" },
      (m) => void diagnostics.push(m),
    );
    const play = async (clockStart: bigint): Promise<void> => {
      for (let i = 0n; i < 30n; i++) {
        await h.feed(PEDS, peds(i), clockStart + i * P + 10n);
        await h.feed(LANES, lanes(i), clockStart + i * P + 20n);
      }
    };
    await play(START);
    expect(h.outputs[FRAME]).toHaveLength(29);
    // The second play: stamps and /clock start again at START.
    h.jumpTo(START);
    await play(START);
    await h.advance(START + 3_000_000_000n);
    const frames = h.outputs[FRAME] as PerceptionFrame[];
    // Both plays whole (2 s each).
    const indices = [...Array(30).keys()];
    expect(frames.map((f) => Number((timeToNs(f.header.stamp) - START) / P))).toEqual([
      ...indices,
      ...indices,
    ]);
    expect(h.instance.stats!()).toMatchObject({ time_jumps: 1, late_inputs: 0 });
    expect(h.logs.filter((l) => l.startsWith("warn: input stamped"))).toEqual([
      expect.stringMatching(
        /is 1\.867 s before the last fused frame: time went back .*fusion restarted \(time jump 1\)/,
      ),
    ]);
    const values = diagnostics
      .at(-1)
      .status.flatMap((s: { values: Array<{ key: string; value: string }> }) => s.values);
    expect(values).toContainEqual({ key: "time_jumps", value: "1" });
  });

  it("warns about and counts pose stamps that go back (a looped bag, a restarted localiser) instead of dropping them silently", async () => {
    const h = await fusion();
    const diagnostics: any[] = [];
    h.hosted.handle.createSubscription(
      "diagnostic_msgs/msg/DiagnosticArray",
      "/diagnostics",
      { profile: "reliable" },
      (m) => void diagnostics.push(m),
    );
    const pose = (i: bigint) => ({
      header: { stamp: stamp(i), frame_id: "map" },
      pose: { position: { x: Number(i), y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    });
    for (let i = 0n; i < 40n; i++)
      await h.feed("/perception/map_fusion/in/pose", pose(i), START + i * P + 5n);
    // Header stamps back to the start while the clock (log time) goes on.
    for (let i = 0n; i < 5n; i++)
      await h.feed("/perception/map_fusion/in/pose", pose(i), START + (40n + i) * P + 5n);
    await h.advance(START + 50n * P);
    expect(
      h.logs.filter((l) =>
        /^warn: pose stamp went back to \S+ s: the pose history was dropped \(1 so far\)$/.test(l),
      ),
    ).toHaveLength(1);
    const values = diagnostics
      .at(-1)
      .status.flatMap((s: { values: Array<{ key: string; value: string }> }) => s.values);
    expect(values).toContainEqual({ key: "pose_time_jumps", value: "1" });
  });

  it("warns about an HD map without lanes or crosswalks", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { hdMapToGeoJson } = await import("../../src/map/geojson-writer.js");
    const file = join(mkdtempSync(join(tmpdir(), "empty-map-")), "empty.geojson");
    writeFileSync(
      file,
      JSON.stringify(
        hdMapToGeoJson({
          name: "empty",
          origin: { latitude: 48, longitude: 11, altitude: 500 },
          features: [],
        }),
      ),
    );
    const logs: string[] = [];
    const h = await hostNode(
      {
        name: "map_fusion",
        namespace: "/perception",
        create: createMapFusionNode,
        parameterSchema: parameterSchema(),
        parameters: {
          ...mapFusionFileParameters(),
          map_file: file,
          base_frame: "base_link",
          map_frame: "map",
          pose_source: "pose_stamped",
          pose_timeout_s: 0.2,
          max_input_age_s: 0.5,
          processing_budget_ms: 50,
        },
      },
      [],
    );
    logs.push(...h.logs);
    expect(logs).toContainEqual(
      expect.stringMatching(/^warn: HD map .*empty\.geojson: the map has no features/),
    );
    const diagnostics: any[] = [];
    h.hosted.handle.createSubscription(
      "diagnostic_msgs/msg/DiagnosticArray",
      "/diagnostics",
      { profile: "reliable" },
      (m) => void diagnostics.push(m),
    );
    await h.advance(START + 2_000_000_000n);
    expect(diagnostics.at(-1).status[0].message).toMatch(/has no lanes and no crosswalks/);
  });

  it("counts one very late input (a slow model under load) as late, without a restart, and keeps the newer carried lanes", async () => {
    const h = await fusion();
    for (let i = 0n; i < 30n; i++) {
      await h.feed(PEDS, peds(i), START + i * P + 10n);
      if (i === 28n) await h.feed(LANES, lanes(28n), START + i * P + 20n);
    }
    // Lanes of stamp 1 arrive 1.9 s after their stamp (more than time_jump_threshold_s behind the
    // last fused frame) while the clock goes on: one stale input, not time going back.
    await h.feed(LANES, { ...lanes(1n), markings: [lane(7, 3, 0)] }, START + 30n * P);
    await h.feed(PEDS, peds(30n), START + 30n * P + 10n);
    await h.feed(PEDS, peds(31n), START + 31n * P + 10n);
    expect(h.instance.stats!()).toMatchObject({ time_jumps: 0, late_inputs: 1 });
    const frames = h.outputs[FRAME] as PerceptionFrame[];
    expect(frames.map((f) => Number((timeToNs(f.header.stamp) - START) / P))).toEqual([
      ...Array(31).keys(),
    ]);
    // Frame 30 carries the lanes of stamp 28, not the older late ones.
    expect(frames.at(-1)!.lanes.map((l) => l.id)).toEqual(
      frames.find((f) => timeToNs(f.header.stamp) === START + 28n * P)!.lanes.map((l) => l.id),
    );
    expect(h.logs.some((l) => /time went back/.test(l))).toBe(false);
  });

  it("on a clock that does not go back, restarts once inputs kept coming from before the threshold for time_jump_threshold_s", async () => {
    const h = await fusion();
    for (let i = 0n; i < 30n; i++) await h.feed(PEDS, peds(i), START + i * P + 10n);
    // A bag loop played without /clock: stamps start again, the node clock goes on.
    const loopClock = START + 30n * P;
    for (let i = 0n; i < 30n; i++) await h.feed(PEDS, peds(i), loopClock + i * P + 10n);
    expect(h.instance.stats!()).toMatchObject({ time_jumps: 1 });
    const late = h.instance.stats!().late_inputs!;
    // Restarted after one second of node time (15 inputs at 15 Hz), then fused again.
    expect(late).toBe(15);
    const frames = h.outputs[FRAME] as PerceptionFrame[];
    expect(frames.map((f) => Number((timeToNs(f.header.stamp) - START) / P))).toEqual([
      ...Array(30).keys(),
      ...Array.from({ length: 14 }, (_, k) => 15 + k),
    ]);
  });
});
