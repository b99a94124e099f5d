/**
 * The crosswalk_detector node's parameters as the launch graph gives them, and the uncalibrated
 * still camera they define: what `edge-perception detect` judges a still with, so that tests on
 * real frames measure the product's configuration.
 */
import { graphToNodeSpecs, loadLaunchGraph } from "../../src/host/graph.js";
import { stillCameraOptions } from "../../src/nodes/crosswalk-detector.js";
import type { StillCamera } from "../../src/perception/lanes/detect-still.js";

/** The crosswalk_detector node's parameters (config/crosswalk_detector.param.yaml through the launch graph). */
export async function crosswalkDetectorParameters(): Promise<Record<string, unknown>> {
  const spec = (await graphToNodeSpecs(loadLaunchGraph())).find(
    (s) => s.name === "crosswalk_detector",
  );
  if (!spec) throw new Error("the launch graph has no crosswalk_detector node");
  return spec.parameters;
}

/** The product's camera for a still without calibration (`kind: "auto"` with the node's `still_*` values). */
export async function productStillCamera(): Promise<StillCamera> {
  const params = await crosswalkDetectorParameters();
  return { kind: "auto", ...stillCameraOptions((name) => params[name]) };
}
