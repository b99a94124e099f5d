import type { Detection2DArray, PerceptionFrame } from "../msgs/types.generated.js";

/**
 * The frame's pedestrians as vision_msgs/Detection2DArray: one Detection2D per pedestrian with
 * the track id as `id`, class "person" with the confidence as score, the image box (centre and
 * size in pixels) and the ground position in base_link with its covariance as the hypothesis pose.
 */
export function pedestriansToDetection2DArray(frame: PerceptionFrame): Detection2DArray {
  const header = { stamp: { ...frame.header.stamp }, frame_id: frame.header.frame_id };
  return {
    header,
    detections: frame.pedestrians.map((p) => {
      const covariance = new Float64Array(36);
      covariance[0] = p.position_covariance[0]!;
      covariance[1] = p.position_covariance[1]!;
      covariance[6] = p.position_covariance[2]!;
      covariance[7] = p.position_covariance[3]!;
      return {
        header: { stamp: { ...header.stamp }, frame_id: header.frame_id },
        results: [
          {
            hypothesis: { class_id: "person", score: p.confidence },
            pose: {
              pose: { position: { ...p.position }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
              covariance,
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
        id: String(p.track_id),
      };
    }),
  };
}
