/** The crosswalk_detector node's learned_source parameter: the learned source is opened or not. */
import { describe, expect, it } from "vitest";
import {
  createCrosswalkDetectorNode,
  parameterSchema,
} from "../../src/nodes/crosswalk-detector.js";
import { hostNode } from "./harness.js";

const parameters = {
  image_transport: "raw",
  rate_hz: 5,
  rate_phase_s: 0.05,
  processing_budget_ms: 80,
  base_frame: "base_link",
  tf_timeout_s: 0.5,
  min_confidence: 0.5,
};

async function start(learned: "auto" | "off"): Promise<string[]> {
  const h = await hostNode(
    {
      name: "crosswalk_detector",
      namespace: "/perception",
      create: createCrosswalkDetectorNode,
      parameterSchema: parameterSchema(),
      parameters: { ...parameters, learned_source: learned },
    },
    [],
  );
  const logs = [...h.logs];
  await h.instance.dispose?.();
  return logs;
}

describe("crosswalk_detector learned_source", () => {
  it("auto opens models/crosswalk_seg.onnx beside the stripe source", async () => {
    const logs = await start("auto");
    expect(
      logs.some((l) => /learned crosswalk source: crosswalk_seg from .*models/.test(l)),
      logs.join("\n"),
    ).toBe(true);
  });

  it("off opens no model and says so", async () => {
    const logs = await start("off");
    expect(
      logs.some((l) => /learned crosswalk source off/.test(l)),
      logs.join("\n"),
    ).toBe(true);
    expect(logs.some((l) => /crosswalk_seg from/.test(l))).toBe(false);
  });

  it("refuses a value other than auto | off", async () => {
    await expect(start("sometimes" as "auto")).rejects.toThrow(/learned_source/);
  });
});
