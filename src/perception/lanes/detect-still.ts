/**
 * Lanes and crosswalks in a still image that comes without calibration (TuSimple, dashcam
 * frames): the camera is taken from the caller (a full geometry or approximate values), else the
 * horizon is estimated from the lane lines' vanishing point, else from the top edge of the
 * drivable area, else an assumed horizon row is used. `cameraSource` says which. The assumed
 * values of the uncalibrated camera are the crosswalk_detector node's `still_*` parameters
 * (`stillCameraOptions` in src/nodes/crosswalk-detector.ts), so that every caller uses one set.
 */
import { ZERO_TIME, type Time } from "../../core/time.js";
import { CameraGeometry, type ApproximateCameraOptions } from "../../geometry/camera-geometry.js";
import type { ImageView } from "../../image/image-view.js";
import type { TensorToImage } from "../../image/tensor-mapping.js";
import type { SegmentationMask } from "../../models/decoders/segmentation.js";
import type { CrosswalkArray, LaneMarking, LaneMarkingArray } from "../../msgs/types.generated.js";
import { benchmarkImageLanes } from "./benchmark-lanes.js";
import type { CrosswalkDetector } from "../crosswalks/crosswalk-detector.js";
import { estimateHorizonFromLanes } from "./horizon-estimate.js";
import { estimateHorizonFromDrivable } from "./horizon-from-drivable.js";
import type { LaneDetectionResult, LaneDetector } from "./lane-detector.js";
import type { Untimed } from "../../msgs/detector-arrays.js";

/** How the camera of a still is known. */
export type StillCamera =
  /** A calibrated geometry. */
  | { kind: "geometry"; geometry: CameraGeometry }
  /** Approximate values (focal/FOV, mount height, pitch or horizon row) given by the caller. */
  | { kind: "approximate"; approximate: Omit<ApproximateCameraOptions, "width" | "height"> }
  /** Horizon from the lanes' vanishing point, else the drivable area's top; the rest assumed. */
  | ({ kind: "auto" } & UncalibratedCamera);

/** What is assumed of a camera that comes without calibration. */
export interface UncalibratedCamera {
  /** Camera height above the road (metres; sets the metric scale). */
  mountHeight: number;
  /** Horizontal field of view (degrees). */
  horizontalFovDeg: number;
  /**
   * Without a vanishing point: the drivable area's top edge is taken as ground this far ahead
   * (metres), which puts the horizon f * mountHeight / distance rows above it.
   */
  drivableTopDistance: number;
  /** Horizon row as a fraction of the height when neither the lanes nor the drivable area give one. */
  assumedHorizonFraction: number;
}

/** Which camera the result was computed with. */
export type CameraSource =
  | "calibration"
  | "approximate"
  | "vanishing-point"
  | "drivable-area-top"
  | "assumed-horizon";

/** Options of `detectStill`. */
export interface DetectStillOptions {
  /** The lane detector (model or classical). */
  lanes: LaneDetector;
  /** The crosswalk detector; no crosswalks are searched without one. */
  crosswalks?: CrosswalkDetector;
  /** How the camera is known. */
  camera: StillCamera;
  /** Stamp of the results; default 0. */
  stamp?: Time;
}

/** What `detectStill` returns. */
export interface StillDetection {
  lanes: Untimed<LaneMarkingArray>;
  crosswalks: Untimed<CrosswalkArray>;
  cameraSource: CameraSource;
  /** The geometry used (for drawing and projecting results). */
  geometry: CameraGeometry;
  /** The horizon row used. */
  horizonRow: number;
  /** The full lane result (masks, timings). */
  laneResult: LaneDetectionResult;
}

