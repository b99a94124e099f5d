/**
 * Fault injection: camera frames whose size differs from their CameraInfo (320x200 and 1x1 against
 * 960x540). Each detector publishes an empty output whose status names the size mismatch (not a
 * symptom such as "horizon below image"), counts an `image` error, and goes on: the good frames
 * around the bad ones give the same output as without them.
 */
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.js";
import { nsToTime } from "../../src/core/time.js";
import type {
  CameraInfo,
  CompressedImage,
  StageLatency,
  TFMessage,
} from "../../src/msgs/types.generated.js";
import * as crosswalk from "../../src/nodes/crosswalk-detector.js";
import * as lane from "../../src/nodes/lane-detector.js";
import * as pedestrian from "../../src/nodes/pedestrian-detector.js";
import { loadParameterFiles, parametersForNode } from "../../src/ros/parameters/parameter-file.js";
import { START, hostNode } from "./harness.js";
import { cameraMount, pinholeCameraInfo } from "./camera-fixtures.js";
import { testTimeout } from "../support/emulation.js";

const W = 960;
const H = 540;
const P = 100_000_000n;
const jpegs: Record<string, Uint8Array> = {};

beforeAll(async () => {
  for (const [w, h] of [
    [W, H],
    [320, 200],
    [1, 1],
  ] as const) {
    // A grey road with two white lines, so the good frames have something to detect.
    const svg = `<svg width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#505050"/><line x1="${w * 0.3}" y1="${h}" x2="${w * 0.47}" y2="${h * 0.55}" stroke="white" stroke-width="${Math.max(1, w / 80)}"/><line x1="${w * 0.7}" y1="${h}" x2="${w * 0.53}" y2="${h * 0.55}" stroke="white" stroke-width="${Math.max(1, w / 80)}"/></svg>`;
    jpegs[`${w}x${h}`] = new Uint8Array(await sharp(Buffer.from(svg)).jpeg().toBuffer());
  }
});

const cameraInfo = (i: bigint): CameraInfo => pinholeCameraInfo(nsToTime(START + i * P), W, H, 700);

const mount: TFMessage = cameraMount(nsToTime(START), 0.05);

const NODES = [
  {
    name: "lane_detector",
    module: lane,
    out: "/perception/lane_detector/out/lanes",
    items: "markings",
  },
  {
    name: "crosswalk_detector",
    module: crosswalk,
    out: "/perception/crosswalk_detector/out/crosswalks",
    items: "crosswalks",
  },
  {
    name: "pedestrian_detector",
    module: pedestrian,
    out: "/perception/pedestrian_detector/out/pedestrians",
    items: "pedestrians",
  },
] as const;

/** Frames 0..5 at 10 Hz; `sizes[i]` is frame i's image size. */
async function run(node: (typeof NODES)[number], sizes: string[]) {
  const create =
    "createLaneDetectorNode" in node.module
      ? node.module.createLaneDetectorNode
      : "createCrosswalkDetectorNode" in node.module
        ? node.module.createCrosswalkDetectorNode
        : node.module.createPedestrianDetectorNode;
  const parameters = parametersForNode(
    loadParameterFiles([projectPath("config", `${node.name}.param.yaml`)]),
    node.name,
    "/perception",
  );
  const h = await hostNode(
    {
      name: node.name,
      namespace: "/perception",
      create,
      parameterSchema: node.module.parameterSchema(),
      parameters: { ...parameters, rate_hz: 30 },
    },
    [node.out],
  );
  await h.feed("/tf_static", mount, START);
  for (let i = 0n; i < BigInt(sizes.length); i++) {
    const stamp = nsToTime(START + i * P);
    await h.feed(`/perception/${node.name}/in/camera_info`, cameraInfo(i), START + i * P + 1n);
    const img: CompressedImage = {
      header: { stamp, frame_id: "camera_front_optical_frame" },
      format: "jpeg",
      data: jpegs[sizes[Number(i)]!]!,
    };
    await h.feed(`/perception/${node.name}/in/image/compressed`, img, START + i * P + 2n);
  }
  await h.advance(START + BigInt(sizes.length + 1) * P);
  return {
    h,
    outputs: h.outputs[node.out] as Array<{ status: string } & Record<string, unknown[]>>,
  };
}

/** The stage names of an output's `latencies`. */
function stageNames(latencies: unknown): string[] {
  return (latencies as StageLatency[]).map((l) => l.stage);
}

describe("image size differs from its CameraInfo", () => {
  for (const node of NODES) {
    it(
      `${node.name}: names the mismatch in the status, no detections, counted as an image error; good frames unchanged`,
      async () => {
        const good = `${W}x${H}`;
        const sizes = [good, "320x200", good, "1x1", good, good];
        const { h, outputs } = await run(node, sizes);
        const clean = await run(
          node,
          sizes.map(() => good),
        );
        expect(outputs).toHaveLength(sizes.length);
        for (const [i, size] of sizes.entries()) {
          const out = outputs[i]!;
          if (size === good) {
            expect(out.status).not.toMatch(/image error|horizon below/);
            // Same detections and status; the stage times are the run's own (the same stages).
            const { latencies, pipeline_latency_ms: _, ...detections } = out;
            const {
              latencies: cleanLatencies,
              pipeline_latency_ms: __,
              ...cleanDetections
            } = clean.outputs[i]!;
            expect(detections).toEqual(cleanDetections);
            expect(stageNames(latencies)).toEqual(stageNames(cleanLatencies));
          } else {
            expect(out[node.items]).toEqual([]);
            expect(out.status).toBe(
              `image error: image size ${size} does not match its CameraInfo (960x540 after binning and ROI): no detections from this frame`,
            );
          }
        }
        expect(h.instance.errorCounts!()).toEqual({ image: 2 });
      },
      testTimeout(60_000),
    );
  }
});
