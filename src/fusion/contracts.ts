import type { Pixel, Vec3 } from "../geometry/types.js";

/**
 * The shapes fusion needs from other areas. `PoseResult` is src/localization/pose-source.ts's;
 * `CameraView` is the part of src/geometry/camera-geometry.ts `CameraGeometry` fusion uses
 * (visibility of ground points), written structurally so tests can pass a simpler camera.
 */

export type { PoseResult } from "../localization/pose-source.js";

/** What fusion asks of the camera geometry: where a ground point in base_link lands in the image. */
export interface CameraView {
  /** Pixel of a point in base_link; undefined behind the camera or not projectable. */
  groundToPixel(pBase: Vec3): Pixel | undefined;
  /** Image size in pixels. */
  readonly model: { readonly width: number; readonly height: number };
}
