/** The calibrated camera of a generated drive, from its `scenario.json` (undefined without one). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { CameraGeometry } from "../geometry/camera-geometry.js";
import { CameraModel } from "../geometry/camera-model.js";
import type { Transform } from "../geometry/types.js";
import type { MapEdit } from "./map-score.js";

/** What eval reads from scenario.json. */
export interface ScenarioInfo {
  scenario?: string;
  image_topic?: string;
  camera?: {
    width: number;
    height: number;
    fx: number;
    fy: number;
    cx: number;
    cy: number;
    d: number[];
    frame_id: string;
    base_from_optical: Transform;
  };
  map_edits?: MapEdit[];
}

export function readScenarioInfo(driveDir: string): ScenarioInfo {
  const file = join(driveDir, "scenario.json");
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ScenarioInfo;
  } catch (err) {
    throw new PerceptionError("eval", `${file}: not JSON: ${errorMessage(err)}`, { path: file });
  }
}

export function driveCamera(info: ScenarioInfo): CameraGeometry | undefined {
  const c = info.camera;
  if (!c) return undefined;
  const model = CameraModel.fromIntrinsics({
    width: c.width,
    height: c.height,
    fx: c.fx,
    fy: c.fy,
    cx: c.cx,
    cy: c.cy,
    distortion: c.d,
    frameId: c.frame_id,
  });
  return new CameraGeometry(model, c.base_from_optical);
}
