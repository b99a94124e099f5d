/**
 * Calibration frames: camera images from an image folder (PNG/JPEG) or a rosbag2 bag
 * (sensor_msgs/Image and CompressedImage topics), spread evenly over what the source holds, as
 * image views the model's own preprocessing turns into tensors.
 */
import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { openBag } from "../../bag/open-bag.js";
import { imageViewFromMessage, type ImageView } from "../../image/image-view.js";
import { decodeCompressedImage, readImageFile } from "../../image/compressed-image.js";
import type { CompressedImage, Image } from "../../msgs/types.generated.js";

const IMAGE_TYPES: ReadonlySet<string> = new Set([
  "sensor_msgs/msg/Image",
  "sensor_msgs/msg/CompressedImage",
]);
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([".png", ".jpg", ".jpeg"]);

export interface CalibrationFrame {
  /** Where the frame came from (file path, or bag topic and log time). */
  source: string;
  view: ImageView;
}

export interface CalibrationSourceOptions {
  /** Most frames taken, spread evenly over the source. */
  maxFrames: number;
  /** Bag topic to read (default: the image topic with the most messages). */
  topic?: string;
}

/** Evenly spread indices: `count` of `0 .. total - 1` (all when total <= count). */
function spreadIndices(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * total) / count));
}

/** Frames from an image folder or a rosbag2 bag (a folder with metadata.yaml, or an .mcap / .db3 file). */
export async function loadCalibrationFrames(
  path: string,
  options: CalibrationSourceOptions,
): Promise<CalibrationFrame[]> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new PerceptionError("parameter", `calibration source not found: ${errorMessage(err)}`, {
      path,
    });
  }
  const images = isDir
    ? readdirSync(path)
        .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
        .sort()
    : [];
  const isBag =
    !isDir ||
    readdirSync(path).some(
      (f) => f === "metadata.yaml" || f.endsWith(".mcap") || f.endsWith(".db3"),
    );
  if (images.length > 0 && !isBag) {
    const picked = spreadIndices(images.length, options.maxFrames).map((i) =>
      join(path, images[i]!),
    );
    return Promise.all(
      picked.map(async (file) => ({ source: file, view: await readImageFile(file) })),
    );
  }
  if (!isBag)
    throw new PerceptionError(
      "parameter",
      "calibration source is neither an image folder (png/jpg) nor a rosbag2 bag",
      { path },
    );
  return framesFromBag(path, options);
}

async function framesFromBag(
  path: string,
  options: CalibrationSourceOptions,
): Promise<CalibrationFrame[]> {
  const bag = await openBag(path);
  try {
    const imageTopics = bag.summary.topics.filter(
      (t) => IMAGE_TYPES.has(t.type) && t.messageCount > 0,
    );
    const topic = options.topic
      ? imageTopics.find((t) => t.name === options.topic)
      : [...imageTopics].sort((a, b) => b.messageCount - a.messageCount)[0];
    if (!topic) {
      throw new PerceptionError(
        "parameter",
        options.topic
          ? `bag has no image topic '${options.topic}' (image topics: ${imageTopics.map((t) => t.name).join(", ") || "none"})`
          : "bag has no sensor_msgs/Image or CompressedImage messages",
        { path },
      );
    }
    const wanted = new Set(spreadIndices(topic.messageCount, options.maxFrames));
    const frames: CalibrationFrame[] = [];
    let i = 0;
    for await (const entry of bag.messages({ topics: [topic.name] })) {
      if (entry.kind !== "message") continue;
      if (wanted.has(i++)) {
        const view =
          topic.type === "sensor_msgs/msg/Image"
            ? copyView(imageViewFromMessage(entry.message as Image))
            : await decodeCompressedImage(entry.message as CompressedImage);
        frames.push({ source: `${topic.name} @ ${entry.logTime}`, view });
      }
    }
    return frames;
  } finally {
    await bag.close();
  }
}

/** Bag message data are views into chunk buffers: keep a copy. */
function copyView(v: ImageView): ImageView {
  return { ...v, data: v.data.slice() };
}
