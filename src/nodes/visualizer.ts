/**
 * visualizer node: PerceptionFrame -> RViz markers on `~/out/markers` (lanes by type, crosswalks,
 * pedestrians with ids and velocity arrows; base_link, the frame's stamp), the HD map around the
 * vehicle on `~/out/map_markers` (map frame, transient local, re-sent as the vehicle moves) and an
 * annotated debug image on `~/out/image/compressed` (JPEG, at `rate_hz`) in which pedestrians are
 * pixelated unless `privacy` is `none`: raw pixels of people never leave the node by default. The
 * image is drawn only while someone subscribes to it (as ROS image publishers do): a frame it is
 * not drawn for is counted (`frames_without_subscriber`).
 * A frame stamped more than `time_jump_threshold_s` before the previous one means time went back
 * (bag loop, a second play): the buffered images and the map layer are reset, and the jump is
 * logged and counted (diagnostics `time_jumps`).
 * Logic: src/viz/. Docs: docs/nodes/visualizer.md.
 */
import { errorMessage } from "../core/errors.js";
import { compareTime, diffSec, timeToNs, timeToSec, type Time } from "../core/time.js";
import { TfBuffer } from "../geometry/tf-buffer.js";
import type { PerceptionFrame } from "../msgs/types.generated.js";
import { FrameScheduler } from "./common/frame-scheduler.js";
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { debugImageMessage, renderDebugImage, type PrivacyMode } from "../viz/debug-image.js";
import { frameMarkers, mapLayerMarkers } from "../viz/markers.js";
import { CameraCalibration } from "./common/camera-calibration.js";
import { createNodeDiagnostics } from "./common/node-diagnostics-setup.js";
import { DECODED_FRAMES, type CameraMessage } from "./common/decoded-frames.js";
import { loadParameterSchema } from "./node-definition.js";

/** Camera messages kept at most to pair with frames (a frame comes some camera periods after its image). */
const IMAGE_BUFFER = 30;

