import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { sharedDir } from "../../src/core/paths.js";
import { cameraInfoFromYaml, run, type DetectImageResult } from "../../src/cli/commands/detect.js";
import { writeModelFile } from "../../src/models/onnx/onnx-proto.js";
import { tinyYolov8 } from "../models/onnx/tiny-detectors.js";

const shared = sharedDir();
if (!shared) console.warn("skipping detect CLI on real images: ../shared is absent");
const tmp = mkdtempSync(join(tmpdir(), "detect-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs the command, returning the exit code and what went to stdout. */
async function capture(argv: string[]): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  const code = await run(argv);
  return { code, stdout: lines.join("\n") };
}

const kittiYaml = `image_width: 1242
image_height: 375
camera_name: kitti_cam2
camera_matrix: { rows: 3, cols: 3, data: [721.5377, 0, 609.5593, 0, 721.5377, 172.854, 0, 0, 1] }
distortion_model: plumb_bob
distortion_coefficients: { rows: 1, cols: 5, data: [0, 0, 0, 0, 0] }
`;

describe("detect command", () => {
  it("reads camera_calibration_parsers YAML", () => {
    const path = join(tmp, "kitti.yaml");
    writeFileSync(path, kittiYaml);
    const info = cameraInfoFromYaml(path);
    expect([info.width, info.height, info.k[0], info.k[2], info.k[5], info.p[0]]).toEqual([
      1242, 375, 721.5377, 609.5593, 172.854, 721.5377,
    ]);
    expect(info.header.frame_id).toBe("kitti_cam2_optical_frame");
  });

  it("exits 2 without images", async () => {
    expect((await capture([])).code).toBe(2);
  });

  it.skipIf(!shared)(
    "prints JSON for KITTI with its calibration and writes an annotated copy",
    async () => {
      const yaml = join(tmp, "kitti.yaml");
      writeFileSync(yaml, kittiYaml);
      const image = join(shared!, "data/kitti/000007.png");
      const outDir = join(tmp, "annotated");
      const { code, stdout } = await capture([
        image,
        "--camera-info",
        yaml,
        "--mount-height",
        "1.65",
        "--json",
        "--annotate",
        outDir,
      ]);
      expect(code).toBe(0);
      const { results } = JSON.parse(stdout) as { results: DetectImageResult[] };
      expect(results).toHaveLength(1);
      const r = results[0]!;
      expect(r.image).toBe(image);
      expect(r.camera).toMatchObject({
        source: "camera-info",
        width: 1242,
        height: 375,
        fx: 721.5377,
      });
      expect(r.models.pedestrians).toMatchObject({ kind: "model", model: "yolox_nano" });
      // The labelled cyclist (x 331-355) is found and placed ~34 m ahead, ~12.6 m left.
      const cyclist = r.pedestrians.find((p) => p.box.x1 < 355 && p.box.x2 > 331);
      expect(cyclist).toBeDefined();
      expect(cyclist!.position.x).toBeGreaterThan(27);
      expect(cyclist!.position.x).toBeLessThan(41);
      expect(cyclist!.position.y).toBeGreaterThan(9);
      expect(Array.isArray(cyclist!.position_covariance)).toBe(true);
      expect(Array.isArray(r.lanes)).toBe(true);
      expect(Array.isArray(r.crosswalks)).toBe(true);
      expect(r.timings.totalMs).toBeGreaterThan(0);
      const png = await sharp(readFileSync(join(outDir, "000007.annotated.png"))).metadata();
      expect([png.format, png.width, png.height]).toEqual(["png", 1242, 375]);
    },
  );

  it.skipIf(!shared)(
    "prints a table, and fails (exit 1) for an unreadable file while still reporting the others",
    async () => {
      const bad = join(tmp, "broken.jpg");
      writeFileSync(bad, Uint8Array.from([0xff, 0xd8, 0xff, 0, 1, 2]));
      const { code, stdout } = await capture([
        join(shared!, "data/bdd100k/cb22c820-f094952f.jpg"),
        bad,
        "--no-lanes",
      ]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/cb22c820-f094952f\.jpg\s+1280x720\s+camera: approximate/);
      expect(stdout).toMatch(/pedestrians \(yolox_nano\): 1/);
      expect(stdout).not.toMatch(/broken\.jpg/);
    },
  );

  it("--contracts/--model run a team's own detector (a YOLOv8-layout model built here) with no code change", async () => {
    writeModelFile(join(tmp, "team.onnx"), tinyYolov8(32, "yolov8"));
    const contracts = join(tmp, "team.yaml");
    writeFileSync(
      contracts,
      `models:
  team_detector:
    file: team.onnx
    input: { name: images, width: 32, height: 32, colour_order: rgb, normalization: { scale: 0.00392156862745098 }, resize: { mode: stretch } }
    decoder: { type: yolov8, num_classes: 2 }
    classes: { pedestrian: [0], ridden: [1] }
    thresholds: { score: 0.5, nms_iou: 0.45 }
`,
    );
    // A 64x64 black frame with a 4x4 red block at x 8-11, y 12-15: one class-0 box around (10, 14).
    const rgb = Buffer.alloc(64 * 64 * 3);
    for (let y = 12; y < 16; y++) for (let x = 8; x < 12; x++) rgb[(y * 64 + x) * 3] = 255;
    const image = join(tmp, "red-block.png");
    await sharp(rgb, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toFile(image);
    const { code, stdout } = await capture([
      image,
      "--contracts",
      contracts,
      "--model",
      "team_detector",
      "--models",
      tmp,
      "--no-lanes",
      "--json",
    ]);
    expect(code).toBe(0);
    const [r] = (JSON.parse(stdout) as { results: DetectImageResult[] }).results;
    expect(r!.models.pedestrians).toMatchObject({
      kind: "model",
      model: "team_detector",
      file: "team.onnx",
    });
    const boxes = [
      ...r!.pedestrians.map((p) => ({ ...p.box, category: p.category })),
      ...r!.unplacedBoxes,
    ];
    expect(boxes).toHaveLength(1);
    // Within one tensor pixel (2 image pixels) of the block's centre: the block covers 2x2 tensor pixels.
    expect(Math.abs((boxes[0]!.x1 + boxes[0]!.x2) / 2 - 10)).toBeLessThanOrEqual(1);
    expect(Math.abs((boxes[0]!.y1 + boxes[0]!.y2) / 2 - 14)).toBeLessThanOrEqual(1);
    expect(boxes[0]!.category).toBe("pedestrian");
  });

  it("names the contracts file's models when --model is not one of them", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation(
      (...a: unknown[]) => void errors.push(a.join(" ")),
    );
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const contracts = join(tmp, "team.yaml");
    const code = await run([
      join(tmp, "red-block.png"),
      "--contracts",
      contracts,
      "--model",
      "nope",
    ]);
    expect(code).toBe(2);
    expect(errors.join("\n")).toMatch(/no model contract 'nope' \(known: team_detector\)/);
  });
});
