/**
 * One generated drive scored: the output bag of `replay` against the drive's ground truth
 * (`ground_truth.jsonl`, `scenario.json`). Pedestrian detection from `/perception/pedestrians`,
 * lanes from `/perception/lanes`, crosswalks from `/perception/crosswalks` (the detectors' own
 * output, each message evidence at its stamp); tracking, ego lane, map disagreements and latency
 * from `/perception/frame` (what the planner gets).
 */
import { openBag } from "../bag/open-bag.js";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { timeToNs } from "../core/time.js";
import type {
  CrosswalkArray,
  LaneMarking,
  LaneMarkingArray,
  PedestrianArray,
  PerceptionFrame,
} from "../msgs/types.generated.js";
import { evalPoly } from "../perception/lanes/polyfit.js";
import { markingToTuSimpleLane } from "../perception/lanes/tusimple-metric.js";
import {
  loadGroundTruth,
  type GroundTruthFrame,
  type GtBox,
  type GtPedestrian,
} from "./ground-truth.js";
import type { Box, PredictedObject, TruthObject } from "./box-matching.js";
import { emptyCrosswalks, scoreCrosswalkFrame } from "./crosswalk-score.js";
import { emptyDetection, scoreDetections, type DetectionFrame } from "./detection-score.js";
import type { EvalConfig } from "./eval-config.js";
import { addLatency } from "./latency-histogram.js";
import {
  emptyLanes,
  polylineAtRows,
  polylineLane,
  scoreGroundLanes,
  scoreTuSimpleFrame,
  tusimpleRows,
  type GroundLane,
} from "./lane-score.js";
import { driveCamera, readScenarioInfo } from "./drive-camera.js";
import { scoreMapDisagreements, type FoundDisagreement } from "./map-score.js";
import { addError, emptyPartial, zeroErrors, type EvalUnit } from "./partial.js";
import { emptyTracking, scoreTracking, type TrackingFrame } from "./tracking-score.js";

/** Topics the scores read. */
const EVAL_TOPICS = {
  pedestrians: "/perception/pedestrians",
  lanes: "/perception/lanes",
  crosswalks: "/perception/crosswalks",
  frame: "/perception/frame",
} as const;

function gtBox(b: GtBox): Box {
  return { x1: b.u0, y1: b.v0, x2: b.u1 + 1, y2: b.v1 + 1 };
}

/** A labelled pedestrian is "don't care" when too little of it is visible to expect a detection. */
function isDontCare(p: GtPedestrian, config: EvalConfig): boolean {
  const v = p.visible_box;
  return (
    !v ||
    v.v1 - v.v0 + 1 < config.pedestrians.ignore_min_height_px ||
    p.visible_fraction < config.pedestrians.ignore_min_visible_fraction
  );
}

function truthPedestrians(gt: GroundTruthFrame, config: EvalConfig): TruthObject[] {
  return gt.pedestrians
    .filter((p) => p.in_image && p.box)
    .map((p) => ({
      id: p.id,
      box: gtBox(p.box!),
      ...(p.visible_box ? { visibleBox: gtBox(p.visible_box) } : {}),
      range: p.range,
      position: [p.position_base[0], p.position_base[1]] as [number, number],
      dontCare: isDontCare(p, config),
    }));
}

/** The ground distance a track may be off a labelled person: fixed near, a share of the range far (monocular depth). */
export function trackGate(range: number, config: EvalConfig): number {
  return Math.max(
    config.pedestrians.track_match_m,
    config.pedestrians.track_match_range_fraction * range,
  );
}

function markingLane(m: LaneMarking): GroundLane {
  return {
    xMin: m.x_min,
    xMax: m.x_max,
    y: (x) =>
      x >= m.x_min - 1e-6 && x <= m.x_max + 1e-6 ? evalPoly(m.poly_coefficients, x) : undefined,
  };
}

/** The visible part of each labelled line (samples inside the image), road edges excluded. */
function truthLanes(gt: GroundTruthFrame): { ground: GroundLane[]; image: [number, number][][] } {
  const ground: GroundLane[] = [];
  const image: [number, number][][] = [];
  for (const m of gt.lane_markings) {
    if (m.type === "road_edge") continue;
    const base = m.points_base.filter((p, i) => m.points_image[i] && p[0] >= 0);
    const lane = polylineLane(base);
    if (!lane) continue;
    ground.push(lane);
    image.push(m.points_image.filter((p): p is [number, number] => p !== null));
  }
  return { ground, image };
}

