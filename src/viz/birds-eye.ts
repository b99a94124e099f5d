/**
 * A bird's-eye view of a drive for reports: the HD map, the vehicle's path, and the detections of
 * every frame placed in the map frame with the frame's pose (lane markings as faint lines,
 * crosswalks as outlines, pedestrian tracks as trails with their ids). Rendered as SVG, encoded to
 * PNG by sharp.
 */
import sharp from "sharp";
import { yawOf } from "../geometry/quaternion.js";
import type { Point2 } from "../geometry/types.js";
import type { HdMap } from "../map/types.js";
import type { PerceptionFrame } from "../msgs/types.generated.js";
import { isDetectedCrosswalk } from "./debug-image.js";
import {
  MAP_BOUNDARY_COLOR,
  MAP_CROSSWALK_COLOR,
  MAP_STOP_LINE_COLOR,
  crosswalkColor,
  cssColor,
  laneTypeColor,
} from "./colors.js";

export interface BirdsEyeOptions {
  /** Output width in pixels (the height follows the drive's extent). */
  width?: number;
  /** Margin around the vehicle path, metres. */
  marginM?: number;
  /** Draw every n-th frame's lane markings (they overlap heavily); default 5. */
  laneEvery?: number;
}

/** A base_link point in the map frame, with a frame's planar pose. */
function toMap(frame: PerceptionFrame, x: number, y: number): Point2 {
  const p = frame.pose.position;
  const yaw = yawOf(frame.pose.orientation);
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return { x: p.x + c * x - s * y, y: p.y + s * x + c * y };
}

/** The SVG of a drive (exported for tests; `renderBirdsEye` encodes it). */
export function birdsEyeSvg(
  frames: readonly PerceptionFrame[],
  map: HdMap | undefined,
  options: BirdsEyeOptions = {},
): string {
  const width = options.width ?? 1000;
  const margin = options.marginM ?? 15;
  const laneEvery = Math.max(1, options.laneEvery ?? 5);
  const posed = frames.filter((f) => f.pose_valid);
  const path = posed.map((f) => ({ x: f.pose.position.x, y: f.pose.position.y }));
  // The extent: the path and what was seen around it (crosswalks and pedestrians ahead).
  const seen = posed.flatMap((f) => [
    ...f.crosswalks.flatMap((c) => c.polygon.points.map((p) => toMap(f, p.x, p.y))),
    ...f.pedestrians.map((p) => toMap(f, p.position.x, p.position.y)),
  ]);
  const xs = [...path, ...seen].map((p) => p.x);
  const ys = [...path, ...seen].map((p) => p.y);
  const minX = (xs.length ? Math.min(...xs) : 0) - margin;
  const maxX = (xs.length ? Math.max(...xs) : 0) + margin;
  const minY = (ys.length ? Math.min(...ys) : 0) - margin;
  const maxY = (ys.length ? Math.max(...ys) : 0) + margin;
  const scale = width / (maxX - minX);
  const height = Math.max(200, Math.round((maxY - minY) * scale));
  const px = (p: Point2): string =>
    `${((p.x - minX) * scale).toFixed(1)},${((maxY - p.y) * scale).toFixed(1)}`;
  const line = (pts: readonly Point2[], color: string, w: number, extra = ""): string =>
    pts.length < 2
      ? ""
      : `<polyline points="${pts.map(px).join(" ")}" fill="none" stroke="${color}" stroke-width="${w}"${extra}/>`;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="rgb(28,30,36)"/>`];

  if (map) {
    const box = { minX, minY, maxX, maxY };
    for (const f of map.query(box)) {
      if (f.kind === "lane_boundary")
        parts.push(
          line(
            f.points,
            cssColor(MAP_BOUNDARY_COLOR),
            2,
            f.boundaryType === "dashed" ? ` stroke-dasharray="6,6"` : "",
          ),
        );
      else if (f.kind === "crosswalk")
        parts.push(
          `<polygon points="${f.polygon.map(px).join(" ")}" fill="${cssColor(MAP_CROSSWALK_COLOR)}" fill-opacity="0.35"/>`,
        );
      else if (f.kind === "stop_line") parts.push(line(f.points, cssColor(MAP_STOP_LINE_COLOR), 3));
    }
  }
  posed.forEach((f, i) => {
    if (i % laneEvery !== 0) return;
    for (const lane of f.lanes) {
      parts.push(
        line(
          lane.points.map((p) => toMap(f, p.x, p.y)),
          cssColor(laneTypeColor(lane.type)),
          1,
          ` stroke-opacity="0.45"`,
        ),
      );
    }
    // Crossings the camera saw (map-only entries are the HD map layer's pale fill already).
    for (const cw of f.crosswalks) {
      if (cw.polygon.points.length >= 3 && isDetectedCrosswalk(cw)) {
        parts.push(
          `<polygon points="${cw.polygon.points.map((p) => px(toMap(f, p.x, p.y))).join(" ")}" fill="none" stroke="${cssColor(crosswalkColor(cw.map_status))}" stroke-width="1.5" stroke-opacity="0.7"/>`,
        );
      }
    }
  });
  parts.push(line(path, "rgb(80,160,255)", 3));
  const trails = new Map<number, Point2[]>();
  for (const f of posed) {
    for (const p of f.pedestrians) {
      if (p.track_id === 0) continue;
      const list = trails.get(p.track_id) ?? [];
      list.push(toMap(f, p.position.x, p.position.y));
      trails.set(p.track_id, list);
    }
  }
  for (const [id, trail] of [...trails.entries()].sort((a, b) => a[0] - b[0])) {
    parts.push(line(trail, "rgb(255,220,60)", 2));
    const last = trail[trail.length - 1]!;
    const [x, y] = px(last).split(",");
    parts.push(`<circle cx="${x}" cy="${y}" r="4" fill="rgb(255,80,60)"/>`);
    parts.push(
      `<text x="${x}" y="${Number(y) - 6}" font-family="sans-serif" font-size="12" fill="white">#${id}</text>`,
    );
  }
  if (path.length > 0) {
    const [x, y] = px(path[path.length - 1]!).split(",");
    parts.push(`<circle cx="${x}" cy="${y}" r="6" fill="rgb(80,160,255)"/>`);
  }
  parts.push(
    `<text x="8" y="18" font-family="sans-serif" font-size="13" fill="white">${posed.length} posed frames, ${trails.size} pedestrian tracks; 10 m = ${(10 * scale).toFixed(0)} px</text>`,
  );
  parts.push(
    `<text x="8" y="${height - 8}" font-family="sans-serif" font-size="12" fill="white">map: grey lines, pale green crossings | seen: lines by type, crossings outlined green (in map) / orange (not in map) | path blue | tracks yellow</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join("")}</svg>`;
}

/** The bird's-eye view as PNG bytes. */
export async function renderBirdsEye(
  frames: readonly PerceptionFrame[],
  map: HdMap | undefined,
  options: BirdsEyeOptions = {},
): Promise<Uint8Array> {
  const png = await sharp(Buffer.from(birdsEyeSvg(frames, map, options)))
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
