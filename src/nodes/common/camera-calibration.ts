/**
 * The camera's calibration for a node: intrinsics from `~/in/camera_info` (sensor-data QoS) and the
 * extrinsics (base_link <- optical frame) from the TF buffer, combined into a CameraGeometry.
 * Missing or invalid calibration is reported as the `calibration` diagnostics condition.
 *
 * CameraInfo comes with every frame but rarely changes: a message whose calibration fields equal
 * the last one's costs a few comparisons and keeps the model and geometry objects (so whatever
 * is cached per geometry downstream stays valid); a changed one replaces them at once.
 */
import { errorMessage } from "../../core/errors.js";
import type { Time } from "../../core/time.js";
import type { NodeDiagnostics } from "../../diagnostics/node-diagnostics.js";
import { CameraGeometry } from "../../geometry/camera-geometry.js";
import { CameraInfoCalibration, CameraModel } from "../../geometry/camera-model.js";
import type { TfBuffer } from "../../geometry/tf-buffer.js";
import type { CameraInfo } from "../../msgs/types.generated.js";
import type { NodeHandle } from "../../ros/node-api.js";

export class CameraCalibration {
  readonly #tf: TfBuffer;
  readonly #baseFrame: string;
  readonly #diagnostics: NodeDiagnostics;
  /** Calibration fields of the last CameraInfo taken (valid or not); undefined before the first. */
  #calibration: CameraInfoCalibration | undefined;
  #model: CameraModel | undefined;
  #opticalFrame = "";
  #geometry: CameraGeometry | undefined;

  constructor(handle: NodeHandle, tf: TfBuffer, baseFrame: string, diagnostics: NodeDiagnostics) {
    this.#tf = tf;
    this.#baseFrame = baseFrame;
    this.#diagnostics = diagnostics;
    handle.createSubscription(
      "sensor_msgs/msg/CameraInfo",
      "~/in/camera_info",
      { profile: "sensor_data" },
      (info) => this.add(info),
    );
    diagnostics.set(
      "calibration",
      "warn",
      `calibration missing: no CameraInfo yet on ${handle.resolveTopic("~/in/camera_info")}`,
    );
  }

  /**
   * Takes a CameraInfo. One with the same calibration fields as the last (CameraInfoCalibration:
   * K, D, distortion model, size, binning, ROI, frame id) changes nothing; any other replaces the
   * model at once, and the geometry at the next `geometryAt`.
   */
  add(info: CameraInfo): void {
    if (this.#calibration?.sameAs(info)) return;
    this.#calibration = CameraInfoCalibration.of(info);
    this.#geometry = undefined;
    try {
      this.#model = CameraModel.fromCameraInfo(info);
      this.#opticalFrame = info.header.frame_id;
    } catch (err) {
      this.#model = undefined;
      this.#diagnostics.set("calibration", "error", `calibration invalid: ${errorMessage(err)}`);
    }
  }

  /** The geometry at a stamp; undefined (reason in diagnostics) while intrinsics or extrinsics are missing. */
  geometryAt(stamp: Time): CameraGeometry | undefined {
    if (this.#geometry) return this.#geometry;
    if (!this.#model) return undefined;
    const result = this.#tf.tryLookup(this.#baseFrame, this.#opticalFrame, stamp);
    if (result.kind === "error") {
      this.#diagnostics.set(
        "calibration",
        "warn",
        `calibration missing: no transform ${this.#baseFrame} <- ${this.#opticalFrame} (${errorMessage(result.error)})`,
      );
      return undefined;
    }
    this.#diagnostics.clear("calibration");
    // The camera is rigidly mounted: the extrinsics are looked up once per CameraInfo and kept.
    this.#geometry = new CameraGeometry(this.#model, result.transform);
    return this.#geometry;
  }
}
