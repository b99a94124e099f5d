/**
 * Map consistency through the real node graph (launch/perception.graph.yaml -> NodeSpecs ->
 * runReplay, as `npm run demo` runs it) with the real models of ../shared/models (TwinLiteNet
 * 320x320 lanes, YOLOX-Nano pedestrians, stripe crosswalks), not with ground-truth detections:
 *
 * - the clean sample drive (bags/sample_drive + maps/sample_drive.geojson) and a clean
 *   urban_intersection drive report no disagreement in any frame (TwinLiteNet paints the gaps of
 *   dashed lines, so the style must come from the image; the detector has no double lines and the
 *   stripe detector cannot see side-road crossings, so neither counts against the map);
 * - a clean rain drive (wet road, blur, noise, streaks: zebra stripes at 8-15 grey levels RMS, half
 *   of what a dry road gives) reports no disagreement either: in particular neither mapped crossing
 *   is claimed missing (the stripe source judges contrast against the frame's noise floor);
 * - a short map_mismatch drive with its wrong map reports the shifted boundary, the crosswalk
 *   missing from the map (unmapped) and the mapped crosswalk that is not painted, and nothing else.
 *
 * The generated drives are made at 640x360 into a temp cache keyed by the generator's source
 * (test/support/generated-drive-cache.ts).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/open-bag.js";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../../src/host/graph.js";
import { typeSeenAs } from "../../src/fusion/lane-fusion.js";
import { crosswalkStripesDetectable } from "../../src/fusion/visibility.js";
import {
  Crosswalk,
  MapDisagreement,
  type PerceptionFrame,
} from "../../src/msgs/types.generated.js";
import { loadGroundTruth } from "../../src/report/ground-truth.js";
import { runReplay } from "../../src/host/replay/run-replay.js";
import { cachedGeneratedDrive } from "../support/generated-drive-cache.js";
import { testTimeout } from "../support/emulation.js";
import { fusionTuning } from "../fusion/support/map-fusion-tuning.js";

const shared = sharedDir();
const models = shared ? join(shared, "models") : undefined;
const MODEL_FILES = ["twinlitenet_320x320.onnx", "yolox_nano.onnx"];
const sampleBag = projectPath("bags", "sample_drive");
const sampleMap = projectPath("maps", "sample_drive.geojson");
const skipReason =
  !models || !MODEL_FILES.every((f) => existsSync(join(models, f)))
    ? `../shared/models with ${MODEL_FILES.join(" and ")} is absent`
    : !existsSync(join(sampleBag, "metadata.yaml")) || !existsSync(sampleMap)
      ? "bags/sample_drive or maps/sample_drive.geojson is absent"
      : undefined;
if (skipReason) console.log(`map-consistency.test: skipped: ${skipReason}`);

/** 7 s: the approach to the intersection, past the map-only crosswalk, the crossings in view. */
const GENERATED_FRAMES = 210;
const CACHE = join(tmpdir(), "edge-perception-map-consistency-tests");

/** 8 s of rain: both main-road crossings come within 27 m (the near one from frame ~115, the far one from ~175). */
const RAIN_FRAMES = 240;

/** A generated drive at 640x360 (JPEG, as a camera delivers it), generated on first use into the cache. */
function generatedDrive(scenario: string, frames = GENERATED_FRAMES): Promise<string> {
  return cachedGeneratedDrive({
    cache: CACHE,
    scenario,
    frames,
    variant: "640x360-",
    generate: { compressed: true, jpegQuality: 80, camera: { width: 640, height: 360 } },
  });
}

/** Replays a bag through the launch graph with a map and returns every /perception/frame. */
async function replayFrames(bag: string, mapFile: string, out: string): Promise<PerceptionFrame[]> {
  const nodes = await graphToNodeSpecs(loadLaunchGraph(), { args: { map_file: mapFile } });
  const summary = await runReplay({
    bag,
    out,
    overwrite: true,
    nodes,
    fast: true,
    excludeTopics: ["/perception/viz/*"],
    logSink: () => undefined,
  });
  expect(summary.aborted).toBe(false);
  const frames: PerceptionFrame[] = [];
  const reader = await openBag(out);
  try {
    for await (const e of reader.messages<PerceptionFrame>({ topics: ["/perception/frame"] }))
      if (e.kind === "message") frames.push(e.message);
  } finally {
    await reader.close();
  }
  return frames;
}

