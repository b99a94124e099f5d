/**
 * Local stripe evidence for the learned source's proposals (proposal-check.ts) and the calibrated,
 * gated confidence of the verified source (verified-learned-source.ts), on rendered roads: a
 * proposal over a zebra crossing (straight or at 30 degrees) is striped along the direction
 * estimated from the blob itself; the same blob over a road with lane lines only is not; a blob
 * above the horizon (clutter) meets no ground and fails the gate.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PerceptionError } from "../../../src/core/errors.js";
import { CameraGeometry } from "../../../src/geometry/camera-geometry.js";
import { polygonIoU, signedPolygonArea } from "../../../src/geometry/polygon.js";
import type { TensorToImage } from "../../../src/image/tensor-mapping.js";
import { loadModelContract } from "../../../src/models/contract.js";
import type { SegmentationMask } from "../../../src/models/decoders/segmentation.js";
import {
  LEARNED_CONTRACT,
  projectModelDir,
} from "../../../src/perception/crosswalks/learned-source.js";
import {
  dominantDirections,
  ProposalChecker,
} from "../../../src/perception/crosswalks/proposal-check.js";
import {
  loadVerificationCalibration,
  passesGate,
  VERIFICATION_FEATURES,
} from "../../../src/perception/crosswalks/verified-learned-source.js";
import { renderRoad, type SyntheticLine } from "../lanes/synthetic-road.js";

const geometry = CameraGeometry.approximate({
  width: 960,
  height: 540,
  mountHeight: 1.4,
  pitchRad: (4 * Math.PI) / 180,
  horizontalFovDeg: 70,
});
const lines: SyntheticLine[] = [
  { c: [1.8, 0, 0, 0], dashed: false, colour: "white" },
  { c: [-1.8, 0, 0, 0], dashed: true, colour: "white" },
];
/** The learned model's geometry: a 256x144 tensor stretched from the frame, the mask at half of it. */
const toImage: TensorToImage = {
  tensorWidth: 256,
  tensorHeight: 144,
  imageWidth: 960,
  imageHeight: 540,
  scaleX: 256 / 960,
  scaleY: 144 / 540,
  offsetX: 0,
  offsetY: 0,
  contentWidth: 256,
  contentHeight: 144,
};
const calibration = loadVerificationCalibration(
  projectModelDir(),
  loadModelContract(LEARNED_CONTRACT),
);
const checker = new ProposalChecker(calibration.check);

/** A 128x72 mask whose cells are set where `inside(ground point or undefined, cell row)` holds. */
function maskWhere(inside: (g: { x: number; y: number } | undefined, row: number) => boolean): {
  mask: SegmentationMask;
  cells: Int32Array;
} {
  const w = 128;
  const h = 72;
  const classes = new Uint8Array(w * h);
  const cells: number[] = [];
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const g = geometry.pixelToGround({
        u: ((c + 0.5) * 2) / toImage.scaleX - 0.5,
        v: ((r + 0.5) * 2) / toImage.scaleY - 0.5,
      });
      if (inside(g, r)) {
        classes[r * w + c] = 1;
        cells.push(r * w + c);
      }
    }
  }
  return {
    mask: { name: "classes", width: w, height: h, classCount: 4, classes },
    cells: Int32Array.from(cells),
  };
}

/** A proposal over the ground box x 7-15 m, |y| < 6 m (a blob a little larger than the crossing). */
const box = maskWhere((g) => g !== undefined && g.x > 7 && g.x < 15 && Math.abs(g.y) < 6);

const striped = (e: { stripedLines: number; lines: number }) =>
  e.stripedLines / Math.max(1, e.lines);

/** The crossing x 9-13, y -5..5 turned 30 degrees counter-clockwise about its centre (as renderRoad draws it). */
function crossingAt30(): { x: number; y: number }[] {
  const a = (30 * Math.PI) / 180;
  return [
    [9, -5],
    [13, -5],
    [13, 5],
    [9, 5],
  ].map(([x, y]) => ({
    x: 11 + (x! - 11) * Math.cos(a) - y! * Math.sin(a),
    y: (x! - 11) * Math.sin(a) + y! * Math.cos(a),
  }));
}

