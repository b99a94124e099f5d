/**
 * The learned crosswalk source: blob and outline helpers, the presence rule's sidecar, and the
 * shipped network (models/crosswalk_seg.onnx) on frames from the project's own generator (a seed
 * and scenario the training never used: training draws its own random worlds).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PerceptionError } from "../../../src/core/errors.js";
import type { ImageView } from "../../../src/image/image-view.js";
import { loadModelContract } from "../../../src/models/contract.js";
import type { SegmentationMask } from "../../../src/models/decoders/segmentation.js";
import type { TensorToImage } from "../../../src/models/session.js";
import {
  blobOutline,
  blobs,
  largestBlob,
  type LearnedCrosswalkSource,
  LEARNED_CONTRACT,
  loadPresenceRule,
  projectModelDir,
  type LearnedCrosswalkResult,
} from "../../../src/perception/crosswalks/learned-source.js";
import {
  openLearnedSource,
  type VerifiedLearnedSource,
} from "../../../src/perception/crosswalks/verified-learned-source.js";
import { makeCameraRig } from "../../../tools/scenario/camera-rig.js";
import { Renderer } from "../../../tools/scenario/render/renderer.js";
import { buildScenario } from "../../../tools/scenario/scenarios.js";
import { pedestrianAt, vehicleAt } from "../../../tools/scenario/world/actors.js";
import { baseFromMap } from "../../../tools/scenario/poses.js";
import { transformPoint } from "../../../src/geometry/transform.js";

function mask(width: number, height: number, rows: string[]): SegmentationMask {
  const classes = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((ch, x) => (classes[y * width + x] = Number(ch))));
  return { name: "classes", width, height, classCount: 4, classes };
}

describe("largestBlob / blobOutline", () => {
  const m = mask(6, 4, ["110000", "110011", "000011", "000011"]);

  it("picks the largest 4-connected blob of the class", () => {
    const cells = [...largestBlob(m, 1)].sort((a, b) => a - b);
    expect(cells).toEqual([10, 11, 16, 17, 22, 23]);
    expect(largestBlob(m, 2)).toHaveLength(0);
    // Diagonal neighbours are not connected: two single cells, the first one found wins the tie.
    expect(largestBlob(mask(2, 2, ["10", "01"]), 1)).toHaveLength(1);
  });

  it("lists every blob of the class from a least size, largest first", () => {
    const all = blobs(mask(6, 4, ["110001", "110000", "000011", "100011"]), 1, 1);
    expect(all.map((b) => b.length)).toEqual([4, 4, 1, 1]);
    expect(
      blobs(mask(6, 4, ["110001", "110000", "000011", "100011"]), 1, 2).map((b) => b.length),
    ).toEqual([4, 4]);
  });

  it("outlines it in image pixels through the tensor mapping (mask at half the tensor size)", () => {
    // A 12x8 tensor stretched from a 120x80 image: 10 image pixels per tensor pixel, 20 per mask cell.
    const toImage: TensorToImage = {
      tensorWidth: 12,
      tensorHeight: 8,
      imageWidth: 120,
      imageHeight: 80,
      scaleX: 0.1,
      scaleY: 0.1,
      offsetX: 0,
      offsetY: 0,
      contentWidth: 12,
      contentHeight: 8,
    };
    const outline = blobOutline(largestBlob(m, 1), m, toImage);
    const xs = outline.map((p) => p.x);
    const ys = outline.map((p) => p.y);
    expect(Math.min(...xs)).toBe(80);
    expect(Math.max(...xs)).toBe(120);
    expect(Math.min(...ys)).toBe(20);
    expect(Math.max(...ys)).toBe(80);
  });
});

describe("presence rule sidecar", () => {
  const contract = loadModelContract(LEARNED_CONTRACT);

  it("the shipped one is complete", () => {
    const rule = loadPresenceRule(projectModelDir(), contract);
    expect(rule.crosswalkClass).toBe(1);
    expect(rule.logisticA).toBeGreaterThan(0);
  });

  it("a missing or broken one is an error naming the file or field", () => {
    const dir = mkdtempSync(join(tmpdir(), "xl-"));
    expect(() => loadPresenceRule(dir, contract)).toThrow(
      /cannot read the presence rule of 'crosswalk_seg'/,
    );
    writeFileSync(
      join(dir, "crosswalk_seg.json"),
      JSON.stringify({ presence: { crosswalk_class: 1, logistic_a: "x", logistic_b: 0 } }),
    );
    expect(() => loadPresenceRule(dir, contract)).toThrow(PerceptionError);
    expect(() => loadPresenceRule(dir, contract)).toThrow(/logistic_a must be a number/);
  });

  it("learned_source: off opens nothing", async () => {
    const lines: string[] = [];
    expect(await openLearnedSource("off", (l) => lines.push(l))).toBeUndefined();
    expect(lines.join()).toMatch(/off/);
  });
});

describe("the shipped network on generated frames (scenario urban_intersection, seed 99)", () => {
  let source: LearnedCrosswalkSource;
  const built = buildScenario("urban_intersection", { seed: 99, duration: 12 });
  const rig = makeCameraRig({ width: 640, height: 360 });
  const renderer = new Renderer({
    world: built.world,
    rig,
    environment: built.environment,
    seed: 99,
  });
  const near = built.world.crosswalks.find((c) => c.id === "cw_main_near")!;

  /** The frame at time t and the near crossing's outline in base_link then. */
  function frameAt(t: number): { view: ImageView; truth: { x: number; y: number }[] } {
    const ego = built.ego.poseAt(t);
    const f = renderer.render({
      index: Math.round(t * 30),
      ego,
      pedestrians: built.world.pedestrians.map((p) => pedestrianAt(p, t)),
      vehicles: built.world.vehicles.map((v) => vehicleAt(v, t)),
    });
    const view: ImageView = {
      width: 640,
      height: 360,
      step: 640 * 3,
      format: "rgb8",
      data: Uint8Array.from(f.rgb),
    };
    const T = baseFromMap(ego);
    return { view, truth: near.polygon.map((p) => transformPoint(T, { x: p.x, y: p.y, z: 0 })) };
  }

  /** The first time the near crossing's near edge is within `d` metres ahead. */
  function timeAt(d: number): number {
    for (let t = 0; t < 12; t += 0.1) {
      const { truth } = frameAtGeometryOnly(t);
      if (Math.min(...truth.map((p) => p.x)) < d) return t;
    }
    throw new Error("never that close");
  }
  function frameAtGeometryOnly(t: number): { truth: { x: number; y: number }[] } {
    const T = baseFromMap(built.ego.poseAt(t));
    return { truth: near.polygon.map((p) => transformPoint(T, { x: p.x, y: p.y, z: 0 })) };
  }

  let verified: VerifiedLearnedSource;
  beforeAll(async () => {
    const lines: string[] = [];
    const s = await openLearnedSource("auto", (l) => lines.push(l));
    expect(s, lines.join("\n")).toBeDefined();
    verified = s!;
    source = s!.learned;
  });
  afterAll(async () => {
    await verified?.release();
  });

  it("finds the crossing ahead at ~12 m with its ground outline on the true one", async () => {
    const { view, truth } = frameAt(timeAt(12));
    const r: LearnedCrosswalkResult = await source.analyse({
      view,
      geometry: rig.geometry,
      stamp: { sec: 0, nanosec: 0 },
    });
    expect(r.probability).toBeGreaterThanOrEqual(0.5);
    expect(r.imagePolygon.length).toBeGreaterThanOrEqual(4);
    const c = r.candidate!;
    const tx = truth.map((p) => p.x);
    const ty = truth.map((p) => p.y);
    // The near edge within 2.5 m (the blob bleeds ~2 m onto the stop line 1.5 m before the crossing:
    // the stripe source measures edges better), and the outline overlapping the true crossing laterally.
    expect(Math.abs(c.xNear - Math.min(...tx))).toBeLessThan(2.5);
    expect(c.xFar).toBeGreaterThan(Math.min(...tx) + 2);
    expect(
      Math.min(c.yLeft, Math.max(...ty)) - Math.max(c.yRight, Math.min(...ty)),
    ).toBeGreaterThan(2);
    const report = await source.candidates({
      view,
      geometry: rig.geometry,
      stamp: { sec: 0, nanosec: 0 },
    });
    expect(report.invalid).toBeUndefined();
    expect(report.probability).toBe(r.probability);
    expect(report.candidates).toHaveLength(1);
    // Both outlines ride along for the fusion; the ground one counter-clockwise (x forward, y left) and inside the box.
    const g = report.candidates[0]!.groundPolygon!;
    let twiceArea = 0;
    for (let i = 0; i < g.length; i++)
      twiceArea += g[i]!.x * g[(i + 1) % g.length]!.y - g[(i + 1) % g.length]!.x * g[i]!.y;
    expect(twiceArea).toBeGreaterThan(0);
    for (const p of g)
      expect(p.x >= c.xNear && p.x <= c.xFar && p.y >= c.yRight && p.y <= c.yLeft).toBe(true);
    expect(report.candidates[0]!.imagePolygon).toEqual(r.imagePolygon);
  });

  it("sees no crossing at the start of the drive (the crossing 60+ m away, lane lines only)", async () => {
    const { view } = frameAt(0);
    const r = await source.analyse({ view, geometry: rig.geometry, stamp: { sec: 0, nanosec: 0 } });
    expect(r.probability).toBeLessThan(0.5);
  });

  it("verifies the crossing ahead at ~12 m by its stripes, on the true crossing (proposal verification)", async () => {
    const { view, truth } = frameAt(timeAt(12));
    const report = await verified.candidates({
      view,
      geometry: rig.geometry,
      stamp: { sec: 0, nanosec: 0 },
    });
    console.log(
      `verified proposals on the generated frame: ${report.candidates.map((c) => `x ${c.xNear.toFixed(1)}-${c.xFar.toFixed(1)} y ${c.yRight.toFixed(1)}..${c.yLeft.toFixed(1)} ${c.evidence}`).join("; ")}`,
    );
    const tx = truth.map((p) => p.x);
    const ty = truth.map((p) => p.y);
    // The near crossing (the junction's far-side crossings at ~24 m are verified too: they are crossings).
    const near = report.candidates.find(
      (c) => c.xNear < Math.max(...tx) && c.xFar > Math.min(...tx),
    );
    expect(near, "a verified proposal on the near crossing").toBeDefined();
    expect(near!.confidence).toBeGreaterThanOrEqual(0.5);
    expect(Math.abs(near!.xNear - Math.min(...tx))).toBeLessThan(2.5);
    expect(
      Math.min(near!.yLeft, Math.max(...ty)) - Math.max(near!.yRight, Math.min(...ty)),
    ).toBeGreaterThan(2);
    const proposal = verified.lastProposals.find((p) => p.confidence === near!.confidence)!;
    expect(proposal.evidence.stripedLines / proposal.evidence.lines).toBeGreaterThan(0.5);
    // Located where the stripes are (not the blob's mask rows), with a near-edge std that covers its error.
    expect(near!.groundPolygon!.length).toBeGreaterThanOrEqual(4);
    expect(near!.imagePolygon).toBeUndefined();
    expect(Math.abs(near!.xNear - Math.min(...tx))).toBeLessThan(3 * near!.distanceStd);
  });

  it("leaves unchecked a proposal on a crossing an earlier source already located (CrosswalkFrame.located), and checks the others", async () => {
    const { view } = frameAt(timeAt(12));
    const frame = { view, geometry: rig.geometry, stamp: { sec: 0, nanosec: 0 } };
    const all = await verified.candidates(frame);
    expect(verified.lastCovered).toBe(0);
    const first = all.candidates[0]!;
    const rest = await verified.candidates({ ...frame, located: [first] });
    expect(verified.lastCovered).toBe(1);
    expect(rest.candidates).toHaveLength(all.candidates.length - 1);
    expect(rest.candidates.some((c) => c.xNear === first.xNear && c.yRight === first.yRight)).toBe(
      false,
    );
  });

  it("reports no verified crossing at the start of the drive", async () => {
    const { view } = frameAt(0);
    const report = await verified.candidates({
      view,
      geometry: rig.geometry,
      stamp: { sec: 0, nanosec: 0 },
    });
    expect(report.candidates.filter((c) => c.confidence >= 0.5)).toEqual([]);
  });
});
