/**
 * The generator's per-frame ground truth (format: docs/ground-truth.md) and its loader. One record
 * per camera frame, with the image's stamp; written as JSON lines to `ground_truth.jsonl` in the
 * bag folder and as `std_msgs/String` JSON on `/ground_truth/frame` in the bag.
 *
 * Coordinates: `*_base` in base_link (x forward, y left, z = 0 on the ground, metres), `*_map` in
 * the map frame (ENU metres around the HD map's origin), `*_image` in pixels of the published image
 * (u = column, v = row, pixel centres at integers, lens distortion included).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PerceptionError, errorMessage } from "../core/errors.js";

export const GROUND_TRUTH_FORMAT = "edge_perception/ground_truth";
export const GROUND_TRUTH_VERSION = 1;
/** The sidecar file in the bag folder. */
export const GROUND_TRUTH_FILE = "ground_truth.jsonl";
/** The bag topic carrying the same records (std_msgs/msg/String, JSON). */
export const GROUND_TRUTH_TOPIC = "/ground_truth/frame";

/** [x, y] metres. */
export type XY = [number, number];
/** [u, v] pixels. */
export type UV = [number, number];

export interface GtBox {
  /** Inclusive pixel bounds. */
  u0: number;
  v0: number;
  u1: number;
  v1: number;
}

/** map <- base_link at the frame's stamp. */
export interface GtEgo {
  x: number;
  y: number;
  /** Heading (yaw) from map x, counter-clockwise, radians. */
  yaw: number;
  /** m/s along base x. */
  speed: number;
  /** The lane the ego drives in (world id). */
  lane_id: string;
  /** Signed offset of base_link from that lane's centre line, metres, positive = left. */
  lateral_offset: number;
}

/** A painted lane line or road edge as it is in the world near the ego. */
export interface GtLaneMarking {
  /** World id; equals the HD-map boundary id (the map may place it elsewhere in map_mismatch). */
  id: string;
  type: "solid" | "dashed" | "double_solid" | "road_edge";
  color: "white" | "yellow" | "none";
  /** Dash pattern (metres) for dashed lines. */
  dash?: { on: number; off: number };
  /** Samples along the line every 2 m in front of the camera (within 60 m), base_link. */
  points_base: XY[];
  /** The same samples in the image; null where a sample falls outside the image. */
  points_image: Array<UV | null>;
}

export interface GtCrosswalk {
  id: string;
  /** False for a crosswalk that is painted but missing from the HD map (map_mismatch). */
  in_map: boolean;
  /** Outline, counter-clockwise, base_link. */
  polygon_base: XY[];
  /** Outline in the image, clipped to the part 0.5 m or more in front of the camera (not to the image borders). */
  polygon_image: UV[];
  /** Distance along base x to the nearest point of the outline, metres (negative once the ego is on it). */
  distance_ahead: number;
  /** Whether any part of it is inside the image. */
  in_image: boolean;
}

/** A crosswalk that is in the HD map but not painted in the world (map_mismatch). */
export interface GtMapOnlyCrosswalk {
  id: string;
  polygon_base: XY[];
}

export interface GtStopLine {
  id: string;
  points_base: XY[];
  points_image: Array<UV | null>;
}

export interface GtPedestrian {
  id: string;
  role: "sidewalk_walker" | "crossing" | "waiting_at_kerb" | "behind_parked_vehicle";
  /** Feet (ground contact), map frame. */
  position_map: XY;
  position_base: XY;
  /** Velocity over ground expressed in base_link, m/s. */
  velocity_base: XY;
  /** Body height, metres. */
  height: number;
  /** Distance from base_link on the ground, metres. */
  range: number;
  /** Any body pixel inside the image (ignoring occluders). */
  in_image: boolean;
  /** Box around every body pixel in the image, ignoring occluders (clipped to the image). */
  box?: GtBox;
  /** Box around the body pixels that are actually visible. */
  visible_box?: GtBox;
  /** Visible body pixels / body pixels inside the image (0 when out of view). */
  visible_fraction: number;
  visible_pixels: number;
  total_pixels: number;
  /** The box touches the bottom or a side of the image (the body is cut off). */
  truncated: boolean;
  /** World crosswalk the feet are on, or "" when none. */
  crosswalk_id: string;
}

