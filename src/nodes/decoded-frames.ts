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
let prefetches = 0;
/** The latest decode started (settled either way), for prefetches to queue behind. */
let latest: Promise<unknown> = Promise.resolve();

function decode(camera: CameraMessage, after?: Promise<unknown>): Promise<ImageView> {
  decodes++;
  const start = (): Promise<ImageView> => (camera.kind === "raw" ? Promise.resolve().then(() => imageViewFromMessage(camera.message)) : decodeCompressedImage(camera.message));
  const view = after ? after.then(start) : start();
  decoded.set(camera.message, view);
  latest = view.catch(() => undefined);
  return view;
}

/** The frame's pixels, decoded at most once per message object in this process. */
export function decodedView(camera: CameraMessage): Promise<ImageView> {
  const cached = decoded.get(camera.message);
  if (cached) {
    reuses++;
    return cached;
  }
  return decode(camera);
}

/**
 * Starts decoding a frame that will be delivered later (replay's look-ahead), so that decoding
 * overlaps the current step's inference; `decodedView` then finds it. It starts once the decodes
 * in flight are done, so a frame being waited for never shares the cores with it. The pixels are
 * the same whenever they are decoded; errors surface to whoever asks for the view.
 */
export function prefetchView(camera: CameraMessage): Promise<ImageView> {
  const cached = decoded.get(camera.message);
  if (cached) return cached;
  prefetches++;
  const view = decode(camera, latest);
  view.catch(() => undefined);
  return view;
}

/** How often frames were decoded (prefetched ones included) and how often a decoded frame was reused by another node or after a prefetch. */
export function decodeCounters(): { decodes: number; reuses: number; prefetches: number } {
  return { decodes, reuses, prefetches };
}
