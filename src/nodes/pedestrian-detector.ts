/**
 * pedestrian_detector node: camera frames -> edge_perception_msgs/PedestrianArray on
 * `~/out/pedestrians` (base_link ground positions, image boxes; stamp = the image's) and, when
 * `publish_detections_2d`, vision_msgs/Detection2DArray on `~/out/detections` (image boxes, the
 * camera's optical frame). Small people: crops around the HD map's crosswalks ahead (`map_file`,
 * with the map -> base_link pose on /tf) first, then along the horizon band in turn, as many per
 * frame as the crop pass budget gives (`crop_passes_per_s`, or compute_budget's
 * `~/in/crop_passes_per_s`, spread over the frames of the model's rate).
 * Logic: src/perception/pedestrians/. Docs: docs/nodes/pedestrian_detector.md.
 */
import type { PedestrianArray } from "../msgs/types.generated.js";
import { pedestriansToDetection2DArray } from "../perception/pedestrians/detection2d.js";
import type {
  PedestrianCropOptions,
  PedestrianDetector,
  PedestrianRegion,
} from "../perception/pedestrians/pedestrian-detector.js";
import type { NodeHandle } from "../ros/node-api.js";
import type { NodeInstance } from "../ros/node-spec.js";
import { asModelError, CameraNode, failureStatus, withRelease } from "./common/camera-node.js";
import { contractsFileOf } from "./common/model-choice.js";
import { loadParameterSchema } from "./node-definition.js";
import type { Time } from "../core/time.js";
import { CropPassBudget } from "../perception/pedestrians/crop-budget.js";

/** The highest crop pass budget `~/in/crop_passes_per_s` may set (the schema's bound on crop_passes_per_s). */
const MAX_CROP_PASSES_PER_S = 600;

/** Height of a person for the crosswalk crops' zoom, metres (an adult; shorter people come out smaller in the model input than the target, which leaves room for them). */
const PERSON_HEIGHT_M = 1.7;

/**
 * The detector's crop options from the node's parameters (`get` reads one by name); crosswalk
 * crops only `withMap`. Shared with the tests and the bench, so they measure what the node runs.
 */
export function pedestrianCropOptions(
  get: (name: string) => unknown,
  withMap: boolean,
): PedestrianCropOptions {
  const num = (name: string): number => get(name) as number;
  return {
    band: {
      sideDeg: num("band_crop_side_deg"),
      minSidePx: num("band_crop_min_side_px"),
      fallbackHorizontalFovDeg: num("band_fallback_horizontal_fov_deg"),
      overlap: num("band_crop_overlap"),
      aboveHorizon: num("band_crop_above_horizon"),
      minZoom: num("crop_min_zoom"),
      fallbackHorizonFraction: num("band_fallback_horizon_fraction"),
    },
    regions: withMap
      ? {
          personHeightM: PERSON_HEIGHT_M,
          targetPersonPx: num("region_crop_target_person_px"),
          minSide: num("region_crop_min_side_px"),
          marginM: num("region_crop_margin_m"),
          minZoom: num("crop_min_zoom"),
        }
      : undefined,
    merge: { containment: num("crop_merge_containment"), edgeMarginPx: num("crop_cut_margin_px") },
  };
}

/** The node's parameter schema (`ros__parameters` of config/schema/pedestrian_detector.schema.json). */
export function parameterSchema(): object {
  return loadParameterSchema("pedestrian_detector");
}

