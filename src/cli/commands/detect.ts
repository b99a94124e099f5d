/**
 * `edge-perception detect <image files...>`: runs the pedestrian, lane and crosswalk detectors on
 * still images and prints a table (or JSON), optionally writing annotated copies.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { realClock, type MonotonicClock } from "../../core/monotonic-clock.js";
import { ZERO_TIME } from "../../core/time.js";
import { CameraGeometry } from "../../geometry/camera-geometry.js";
import { cameraMountTransform } from "../../geometry/camera-mount.js";
import { CameraModel } from "../../geometry/camera-model.js";
import type { Pixel } from "../../geometry/types.js";
import { toPackedRgb, type ImageView } from "../../image/image-view.js";
import { readImageFile } from "../../image/compressed-image.js";
import { loadModelContract } from "../../models/contract.js";
import type { Detection } from "../../models/detection.js";
import { resolveModelDir } from "../../models/model-dir.js";
import type {
  CameraInfo,
  CrosswalkArray,
  LaneMarkingArray,
  Pedestrian,
} from "../../msgs/types.generated.js";
import { CrosswalkDetector } from "../../perception/crosswalks/crosswalk-detector.js";
import { crosswalkSources } from "../../perception/crosswalks/verified-learned-source.js";
import {
  detectStill,
  type StillCamera,
  type UncalibratedCamera,
} from "../../perception/lanes/detect-still.js";
import { LaneDetector } from "../../perception/lanes/lane-detector.js";
import { benchmarkImageLanes } from "../../perception/lanes/benchmark-lanes.js";
import { evalPoly } from "../../perception/lanes/polyfit.js";
import { TUSIMPLE_H_SAMPLES } from "../../perception/lanes/tusimple-metric.js";
import {
  PedestrianDetector,
  type PedestrianBackend,
} from "../../perception/pedestrians/pedestrian-detector.js";
import { pedestrianCropOptions } from "../../nodes/pedestrian-detector.js";
import { stillCameraOptions } from "../../nodes/crosswalk-detector.js";
import { graphToNodeSpecs, loadLaunchGraph } from "../../host/graph.js";
import { laneDetectorTuning } from "../../nodes/lane-detector-tuning.js";
import { detectorChoice, type DetectorChoice } from "../detector-choice.js";
import type { Untimed } from "../../msgs/detector-arrays.js";

export const summary =
  "run the pedestrian, lane and crosswalk detectors on still images (table, JSON, annotated copies)";

const USAGE = `usage: edge-perception detect <image files...> [options]

  --models <dir>        model directory (default: ../shared/models when present, else fallbacks)
  --contracts <yaml>    model contracts file for the pedestrian detector (default config/models.yaml)
  --model <name>        pedestrian detector contract in that file (default yolox_nano)
  --camera-info <yaml>  camera calibration (camera_calibration_parsers YAML); default: estimated
  --mount-height <m>    camera height above the ground, metres (default: crosswalk_detector's
                        still_mount_height_m, config/crosswalk_detector.param.yaml)
  --pitch-deg <deg>     camera pitch, positive down, with --camera-info (default 0)
  --json                print one JSON document per run: { results: [...] }
  --annotate <outdir>   write <outdir>/<name>.annotated.png with boxes, lanes and crosswalks drawn
  --no-lanes            skip lanes and crosswalks (pedestrians only)
  --format <f>          tusimple: one TuSimple prediction line per image on stdout (lanes at h_samples,
                        run_time); culane: <out>/<image>.lines.txt per image (with --out). Lanes are
                        drawn as these benchmarks label them: no road edges, lines on through the
                        vehicles that hide them (the ROS message's x_max stays where paint is seen)
  --out <dir>           folder for --format culane`;

/** How the camera of an image was obtained (JSON `camera.source`). */
export type CameraSourceName =
  | "camera-info"
  | "approximate"
  | "vanishing-point"
  | "drivable-area-top";

