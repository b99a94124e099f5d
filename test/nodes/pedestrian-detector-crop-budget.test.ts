/**
 * The pedestrian_detector node runs as many crop passes a frame as its crop pass budget gives:
 * `crop_passes_per_s` over the model's rate, replaced at run time by compute_budget's
 * `~/in/crop_passes_per_s` (a value out of range is ignored and counted) or by a parameter change.
 * 960x540 frames without a map: the horizon band's 3 crops are the only ones.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { nsToTime } from "../../src/core/time.js";
import type { CameraInfo, CompressedImage, TFMessage } from "../../src/msgs/types.generated.js";
import {
  createPedestrianDetectorNode,
  parameterSchema,
} from "../../src/nodes/pedestrian-detector.js";
import { loadParameterFiles, parametersForNode } from "../../src/ros/parameters/parameter-file.js";
import { START, hostNode, type Harness } from "./harness.js";
import { cameraMount, pinholeCameraInfo } from "./camera-fixtures.js";
import { testTimeout } from "../support/emulation.js";

const W = 960;
const H = 540;
const P = 100_000_000n; // 10 Hz
const shared = sharedDir();
const skip = !shared || !existsSync(join(shared, "models", "yolox_nano.onnx"));
if (skip)
  console.log(
    "pedestrian-detector-crop-budget.test: skipped: ../shared/models/yolox_nano.onnx is absent (the HOG fallback runs no crops)",
  );
let jpeg: Uint8Array;

beforeAll(async () => {
  const svg = `<svg width="${W}" height="${H}"><rect width="${W}" height="${H / 2}" fill="#8090a0"/><rect y="${H / 2}" width="${W}" height="${H / 2}" fill="#505050"/></svg>`;
  jpeg = new Uint8Array(await sharp(Buffer.from(svg)).jpeg().toBuffer());
});

const cameraInfo = (stamp: bigint): CameraInfo => pinholeCameraInfo(nsToTime(stamp), W, H, 700);

const mount: TFMessage = cameraMount(nsToTime(START), 0);

/** Feeds frames first..first+n-1 at 10 Hz; returns the crop passes they ran. */
async function frames(h: Harness, first: bigint, n: bigint): Promise<number> {
  const before = h.instance.stats!().crop_passes!;
  for (let i = first; i < first + n; i++) {
    await h.feed(
      "/perception/pedestrian_detector/in/camera_info",
      cameraInfo(START + i * P),
      START + i * P + 1n,
    );
    const img: CompressedImage = {
      header: { stamp: nsToTime(START + i * P), frame_id: "camera_front_optical_frame" },
      format: "jpeg",
      data: jpeg,
    };
    await h.feed("/perception/pedestrian_detector/in/image/compressed", img, START + i * P + 2n);
  }
  return h.instance.stats!().crop_passes! - before;
}

/** The node on the harness with config/pedestrian_detector.param.yaml and `overrides`. */
async function hostDetector(overrides: Record<string, number | boolean>): Promise<Harness> {
  const file = parametersForNode(
    loadParameterFiles([projectPath("config", "pedestrian_detector.param.yaml")]),
    "pedestrian_detector",
    "/perception",
  );
  return hostNode(
    {
      name: "pedestrian_detector",
      namespace: "/perception",
      create: createPedestrianDetectorNode,
      parameterSchema: parameterSchema(),
      parameters: { ...(file as Record<string, never>), ...overrides },
    },
    ["/perception/pedestrian_detector/out/pedestrians"],
  );
}