describe("ProposalChecker", () => {
  it("finds the stripes of a straight crossing inside the proposal, analysing across them (direction near the y axis)", () => {
    const road = renderRoad(geometry, {
      lines,
      crosswalk: { xNear: 9, xFar: 13, yRight: -5, yLeft: 5, stripe: 0.5, gap: 0.6 },
      seed: 4,
    });
    const e = checker.check(
      { view: road.view, geometry, mask: box.mask, toImage },
      { cells: box.cells },
    );
    expect(e.groundShare).toBe(1);
    expect(e.imageRows).toBeGreaterThan(20);
    expect(Math.abs(e.angleDeg)).toBeLessThan(15);
    expect(striped(e)).toBeGreaterThan(0.4);
    expect(e.stripedDepth).toBeGreaterThan(3);
    expect(passesGate(e, calibration.gate, calibration.check.minImageRows)).toBe(true);
    // Located where the stripes are (x 9-13 m), not where the blob is (x 7-15 m).
    const xs = e.stripedOutline!.map((p) => p.x);
    console.log(
      `straight crossing x 9-13: striped outline x ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}, blob x ${e.xNear.toFixed(2)}-${e.xFar.toFixed(2)}`,
    );
    expect(Math.abs(Math.min(...xs) - 9)).toBeLessThan(0.8);
    expect(Math.abs(Math.max(...xs) - 13)).toBeLessThan(0.8);
    expect(signedPolygonArea(e.stripedOutline!)).toBeGreaterThan(0);
  });

  it("estimates the direction of a crossing at 30 degrees from the blob itself and finds its stripes along it", () => {
    const road = renderRoad(geometry, {
      lines,
      crosswalk: { xNear: 9, xFar: 13, yRight: -5, yLeft: 5, stripe: 0.5, gap: 0.6, angleDeg: 30 },
      seed: 5,
    });
    const e = checker.check(
      { view: road.view, geometry, mask: box.mask, toImage },
      { cells: box.cells },
    );
    // The analysis lines run across the stripes, turned with the crossing (a counter-clockwise turn:
    // the across-stripe direction leans to -30 degrees from the y axis), within a histogram bin and the offsets tried.
    expect(Math.abs(e.angleDeg + 30)).toBeLessThan(15);
    expect(striped(e)).toBeGreaterThan(0.3);
    expect(e.stripedDepth).toBeGreaterThan(1.5);
    // Its outline lies on the turned crossing, inside the blob.
    const truth = crossingAt30();
    console.log(
      `crossing at 30 degrees: striped outline IoU with the truth ${polygonIoU(e.stripedOutline!, truth).toFixed(2)}`,
    );
    expect(polygonIoU(e.stripedOutline!, truth)).toBeGreaterThan(0.3);
  });

  it("finds no stripes in the same blob over a road with lane lines only", () => {
    const road = renderRoad(geometry, { lines, seed: 6 });
    const e = checker.check(
      { view: road.view, geometry, mask: box.mask, toImage },
      { cells: box.cells },
    );
    expect(striped(e)).toBeLessThan(0.1);
    expect(VERIFICATION_FEATURES.striped_share(e, calibration.gate)).toBeLessThan(0.1);
  });

  it("a blob above the horizon (clutter) meets no ground: no stripes analysed, fails the gate", () => {
    const horizon = geometry.horizonRow();
    const clutter = maskWhere(
      (_, r) =>
        ((r + 0.5) * 2) / toImage.scaleY < horizon - 5 &&
        ((r + 0.5) * 2) / toImage.scaleY > horizon - 60,
    );
    expect(clutter.cells.length).toBeGreaterThan(50);
    const road = renderRoad(geometry, {
      lines,
      crosswalk: { xNear: 9, xFar: 13, yRight: -5, yLeft: 5, stripe: 0.5, gap: 0.6 },
      seed: 7,
    });
    const e = checker.check(
      { view: road.view, geometry, mask: clutter.mask, toImage },
      { cells: clutter.cells },
    );
    expect(e.groundShare).toBe(0);
    expect(e.lines).toBe(0);
    expect(passesGate(e, calibration.gate, calibration.check.minImageRows)).toBe(false);
  });

  it("a proposal off the drivable area fails the gate when a drivable mask says so", () => {
    const road = renderRoad(geometry, {
      lines,
      crosswalk: { xNear: 9, xFar: 13, yRight: -5, yLeft: 5, stripe: 0.5, gap: 0.6 },
      seed: 8,
    });
    const offRoad: SegmentationMask = {
      ...road.drivableMask,
      classes: new Uint8Array(road.drivableMask.classes.length),
    };
    const e = checker.check(
      {
        view: road.view,
        geometry,
        mask: box.mask,
        toImage,
        drivableMask: offRoad,
        drivableToImage: road.toImage,
      },
      { cells: box.cells },
    );
    expect(e.drivableShare).toBe(0);
    expect(passesGate(e, calibration.gate, calibration.check.minImageRows)).toBe(false);
    const onRoad = checker.check(
      {
        view: road.view,
        geometry,
        mask: box.mask,
        toImage,
        drivableMask: road.drivableMask,
        drivableToImage: road.toImage,
      },
      { cells: box.cells },
    );
    expect(onRoad.drivableShare).toBeGreaterThan(0.5);
  });
});

