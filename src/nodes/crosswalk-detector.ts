/**
 * crosswalk_detector node: camera frames -> edge_perception_msgs/CrosswalkArray on
 * `~/out/crosswalks` (base_link, stamp = the image's). Logic: src/perception/crosswalks/.
 * Docs: docs/nodes/crosswalk_detector.md.
 */
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { asModelError, CameraNode, failureStatus, withRelease } from "./common/camera-node.js";
import { loadParameterSchema } from "./node-definition.js";
import type { UncalibratedCamera } from "../perception/lanes/detect-still.js";
import { tuningParameters } from "./common/tuning-parameters.js";

/** The node's parameter schema (`ros__parameters` of config/schema/crosswalk_detector.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("crosswalk_detector");
}

/**
 * The camera assumed for a still without calibration (the `still_*` parameters), as
 * `detectStill` takes it; `edge-perception detect` and scripts/crosswalk-presence.ts read it from
 * this node's parameter file so that they report what the product gives.
 */
export function stillCameraOptions(get: (name: string) => unknown): UncalibratedCamera {
  const { num } = tuningParameters("crosswalk_detector", get);
  return {
    mountHeight: num("still_mount_height_m"),
    horizontalFovDeg: num("still_horizontal_fov_deg"),
    drivableTopDistance: num("still_drivable_top_distance_m"),
    assumedHorizonFraction: num("still_assumed_horizon_fraction"),
  };
}

export async function createCrosswalkDetectorNode(handle: NodeHandle): Promise<NodeInstance> {
  const { CrosswalkDetector } = await import("../perception/crosswalks/crosswalk-detector.js");
  const publisher = handle.createPublisher(
    "edge_perception_msgs/msg/CrosswalkArray",
    "~/out/crosswalks",
    { profile: "reliable" },
  );
  const baseFrame = handle.parameters.get<string>("base_frame");
  // The learned source (learned_source: auto, when models/crosswalk_seg.onnx is there) runs beside
  // the stripe source, its proposals verified by local stripe evidence, fused by the max rule.
  const { crosswalkSources } = await import("../perception/crosswalks/verified-learned-source.js");
  const { sources, fusion, learned } = await crosswalkSources(
    handle.parameters.get<"auto" | "off">("learned_source"),
    (line) => handle.logger.info(line),
    handle.wallClock,
  );
  let detector = new CrosswalkDetector({
    sources,
    fusion,
    minConfidence: handle.parameters.get<number>("min_confidence"),
  });
  handle.parameters.onChange((changes) => {
    if (typeof changes.min_confidence === "number")
      detector = new CrosswalkDetector({ sources, fusion, minConfidence: changes.min_confidence });
  });

  const node: CameraNode = new CameraNode(handle, {
    stage: "crosswalk_detector",
    requireGeometry: true,
    async process(frame) {
      const header = { stamp: frame.header.stamp, frame_id: baseFrame };
      try {
        const result = await detector.detect(
          await frame.view(),
          frame.geometry!,
          frame.header.stamp,
        );
        // Bad input the detector finds (a camera that sees no ground; a frame whose size is not the
        // CameraInfo's was refused by CameraNode already) is published as an empty array with the
        // cause, and counted; the node goes on.
        if (detector.lastInputProblem !== undefined) node.diagnostics.count("frames_bad_input");
        publisher.publish({ ...result, header, ...frame.timing() });
      } catch (err) {
        const error = asModelError(err, "crosswalk_detector");
        publisher.publish({
          header,
          crosswalks: [],
          status: failureStatus(error, "detector"),
          ...frame.timing(),
        });
        throw error;
      }
    },
  });
  if (!learned) return node;
  return withRelease(node, () => learned.release());
}
