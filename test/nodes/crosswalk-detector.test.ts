/**
 * The crosswalk_detector node on bad input the detector finds (a frame whose size is not its
 * CameraInfo's is refused before, by CameraNode: test/nodes/image-size-mismatch.test.ts): a camera
 * pitched up so that it sees no ground gives an empty CrosswalkArray whose status names the cause,
 * counted in /diagnostics, frame after frame (the node goes on).
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { nsToTime, type Time } from "../../src/core/time.js";
import type {
  CompressedImage,
  CrosswalkArray,
  DiagnosticArray,
} from "../../src/msgs/types.generated.js";
import {
  createCrosswalkDetectorNode,
  parameterSchema,
} from "../../src/nodes/crosswalk-detector.js";
import { CAMERA_FRAME, cameraMount, smallCameraInfo } from "./camera-fixtures.js";
import { hostNode, START } from "./harness.js";

const OUT = "/perception/crosswalk_detector/out/crosswalks";

async function jpeg(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .jpeg()
      .toBuffer(),
  );
}

describe("crosswalk_detector node", () => {
  it("publishes an empty array naming a camera that sees no ground, counts every such frame, and goes on", async () => {
    const h = await hostNode(
      {
        name: "crosswalk_detector",
        namespace: "/perception",
        create: createCrosswalkDetectorNode,
        parameterSchema: parameterSchema(),
        parameters: {
          image_transport: "compressed",
          rate_hz: 5,
          rate_phase_s: 0.05,
          processing_budget_ms: 80,
          base_frame: "base_link",
          tf_timeout_s: 0.5,
          min_confidence: 0.5,
        },
      },
      [OUT, "/diagnostics"],
    );
    const grey = await jpeg(64, 48);
    const image = (stamp: Time): CompressedImage => ({
      header: { stamp, frame_id: CAMERA_FRAME },
      format: "jpeg",
      data: grey,
    });
    const t0 = nsToTime(START);
    // Pitched up by 0.6 rad: the horizon is below the 48-row image (fy = 50).
    await h.feed("/tf", cameraMount(t0, -0.6), START);
    await h.feed("/perception/crosswalk_detector/in/camera_info", smallCameraInfo(t0), START);
    await h.feed("/perception/crosswalk_detector/in/image/compressed", image(t0), START);
    // The node goes on: the next frame is judged and counted the same way.
    const t1 = START + 400_000_000n;
    await h.feed(
      "/perception/crosswalk_detector/in/camera_info",
      smallCameraInfo(nsToTime(t1)),
      t1,
    );
    await h.feed("/perception/crosswalk_detector/in/image/compressed", image(nsToTime(t1)), t1);
    await h.advance(START + 3_000_000_000n);
    const out = h.outputs[OUT] as CrosswalkArray[];
    expect(out).toHaveLength(2);
    expect(out[0]!.crosswalks).toEqual([]);
    expect(out[0]!.status).toMatch(/^camera sees no ground: horizon below image \(row \d+ of 48\)/);
    expect(out[1]!.status).toBe(out[0]!.status);
    const values = (h.outputs["/diagnostics"] as DiagnosticArray[])
      .flatMap((d) => d.status)
      .filter((s) => s.name === "/perception/crosswalk_detector")
      .flatMap((s) => s.values);
    expect(values.filter((v) => v.key === "frames_bad_input").map((v) => v.value)).toContain("2");
  });
});