/** One image's result, as printed with --json. */
export interface DetectImageResult {
  image: string;
  camera: {
    source: CameraSourceName;
    note?: string;
    width: number;
    height: number;
    fx: number;
    fy: number;
    cx: number;
    cy: number;
    horizonRow: number;
  };
  pedestrians: (Pedestrian & {
    box: Pick<Detection, "x1" | "y1" | "x2" | "y2">;
    category?: Detection["category"];
  })[];
  /** Person boxes not placed on the ground (feet above the horizon). */
  unplacedBoxes: Detection[];
  lanes: LaneMarkingArray["markings"];
  /** Each lane marking as a pixel polyline [u, v] over its visible extent (projected with the camera used; same order as `lanes`). */
  lanesImage: [number, number][][];
  /**
   * The lane lines as the benchmarks draw them, for scoring (and `--format tusimple|culane`): road
   * edges left out, each line on through the vehicles that hide it (`benchmarkImageLanes`).
   */
  benchmarkLanes: [number, number][][];
  crosswalks: CrosswalkArray["crosswalks"];
  status: { pedestrians: string; lanes: string; crosswalks: string };
  models: { pedestrians: PedestrianBackend; lanes: string };
  timings: {
    decodeMs: number;
    pedestriansMs: number;
    lanesAndCrosswalksMs: number;
    totalMs: number;
  };
}

