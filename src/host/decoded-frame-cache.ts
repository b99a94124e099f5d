/**
 * The decoded-frame service of one run (the `DecodedFrames` nodes get with
 * `handle.service(DECODED_FRAMES)`, src/nodes/common/decoded-frames.ts). In one-process mode the
 * in-process bus hands the same message object to each subscriber, so the first node to need
 * pixels decodes the JPEG and the others reuse the result (keyed weakly by the message: it goes
 * when the message goes). One instance per run: a second graph in the same process has its own.
 */
import { decodeCompressedImage } from "../image/compressed-image.js";
import { imageViewFromMessage, type ImageView } from "../image/image-view.js";
import type { CameraMessage, DecodedFrames } from "../nodes/common/decoded-frames.js";

/** How often frames were decoded (prefetched ones included) and how often a decoded frame was reused by another node or after a prefetch. */
export interface DecodeCounters {
  decodes: number;
  reuses: number;
  prefetches: number;
}

export class DecodedFrameCache implements DecodedFrames {
  readonly #decoded = new WeakMap<object, Promise<ImageView>>();
  #decodes = 0;
  #reuses = 0;
  #prefetches = 0;
  /** The latest decode started (settled either way), for prefetches to queue behind. */
  #latest: Promise<unknown> = Promise.resolve();

  #decode(camera: CameraMessage, after?: Promise<unknown>): Promise<ImageView> {
    this.#decodes++;
    const start = (): Promise<ImageView> =>
      camera.kind === "raw"
        ? Promise.resolve().then(() => imageViewFromMessage(camera.message))
        : decodeCompressedImage(camera.message);
    const view = after ? after.then(start) : start();
    this.#decoded.set(camera.message, view);
    this.#latest = view.catch(() => undefined);
    return view;
  }

  view(camera: CameraMessage): Promise<ImageView> {
    const cached = this.#decoded.get(camera.message);
    if (cached) {
      this.#reuses++;
      return cached;
    }
    return this.#decode(camera);
  }

  /**
   * See DecodedFrames.prefetch. It starts once the decodes in flight are done, so a frame being
   * waited for never shares the cores with it.
   */
  prefetch(camera: CameraMessage): Promise<ImageView> {
    const cached = this.#decoded.get(camera.message);
    if (cached) return cached;
    this.#prefetches++;
    const view = this.#decode(camera, this.#latest);
    view.catch(() => undefined);
    return view;
  }

  counters(): DecodeCounters {
    return { decodes: this.#decodes, reuses: this.#reuses, prefetches: this.#prefetches };
  }
}
