/**
 * PedestrianArray -> vision_msgs/Detection2DArray, for tools that display standard 2D detections
 * (boxes in the image; the header names the camera's optical frame).
 */
import type { Time } from "../../core/time.js";
import type { Detection2D, Detection2DArray, PedestrianArray } from "../../msgs/types.generated.js";
import type { Untimed } from "../../msgs/detector-arrays.js";

export interface Detection2DOptions {
  /** Frame of the image the boxes are in (the camera's optical frame). */
  cameraFrameId: string;
  /** Class label written in each hypothesis. Default "person". */
  classId?: string;
  /** Stamp; default the PedestrianArray's. */
  stamp?: Time;
}

/** One Detection2D per pedestrian: bbox centre/size in pixels from image_box, score = confidence. */
export function pedestriansToDetection2DArray(
  msg: Untimed<PedestrianArray>,
  options: Detection2DOptions,
): Detection2DArray {
  const header = { stamp: options.stamp ?? msg.header.stamp, frame_id: options.cameraFrameId };
  const detections: Detection2D[] = msg.pedestrians.map((p, i) => ({
    header,
    results: [
      {
        hypothesis: { class_id: options.classId ?? "person", score: p.confidence },
        pose: {
          pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
          covariance: new Float64Array(36),
        },
      },
    ],
    bbox: {
      center: {
        position: {
          x: p.image_box.x_offset + p.image_box.width / 2,
          y: p.image_box.y_offset + p.image_box.height / 2,
        },
        theta: 0,
      },
      size_x: p.image_box.width,
      size_y: p.image_box.height,
    },
    id: p.track_id !== 0 ? String(p.track_id) : String(i),
  }));
  return { header, detections };
}