describe.skipIf(skip)("pedestrian_detector crop pass budget", () => {
  it(
    "runs crop_passes_per_s over its rate, takes ~/in/crop_passes_per_s and parameter changes at run time, and counts budgets out of range",
    async () => {
      const h = await hostDetector({
        rate_hz: 10,
        crop_passes_per_s: 15,
        crop_passes_max_per_frame: 3,
      });
      await h.feed("/tf_static", mount, START);
      // 15/s at 10 Hz: 1.5 a frame.
      expect(await frames(h, 0n, 4n)).toBe(6);
      // compute_budget asks for 30/s: 3 a frame (the band's 3 crops).
      await h.feed(
        "/perception/pedestrian_detector/in/crop_passes_per_s",
        { data: 30 },
        START + 4n * P,
      );
      expect(await frames(h, 4n, 3n)).toBe(9);
      // Out of range: ignored (still 3 a frame), counted, logged.
      await h.feed(
        "/perception/pedestrian_detector/in/crop_passes_per_s",
        { data: -5 },
        START + 7n * P,
      );
      expect(await frames(h, 7n, 2n)).toBe(6);
      expect(h.instance.stats!()).toMatchObject({
        crop_budget_commands: 1,
        crop_budget_commands_rejected: 1,
      });
      expect(h.logs.some((l) => /~\/in\/crop_passes_per_s: ignored -5/.test(l))).toBe(true);
      // A rate of 20 Hz spreads the same 30/s thinner: 1.5 a frame.
      expect(h.hosted.store.set({ rate_hz: 20 }).successful).toBe(true);
      const at20 = async (i: bigint) => {
        await h.feed(
          "/perception/pedestrian_detector/in/camera_info",
          cameraInfo(START + 9n * P + i * (P / 2n)),
          START + 9n * P + i * (P / 2n) + 1n,
        );
        await h.feed(
          "/perception/pedestrian_detector/in/image/compressed",
          {
            header: {
              stamp: nsToTime(START + 9n * P + i * (P / 2n)),
              frame_id: "camera_front_optical_frame",
            },
            format: "jpeg",
            data: jpeg,
          },
          START + 9n * P + i * (P / 2n) + 2n,
        );
      };
      const before = h.instance.stats!().crop_passes!;
      for (let i = 0n; i < 4n; i++) await at20(i);
      expect(h.instance.stats!().crop_passes! - before).toBe(6);
      // The parameter itself: 0 = the whole frame only.
      expect(h.hosted.store.set({ rate_hz: 10, crop_passes_per_s: 0 }).successful).toBe(true);
      expect(await frames(h, 12n, 3n)).toBe(0);
      expect(h.instance.stats!().frames_processed).toBe(16);
      await h.instance.dispose?.();
    },
    testTimeout(60_000),
  );

  it(
    "sheds the crop passes of a frame that waited for the busy model and of a frame a newer one waits behind (shed_crop_passes_when_late), and only then",
    async () => {
      const h = await hostDetector({
        rate_hz: 10,
        crop_passes_per_s: 30,
        crop_passes_max_per_frame: 3,
        shed_crop_passes_when_late: true,
      });
      await h.feed("/tf_static", mount, START);
      /** Frames i and i+1 back to back: the second arrives while the model runs the first. */
      const pair = async (i: bigint): Promise<void> => {
        await h.advance(START + (i + 1n) * P + 2n);
        for (const k of [i, i + 1n]) {
          h.inject("/perception/pedestrian_detector/in/camera_info", cameraInfo(START + k * P));
          const img: CompressedImage = {
            header: { stamp: nsToTime(START + k * P), frame_id: "camera_front_optical_frame" },
            format: "jpeg",
            data: jpeg,
          };
          h.inject("/perception/pedestrian_detector/in/image/compressed", img);
        }
        await h.settle();
      };
      // One at a time (as deterministic replay delivers): nothing waits, nothing is shed.
      expect(await frames(h, 0n, 2n)).toBe(6);
      expect(h.instance.stats!().crop_passes_shed).toBe(0);
      // Back to back: the second arrives before the first's crops go to the model, so the first
      // leaves its 3 crops out (a newer frame waits), and the second waited: whole frames only.
      const before = h.instance.stats!().crop_passes!;
      await pair(2n);
      expect(h.instance.stats!().crop_passes! - before).toBe(0);
      expect(h.instance.stats!().crop_passes_shed).toBe(6);
      expect(h.instance.stats!().frames_processed).toBe(4);
      // Turned off at run time: both frames run their crops.
      expect(h.hosted.store.set({ shed_crop_passes_when_late: false }).successful).toBe(true);
      const before2 = h.instance.stats!().crop_passes!;
      await pair(4n);
      expect(h.instance.stats!().crop_passes! - before2).toBe(6);
      expect(h.instance.stats!().crop_passes_shed).toBe(6);
      await h.instance.dispose?.();
    },
    testTimeout(60_000),
  );
});
