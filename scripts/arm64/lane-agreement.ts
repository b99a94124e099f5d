/**
 * Lane lines from one lane model's masks computed on two machines (x86 and arm64): each side's
 * masks go through the lane stage exactly as `edge-perception detect` runs it on a still (detectStill:
 * horizon from the lanes' vanishing point, else the drivable area's top, with the uncalibrated camera
 * of config/crosswalk_detector.param.yaml; default LaneDetector options), and the painted lines are
 * compared in the image (benchmarkImageLanes over their visible extent). Used by compare.ts.
 */
import type { ImageView } from "../../src/image/image-view.js";
import { computeTensorMapping } from "../../src/image/preprocess.js";
import type { ModelContract } from "../../src/models/contract.js";
import { decodeSegmentation } from "../../src/models/decoders/segmentation.js";
import { benchmarkImageLanes } from "../../src/perception/lanes/benchmark-lanes.js";
import { detectStill } from "../../src/perception/lanes/detect-still.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../../src/host/graph.js";
import { stillCameraOptions } from "../../src/nodes/crosswalk-detector.js";
import { LaneDetector } from "../../src/perception/lanes/lane-detector.js";
import type { RawOutput } from "./agreement.js";
import { laneDetectorFileTuning } from "../../src/nodes/lane-detector-tuning.js";

/** What the lane lines of two runs agree on. */
export interface LaneLineAgreement {
  /** Painted lines found from each side's masks. */
  lines: [number, number];
  /** Lines of either side without a partner within `maxOffsetPx`. */
  unmatched: number;
  /** Largest mean horizontal distance (image px, over their common rows) of matched partners. */
  worstOffsetPx: number;
  ok: boolean;
  result: string;
}

/** The painted lines `detect` reports from these raw outputs, as image polylines [u, v] (v decreasing). */
async function imageLines(
  contract: ModelContract,
  view: ImageView,
  outputs: Record<string, RawOutput>,
): Promise<[number, number][][]> {
  const masks = Object.entries(outputs).map(([name, o]) =>
    decodeSegmentation(name, o.data, o.dims),
  );
  const toImage = computeTensorMapping(
    {
      width: contract.input.width,
      height: contract.input.height,
      channelOrder: contract.input.channelOrder,
      normalization: contract.input.normalization,
      resize: contract.input.resize,
    },
    view.width,
    view.height,
  );
  const lanes = await LaneDetector.create({
    ...laneDetectorFileTuning(),
    segmenter: { segment: async () => ({ masks, toImage, inferenceMs: 0 }) },
  });
  const params = (await graphToNodeSpecs(loadLaunchGraph())).find(
    (n) => n.name === "crosswalk_detector",
  )!.parameters;
  const r = await detectStill(view, {
    lanes,
    camera: { kind: "auto", ...stillCameraOptions((name) => params[name]) },
  });
  return benchmarkImageLanes(r.lanes.markings, [], r.geometry, { visibleOnly: true });
}

/** Mean |u_a - u_b| over the rows of `a` that `b` also covers (undefined below 2 such rows). */
function meanOffset(a: [number, number][], b: [number, number][]): number | undefined {
  const vMin = Math.min(...b.map((p) => p[1]));
  const vMax = Math.max(...b.map((p) => p[1]));
  let sum = 0;
  let n = 0;
  for (const [u, v] of a) {
    if (v < vMin || v > vMax) continue;
    // b's points run from the near end (large v) up; interpolate u at row v.
    for (let i = 1; i < b.length; i++) {
      const [u0, v0] = b[i - 1]!;
      const [u1, v1] = b[i]!;
      if ((v <= v0 && v >= v1) || (v >= v0 && v <= v1)) {
        const t = v0 === v1 ? 0 : (v - v0) / (v1 - v0);
        sum += Math.abs(u - (u0 + t * (u1 - u0)));
        n++;
        break;
      }
    }
  }
  return n >= 2 ? sum / n : undefined;
}

/** Lane-line agreement of `b` with `a` on `view` (same model, same frame, two machines). */
export async function laneLineAgreement(
  contract: ModelContract,
  view: ImageView,
  a: Record<string, RawOutput>,
  b: Record<string, RawOutput>,
  maxOffsetPx: number,
): Promise<LaneLineAgreement> {
  const la = await imageLines(contract, view, a);
  const lb = await imageLines(contract, view, b);
  let unmatched = 0;
  let worst = 0;
  const match = (from: [number, number][][], to: [number, number][][]) => {
    for (const x of from) {
      const offsets = to.map((y) => meanOffset(x, y)).filter((d): d is number => d !== undefined);
      const best = offsets.length > 0 ? Math.min(...offsets) : Infinity;
      if (best > maxOffsetPx) unmatched++;
      else worst = Math.max(worst, best);
    }
  };
  match(la, lb);
  match(lb, la);
  return {
    lines: [la.length, lb.length],
    unmatched,
    worstOffsetPx: worst,
    ok: unmatched === 0 && la.length === lb.length,
    result: `lane lines x86 ${la.length} / arm64 ${lb.length}, unmatched ${unmatched}, worst mean offset ${worst.toFixed(2)} px`,
  };
}