/** Scores one drive; `id` names the unit (its relative path). */
export async function scoreDrive(
  id: string,
  outputBag: string,
  truthDir: string,
  config: EvalConfig,
): Promise<EvalUnit> {
  const truth = loadGroundTruth(truthDir);
  if (truth.length === 0)
    throw new PerceptionError("eval", "the ground truth has no frames", { path: truthDir });
  const byStamp = new Map(truth.map((f) => [timeToNs(f.stamp), f]));
  const info = readScenarioInfo(truthDir);
  const geometry = driveCamera(info);

  const partial = emptyPartial();
  partial.frames = truth.length;
  const detection = emptyDetection(config);
  const lanes = emptyLanes();
  const crosswalks = emptyCrosswalks();
  const ego = { frames: 0, valid: 0, idCorrect: 0, offset: zeroErrors() };
  const tracking: TrackingFrame[] = [];
  const detFrames: DetectionFrame[] = [];
  const found: FoundDisagreement[] = [];
  const received: Record<string, number> = {};
  let sawLanes = false;
  let sawCrosswalks = false;

  const bag = await openBag(outputBag);
  try {
    for await (const entry of bag.messages()) {
      if (entry.kind === "error")
        throw new PerceptionError("eval", `output bag: ${errorMessage(entry.error)}`, {
          bag: outputBag,
        });
      const topic = entry.topic;
      if (!Object.values(EVAL_TOPICS).includes(topic as never)) continue;
      const msg = entry.message as { header: { stamp: { sec: number; nanosec: number } } };
      const gt = byStamp.get(timeToNs(msg.header.stamp));
      if (!gt) continue;
      received[topic] = (received[topic] ?? 0) + 1;
      if (topic === EVAL_TOPICS.pedestrians) {
        const preds: PredictedObject[] = (msg as PedestrianArray).pedestrians.map((p) => ({
          box: {
            x1: p.image_box.x_offset,
            y1: p.image_box.y_offset,
            x2: p.image_box.x_offset + p.image_box.width,
            y2: p.image_box.y_offset + p.image_box.height,
          },
          score: p.confidence,
          range: p.range,
          position: [p.position.x, p.position.y],
        }));
        detFrames.push({ preds, truths: truthPedestrians(gt, config) });
      } else if (topic === EVAL_TOPICS.lanes) {
        sawLanes = true;
        const markings = (msg as LaneMarkingArray).markings;
        const t = truthLanes(gt);
        scoreGroundLanes(markings.map(markingLane), t.ground, config, lanes);
        if (geometry) {
          const rows = tusimpleRows(geometry.model.height);
          const pred = markings
            .map((m) => markingToTuSimpleLane(m, geometry, geometry.model.width, rows))
            .filter((xs) => xs.some((x) => x >= 0));
          const gtl = t.image
            .map((pts) => polylineAtRows(pts, rows, geometry.model.width))
            .filter((xs) => xs.filter((x) => x >= 0).length >= 2);
          scoreTuSimpleFrame(pred, gtl, rows, geometry.model.width, config, lanes);
        }
      } else if (topic === EVAL_TOPICS.crosswalks) {
        sawCrosswalks = true;
        const preds = (msg as CrosswalkArray).crosswalks.map((c) => ({
          polygon: c.polygon.points.map((p) => ({ x: p.x, y: p.y })),
          distanceAhead: c.distance_ahead,
        }));
        const truths = gt.crosswalks
          .filter((c) => c.in_image)
          .map((c) => ({
            polygon: c.polygon_base.map(([x, y]) => ({ x, y })),
            distanceAhead: c.distance_ahead,
          }));
        scoreCrosswalkFrame({ preds, truths }, config, crosswalks);
      } else {
        const frame = msg as PerceptionFrame;
        ego.frames++;
        if (frame.ego_lane.valid) {
          ego.valid++;
          if (frame.ego_lane.lane_id === gt.ego.lane_id) ego.idCorrect++;
          addError(ego.offset, frame.ego_lane.lateral_offset - gt.ego.lateral_offset);
        }
        // People out of the image (a track coasting after someone left the view) or hardly visible
        // are "don't care" for tracking: a track on them is no false positive, losing it no miss.
        const inView = new Map(truthPedestrians(gt, config).map((t) => [t.id, t]));
        tracking.push({
          truths: gt.pedestrians.map((p) => ({
            id: p.id,
            position: [p.position_base[0], p.position_base[1]] as [number, number],
            dontCare: inView.get(p.id)?.dontCare ?? true,
            gate: trackGate(p.range, config),
          })),
          tracks: frame.pedestrians.map((p) => ({
            id: String(p.track_id),
            position: [p.position.x, p.position.y],
          })),
        });
        for (const d of frame.disagreements)
          found.push({
            kind: d.kind,
            mapId: d.map_id,
            position: { x: d.position.x, y: d.position.y },
          });
        for (const l of frame.latencies)
          addLatency((partial.latency[l.stage] ??= {}), l.duration_ms, config);
        addLatency((partial.latency.pipeline ??= {}), frame.pipeline_latency_ms, config);
      }
    }
  } finally {
    await bag.close();
  }

  scoreDetections(detFrames, config, detection, partial.position);
  partial.detection.pedestrian = detection;
  const track = emptyTracking();
  scoreTracking(tracking, config.pedestrians.track_match_m, track);
  partial.tracking.pedestrian = track;
  if (sawLanes) partial.lanes = lanes;
  if (sawCrosswalks) partial.crosswalks = crosswalks;
  if (ego.frames) partial.ego = ego;
  if (ego.frames) partial.map = scoreMapDisagreements(id, info.map_edits ?? [], found);
  for (const [name, topic] of Object.entries(EVAL_TOPICS))
    partial.drops[name] = { expected: truth.length, received: received[topic] ?? 0 };
  return { id, scenario: info.scenario ?? truth[0]!.scenario, partial };
}