const KIND_NAME: Record<number, string> = {
  [MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED]: "shifted",
  [MapDisagreement.KIND_LANE_BOUNDARY_TYPE]: "type",
  [MapDisagreement.KIND_CROSSWALK_UNMAPPED]: "unmapped",
  [MapDisagreement.KIND_CROSSWALK_MISSING]: "missing",
};
const label = (d: MapDisagreement) => `${KIND_NAME[d.kind] ?? d.kind}:${d.map_id || "-"}`;

/** Every disagreement reported in any frame, by kind:map_id. */
function everReported(frames: readonly PerceptionFrame[]): Set<string> {
  return new Set(frames.flatMap((f) => f.disagreements.map(label)));
}

describe.skipIf(skipReason !== undefined)(
  "map consistency through the real graph and models",
  () => {
    let root = "";
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), "map-consistency-"));
    });
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("clean sample drive: no disagreement in any frame", {
      timeout: testTimeout(120_000),
    }, async () => {
      const frames = await replayFrames(sampleBag, sampleMap, join(root, "clean"));
      const ever = everReported(frames);
      const last = frames[frames.length - 1]!;
      console.log(
        `sample_drive: ${frames.length} fused frames, disagreements ever ${JSON.stringify([...ever])}, final consistency score ${last.map_consistency_score.toFixed(3)}`,
      );
      expect(frames.length).toBeGreaterThan(60);
      expect([...ever]).toEqual([]);
      expect(last.map_consistency_score).toBeGreaterThan(0.9);
    });

    it("clean urban_intersection drive (640x360, double yellow centre line, side-road crossings): no disagreement in any frame", {
      timeout: testTimeout(120_000),
    }, async () => {
      const dir = await generatedDrive("urban_intersection");
      const frames = await replayFrames(dir, join(dir, "map.geojson"), join(root, "urban"));
      const ever = everReported(frames);
      console.log(
        `urban_intersection: ${frames.length} fused frames, disagreements ever ${JSON.stringify([...ever])}, final consistency score ${frames[frames.length - 1]!.map_consistency_score.toFixed(3)}`,
      );
      expect(frames.length).toBeGreaterThan(100);
      expect([...ever]).toEqual([]);
    });

    it("clean rain drive (640x360, low-contrast wet road): no disagreement in any frame, both main-road crossings confirmed", {
      timeout: testTimeout(150_000),
    }, async () => {
      const dir = await generatedDrive("rain", RAIN_FRAMES);
      const frames = await replayFrames(dir, join(dir, "map.geojson"), join(root, "rain"));
      const ever = everReported(frames);
      const confirmed = new Set(
        frames.flatMap((f) =>
          f.crosswalks
            .filter((c) => c.map_status === Crosswalk.MAP_STATUS_CONFIRMED)
            .map((c) => c.map_id),
        ),
      );
      console.log(
        `rain: ${frames.length} fused frames, disagreements ever ${JSON.stringify([...ever])}, confirmed crosswalks ${JSON.stringify([...confirmed].sort())}, final consistency score ${frames[frames.length - 1]!.map_consistency_score.toFixed(3)}`,
      );
      expect(frames.length).toBeGreaterThan(120);
      expect([...ever]).toEqual([]);
      expect(confirmed.has("cw_main_near")).toBe(true);
      expect(confirmed.has("cw_main_far")).toBe(true);
    });

    describe("map_mismatch drive (640x360) with its wrong map", () => {
      let dir = "";
      let frames: PerceptionFrame[] = [];
      beforeAll(async () => {
        dir = await generatedDrive("map_mismatch");
        frames = await replayFrames(dir, join(dir, "map.geojson"), join(root, "mismatch"));
      }, testTimeout(180_000));

      it("reports the shifted boundary, the unmapped crosswalk and the unpainted mapped crosswalk, and nothing else", () => {
        const ever = everReported(frames);
        const final = frames[frames.length - 1]!.disagreements;
        console.log(
          `map_mismatch: ${frames.length} fused frames; final: ${final.map((d) => `${label(d)} (${d.evidence_frames} frames, ${d.magnitude.toFixed(2)} m, conf ${d.confidence.toFixed(2)})`).join(", ")}; ever: ${[...ever].join(", ")}`,
        );
        const expected = ["shifted:main_b1_0", "unmapped:-", "missing:cw_main_ghost"];
        expect(final.map(label).sort()).toEqual([...expected].sort());
        // Nothing false at any time: no type disagreement, no other boundary or crosswalk.
        expect([...ever].sort()).toEqual([...expected].sort());
        const shifted = final.find((d) => d.kind === MapDisagreement.KIND_LANE_BOUNDARY_SHIFTED)!;
        expect(shifted.magnitude).toBeGreaterThan(0.35);
        expect(shifted.magnitude).toBeLessThan(0.65);
      });

      it("puts the unmapped crosswalk on the painted crossing the map lacks", () => {
        // The true cw_main_near (painted, not in the map) in the map frame, from a frame that sees it.
        const gt = loadGroundTruth(dir);
        let truth: { x: number; y: number } | undefined;
        for (const f of gt) {
          const cw = f.crosswalks.find((c) => !c.in_map && c.in_image);
          if (!cw) continue;
          const bx = cw.polygon_base.reduce((a, p) => a + p[0], 0) / cw.polygon_base.length;
          const by = cw.polygon_base.reduce((a, p) => a + p[1], 0) / cw.polygon_base.length;
          const c = Math.cos(f.ego.yaw);
          const s = Math.sin(f.ego.yaw);
          truth = { x: f.ego.x + c * bx - s * by, y: f.ego.y + s * bx + c * by };
          break;
        }
        expect(truth).toBeDefined();
        const unmapped = frames[frames.length - 1]!.disagreements.find(
          (d) => d.kind === MapDisagreement.KIND_CROSSWALK_UNMAPPED,
        )!;
        const distance = Math.hypot(unmapped.position.x - truth!.x, unmapped.position.y - truth!.y);
        console.log(
          `map_mismatch: unmapped crosswalk reported ${distance.toFixed(2)} m from the painted one`,
        );
        expect(distance).toBeLessThan(4);
      });
    });
  },
);

