/**
 * pedestrian_detector node: camera frames -> edge_perception_msgs/PedestrianArray on
 * `~/out/pedestrians` (base_link ground positions, image boxes; stamp = the image's) and, when
 * `publish_detections_2d`, vision_msgs/Detection2DArray on `~/out/detections`.
 * Logic: src/perception/pedestrians/. Docs: docs/nodes/pedestrian_detector.md.
 */
import type { Time } from "../core/time.js";
import type { CameraGeometry } from "../geometry/camera-geometry.js";
import type { ImageView } from "../image/image-view.js";
import type { ModelContract } from "../models/contract.js";
import type { PedestrianArray } from "../msgs/types.generated.js";
import { pedestriansToDetection2DArray } from "../perception/pedestrians/detection2d.js";
import type { NodeHandle } from "../transport/node-api.js";
import type { NodeInstance } from "../transport/node-spec.js";
import { asModelError, CameraNode } from "./camera-node.js";
import { chooseModel, describeModelChoice } from "./model-choice.js";
import { recordStage } from "./stage-timings.js";
import { loadParameterSchema } from "./node-definition.js";

/** What the node needs of src/perception/pedestrians/pedestrian-detector.ts. */
interface PedestrianDetectorLike {
  detect(view: ImageView, geometry: CameraGeometry | undefined, stamp: Time, thresholds?: { score?: number; nmsIou?: number; minHeightPx?: number }): Promise<{
    pedestrians: PedestrianArray;
    timings?: { inferenceMs?: number; postprocessMs?: number };
  }>;
}
interface PedestrianModule {
  PedestrianDetector: { create(options: { contract?: ModelContract; modelDir?: string }): Promise<PedestrianDetectorLike> };
}

const MODULE = "../perception/pedestrians/pedestrian-detector.js";


/** The node's parameter schema (`ros__parameters` of config/schema/pedestrian_detector.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("pedestrian_detector");
}

export async function createPedestrianDetectorNode(handle: NodeHandle): Promise<NodeInstance> {
  const mod = (await import(MODULE)) as PedestrianModule;
  const choice = chooseModel(handle);
  const detector = await mod.PedestrianDetector.create(choice.kind === "model" ? { contract: choice.contract, modelDir: choice.dir } : {});
  const publisher = handle.createPublisher("edge_perception_msgs/msg/PedestrianArray", "~/out/pedestrians", { profile: "reliable" });
  const detections = handle.parameters.get<boolean>("publish_detections_2d")
    ? handle.createPublisher("vision_msgs/msg/Detection2DArray", "~/out/detections", { profile: "reliable" })
    : undefined;
  const baseFrame = handle.parameters.get<string>("base_frame");
  handle.logger.info(describeModelChoice(choice, "HOG people detector"));

  const node = new CameraNode(handle, {
    stage: "pedestrian_detector",
    requireGeometry: false,
    async process(frame) {
      const header = { stamp: frame.header.stamp, frame_id: baseFrame };
      const p = handle.parameters;
      try {
        const result = await detector.detect(await frame.view(), frame.geometry, frame.header.stamp, {
          score: p.get<number>("score_threshold"),
          nmsIou: p.get<number>("nms_iou_threshold"),
          minHeightPx: p.get<number>("min_box_height_px"),
        });
        const out: PedestrianArray = { ...result.pedestrians, header };
        if (result.timings?.inferenceMs !== undefined) recordStage(frame.header.stamp, "pedestrian_model", result.timings.inferenceMs);
        if (result.timings?.postprocessMs !== undefined) recordStage(frame.header.stamp, "pedestrian_postprocess", result.timings.postprocessMs);
        publisher.publish(out);
        detections?.publish(pedestriansToDetection2DArray(out, { cameraFrameId: frame.camera.message.header.frame_id }));
      } catch (err) {
        const error = asModelError(err, "pedestrian_detector");
        publisher.publish({ header, pedestrians: [], status: `model error: ${error.message}` });
        throw error;
      }
    },
  });
  if (choice.kind === "fallback") node.diagnostics.set("model", "warn", describeModelChoice(choice, "HOG people detector"));
  return node;
}
