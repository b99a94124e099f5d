/**
 * Decoded camera frames shared by every node of a process. In one-process mode the in-process bus
 * hands the same message object to each subscriber, so the first node to need pixels decodes the
 * JPEG and the others reuse the result (keyed weakly by the message: it goes when the message goes).
 */
import { decodeCompressedImage } from "../image/compressed-image.js";
import { imageViewFromMessage, type ImageView } from "../image/image-view.js";
import type { CompressedImage, Image } from "../msgs/types.generated.js";

/** A camera message as the nodes receive it. */
export type CameraMessage = { kind: "raw"; message: Image } | { kind: "compressed"; message: CompressedImage };

const decoded = new WeakMap<object, Promise<ImageView>>();
let decodes = 0;
let reuses = 0;

/** The frame's pixels, decoded at most once per message object in this process. */
export function decodedView(camera: CameraMessage): Promise<ImageView> {
  const cached = decoded.get(camera.message);
  if (cached) {
    reuses++;
    return cached;
  }
  decodes++;
  const view = camera.kind === "raw" ? Promise.resolve().then(() => imageViewFromMessage(camera.message)) : decodeCompressedImage(camera.message);
  decoded.set(camera.message, view);
  return view;
}

/** How often frames were decoded and how often a decoded frame was reused by another node. */
export function decodeCounters(): { decodes: number; reuses: number } {
  return { decodes, reuses };
}