export async function createPedestrianDetectorNode(handle: NodeHandle): Promise<NodeInstance> {
  const [{ PedestrianDetector }, { crosswalkRegionsAhead }, { loadHdMap }] = await Promise.all([
    import("../perception/pedestrians/pedestrian-detector.js"),
    import("../perception/pedestrians/map-regions.js"),
    import("../map/loader.js"),
  ]);
  const p = handle.parameters;
  const mapFile = p.get<string>("map_file");
  const map = mapFile ? loadHdMap(mapFile) : undefined;
  const mapFrame = p.get<string>("map_frame");
  const crops = pedestrianCropOptions((name) => p.get(name), map !== undefined);
  // The detector resolves model_dir itself (empty: ../shared/models when present) and falls back to HOG.
  const create = (): Promise<PedestrianDetector> =>
    PedestrianDetector.create({
      model: p.get<string>("model"),
      contractsPath: contractsFileOf(handle),
      modelDir: p.get<string>("model_dir") || undefined,
      scoreThreshold: p.get<number>("score_threshold"),
      nmsIouThreshold: p.get<number>("nms_iou_threshold"),
      frameId: p.get<string>("base_frame"),
      crops,
      log: (line) => handle.logger.info(line),
      clock: handle.wallClock,
    });
  let detector = await create();
  // The detector takes its thresholds at creation: a change builds a new one and swaps it in
  // (frames meanwhile use the old one); score and box height are also filtered here at once.
  let rebuilding: Promise<void> = Promise.resolve();
  p.onChange((changes) => {
    if (changes.score_threshold === undefined && changes.nms_iou_threshold === undefined) return;
    rebuilding = rebuilding.then(async () => {
      const next = await create();
      const old = detector;
      detector = next;
      await old.release();
    });
  });
  const publisher = handle.createPublisher(
    "edge_perception_msgs/msg/PedestrianArray",
    "~/out/pedestrians",
    { profile: "reliable" },
  );
  const detections = p.get<boolean>("publish_detections_2d")
    ? handle.createPublisher("vision_msgs/msg/Detection2DArray", "~/out/detections", {
        profile: "reliable",
      })
    : undefined;
  const baseFrame = p.get<string>("base_frame");
  const mapRadius = p.get<number>("map_radius_m");
  if (map)
    handle.logger.info(
      `HD map '${map.name}' from ${mapFile}: crops around its ${map.crosswalks.size} crosswalks when ahead`,
    );
  let regionFrames = 0;
  let noPoseFrames = 0;
  /** The crosswalks ahead at a stamp, or none (counted) while the map -> base_link pose is missing. */
  const regionsAt = (stamp: Time): PedestrianRegion[] => {
    if (!map || !crops.regions) return [];
    const pose = node.tf.tryLookup(mapFrame, baseFrame, stamp);
    if (pose.kind !== "ok") {
      noPoseFrames++;
      node.diagnostics.set(
        "pose",
        "warn",
        `no ${mapFrame} -> ${baseFrame} pose (${pose.error.message}): crosswalk crops off, horizon band only`,
      );
      return [];
    }
    node.diagnostics.clear("pose");
    const regions = crosswalkRegionsAhead(map, pose.transform, mapRadius);
    if (regions.length > 0) regionFrames++;
    return regions;
  };
  const backend = detector.backend;
  handle.logger.info(
    backend.kind === "model"
      ? `model ${backend.model} (${backend.file}, ${backend.provider})`
      : `model missing (${backend.reason}): HOG people detector fallback in use`,
  );

  // Crop passes per frame: the budget per second (crop_passes_per_s, or compute_budget's
  // ~/in/crop_passes_per_s until the next change of either) over the model's rate.
  const budget = new CropPassBudget(
    p.get<number>("crop_passes_per_s"),
    p.get<number>("crop_passes_max_per_frame"),
  );
  p.onChange((changes) => {
    if (typeof changes.crop_passes_per_s === "number")
      budget.setPerSecond(changes.crop_passes_per_s);
    if (typeof changes.crop_passes_max_per_frame === "number")
      budget.setMaxPerFrame(changes.crop_passes_max_per_frame);
  });
  let budgetCommands = 0;
  let budgetRejected = 0;
  handle.createSubscription(
    "std_msgs/msg/Float32",
    "~/in/crop_passes_per_s",
    { profile: "reliable" },
    (m) => {
      if (!(Number.isFinite(m.data) && m.data >= 0 && m.data <= MAX_CROP_PASSES_PER_S)) {
        node.diagnostics.setCounter("crop_budget_commands_rejected", ++budgetRejected);
        handle.logger.warn(
          `~/in/crop_passes_per_s: ignored ${m.data} (must be >= 0 and <= ${MAX_CROP_PASSES_PER_S})`,
        );
        return;
      }
      budget.setPerSecond(m.data);
      node.diagnostics.setCounter("crop_budget_commands", ++budgetCommands);
    },
  );

  let cropPasses = 0;
  let cropPassesShed = 0;
  const node: CameraNode = new CameraNode(handle, {
    stage: "pedestrian_detector",
    requireGeometry: false,
    runAhead: (view) => detector.runAhead(view),
    prepare: (view) => detector.prepare(view),
    async process(frame) {
      const header = { stamp: frame.header.stamp, frame_id: baseFrame };
      try {
        const view = await frame.view();
        // The frame's share of the budget is spent either way: shed passes are not owed later.
        // Late (shed_crop_passes_when_late): a frame that waited for the model runs no crops, and
        // a frame's crops not handed to the model yet are left out once a newer frame waits.
        const granted = budget.next(node.rateHz);
        const late = p.get<boolean>("shed_crop_passes_when_late");
        const shed = late && frame.waitedForModel;
        const result = await detector.detect(
          view,
          frame.geometry,
          frame.header.stamp,
          regionsAt(frame.header.stamp),
          shed ? 0 : granted,
          late ? frame.newerFrame : undefined,
        );
        const t = result.timings;
        const leftOut = (shed ? granted : 0) + result.cropsCancelled;
        if (leftOut > 0)
          node.diagnostics.setCounter("crop_passes_shed", (cropPassesShed += leftOut));
        const minScore = p.get<number>("score_threshold");
        const minHeight = p.get<number>("min_box_height_px");
        // The model's own run (onnxruntime on its worker thread); preprocessing and the hand-over
        // are the node's (in pedestrian_detector, not pedestrian_model).
        const out: PedestrianArray = {
          ...result.message,
          header,
          pedestrians: result.message.pedestrians.filter(
            (x) => x.confidence >= minScore && x.image_box.height >= minHeight,
          ),
          ...frame.timing([
            { stage: "pedestrian_model", duration_ms: t.inferenceMs },
            { stage: "pedestrian_postprocess", duration_ms: t.decodeMs + t.geometryMs },
          ]),
        };
        node.diagnostics.setCounter("crop_passes", (cropPasses += t.bandCrops + t.regionCrops));
        node.diagnostics.setCounter("frames_with_crosswalk_crops", regionFrames);
        node.diagnostics.setCounter("frames_without_pose", noPoseFrames);
        publisher.publish(out);
        detections?.publish(
          pedestriansToDetection2DArray(out, {
            cameraFrameId: frame.camera.message.header.frame_id,
          }),
        );
      } catch (err) {
        const error = asModelError(err, "pedestrian_detector");
        publisher.publish({
          header,
          pedestrians: [],
          status: failureStatus(error, "model"),
          ...frame.timing(),
        });
        throw error;
      }
    },
  });
  if (detector.backend.kind === "hog-fallback")
    node.diagnostics.set(
      "model",
      "warn",
      `model missing (${detector.backend.reason}): HOG people detector fallback in use`,
    );
  const hosted = withRelease(node, async () => {
    await rebuilding.catch(() => undefined);
    await detector.release();
  });
  return {
    ...hosted,
    stats: () => ({
      ...node.stats(),
      crop_passes: cropPasses,
      crop_passes_shed: cropPassesShed,
      crop_budget_commands: budgetCommands,
      crop_budget_commands_rejected: budgetRejected,
    }),
  };
}