/** The node's parameter schema (`ros__parameters` of config/schema/visualizer.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("visualizer");
}

export async function createVisualizerNode(handle: NodeHandle): Promise<NodeInstance> {
  const { loadHdMap } = await import("../map/loader.js");
  const p = handle.parameters;
  const { diagnostics, publisher: diagPublisher } = createNodeDiagnostics(handle);
  const baseFrame = p.get<string>("base_frame");
  const mapFile = p.get<string>("map_file");
  const map = mapFile ? loadHdMap(mapFile) : undefined;
  const tf = new TfBuffer({ maxExtrapolationSec: p.get<number>("tf_timeout_s") });
  const calibration = new CameraCalibration(handle, tf, baseFrame, diagnostics);
  const privacyNote = (mode: PrivacyMode): void => {
    if (mode === "none")
      diagnostics.set("input", "warn", "privacy off: the debug image shows people unblurred");
    else diagnostics.clear("input");
  };
  privacyNote(p.get<PrivacyMode>("privacy"));

  const markersPub = handle.createPublisher("visualization_msgs/msg/MarkerArray", "~/out/markers", {
    profile: "reliable",
  });
  const mapPub = handle.createPublisher("visualization_msgs/msg/MarkerArray", "~/out/map_markers", {
    profile: "transient_local",
  });
  const imagePub = handle.createPublisher(
    "sensor_msgs/msg/CompressedImage",
    "~/out/image/compressed",
    { profile: "sensor_data" },
  );
  const processingPub = handle.createPublisher(
    "std_msgs/msg/Float32",
    "~/debug/processing_time_ms",
    { profile: "reliable" },
  );
  const latencyPub = handle.createPublisher("std_msgs/msg/Float32", "~/debug/pipeline_latency_ms", {
    profile: "reliable",
  });

  handle.createSubscription(
    "tf2_msgs/msg/TFMessage",
    "/tf",
    { profile: "reliable", depth: 100 },
    (m) => void tf.addMessage(m, false),
  );
  handle.createSubscription(
    "tf2_msgs/msg/TFMessage",
    "/tf_static",
    { profile: "transient_local", depth: 100 },
    (m) => void tf.addMessage(m, true),
  );

  const frames = handle.service(DECODED_FRAMES);
  // Camera messages waiting for their frame, by stamp. Only those the debug-image rate may still
  // take are kept, and none older than the newest frame: a kept message keeps its decoded pixels
  // alive (the run's decoded-frame service, src/nodes/common/decoded-frames.ts), megabytes each.
  const images = new Map<bigint, CameraMessage>();
  const keep = (camera: CameraMessage): void => {
    if (!imagePub.hasSubscribers() || !scheduler.wouldTake(camera.message.header.stamp)) return;
    images.set(timeToNs(camera.message.header.stamp), camera);
    if (images.size > IMAGE_BUFFER) images.delete(images.keys().next().value!);
  };
  const forgetImagesBefore = (stamp: Time): void => {
    const ns = timeToNs(stamp);
    for (const key of images.keys()) if (key < ns) images.delete(key);
  };
  if (p.get<string>("image_transport") === "raw") {
    handle.createSubscription(
      "sensor_msgs/msg/Image",
      "~/in/image",
      { profile: "sensor_data" },
      (m) => keep({ kind: "raw", message: m }),
    );
  } else {
    handle.createSubscription(
      "sensor_msgs/msg/CompressedImage",
      "~/in/image/compressed",
      { profile: "sensor_data" },
      (m) => keep({ kind: "compressed", message: m }),
    );
  }

  let imagesOut = 0;
  let framesWithoutImage = 0;
  let framesWithoutSubscriber = 0;
  /** Wall ms when each frame arrived, for the debug image's latency (camera stamp -> image out). */
  const arrivals = new WeakMap<PerceptionFrame, number>();
  const renderImage = async (frame: PerceptionFrame, stamp: Time): Promise<void> => {
    if (!imagePub.hasSubscribers()) {
      framesWithoutSubscriber++;
      diagnostics.setCounter("frames_without_subscriber", framesWithoutSubscriber);
      return;
    }
    const camera = images.get(timeToNs(stamp));
    if (!camera) {
      framesWithoutImage++;
      diagnostics.setCounter("frames_without_image", framesWithoutImage);
      return;
    }
    const started = handle.wallMs();
    try {
      const bytes = await renderDebugImage(await frames.view(camera), frame, {
        privacy: p.get<PrivacyMode>("privacy"),
        maxWidth: p.get<number>("debug_image_max_width"),
        format: "jpeg",
        jpegQuality: p.get<number>("jpeg_quality"),
        geometry: calibration.geometryAt(stamp),
      });
      imagePub.publish(debugImageMessage(camera.message.header.frame_id, frame, bytes, "jpeg"));
      imagesOut++;
      const ms = handle.wallMs() - started;
      processingPub.publish({ data: ms });
      latencyPub.publish({
        data: frame.pipeline_latency_ms + (handle.wallMs() - (arrivals.get(frame) ?? started)),
      });
      diagnostics.recordFrame(ms);
    } catch (err) {
      diagnostics.recordError(err);
      handle.logger.error(`debug image for ${timeToNs(stamp)} failed: ${errorMessage(err)}`);
    }
  };
  const scheduler = new FrameScheduler<PerceptionFrame>({
    models: [{ name: "debug_image", rateHz: p.get<number>("rate_hz"), run: renderImage }],
    onError: (_, err) => diagnostics.recordError(err),
  });

  let lastMapCenter: { x: number; y: number } | undefined;
  let lastFrameStamp: Time | undefined;
  let timeJumps = 0;
  handle.createSubscription(
    "edge_perception_msgs/msg/PerceptionFrame",
    "~/in/frame",
    { profile: "reliable" },
    (frame) => {
      arrivals.set(frame, handle.wallMs());
      const stamp = frame.header.stamp;
      if (
        lastFrameStamp &&
        compareTime(stamp, lastFrameStamp) < 0 &&
        diffSec(lastFrameStamp, stamp) > p.get<number>("time_jump_threshold_s")
      ) {
        timeJumps++;
        diagnostics.setCounter("time_jumps", timeJumps);
        handle.logger.warn(
          `frame stamped ${timeToSec(stamp).toFixed(3)} s is ${diffSec(lastFrameStamp, stamp).toFixed(3)} s before the previous one: time went back (bag loop or a new play); images and map layer reset (time jump ${timeJumps})`,
        );
        lastMapCenter = undefined;
        // Images still waiting from the old time line are newer than its last frame; the new line's are older.
        for (const key of images.keys()) if (key > timeToNs(lastFrameStamp)) images.delete(key);
      }
      lastFrameStamp = stamp;
      markersPub.publish(frameMarkers(frame, p.get<number>("marker_lifetime_s")));
      if (map && frame.pose_valid) {
        const center = { x: frame.pose.position.x, y: frame.pose.position.y };
        const radius = p.get<number>("map_radius_m");
        if (
          !lastMapCenter ||
          Math.hypot(center.x - lastMapCenter.x, center.y - lastMapCenter.y) > radius / 4
        ) {
          mapPub.publish(
            mapLayerMarkers(map, center, radius, frame.header.stamp, p.get<string>("map_frame")),
          );
          lastMapCenter = center;
        }
      }
      scheduler.offer(frame, frame.header.stamp);
      forgetImagesBefore(frame.header.stamp);
    },
  );
  p.onChange((changes) => {
    if (typeof changes.rate_hz === "number") scheduler.setRate("debug_image", changes.rate_hz);
    if (typeof changes.privacy === "string") privacyNote(changes.privacy as PrivacyMode);
    if (typeof changes.processing_budget_ms === "number")
      diagnostics.setBudget(changes.processing_budget_ms);
  });

  return {
    idle: () => scheduler.idle(),
    errorCounts: () => diagnostics.errorCounts(),
    stats: () => ({
      debug_images: imagesOut,
      frames_without_image: framesWithoutImage,
      frames_without_subscriber: framesWithoutSubscriber,
      images_waiting: images.size,
      time_jumps: timeJumps,
      ...scheduler.stats(),
    }),
    dispose: async () => {
      await scheduler.dispose();
      diagPublisher.publish();
      diagPublisher.stop();
    },
  };
}
