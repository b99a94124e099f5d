import { describe, expect, it } from "vitest";
import { defaultContractsPath } from "../../src/models/contract.js";
import { detectorChoice, detectorParamsFile } from "../../src/cli/detector-choice.js";
import { defaultGraphPath, graphToNodeSpecs, loadLaunchGraph } from "../../src/host/graph.js";

describe("--contracts / --model", () => {
  it("reach the pedestrian_detector node of the graph as contracts_file and model, and no other node", async () => {
    const choice = detectorChoice(defaultContractsPath(), "nanodet_m_416_int8")!;
    const specs = await graphToNodeSpecs(loadLaunchGraph(defaultGraphPath()), {
      paramsFiles: [detectorParamsFile(choice)],
    });
    const ped = specs.find((s) => s.name === "pedestrian_detector")!;
    expect(ped.parameters).toMatchObject({
      contracts_file: defaultContractsPath(),
      model: "nanodet_m_416_int8",
    });
    const lanes = specs.find((s) => s.name === "lane_detector")!;
    expect(lanes.parameters.model).toBe("twinlitenet_320x320");
    expect(lanes.parameters.contracts_file).toBe("");
  });

  it("are checked at once: unknown names, segmentation models and nothing given", () => {
    expect(detectorChoice(undefined, undefined)).toBeUndefined();
    expect(() => detectorChoice(undefined, "nope")).toThrow(
      /no model contract 'nope' \(known: .*yolox_nano/,
    );
    expect(() => detectorChoice(undefined, "twinlitenet_320x320")).toThrow(
      /is a segmentation model, not a detector/,
    );
    expect(() => detectorChoice("/no/such/contracts.yaml", "x")).toThrow(
      /cannot read model contracts/,
    );
  });
});
