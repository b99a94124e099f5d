import type { Pixel, Transform, Vec3 } from "../geometry/types.js";

/**
 * The shapes fusion needs from other areas, written structurally so the real classes fit them.
 * `PoseResult` is the agreed contract of src/localization/pose-source.ts; `CameraView` is the part
 * of src/geometry/camera-geometry.ts `CameraGeometry` fusion uses (visibility of ground points).
 */

/** The vehicle pose for one stamp, or why there is none. */
export type PoseResult =
  | { kind: "ok"; mapFromBase: Transform; ageSec: number }
  | { kind: "missing" | "stale" | "invalid"; reason: string };

/** What fusion asks of the camera geometry: where a ground point in base_link lands in the image. */
export interface CameraView {
  /** Pixel of a point in base_link; undefined behind the camera or not projectable. */
  groundToPixel(pBase: Vec3): Pixel | undefined;
  /** Image size in pixels. */
  readonly model: { readonly width: number; readonly height: number };
}
