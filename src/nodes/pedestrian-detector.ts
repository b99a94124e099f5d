/**
 * pedestrian_detector node: camera frames -> edge_perception_msgs/PedestrianArray on
 * `~/out/pedestrians` (base_link ground positions, image boxes; stamp = the image's) and, when
 * `publish_detections_2d`, vision_msgs/Detection2DArray on `~/out/detections` (image boxes, the
 * camera's optical frame). Logic: src/perception/pedestrians/. Docs: docs/nodes/pedestrian_detector.md.
 */
import type { PedestrianArray } from "../msgs/types.generated.js";
import { pedestriansToDetection2DArray } from "../perception/pedestrians/detection2d.js";
import type { PedestrianDetector } from "../perception/pedestrians/pedestrian-detector.js";
import type { NodeHandle } from "../transport/node-api.js";
import type { NodeInstance } from "../transport/node-spec.js";
import { asModelError, CameraNode, failureStatus } from "./camera-node.js";
import { contractsFileOf } from "./model-choice.js";
import { loadParameterSchema } from "./node-definition.js";
import { recordStage } from "./stage-timings.js";

/** The node's parameter schema (`ros__parameters` of config/schema/pedestrian_detector.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("pedestrian_detector");
}

export async function createPedestrianDetectorNode(handle: NodeHandle): Promise<NodeInstance> {
  const { PedestrianDetector } = await import("../perception/pedestrians/pedestrian-detector.js");
  const p = handle.parameters;
  // The detector resolves model_dir itself (empty: ../shared/models when present) and falls back to HOG.
  const create = (): Promise<PedestrianDetector> =>
    PedestrianDetector.create({
      model: p.get<string>("model"),
      contractsPath: contractsFileOf(handle),
      modelDir: p.get<string>("model_dir") || undefined,
      scoreThreshold: p.get<number>("score_threshold"),
      nmsIouThreshold: p.get<number>("nms_iou_threshold"),
      frameId: p.get<string>("base_frame"),
      log: (line) => handle.logger.info(line),
    });
  let detector = await create();
  // The detector takes its thresholds at creation: a change builds a new one and swaps it in
  // (frames meanwhile use the old one); score and box height are also filtered here at once.
  let rebuilding: Promise<void> = Promise.resolve();
  p.onChange((changes) => {
    if (changes.score_threshold === undefined && changes.nms_iou_threshold === undefined) return;
    rebuilding = rebuilding.then(async () => {
      const next = await create();
      const old = detector;
      detector = next;
      await old.release();
    });
  });
  const publisher = handle.createPublisher("edge_perception_msgs/msg/PedestrianArray", "~/out/pedestrians", { profile: "reliable" });
  const detections = p.get<boolean>("publish_detections_2d")
    ? handle.createPublisher("vision_msgs/msg/Detection2DArray", "~/out/detections", { profile: "reliable" })
    : undefined;
  const baseFrame = p.get<string>("base_frame");
  const backend = detector.backend;
  handle.logger.info(backend.kind === "model" ? `model ${backend.model} (${backend.file}, ${backend.provider})` : `model missing (${backend.reason}): HOG people detector fallback in use`);

  const node = new CameraNode(handle, {
    stage: "pedestrian_detector",
    requireGeometry: false,
    runAhead: (view) => detector.runAhead(view),
    async process(frame) {
      const header = { stamp: frame.header.stamp, frame_id: baseFrame };
      try {
        const result = await detector.detect(await frame.view(), frame.geometry, frame.header.stamp);
        const minScore = p.get<number>("score_threshold");
        const minHeight = p.get<number>("min_box_height_px");
        const out: PedestrianArray = {
          ...result.message,
          header,
          pedestrians: result.message.pedestrians.filter((x) => x.confidence >= minScore && x.image_box.height >= minHeight),
        };
        const t = result.timings;
        // The model's own run (onnxruntime on its worker thread); preprocessing and the hand-over
        // are the node's (in pedestrian_detector, not pedestrian_model).
        recordStage(frame.header.stamp, "pedestrian_model", t.inferenceMs);
        recordStage(frame.header.stamp, "pedestrian_postprocess", t.decodeMs + t.geometryMs);
        publisher.publish(out);
        detections?.publish(pedestriansToDetection2DArray(out, { cameraFrameId: frame.camera.message.header.frame_id }));
      } catch (err) {
        const error = asModelError(err, "pedestrian_detector");
        publisher.publish({ header, pedestrians: [], status: failureStatus(error, "model") });
        throw error;
      }
    },
  });
  if (detector.backend.kind === "hog-fallback") node.diagnostics.set("model", "warn", `model missing (${detector.backend.reason}): HOG people detector fallback in use`);
  return {
    idle: () => node.idle(),
    stats: () => node.stats(),
    errorCounts: () => node.errorCounts(),
    dispose: async () => {
      await node.dispose();
      await rebuilding.catch(() => undefined);
      await detector.release();
    },
  };
}