describe("what fusion lets count against the map (no models needed)", () => {
  const rect = (x0: number, x1: number, y0: number, y1: number) => [
    { x: x0, y: y0 },
    { x: x1, y: y0 },
    { x: x1, y: y1 },
    { x: x0, y: y1 },
  ];
  const rotate = (poly: { x: number; y: number }[], a: number) =>
    poly.map((p) => ({
      x: 22 + (p.x - 22) * Math.cos(a) - p.y * Math.sin(a),
      y: (p.x - 22) * Math.sin(a) + p.y * Math.cos(a),
    }));

  it("checks crossings of the road ahead, not side-road crossings whose stripes run across the view", () => {
    // config/map_fusion.param.yaml's limit; crossings turned 15 degrees inside / outside it.
    const { maxStripeAngle } = fusionTuning();
    const degrees15 = (15 * Math.PI) / 180;
    const ahead = rect(20, 24, -4, 4); // 4 m deep along x, 8 m across the road: stripes along the line of sight
    expect(crosswalkStripesDetectable(ahead, maxStripeAngle)).toBe(true);
    expect(
      crosswalkStripesDetectable(rotate(ahead, maxStripeAngle - degrees15), maxStripeAngle),
    ).toBe(true);
    expect(crosswalkStripesDetectable(rect(18, 26, 6, 10), maxStripeAngle)).toBe(false); // a side road's crossing
    expect(
      crosswalkStripesDetectable(rotate(ahead, maxStripeAngle + degrees15), maxStripeAngle),
    ).toBe(false);
    expect(crosswalkStripesDetectable(rect(20, 24, -2, 2), maxStripeAngle)).toBe(true); // no clear stripe direction
  });

  it("takes a solid line on a double or road-edge boundary as agreeing (the detector reports neither)", () => {
    expect(typeSeenAs("double_solid", "solid")).toBe("double_solid");
    expect(typeSeenAs("road_edge", "solid")).toBe("road_edge");
    expect(typeSeenAs("double_solid", "dashed")).toBe("dashed");
    expect(typeSeenAs("dashed", "solid")).toBe("solid");
  });
});
