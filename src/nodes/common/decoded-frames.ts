/**
 * The decoded-frame service the nodes of one run share: the first node to need a camera frame's
 * pixels decodes it and the others reuse the result (in one process the in-process bus hands the
 * same message object to every subscriber). The host creates one per run
 * (src/host/decoded-frame-cache.ts) and hands it out with `handle.service(DECODED_FRAMES)`; two
 * runs in one process (two graphs, two replays) never share one.
 */
import type { ImageView } from "../../image/image-view.js";
import type { CompressedImage, Image } from "../../msgs/types.generated.js";
import type { RunServiceKey } from "../../ros/node-api.js";

/** A camera message as the nodes receive it. */
export type CameraMessage =
  | { kind: "raw"; message: Image }
  | { kind: "compressed"; message: CompressedImage };

/** Decoded pixels of camera messages, each decoded at most once per run. */
export interface DecodedFrames {
  /** The frame's pixels, decoded at most once per message object in this run. */
  view(camera: CameraMessage): Promise<ImageView>;
  /**
   * Starts decoding a frame that will be delivered later (replay's look-ahead, a frame waiting for
   * a busy model), so that decoding overlaps the current work; `view` then finds it. The pixels are
   * the same whenever they are decoded; errors surface to whoever asks for the view.
   */
  prefetch(camera: CameraMessage): Promise<ImageView>;
}

/** The key of the run's decoded-frame service. */
export const DECODED_FRAMES: RunServiceKey<DecodedFrames> = { name: "decoded_frames" };