/** A sensor_msgs/CameraInfo from a camera_calibration_parsers YAML file (ROS camera_info_manager format). */
export function cameraInfoFromYaml(path: string): CameraInfo {
  let doc: Record<string, unknown>;
  try {
    doc = parseYaml(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new PerceptionError(
      "calibration",
      `cannot read camera info: ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
  const matrix = (key: string, n: number, fallback?: number[]): Float64Array => {
    const m = doc?.[key] as { data?: unknown } | undefined;
    const data = m?.data ?? fallback;
    if (!Array.isArray(data) || data.length !== n || !data.every((v) => typeof v === "number")) {
      throw new PerceptionError("calibration", `camera info '${key}.data' must be ${n} numbers`, {
        path,
      });
    }
    return Float64Array.from(data as number[]);
  };
  const width = doc?.image_width;
  const height = doc?.image_height;
  if (!Number.isInteger(width) || !Number.isInteger(height)) {
    throw new PerceptionError(
      "calibration",
      "camera info needs integer image_width and image_height",
      { path },
    );
  }
  const k = matrix("camera_matrix", 9);
  const distortion = (doc.distortion_coefficients as { data?: unknown } | undefined)?.data;
  return {
    header: { stamp: ZERO_TIME, frame_id: String(doc.camera_name ?? "camera") + "_optical_frame" },
    width: width as number,
    height: height as number,
    distortion_model: String(doc.distortion_model ?? "plumb_bob"),
    d: Float64Array.from(Array.isArray(distortion) ? (distortion as number[]) : []),
    k,
    r: matrix("rectification_matrix", 9, [1, 0, 0, 0, 1, 0, 0, 0, 1]),
    p: matrix("projection_matrix", 12, [
      k[0]!,
      k[1]!,
      k[2]!,
      0,
      k[3]!,
      k[4]!,
      k[5]!,
      0,
      k[6]!,
      k[7]!,
      k[8]!,
      0,
    ]),
    binning_x: 0,
    binning_y: 0,
    roi: { x_offset: 0, y_offset: 0, width: 0, height: 0, do_rectify: false },
  };
}

/** JSON.stringify replacer: typed arrays as plain arrays. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView)
    ? Array.from(value as unknown as ArrayLike<number>)
    : value;
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        models: { type: "string" },
        contracts: { type: "string" },
        model: { type: "string" },
        "camera-info": { type: "string" },
        "mount-height": { type: "string" },
        "pitch-deg": { type: "string" },
        json: { type: "boolean", default: false },
        annotate: { type: "string" },
        "no-lanes": { type: "boolean", default: false },
        format: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    console.error(`edge-perception detect: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`edge-perception detect: no image files given\n${USAGE}`);
    return 2;
  }
  const format = values.format;
  if (format !== undefined && format !== "tusimple" && format !== "culane") {
    console.error("edge-perception detect: --format must be tusimple or culane");
    return 2;
  }
  if (format === "culane" && !values.out) {
    console.error("edge-perception detect: --format culane needs --out <dir>");
    return 2;
  }
  // Without --mount-height the camera height is crosswalk_detector's still_mount_height_m
  // (openDetectors reads it with the rest of the still camera).
  const mountHeightArg =
    values["mount-height"] !== undefined ? Number(values["mount-height"]) : undefined;
  const pitchDeg = values["pitch-deg"] !== undefined ? Number(values["pitch-deg"]) : 0;
  if ((mountHeightArg !== undefined && !(mountHeightArg > 0)) || !Number.isFinite(pitchDeg)) {
    console.error(
      "edge-perception detect: --mount-height must be positive metres and --pitch-deg a number",
    );
    return 2;
  }
  const log = (line: string): void => {
    process.stderr.write(line + "\n");
  };

  let detector: DetectorChoice | undefined;
  try {
    detector = detectorChoice(values.contracts, values.model);
  } catch (err) {
    console.error(`edge-perception detect: ${errorMessage(err)}`);
    return 2;
  }
  const calibration = values["camera-info"]
    ? CameraModel.fromCameraInfo(cameraInfoFromYaml(values["camera-info"]))
    : undefined;
  const detectors = await openDetectors({
    models: values.models,
    detector,
    withLanes: !values["no-lanes"],
    log,
  });
  const { pedestrians, lanes, laneModel, crosswalks, clock } = detectors;

  const done: { result: DetectImageResult; geometry: CameraGeometry }[] = [];
  let failures = 0;
  try {
    for (const path of positionals) {
      try {
        done.push(
          await detectOne(path, {
            pedestrians,
            lanes,
            laneModel,
            crosswalks,
            calibration,
            stillCamera: {
              ...detectors.stillCamera,
              ...(mountHeightArg !== undefined ? { mountHeight: mountHeightArg } : {}),
            },
            pitchDeg,
            clock,
          }),
        );
      } catch (err) {
        failures++;
        log(`detect: ${path}: ${errorMessage(err)}`);
      }
    }
  } finally {
    await detectors.release();
  }

  if (values.annotate) {
    mkdirSync(values.annotate, { recursive: true });
    for (const { result: r, geometry } of done) {
      const out = join(values.annotate, `${basename(r.image, extname(r.image))}.annotated.png`);
      await writeAnnotated(r, geometry, out);
      log(`annotated: ${out}`);
    }
  }
  const results = done.map((d) => d.result);
  if (format === "tusimple") {
    for (const r of results) console.log(tuSimpleLine(r));
  } else if (format === "culane") {
    mkdirSync(values.out!, { recursive: true });
    for (const r of results) {
      const file = join(values.out!, `${basename(r.image, extname(r.image))}.lines.txt`);
      writeFileSync(file, cuLaneLines(r));
      log(`culane: ${file}`);
    }
  } else if (values.json) {
    console.log(JSON.stringify({ results }, jsonReplacer, 2));
  } else {
    printTable(results);
  }
  return failures > 0 ? 1 : 0;
}

/** What `openDetectors` needs: the command's options that choose the detectors. */
export interface OpenDetectorsOptions {
  /** Model directory (`--models`); undefined: ../shared/models when present, else the fallbacks. */
  models: string | undefined;
  /** The pedestrian detector contract (`--contracts`/`--model`); undefined: the default one. */
  detector: DetectorChoice | undefined;
  /** Run lanes and crosswalks (false: `--no-lanes`). */
  withLanes: boolean;
  /** Where the progress lines go. */
  log: (line: string) => void;
}

/** The detectors `detect` runs on each image, as `openDetectors` sets them up; `release` frees them. */
export interface OpenDetectors {
  pedestrians: PedestrianDetector;
  lanes: LaneDetector | undefined;
  /** The lane model's name, or why there is none. */
  laneModel: string;
  crosswalks: CrosswalkDetector;
  /** The camera assumed without calibration: crosswalk_detector's `still_*` parameters. */
  stillCamera: UncalibratedCamera;
  /** Times every image and every stage. */
  clock: MonotonicClock;
  release(): Promise<void>;
}

/**
 * The detectors of `edge-perception detect`, set up as the command does: the pedestrian detector
 * with the pedestrian_detector node's crop settings (every band crop on a still), TwinLiteNet
 * lanes (or the classical fallback) and the crosswalk_detector node's sources. Shared with
 * scripts that measure what `detect` does (scripts/robustness.ts).
 */
export async function openDetectors(o: OpenDetectorsOptions): Promise<OpenDetectors> {
  const { log, detector } = o;
  const modelDir = resolveModelDir(o.models);
  log(
    modelDir.dir
      ? `models: ${modelDir.dir} (${modelDir.source === "parameter" ? "--models" : "../shared/models"})`
      : "models: none found; using fallbacks",
  );
  // The node's crop settings (config/pedestrian_detector.param.yaml); a still image has no next
  // frame to take turns over, so every band crop runs on it.
  const specs = await graphToNodeSpecs(loadLaunchGraph());
  const paramsOf = (node: string): Readonly<Record<string, unknown>> => {
    const spec = specs.find((s) => s.name === node);
    if (!spec) throw new Error(`the launch graph has no ${node} parameters`);
    return spec.parameters;
  };
  const pedParams = paramsOf("pedestrian_detector");
  const crops = pedestrianCropOptions((name) => pedParams[name], false);
  // One clock for this run: it times every image and every stage.
  const clock = realClock;
  const pedestrians = await PedestrianDetector.create({
    modelDir: modelDir.dir ?? "",
    log,
    crops,
    clock,
    ...(detector ? { contract: detector.contract } : {}),
  });
  let lanes: LaneDetector | undefined;
  let laneModel = "none";
  // The crosswalk sources and threshold of the crosswalk_detector node's parameters.
  const crosswalkParams = paramsOf("crosswalk_detector");
  const learnedMode = crosswalkParams.learned_source === "auto" && o.withLanes ? "auto" : "off";
  const crosswalkSetup = await crosswalkSources(learnedMode, log, clock);
  const crosswalks = new CrosswalkDetector({
    sources: crosswalkSetup.sources,
    fusion: crosswalkSetup.fusion,
    minConfidence: crosswalkParams.min_confidence as number,
  });
  if (o.withLanes) {
    const contract = loadModelContract("twinlitenet_640x360");
    const haveModel = modelDir.dir !== undefined && existsFile(join(modelDir.dir, contract.file));
    // The lane_detector node's tuning, from the parameters the launch graph gives it (config/lane_detector.param.yaml).
    const laneParams = paramsOf("lane_detector");
    const tuning = laneDetectorTuning((name) => laneParams[name]);
    lanes = await LaneDetector.create(
      haveModel
        ? { ...tuning, contract, modelDir: modelDir.dir, session: { log }, clock }
        : { ...tuning, clock },
    );
    laneModel = haveModel ? contract.name : "classical fallback (no TwinLiteNet file)";
    if (!haveModel)
      log("lanes: FALLBACK to the classical marking filter (no TwinLiteNet model file)");
  }

  return {
    pedestrians,
    lanes,
    laneModel,
    crosswalks,
    stillCamera: stillCameraOptions((name) => crosswalkParams[name]),
    clock,
    async release() {
      await pedestrians.release();
      await lanes?.release?.();
      await crosswalkSetup.learned?.release();
    },
  };
}

function existsFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** What `detectView` runs an image through: `openDetectors`' detectors and the camera options. */
export interface DetectContext {
  pedestrians: PedestrianDetector;
  lanes: LaneDetector | undefined;
  laneModel: string;
  crosswalks: CrosswalkDetector;
  calibration: CameraModel | undefined;
  /** The camera assumed without calibration (its mount height also places a calibrated camera). */
  stillCamera: UncalibratedCamera;
  pitchDeg: number;
  /** Times the image's stages (`timings_ms`). */
  clock: MonotonicClock;
}

async function detectOne(
  path: string,
  ctx: DetectContext,
): Promise<{ result: DetectImageResult; geometry: CameraGeometry }> {
  const t0 = ctx.clock.nowMs();
  const view = await readImageFile(path);
  return detectView(view, path, ctx, { startMs: t0, decodeMs: ctx.clock.nowMs() - t0 });
}

/**
 * One decoded image through `detect`'s pipeline (camera, lanes and crosswalks, pedestrians): the
 * result `detect --json` prints for it. `image` names it in the result; `decoded` says when its
 * decoding started and how long it took (both 0 for an image decoded elsewhere), for the timings.
 */
export async function detectView(
  view: ImageView,
  image: string,
  ctx: DetectContext,
  decoded: { startMs: number; decodeMs: number } = { startMs: ctx.clock.nowMs(), decodeMs: 0 },
): Promise<{ result: DetectImageResult; geometry: CameraGeometry }> {
  const path = image;
  const t0 = decoded.startMs;
  let geometry: CameraGeometry;
  let source: CameraSourceName;
  let note: string | undefined;
  if (ctx.calibration) {
    if (ctx.calibration.width !== view.width || ctx.calibration.height !== view.height) {
      throw new PerceptionError(
        "calibration",
        `camera info is ${ctx.calibration.width}x${ctx.calibration.height}, image is ${view.width}x${view.height}`,
        { path },
      );
    }
    geometry = new CameraGeometry(
      ctx.calibration,
      cameraMountTransform({
        x: 0,
        z: ctx.stillCamera.mountHeight,
        pitch: (ctx.pitchDeg * Math.PI) / 180,
      }),
    );
    source = "camera-info";
  } else {
    const assumed = ctx.stillCamera;
    geometry = CameraGeometry.approximate({
      width: view.width,
      height: view.height,
      mountHeight: assumed.mountHeight,
      horizontalFovDeg: assumed.horizontalFovDeg,
      horizonRow: assumed.assumedHorizonFraction * view.height,
    });
    source = "approximate";
    note = `assumed: ${assumed.horizontalFovDeg} deg horizontal FOV, horizon at ${(100 * assumed.assumedHorizonFraction).toFixed(0)}% of the height`;
  }
  let laneArray: Untimed<LaneMarkingArray> = {
    header: { stamp: ZERO_TIME, frame_id: "base_link" },
    markings: [],
    status: "lanes not run",
  };
  let crosswalkArray: Untimed<CrosswalkArray> = {
    header: { stamp: ZERO_TIME, frame_id: "base_link" },
    crosswalks: [],
    status: "crosswalks not run",
  };
  let continuation: number[] = [];
  const t2 = ctx.clock.nowMs();
  if (ctx.lanes) {
    const camera: StillCamera = ctx.calibration
      ? { kind: "geometry", geometry }
      : { kind: "auto", ...ctx.stillCamera };
    const still = await detectStill(view, { lanes: ctx.lanes, crosswalks: ctx.crosswalks, camera });
    geometry = still.geometry;
    laneArray = still.lanes;
    continuation = still.laneResult.continuation;
    crosswalkArray = still.crosswalks;
    const fov = `${ctx.stillCamera.horizontalFovDeg} deg FOV assumed`;
    if (still.cameraSource === "vanishing-point") {
      source = "vanishing-point";
      note = `horizon from the lane lines' vanishing point; ${fov}`;
    } else if (still.cameraSource === "drivable-area-top") {
      source = "drivable-area-top";
      note = `no vanishing point found: horizon from the drivable area's top edge taken ${ctx.stillCamera.drivableTopDistance} m ahead; ${fov}`;
    } else if (still.cameraSource === "assumed-horizon") {
      source = "approximate";
      note = `no vanishing point or drivable area: horizon assumed at ${(100 * ctx.stillCamera.assumedHorizonFraction).toFixed(0)}% of the height; ${fov}`;
    }
  }
  const t3 = ctx.clock.nowMs();
  const ped = await ctx.pedestrians.detect(view, geometry, ZERO_TIME);
  const t4 = ctx.clock.nowMs();
  const placed = new Set<number>();
  const pedestrians = ped.message.pedestrians.map((p) => {
    const i = ped.boxes.findIndex(
      (b, k) =>
        !placed.has(k) &&
        Math.floor(b.x1) === p.image_box.x_offset &&
        Math.floor(b.y1) === p.image_box.y_offset,
    );
    if (i >= 0) placed.add(i);
    const b = ped.boxes[i] ?? {
      x1: p.image_box.x_offset,
      y1: p.image_box.y_offset,
      x2: p.image_box.x_offset + p.image_box.width,
      y2: p.image_box.y_offset + p.image_box.height,
    };
    const category = ped.boxes[i]?.category;
    return {
      ...p,
      box: { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 },
      ...(category ? { category } : {}),
    };
  });
  const m = geometry.model;
  const result: DetectImageResult = {
    image: path,
    camera: {
      source,
      note,
      width: view.width,
      height: view.height,
      fx: m.fx,
      fy: m.fy,
      cx: m.cx,
      cy: m.cy,
      horizonRow: geometry.horizonRow(),
    },
    pedestrians,
    unplacedBoxes: ped.boxes.filter((_, k) => !placed.has(k)),
    lanes: laneArray.markings,
    lanesImage: laneArray.markings.map((l) => markingPixels(l, geometry)),
    benchmarkLanes: benchmarkImageLanes(laneArray.markings, continuation, geometry),
    crosswalks: crosswalkArray.crosswalks,
    status: {
      pedestrians: ped.message.status,
      lanes: laneArray.status,
      crosswalks: crosswalkArray.status,
    },
    models: { pedestrians: ped.backend, lanes: ctx.laneModel },
    timings: {
      decodeMs: decoded.decodeMs,
      pedestriansMs: t4 - t3,
      lanesAndCrosswalksMs: t3 - t2,
      totalMs: t4 - t0,
    },
  };
  return { result, geometry };
}

/** A marking's polynomial over [x_min, x_max] projected into the image every 0.25 m (points off the image dropped). */
export function markingPixels(
  marking: LaneMarkingArray["markings"][number],
  geometry: CameraGeometry,
): [number, number][] {
  const out: [number, number][] = [];
  for (let x = marking.x_min; x <= marking.x_max + 1e-9; x += 0.25) {
    const px = geometry.groundToPixel({ x, y: evalPoly(marking.poly_coefficients, x), z: 0 });
    if (px && px.u >= 0 && px.u < geometry.model.width && px.v >= 0 && px.v < geometry.model.height)
      out.push([Math.round(px.u * 100) / 100, Math.round(px.v * 100) / 100]);
  }
  return out;
}

/**
 * TuSimple's prediction format: { raw_file, lanes (x per h_sample, -2 = none), h_samples, run_time
 * (ms) }; rows scaled from 720p. The lanes are `benchmarkLanes`: no road edges, lines drawn on
 * through the vehicles that hide them, as TuSimple's ground truth is.
 */
export function tuSimpleLine(
  r: Pick<DetectImageResult, "image" | "camera" | "benchmarkLanes" | "timings">,
): string {
  const rows = TUSIMPLE_H_SAMPLES.map((v) => Math.round((v * r.camera.height) / 720));
  const lanes = r.benchmarkLanes
    .map((pts) =>
      rows.map((row) => {
        for (let k = 1; k < pts.length; k++) {
          const [ua, va] = pts[k - 1]!;
          const [ub, vb] = pts[k]!;
          if ((va - row) * (vb - row) <= 0 && va !== vb)
            return Math.round(ua + ((row - va) / (vb - va)) * (ub - ua));
        }
        return -2;
      }),
    )
    .filter((xs) => xs.some((x) => x >= 0));
  return JSON.stringify({
    raw_file: r.image,
    lanes,
    h_samples: rows,
    run_time: Math.round(r.timings.totalMs),
  });
}

/** CULane's prediction format: one lane per line, "x y" pairs from the bottom up; the lanes are `benchmarkLanes` (see `tuSimpleLine`). */
export function cuLaneLines(r: Pick<DetectImageResult, "benchmarkLanes">): string {
  const lanes = r.benchmarkLanes.filter((pts) => pts.length >= 2);
  return (
    lanes
      .map((pts) =>
        [...pts]
          .sort((a, b) => b[1] - a[1])
          .map(([u, v]) => `${u.toFixed(2)} ${v.toFixed(2)}`)
          .join(" "),
      )
      .join("\n") + (lanes.length ? "\n" : "")
  );
}

function printTable(results: DetectImageResult[]): void {
  for (const r of results) {
    const backend =
      r.models.pedestrians.kind === "model" ? r.models.pedestrians.model : "HOG FALLBACK";
    console.log(
      `${r.image}  ${r.camera.width}x${r.camera.height}  camera: ${r.camera.source}  (${fmt(r.timings.totalMs, 0)} ms)`,
    );
    console.log(
      `  pedestrians (${backend}): ${r.pedestrians.length}${r.unplacedBoxes.length ? ` + ${r.unplacedBoxes.length} not on the ground` : ""}`,
    );
    if (r.pedestrians.length) {
      console.log(
        `    ${"score".padStart(5)} ${"box x1,y1,x2,y2 (px)".padEnd(24)} ${"x (m)".padStart(6)} ${"y (m)".padStart(6)} ${"range".padStart(6)} ${"std".padStart(5)} feet`,
      );
      for (const p of r.pedestrians) {
        const b = p.box;
        const std = Math.sqrt(p.position_covariance[0]! + p.position_covariance[3]!);
        console.log(
          `    ${fmt(p.confidence, 2).padStart(5)} ${`${fmt(b.x1, 0)},${fmt(b.y1, 0)},${fmt(b.x2, 0)},${fmt(b.y2, 0)}`.padEnd(24)} ${fmt(p.position.x).padStart(6)} ${fmt(p.position.y).padStart(6)} ${fmt(p.range).padStart(6)} ${fmt(std).padStart(5)} ${p.foot_truncated ? "cut" : "ok"}${p.category ? `  ${p.category}` : ""}`,
        );
      }
    }
    console.log(
      `  lanes (${r.models.lanes}): ${r.lanes.length}${r.status.lanes ? ` [${r.status.lanes}]` : ""}`,
    );
    for (const l of r.lanes)
      console.log(
        `    id ${l.id}  offset ${fmt(l.lateral_offset, 2)} m  ${fmt(l.x_min)}-${fmt(l.x_max)} m  conf ${fmt(l.confidence, 2)}`,
      );
    console.log(
      `  crosswalks: ${r.crosswalks.length}${r.status.crosswalks ? ` [${r.status.crosswalks}]` : ""}`,
    );
    for (const c of r.crosswalks)
      console.log(`    ${fmt(c.distance_ahead)} m ahead  conf ${fmt(c.confidence, 2)}`);
  }
}

/** The annotated copy: person boxes (red, score), lane points (yellow), crosswalk outlines (cyan). */
async function writeAnnotated(
  r: DetectImageResult,
  geometry: CameraGeometry,
  out: string,
): Promise<void> {
  const view: ImageView = toPackedRgb(await readImageFile(r.image));
  const sharp = ((await import("sharp")) as unknown as { default: typeof import("sharp") }).default;
  const shapes: string[] = [];
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const boxes = [
    ...r.pedestrians.map((p) => ({
      ...p.box,
      score: p.confidence,
      label: `${fmt(p.confidence, 2)} ${fmt(p.range)}m`,
    })),
    ...r.unplacedBoxes.map((b) => ({ ...b, label: fmt(b.score, 2) })),
  ];
  for (const b of boxes) {
    shapes.push(
      `<rect x="${b.x1}" y="${b.y1}" width="${b.x2 - b.x1}" height="${b.y2 - b.y1}" fill="none" stroke="red" stroke-width="2"/>`,
    );
    shapes.push(
      `<text x="${b.x1}" y="${Math.max(12, b.y1 - 3)}" fill="red" font-size="14" font-family="sans-serif">${esc(b.label)}</text>`,
    );
  }
  for (const c of r.crosswalks) {
    const pts = c.image_polygon.points.map((p) => `${p.x},${p.y}`).join(" ");
    if (pts) shapes.push(`<polygon points="${pts}" fill="none" stroke="cyan" stroke-width="2"/>`);
  }
  for (const l of r.lanes) {
    const pixels = l.points
      .map((p) => geometry.groundToPixel({ x: p.x, y: p.y, z: 0 }))
      .filter((p): p is Pixel => p !== undefined);
    if (pixels.length > 1)
      shapes.push(
        `<polyline points="${pixels.map((p) => `${p.u + 0.5},${p.v + 0.5}`).join(" ")}" fill="none" stroke="yellow" stroke-width="3"/>`,
      );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${view.width}" height="${view.height}">${shapes.join("")}</svg>`;
  const png = await sharp(
    Buffer.from(view.data.buffer, view.data.byteOffset, view.data.byteLength),
    { raw: { width: view.width, height: view.height, channels: 3 } },
  )
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
  writeFileSync(out, png);
}
