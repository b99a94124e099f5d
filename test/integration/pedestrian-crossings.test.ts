/**
 * The people at the crossings of the sample drive, through the real launch graph and YOLOX-Nano
 * (as `npm run demo` runs it, with maps/sample_drive.geojson): at 960x540 the two people at the
 * crossing ahead (ped_5 waiting at the kerb, 23 px tall at 72 m; ped_3 crossing, 17 px at 83 m) are
 * 7-10 px in the whole-frame 416 input, which the model does not resolve; the crops along the
 * horizon band and around the mapped crosswalks ahead find those of 22 px (30 px at 1280x720) and
 * more, and fusion tracks them at the crossing. ped_3, under that size while it is in view, is
 * found now and then (below what YOLOX-Nano resolves even zoomed 2.6x) and is not asserted.
 * Measured here against the same graph with the crops turned off (crop_passes_per_s 0: the
 * detector as it was).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/open-bag.js";
import { projectPath, sharedDir } from "../../src/core/paths.js";
import { timeToNs } from "../../src/core/time.js";
import { iou } from "../../src/models/detection.js";
import type { PedestrianArray, PerceptionFrame } from "../../src/msgs/types.generated.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../../src/host/graph.js";
import { loadGroundTruth } from "../../src/report/ground-truth.js";
import { runReplay } from "../../src/host/replay/run-replay.js";
import { testTimeout } from "../support/emulation.js";

const shared = sharedDir();
/** People this tall or more at 960x540 (30 px at 1280x720, the "about 40 px" with a margin) must be found. */
const MIN_HEIGHT = 22;
const bag = projectPath("bags", "sample_drive");
const map = projectPath("maps", "sample_drive.geojson");
const skipReason =
  !shared || !existsSync(join(shared, "models", "yolox_nano.onnx"))
    ? "../shared/models/yolox_nano.onnx is absent"
    : !existsSync(join(bag, "metadata.yaml")) || !existsSync(map)
      ? "bags/sample_drive or maps/sample_drive.geojson is absent"
      : undefined;
if (skipReason) console.log(`pedestrian-crossings.test: skipped: ${skipReason}`);

interface Replayed {
  pedestrians: PedestrianArray[];
  frames: PerceptionFrame[];
}

const root = mkdtempSync(join(tmpdir(), "pedestrian-crossings-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function replay(name: string, params: string): Promise<Replayed> {
  const paramsFile = join(root, `${name}.yaml`);
  writeFileSync(paramsFile, `pedestrian_detector:\n  ros__parameters:\n${params || "    {}\n"}`);
  const nodes = await graphToNodeSpecs(loadLaunchGraph(), {
    args: { map_file: map },
    paramsFiles: params ? [paramsFile] : [],
  });
  const out = join(root, name);
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
  const result: Replayed = { pedestrians: [], frames: [] };
  const reader = await openBag(out);
  try {
    for await (const e of reader.messages<PedestrianArray | PerceptionFrame>({
      topics: ["/perception/pedestrians", "/perception/frame"],
    })) {
      if (e.kind !== "message") continue;
      if (e.topic === "/perception/pedestrians")
        result.pedestrians.push(e.message as PedestrianArray);
      else result.frames.push(e.message as PerceptionFrame);
    }
  } finally {
    await reader.close();
  }
  return result;
}

describe.skipIf(skipReason !== undefined)("people at the sample drive's crossings", () => {
  it("are found in most frames from the first half second on and tracked at the crossing, where the whole frame alone misses them", {
    timeout: testTimeout(180_000),
  }, async () => {
    const truth = loadGroundTruth(bag);
    const before = await replay("whole-frame", "    crop_passes_per_s: 0.0\n");
    const after = await replay("shipped", "");

    /**
     * Per person at a crossing (crossing or waiting at the kerb, at least half visible, at least
     * MIN_HEIGHT px tall), over the published frames: frames it was in view, frames a published box matched it.
     */
    const hits = (
      r: Replayed,
      firstFrames = Infinity,
    ): Map<string, { seen: number; found: number }> => {
      const found = new Map<string, { seen: number; found: number }>();
      for (const msg of r.pedestrians) {
        const gt = truth.find((g) => timeToNs(g.stamp) === timeToNs(msg.header.stamp));
        if (!gt || gt.frame >= firstFrames) continue;
        for (const p of gt.pedestrians) {
          if (
            !p.in_image ||
            !p.box ||
            p.visible_fraction < 0.5 ||
            (p.role !== "crossing" && p.role !== "waiting_at_kerb")
          )
            continue;
          if (p.box.v1 - p.box.v0 < MIN_HEIGHT) continue;
          const box = { x1: p.box.u0, y1: p.box.v0, x2: p.box.u1, y2: p.box.v1 };
          const match = msg.pedestrians.some(
            (x) =>
              iou(
                {
                  x1: x.image_box.x_offset,
                  y1: x.image_box.y_offset,
                  x2: x.image_box.x_offset + x.image_box.width,
                  y2: x.image_box.y_offset + x.image_box.height,
                },
                box,
              ) >= 0.4,
          );
          const f = found.get(p.id) ?? { seen: 0, found: 0 };
          found.set(p.id, { seen: f.seen + 1, found: f.found + (match ? 1 : 0) });
        }
      }
      return found;
    };
    const atCrossing = (r: Replayed): number =>
      r.frames.filter((f) => f.pedestrians.some((p) => p.crosswalk_id !== "")).length;
    const hb = hits(before);
    const ha = hits(after);
    const first = hits(after, 15);
    const fmt = (m: Map<string, { seen: number; found: number }>): string =>
      [...m].map(([id, v]) => `${id} ${v.found}/${v.seen}`).join(", ");
    console.log(
      `sample drive, people at crossings >= ${MIN_HEIGHT} px, published frames matching them / in view: whole frame ${fmt(hb)}; with crops ${fmt(ha)} (first 15 frames: ${fmt(first)}); ` +
        `fused frames with a pedestrian at a crossing: ${atCrossing(before)}/${before.frames.length} -> ${atCrossing(after)}/${after.frames.length}`,
    );
    const total = (m: Map<string, { seen: number; found: number }>): number =>
      [...m.values()].reduce((n, v) => n + v.found, 0);
    // Everyone standing or walking at a crossing is found in most frames they are in view ...
    expect([...ha.keys()]).toContain("ped_5");
    for (const [id, v] of ha) if (v.seen >= 5) expect(v.found, id).toBeGreaterThan(v.seen / 2);
    // ... including in the first half second (the demo's frame 4 had none), ...
    expect(first.get("ped_5")!.found).toBeGreaterThan(0);
    // ... where the whole frame alone finds a few per cent of them.
    expect(total(ha)).toBeGreaterThan(5 * total(hb));
    // Fusion tracks them at the crossing.
    expect(atCrossing(after)).toBeGreaterThan(after.frames.length / 3);
    expect(atCrossing(after)).toBeGreaterThan(5 * atCrossing(before));
  });
});
