import { describe, expect, it } from "vitest";
import { nsToTime } from "../../src/core/time.js";
import { projectPath } from "../../src/core/paths.js";
import type { PerceptionFrame } from "../../src/msgs/types.generated.js";
import { createComputeBudgetNode, parameterSchema } from "../../src/nodes/compute-budget.js";
import { loadParameterFiles, parametersForNode } from "../../src/ros/parameters/parameter-file.js";
import { START, hostNode } from "./harness.js";

const PERIOD = 33_333_333n;
const OUT = [
  "/perception/compute_budget/out/pedestrian_rate_hz",
  "/perception/compute_budget/out/lane_rate_hz",
  "/perception/compute_budget/out/crosswalk_rate_hz",
];
const CROPS = "/perception/compute_budget/out/pedestrian_crop_passes_per_s";

/** A fused frame with the ego at (x, y) heading east (the sample map's main road), its lane valid and the map agreeing. */
function frame(i: bigint, x: number, y = -12, poseValid = true): PerceptionFrame {
  return {
    header: { stamp: nsToTime(START + i * PERIOD), frame_id: "base_link" },
    pose: { position: { x, y, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    pose_valid: poseValid,
    ego_lane: {
      valid: true,
      lane_id: "main_l0_0",
      lateral_offset: 0,
      lateral_offset_std: 0.1,
      heading_error: 0,
      localization_residual: 0,
      lateral_correction: 0,
    },
    map_consistency_score: 0.95,
  } as unknown as PerceptionFrame;
}

async function budgetNode(policy: "fixed" | "adaptive", overrides: Record<string, number> = {}) {
  const file = parametersForNode(
    loadParameterFiles([projectPath("config", "compute_budget.param.yaml")]),
    "compute_budget",
    "/perception",
  );
  return hostNode(
    {
      name: "compute_budget",
      namespace: "/perception",
      create: createComputeBudgetNode,
      parameterSchema: parameterSchema(),
      parameters: {
        ...(file as Record<string, never>),
        policy,
        map_file: projectPath("maps", "sample_drive.geojson"),
        ...overrides,
      },
    },
    [...OUT, CROPS],
  );
}

describe("compute_budget node", () => {
  it("adaptive: pedestrians at 30 Hz until the speed is known and again once the near crossing is within the stopping distance, 10 Hz before; lanes lowered once stable", async () => {
    // A budget that never binds here (the next test has it bind).
    const h = await budgetNode("adaptive", { cpu_budget_cores: 4 });
    const rates: string[] = [];
    // 10 m/s east on the main road: reach = 10 + 12.5 + 15 = 37.5 m; cw_main_near starts at x = 71.3.
    for (let i = 0n; i < 150n; i++) {
      const x = 0 + Number(i) * (10 / 30);
      const before = OUT.map((t) => h.outputs[t]!.length);
      await h.feed(
        "/perception/compute_budget/in/frame",
        frame(i, x),
        START + i * PERIOD + 1_000_000n,
      );
      OUT.forEach((t, k) => {
        if (h.outputs[t]!.length > before[k]!)
          rates.push(`${x.toFixed(1)} ${t.split("/").at(-1)} ${h.outputs[t]!.at(-1).data}`);
      });
    }
    // Unknown speed at first: the crossing rate (and not lowered lanes yet).
    expect(rates.slice(0, 3)).toEqual([
      "0.0 pedestrian_rate_hz 30",
      "0.0 lane_rate_hz 10",
      "0.0 crosswalk_rate_hz 10",
    ]);
    const ped = rates
      .filter((r) => r.includes("pedestrian_rate_hz"))
      .map((r) => [Number(r.split(" ")[0]), Number(r.split(" ")[2])]);
    // Down to 10 Hz once the speed is known and no crossing is within reach, up to 30 Hz at 71.3 - 37.5 = 33.8 m.
    expect(ped.map(([, hz]) => hz)).toEqual([30, 10, 30]);
    expect(ped[1]![0]).toBeLessThan(2);
    expect(ped[2]![0]).toBeGreaterThanOrEqual(33.4);
    expect(ped[2]![0]).toBeLessThanOrEqual(34.2);
    // Crop coverage follows: the near-crossing passes (45/s, within the worker's room of 0.9 * 1000 / 9.5 - 30 = 64.7/s at 30 Hz),
    // 10/s away from crossings, published when it changes.
    expect(h.outputs[CROPS]!.map((m) => m.data)).toEqual([45, 10, 45]);
    // Lanes: 5 Hz after 15 stable frames.
    const lanes = rates.filter((r) => r.includes("lane_rate_hz"));
    expect(lanes.map((r) => Number(r.split(" ")[2]))).toEqual([10, 5]);
    expect(h.instance.stats!()).toMatchObject({ decisions: 150, budget_limited: 0 });
  });

  it("counts a crossing behind the ego out, and keeps the crossing rate while the pose is invalid", async () => {
    const h = await budgetNode("adaptive");
    // Past every crossing of the intersection (x > 88.8), heading east.
    for (let i = 0n; i < 10n; i++)
      await h.feed(
        "/perception/compute_budget/in/frame",
        frame(i, 95 + Number(i) * 0.3),
        START + i * PERIOD,
      );
    expect(h.outputs[OUT[0]!]!.map((m) => m.data)).toEqual([30, 10]);
    for (let i = 10n; i < 12n; i++)
      await h.feed(
        "/perception/compute_budget/in/frame",
        frame(i, 0, 0, false),
        START + i * PERIOD,
      );
    expect(h.outputs[OUT[0]!]!.map((m) => m.data)).toEqual([30, 10, 30]);
  });

  it("holds the CPU budget near a crossing by cutting crosswalks, then lanes, then crop passes, keeping pedestrians at their rate", async () => {
    // 30 Hz x 13 ms + 45 crop passes/s x 9.5 ms + 10 Hz x 35 ms + 10 Hz x 6 ms = 1.23 cores.
    const costs = {
      pedestrian_cost_ms: 13,
      pedestrian_pass_cost_ms: 9.5,
      lane_cost_ms: 35,
      crosswalk_cost_ms: 6,
    };
    const crops = 45;
    // Against 1.1 cores: crosswalks to 1 Hz, then lanes.
    const h = await budgetNode("adaptive", { ...costs, cpu_budget_cores: 1.1 });
    for (let i = 0n; i < 10n; i++)
      await h.feed(
        "/perception/compute_budget/in/frame",
        frame(i, 60 + Number(i) * 0.3),
        START + i * PERIOD,
      );
    expect(h.outputs[OUT[0]!]!.at(-1).data).toBe(30);
    expect(h.outputs[OUT[2]!]!.at(-1).data).toBe(1);
    expect(h.outputs[OUT[1]!]!.at(-1).data).toBeCloseTo(
      (1100 - 30 * 13 - crops * 9.5 - 1 * 6) / 35,
      4,
    );
    expect(h.outputs[CROPS]!.at(-1).data).toBe(crops);
    expect(h.instance.stats!().budget_limited).toBe(10);
    // Against 0.8 cores: lanes at their 2 Hz floor, then fewer crop passes.
    // (And a worker with room for fewer: 0.6 * 1000 / 9.5 - 30 = 33.2/s.)
    const small = await budgetNode("adaptive", {
      ...costs,
      cpu_budget_cores: 4,
      pedestrian_worker_max_load: 0.6,
    });
    await small.feed("/perception/compute_budget/in/frame", frame(0n, 60), START);
    expect(small.outputs[CROPS]!.at(-1).data).toBeCloseTo(600 / 9.5 - 30, 4);
    const tight = await budgetNode("adaptive", { ...costs, cpu_budget_cores: 0.8 });
    for (let i = 0n; i < 10n; i++)
      await tight.feed(
        "/perception/compute_budget/in/frame",
        frame(i, 60 + Number(i) * 0.3),
        START + i * PERIOD,
      );
    expect(tight.outputs[OUT[0]!]!.at(-1).data).toBe(30);
    expect(tight.outputs[OUT[1]!]!.at(-1).data).toBe(2);
    expect(tight.outputs[CROPS]!.at(-1).data).toBeCloseTo(
      (800 - 30 * 13 - 2 * 35 - 1 * 6) / 9.5,
      4,
    );
  });

  it("time going back (a looped bag) drops the speed history: logged, counted, and the speed is measured again before pedestrians slow down", async () => {
    const h = await budgetNode("adaptive");
    // Past every crossing, heading east: 10 Hz once the speed is known.
    for (let i = 0n; i < 10n; i++)
      await h.feed(
        "/perception/compute_budget/in/frame",
        frame(i + 100n, 95 + Number(i) * 0.3),
        START + (i + 100n) * PERIOD,
      );
    expect(h.outputs[OUT[0]!]!.map((m) => m.data)).toEqual([30, 10]);
    // The bag starts again 109 frames (3.633 s) earlier, at the start of the road: unknown speed -> the crossing rate.
    await h.feed("/perception/compute_budget/in/frame", frame(0n, 0), START + 111n * PERIOD);
    expect(h.outputs[OUT[0]!]!.map((m) => m.data)).toEqual([30, 10, 30]);
    expect(h.instance.stats!()).toMatchObject({ time_jumps: 1 });
    expect(h.logs.filter((l) => /^warn: frame stamp went back 3\.633 s/.test(l))).toHaveLength(1);
  });

  it("fixed: publishes nothing, the detectors keep their own rate_hz and crop_passes_per_s", async () => {
    const h = await budgetNode("fixed");
    for (let i = 0n; i < 40n; i++)
      await h.feed("/perception/compute_budget/in/frame", frame(i, Number(i)), START + i * PERIOD);
    expect([...OUT, CROPS].map((t) => h.outputs[t]!.length)).toEqual([0, 0, 0, 0]);
  });
});
