import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { sharedDir } from "../../src/core/paths.js";
import { cameraInfoFromYaml, run, type DetectImageResult } from "../../src/cli/commands/detect.js";

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
    expect([info.width, info.height, info.k[0], info.k[2], info.k[5], info.p[0]]).toEqual([1242, 375, 721.5377, 609.5593, 172.854, 721.5377]);
    expect(info.header.frame_id).toBe("kitti_cam2_optical_frame");
  });

  it("exits 2 without images", async () => {
    expect((await capture([])).code).toBe(2);
  });

  it.skipIf(!shared)("prints JSON for KITTI with its calibration and writes an annotated copy", async () => {
    const yaml = join(tmp, "kitti.yaml");
    writeFileSync(yaml, kittiYaml);
    const image = join(shared!, "data/kitti/000007.png");
    const outDir = join(tmp, "annotated");
    const { code, stdout } = await capture([image, "--camera-info", yaml, "--mount-height", "1.65", "--json", "--annotate", outDir]);
    expect(code).toBe(0);
    const { results } = JSON.parse(stdout) as { results: DetectImageResult[] };
    expect(results).toHaveLength(1);
    const r = results[0];
    expect(r.image).toBe(image);
    expect(r.camera).toMatchObject({ source: "camera-info", width: 1242, height: 375, fx: 721.5377 });
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
  });

  it.skipIf(!shared)("prints a table, and fails (exit 1) for an unreadable file while still reporting the others", async () => {
    const bad = join(tmp, "broken.jpg");
    writeFileSync(bad, Uint8Array.from([0xff, 0xd8, 0xff, 0, 1, 2]));
    const { code, stdout } = await capture([join(shared!, "data/bdd100k/cb22c820-f094952f.jpg"), bad, "--no-lanes"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/cb22c820-f094952f\.jpg\s+1280x720\s+camera: approximate/);
    expect(stdout).toMatch(/pedestrians \(yolox_nano\): 1/);
    expect(stdout).not.toMatch(/broken\.jpg/);
  });
});