export interface GtVehicle {
  id: string;
  position_base: XY;
  /** Heading relative to base x, radians. */
  heading_base: number;
  length: number;
  width: number;
  height: number;
  speed: number;
}

/** One camera frame's ground truth. */
export interface GroundTruthFrame {
  format: typeof GROUND_TRUTH_FORMAT;
  version: number;
  scenario: string;
  /** 0-based camera frame index. */
  frame: number;
  /** The image's header stamp. */
  stamp: { sec: number; nanosec: number };
  /** The camera topic the frame was published on. */
  image_topic: string;
  ego: GtEgo;
  lane_markings: GtLaneMarking[];
  crosswalks: GtCrosswalk[];
  map_only_crosswalks: GtMapOnlyCrosswalk[];
  stop_lines: GtStopLine[];
  pedestrians: GtPedestrian[];
  vehicles: GtVehicle[];
}

/** Parses one record (a JSON line or the data of a /ground_truth/frame message), checking its format. */
export function parseGroundTruthFrame(json: string): GroundTruthFrame {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new PerceptionError("scenario", `ground truth record is not JSON: ${errorMessage(err)}`);
  }
  const v = value as Partial<GroundTruthFrame>;
  if (!v || typeof v !== "object" || v.format !== GROUND_TRUTH_FORMAT) {
    throw new PerceptionError(
      "scenario",
      `not a ground truth record (format must be '${GROUND_TRUTH_FORMAT}')`,
    );
  }
  if (v.version !== GROUND_TRUTH_VERSION) {
    throw new PerceptionError(
      "scenario",
      `unsupported ground truth version ${String(v.version)} (this loader reads ${GROUND_TRUTH_VERSION})`,
    );
  }
  for (const key of [
    "frame",
    "stamp",
    "ego",
    "lane_markings",
    "crosswalks",
    "pedestrians",
  ] as const) {
    if (v[key] === undefined)
      throw new PerceptionError("scenario", `ground truth record lacks '${key}'`, {
        frame: v.frame,
      });
  }
  return v as GroundTruthFrame;
}

/**
 * The ground truth of a generated drive: reads `ground_truth.jsonl` from a bag folder (or the
 * file itself), frames in order.
 */
export function loadGroundTruth(path: string): GroundTruthFrame[] {
  const file = path.endsWith(".jsonl") ? path : join(path, GROUND_TRUTH_FILE);
  if (!existsSync(file))
    throw new PerceptionError(
      "scenario",
      `no ground truth at ${file} (generate the drive with the scenario generator)`,
      { path: file },
    );
  const frames: GroundTruthFrame[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        frames.push(parseGroundTruthFrame(line));
      } catch (err) {
        throw new PerceptionError(
          "scenario",
          `${file}:${i + 1}: ${errorMessage(err)}`,
          { path: file, line: i + 1 },
          { cause: err },
        );
      }
    });
  frames.forEach((f, i) => {
    if (f.frame !== i)
      throw new PerceptionError(
        "scenario",
        `${file}: frame ${f.frame} found where frame ${i} was expected`,
        { path: file },
      );
  });
  return frames;
}

/** The ground truth frame whose stamp equals `stamp` (exact), or undefined. */
export function groundTruthAt(
  frames: readonly GroundTruthFrame[],
  stamp: { sec: number; nanosec: number },
): GroundTruthFrame | undefined {
  return frames.find((f) => f.stamp.sec === stamp.sec && f.stamp.nanosec === stamp.nanosec);
}