/** Lane markings drawn 3 px wide into a quarter-resolution mask (the lane-mask form `estimateHorizonFromLanes` reads); road edges left out. */
function linesMask(
  markings: readonly LaneMarking[],
  geometry: CameraGeometry,
): { mask: SegmentationMask; toImage: TensorToImage } {
  const scale = 0.25;
  const width = Math.max(1, Math.round(geometry.model.width * scale));
  const height = Math.max(1, Math.round(geometry.model.height * scale));
  const classes = new Uint8Array(width * height);
  for (const lane of benchmarkImageLanes(markings, [], geometry, {
    visibleOnly: true,
    stepM: 0.1,
  })) {
    for (const [u, v] of lane) {
      const mu = Math.round(u * scale);
      const mv = Math.round(v * scale);
      for (let d = -1; d <= 1; d++)
        if (mu + d >= 0 && mu + d < width && mv >= 0 && mv < height)
          classes[mv * width + mu + d] = 1;
    }
  }
  const toImage: TensorToImage = {
    tensorWidth: width,
    tensorHeight: height,
    imageWidth: geometry.model.width,
    imageHeight: geometry.model.height,
    scaleX: width / geometry.model.width,
    scaleY: height / geometry.model.height,
    offsetX: 0,
    offsetY: 0,
    contentWidth: width,
    contentHeight: height,
  };
  return { mask: { name: "lines", width, height, classCount: 2, classes }, toImage };
}

/** Detects lanes and crosswalks in a still image. */
export async function detectStill(
  view: ImageView,
  options: DetectStillOptions,
): Promise<StillDetection> {
  const stamp = options.stamp ?? ZERO_TIME;
  const camera = options.camera;
  const seg = await options.lanes.segment(view);
  let geometry: CameraGeometry;
  let cameraSource: CameraSource;
  const auto = (assumed: UncalibratedCamera, row: number): CameraGeometry =>
    CameraGeometry.approximate({
      width: view.width,
      height: view.height,
      mountHeight: assumed.mountHeight,
      horizontalFovDeg: assumed.horizontalFovDeg,
      horizonRow: row,
    });
  switch (camera.kind) {
    case "geometry":
      geometry = camera.geometry;
      cameraSource = "calibration";
      break;
    case "approximate":
      geometry = CameraGeometry.approximate({
        ...camera.approximate,
        width: view.width,
        height: view.height,
      });
      cameraSource = "approximate";
      break;
    case "auto": {
      const estimate = seg?.laneMask
        ? estimateHorizonFromLanes(seg.laneMask, seg.toImage)
        : undefined;
      if (estimate) {
        geometry = auto(camera, estimate.row);
        cameraSource = "vanishing-point";
        break;
      }
      // No vanishing point: the road's far end in the drivable area, with the level camera's focal length.
      const focalPx = auto(camera, view.height / 2).model.fy;
      const fromRoad = seg?.drivableMask
        ? estimateHorizonFromDrivable(seg.drivableMask, seg.toImage, {
            focalPx,
            mountHeight: camera.mountHeight,
            farDistance: camera.drivableTopDistance,
          })
        : undefined;
      if (fromRoad && fromRoad.row < view.height - 1) {
        geometry = auto(camera, fromRoad.row);
        cameraSource = "drivable-area-top";
        break;
      }
      geometry = auto(camera, camera.assumedHorizonFraction * view.height);
      cameraSource = "assumed-horizon";
      break;
    }
  }
  let laneResult = options.lanes.detectSegmented(view, geometry, stamp, seg);
  // With the horizon assumed or taken from the road's far end, where a line hidden behind a vehicle
  // would run (on to the grid's far end, which such a horizon puts anywhere) is a guess: lines end
  // where they are seen.
  if (cameraSource === "assumed-horizon" || cameraSource === "drivable-area-top")
    laneResult.continuation = laneResult.markings.markings.map((m) => m.x_max);
  if (cameraSource === "assumed-horizon" && !seg && laneResult.markings.markings.length >= 2) {
    // The classical path has no mask to find the vanishing point in before it looks: the lines it
    // found under the assumed horizon are paint wherever the horizon is, so their image lines give it.
    const lines = linesMask(laneResult.markings.markings, geometry);
    const estimate = estimateHorizonFromLanes(lines.mask, lines.toImage);
    if (estimate && camera.kind === "auto") {
      geometry = auto(camera, estimate.row);
      cameraSource = "vanishing-point";
      laneResult = options.lanes.detectSegmented(view, geometry, stamp, seg);
    }
  }
  const crosswalks = options.crosswalks
    ? await options.crosswalks.detect(view, geometry, stamp, laneResult)
    : {
        header: { stamp, frame_id: "base_link" },
        crosswalks: [],
        status: "crosswalk detection not run",
      };
  return {
    lanes: laneResult.markings,
    crosswalks,
    cameraSource,
    geometry,
    horizonRow: geometry.horizonRow(),
    laneResult,
  };
}
