/**
 * lane_detector node: camera frames -> edge_perception_msgs/LaneMarkingArray on `~/out/lanes`
 * (base_link, stamp = the image's). Logic: src/perception/lanes/. Docs: docs/nodes/lane_detector.md.
 */
import type { LaneMarkingArray } from "../msgs/types.generated.js";
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { asModelError, CameraNode, failureStatus } from "./common/camera-node.js";
import { chooseModel, describeModelChoice } from "./common/model-choice.js";
import { laneDetectorTuning } from "./lane-detector-tuning.js";
import { loadParameterSchema } from "./node-definition.js";

/** The node's parameter schema (`ros__parameters` of config/schema/lane_detector.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("lane_detector");
}

export async function createLaneDetectorNode(handle: NodeHandle): Promise<NodeInstance> {
  const { LaneDetector } = await import("../perception/lanes/lane-detector.js");
  const choice = chooseModel(handle);
  const tuning = laneDetectorTuning((name) => handle.parameters.get(name));
  const detector = await LaneDetector.create(
    choice.kind === "model"
      ? { ...tuning, contract: choice.contract, modelDir: choice.dir, clock: handle.wallClock }
      : { ...tuning, clock: handle.wallClock },
  );
  const publisher = handle.createPublisher(
    "edge_perception_msgs/msg/LaneMarkingArray",
    "~/out/lanes",
    { profile: "reliable" },
  );
  const baseFrame = handle.parameters.get<string>("base_frame");
  handle.logger.info(describeModelChoice(choice, "classical lane"));

  const node = new CameraNode(handle, {
    stage: "lane_detector",
    requireGeometry: true,
    runAhead: (view) => detector.runAhead(view),
    prepare: (view) => detector.prepare(view),
    async process(frame) {
      const header = { stamp: frame.header.stamp, frame_id: baseFrame };
      try {
        const result = await detector.detect(
          await frame.view(),
          frame.geometry!,
          frame.header.stamp,
        );
        const minConfidence = handle.parameters.get<number>("min_confidence");
        // The model's own run (onnxruntime on its worker thread): preprocessing, the hand-over and
        // mask decoding are the node's (in lane_detector, not lane_model).
        const out: LaneMarkingArray = {
          ...result.markings,
          header,
          markings: result.markings.markings.filter((m) => m.confidence >= minConfidence),
          ...frame.timing([
            { stage: "lane_model", duration_ms: result.timings.modelMs },
            { stage: "lane_postprocess", duration_ms: result.timings.postprocessMs },
          ]),
        };
        publisher.publish(out);
      } catch (err) {
        const error = asModelError(err, "lane_detector");
        publisher.publish({
          header,
          markings: [],
          status: failureStatus(error, "model"),
          ...frame.timing(),
        });
        throw error;
      }
    },
  });
  if (choice.kind === "fallback")
    node.diagnostics.set("model", "warn", describeModelChoice(choice, "classical lane"));
  return node;
}