describe("dominantDirections", () => {
  it("gives the peak direction of the votes (doubled angles), a minority not outvoting it; none without votes", () => {
    const deg = (d: number) => ((2 * d * Math.PI) / 180 + 4 * Math.PI) % (2 * Math.PI);
    // 60 votes near -30 degrees, 20 at 45 degrees (a kerb), all of the same (capped) weight.
    const twice = Float64Array.from([
      ...Array.from({ length: 60 }, (_, i) => deg(-33 + (i % 7))),
      ...Array.from({ length: 20 }, () => deg(45)),
    ]);
    const weight = new Float64Array(twice.length).fill(10);
    const d = dominantDirections(twice, weight, twice.length);
    expect(Math.abs((d.angles[0]! * 180) / Math.PI + 30)).toBeLessThanOrEqual(10);
    expect(d.angles).toHaveLength(1);
    expect(d.coherence).toBeGreaterThan(0.4);
    expect(dominantDirections(new Float64Array(0), new Float64Array(0), 0).angles).toEqual([]);
  });
});

describe("verification calibration file", () => {
  it("the shipped one names known features, one weight each, and its fit figures", () => {
    expect(calibration.features.length).toBe(calibration.weights.length);
    expect(calibration.weights.every((w) => w > 0)).toBe(true);
  });

  it("a missing or broken one is an error naming the file or field", () => {
    const contract = loadModelContract(LEARNED_CONTRACT);
    const dir = mkdtempSync(join(tmpdir(), "xv-"));
    expect(() => loadVerificationCalibration(dir, contract)).toThrow(
      /cannot read the proposal verification of 'crosswalk_seg'/,
    );
    const good = JSON.parse(
      JSON.stringify({
        check: calibration.check,
        gate: calibration.gate,
        features: calibration.features,
        weights: calibration.weights,
        bias: calibration.bias,
      }),
    );
    writeFileSync(
      join(dir, "crosswalk_seg.verification.json"),
      JSON.stringify({ ...good, features: ["colour"] }),
    );
    expect(() => loadVerificationCalibration(dir, contract)).toThrow(PerceptionError);
    expect(() => loadVerificationCalibration(dir, contract)).toThrow(/unknown feature "colour"/);
    writeFileSync(
      join(dir, "crosswalk_seg.verification.json"),
      JSON.stringify({ ...good, weights: [] }),
    );
    expect(() => loadVerificationCalibration(dir, contract)).toThrow(/1 features but 0 weights/);
    writeFileSync(
      join(dir, "crosswalk_seg.verification.json"),
      JSON.stringify({ ...good, gate: { ...good.gate, minLines: "4" } }),
    );
    expect(() => loadVerificationCalibration(dir, contract)).toThrow(
      /gate.minLines must be a number/,
    );
  });
});
