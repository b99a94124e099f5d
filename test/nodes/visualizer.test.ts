import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { nsToTime, timeToNs } from "../../src/core/time.js";
import type { CompressedImage } from "../../src/msgs/types.generated.js";
import { createVisualizerNode, parameterSchema } from "../../src/nodes/visualizer.js";
import { frame } from "../viz/fixtures.js";
import { START, hostNode } from "./harness.js";

const PERIOD = 33_333_333n; // 30 Hz camera
const IMAGE = "/perception/visualizer/in/image/compressed";
const FRAME = "/perception/visualizer/in/frame";
const DEBUG_IMAGE = "/perception/visualizer/out/image/compressed";

/**
 * A visualizer at 5 Hz on the compressed stream, hosted on the test bus, and a 64x48 JPEG to feed it;
 * the test subscribes to its debug image unless `subscribed` is false.
 */
async function visualizer(extra: Record<string, number> = {}, subscribed = true) {
  const jpeg = await sharp({
    create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 90, b: 90 } },
  })
    .jpeg()
    .toBuffer();
  const h = await hostNode(
    {
      name: "visualizer",
      namespace: "/perception",
      create: createVisualizerNode,
      parameterSchema: parameterSchema(),
      parameters: {
        image_transport: "compressed",
        rate_hz: 5,
        map_file: "",
        privacy: "blur_pedestrians",
        debug_image_max_width: 64,
        processing_budget_ms: 60,
        map_radius_m: 60,
        jpeg_quality: 75,
        marker_lifetime_s: 0.5,
        ...extra,
      },
    },
    subscribed ? [DEBUG_IMAGE] : [],
  );
  return { jpeg, h };
}

describe("visualizer node", () => {
  it("renders the debug image at its rate and keeps only the camera messages it may still render", async () => {
    const { jpeg, h } = await visualizer();
    const stampOf = (i: number) => nsToTime(START + BigInt(i) * PERIOD);
    const image = (i: number): CompressedImage => ({
      header: { stamp: stampOf(i), frame_id: "camera_optical" },
      format: "jpeg",
      data: new Uint8Array(jpeg),
    });
    let mostWaiting = 0;
    // 60 camera frames; a perception frame for every other one, three camera periods late.
    for (let i = 0; i < 60; i++) {
      await h.feed(IMAGE, image(i), START + BigInt(i) * PERIOD);
      const j = i - 3;
      if (j >= 0 && j % 2 === 0)
        await h.feed(
          FRAME,
          { ...frame(0), header: { stamp: stampOf(j), frame_id: "base_link" } },
          START + BigInt(i) * PERIOD + 1n,
        );
      mostWaiting = Math.max(mostWaiting, h.instance.stats!().images_waiting!);
    }
    const out = h.outputs[DEBUG_IMAGE] as CompressedImage[];
    // 5 Hz over frames 0..56: one debug image per 200 ms of camera time, each with its frame's stamp.
    expect(out.map((m) => Number((timeToNs(m.header.stamp) - START) / PERIOD))).toEqual([
      0, 6, 12, 18, 24, 30, 36, 42, 48, 54,
    ]);
    expect(out.every((m) => m.format === "jpeg" && m.data.length > 0)).toBe(true);
    // Frames come 3 periods late at 15 Hz: a handful of camera messages wait, never dozens.
    expect(mostWaiting).toBeGreaterThan(0);
    expect(mostWaiting).toBeLessThanOrEqual(4);
    expect(h.instance.stats!().frames_without_image).toBe(0);
  });

  it("after time goes back (a second play) renders again, and logs and counts the jump", async () => {
    const { jpeg, h } = await visualizer({ time_jump_threshold_s: 1.0 });
    const stampOf = (i: number) => nsToTime(START + BigInt(i) * PERIOD);
    const play = async (): Promise<void> => {
      for (let i = 0; i < 45; i++) {
        await h.feed(
          IMAGE,
          {
            header: { stamp: stampOf(i), frame_id: "camera_optical" },
            format: "jpeg",
            data: new Uint8Array(jpeg),
          },
          START + BigInt(i) * PERIOD,
        );
        if (i >= 1)
          await h.feed(
            FRAME,
            { ...frame(0), header: { stamp: stampOf(i - 1), frame_id: "base_link" } },
            START + BigInt(i) * PERIOD + 1n,
          );
      }
    };
    await play();
    const first = h.outputs[DEBUG_IMAGE]!.length;
    expect(first).toBeGreaterThan(5);
    h.jumpTo(START);
    await play();
    expect(h.outputs[DEBUG_IMAGE]!.length).toBe(2 * first);
    expect(h.instance.stats!()).toMatchObject({ time_jumps: 1, frames_without_image: 0 });
    expect(
      h.logs.filter((l) =>
        /^warn: frame stamped .* before the previous one: time went back/.test(l),
      ),
    ).toHaveLength(1);
  });

  it("draws no debug image while nobody subscribes to it, and counts the frames it skipped", async () => {
    const { jpeg, h } = await visualizer({}, false);
    const stampOf = (i: number) => nsToTime(START + BigInt(i) * PERIOD);
    for (let i = 0; i < 30; i++) {
      await h.feed(
        IMAGE,
        {
          header: { stamp: stampOf(i), frame_id: "camera_optical" },
          format: "jpeg",
          data: new Uint8Array(jpeg),
        },
        START + BigInt(i) * PERIOD,
      );
      if (i >= 1)
        await h.feed(
          FRAME,
          { ...frame(0), header: { stamp: stampOf(i - 1), frame_id: "base_link" } },
          START + BigInt(i) * PERIOD + 1n,
        );
    }
    // 5 Hz over frames 0..28: the frames 0, 6, 12, 18 and 24 were due a debug image.
    expect(h.instance.stats!()).toMatchObject({
      debug_images: 0,
      frames_without_subscriber: 5,
      frames_without_image: 0,
      images_waiting: 0,
    });
  });
});
