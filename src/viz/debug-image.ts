/**
 * The annotated debug image: the camera frame with pedestrians pixelated (unless privacy is off),
 * pedestrian boxes with track ids and ranges, lane markings and crosswalks drawn where the camera
 * geometry projects them, and a status line. Encoded by sharp (JPEG for the topic, PNG for reports).
 */
import sharp from "sharp";
import type { CameraGeometry } from "../geometry/camera-geometry.js";
import type { ImageView } from "../image/image-view.js";
import { toPackedRgb } from "../image/image-view.js";
import type { CompressedImage, PerceptionFrame } from "../msgs/types.generated.js";
import { crosswalkColor, cssColor, laneTypeColor, pedestrianColor } from "./colors.js";
import { pixelateRegions } from "./privacy.js";
import { availableParallelism } from "node:os";

// sharp runs libvips on one thread on glibc Linux without jemalloc (its guard against heap
// fragmentation). The debug image's full-frame SVG composite and JPEG encode lie on the replay's
// serial path (each step waits for them): two threads nearly halve them on the 2-core target,
// with byte-identical output.
if (sharp.concurrency() < 2) sharp.concurrency(Math.min(2, availableParallelism()));

/** What leaves the node: people pixelated, or the image as it is. */
export type PrivacyMode = "blur_pedestrians" | "none";

export interface DebugImageOptions {
  /** Whether pedestrian regions are pixelated before encoding. */
  privacy: PrivacyMode;
  /** The output is scaled down to at most this width (pixels). */
  maxWidth: number;
  /** Encoding of the result. */
  format: "jpeg" | "png";
  /** JPEG quality, 1..100 (ignored for PNG). */
  jpegQuality?: number;
  /** Projects base_link ground points into the image (lanes); lanes are not drawn without it. */
  geometry?: CameraGeometry;
  /** Extra text for the status line (for example the latency). */
  statusText?: string;
}

function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The SVG overlay for a frame, in the image's pixel coordinates. */
export function overlaySvg(frame: PerceptionFrame, width: number, height: number, geometry: CameraGeometry | undefined, statusText = "", outWidth = width): string {
  const parts: string[] = [];
  const stroke = Math.max(1, Math.round(width / 400));
  const font = Math.max(10, Math.round(width / 60));
  if (geometry) {
    for (const lane of frame.lanes) {
      const pts = lane.points
        .map((p) => geometry.groundToPixel({ x: p.x, y: p.y, z: 0 }))
        .filter((px): px is NonNullable<typeof px> => px !== undefined && px.u >= -width && px.u <= 2 * width && px.v >= 0 && px.v <= height);
      if (pts.length < 2) continue;
      const dash = lane.type === 2 ? ` stroke-dasharray="${stroke * 6},${stroke * 4}"` : "";
      parts.push(`<polyline points="${pts.map((p) => `${p.u.toFixed(1)},${p.v.toFixed(1)}`).join(" ")}" fill="none" stroke="${cssColor(laneTypeColor(lane.type))}" stroke-width="${stroke * 2}"${dash}/>`);
    }
  }
  for (const cw of frame.crosswalks) {
    const pts = cw.image_polygon.points;
    if (pts.length < 3) continue;
    parts.push(`<polygon points="${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ")}" fill="${cssColor(crosswalkColor(cw.map_status))}" fill-opacity="0.2" stroke="${cssColor(crosswalkColor(cw.map_status))}" stroke-width="${stroke * 2}"/>`);
  }
  for (const p of frame.pedestrians) {
    const b = p.image_box;
    if (b.width <= 0 || b.height <= 0) continue;
    const color = cssColor(pedestrianColor(p.in_ego_corridor));
    parts.push(`<rect x="${b.x_offset}" y="${b.y_offset}" width="${b.width}" height="${b.height}" fill="none" stroke="${color}" stroke-width="${stroke * 2}"/>`);
    const label = `${p.track_id > 0 ? `#${p.track_id} ` : ""}${p.range.toFixed(1)} m`;
    parts.push(`<text x="${b.x_offset}" y="${Math.max(font, b.y_offset - 3)}" font-family="sans-serif" font-size="${font}" fill="${color}" stroke="black" stroke-width="0.5">${escapeText(label)}</text>`);
  }
  const status = `${frame.header.stamp.sec}.${String(frame.header.stamp.nanosec).padStart(9, "0").slice(0, 3)}  lanes ${frame.lanes.length}  crosswalks ${frame.crosswalks.length}  pedestrians ${frame.pedestrians.length}${statusText ? "  " + statusText : ""}${frame.status ? "  " + frame.status : ""}`;
  parts.push(`<rect x="0" y="${height - font - 8}" width="${width}" height="${font + 8}" fill="black" fill-opacity="0.55"/>`);
  parts.push(`<text x="6" y="${height - 6}" font-family="sans-serif" font-size="${font}" fill="white">${escapeText(status)}</text>`);
  const outHeight = Math.round((height * outWidth) / width);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${outWidth}" height="${outHeight}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

/** Encodes the annotated image. The input view is never modified (pixelation works on a copy). */
export async function renderDebugImage(view: ImageView, frame: PerceptionFrame, options: DebugImageOptions): Promise<Uint8Array> {
  const packed = toPackedRgb(view);
  const rgb = new Uint8Array(packed.data.subarray(0, packed.width * packed.height * 3));
  if (options.privacy === "blur_pedestrians") {
    pixelateRegions(rgb, packed.width, packed.height, frame.pedestrians.map((p) => p.image_box));
  }
  // Scaled first, then the overlay is drawn at the output size (sharp composites after resizing).
  const outWidth = Math.min(packed.width, options.maxWidth);
  const svg = overlaySvg(frame, packed.width, packed.height, options.geometry, options.statusText, outWidth);
  let img = sharp(rgb, { raw: { width: packed.width, height: packed.height, channels: 3 } });
  if (outWidth < packed.width) img = img.resize({ width: outWidth });
  img = img.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  const out = options.format === "png" ? await img.png().toBuffer() : await img.jpeg({ quality: options.jpegQuality ?? 75 }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The debug image as a sensor_msgs/CompressedImage with the frame's header (stamp = the camera frame's, frame_id = the camera's). */
export function debugImageMessage(frameIdOfCamera: string, frame: PerceptionFrame, bytes: Uint8Array, format: "jpeg" | "png"): CompressedImage {
  return { header: { stamp: frame.header.stamp, frame_id: frameIdOfCamera }, format, data: bytes };
}
