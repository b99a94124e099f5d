/**
 * Generates a drive: builds the named scenario, renders every camera frame, and writes a rosbag2
 * bag (MCAP) with the camera images (raw rgb8 or JPEG), CameraInfo, /tf_static, /tf and the pose
 * at 50 Hz, the per-frame ground truth (bag topic + `ground_truth.jsonl`), `scenario.json`, and
 * the scenario's HD map as GeoJSON. Deterministic: the same options give byte-identical files.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import sharp from "sharp";
import { BagWriter } from "../../src/bag/bag-writer.js";
import { PerceptionError } from "../../src/core/errors.js";
import { nsToTime } from "../../src/core/time.js";
import { quatFromEuler } from "../../src/geometry/transform.js";
import { codecFor } from "../../src/msgs/codec.js";
import type {
  CameraInfo,
  CompressedImage,
  Image,
  PoseStamped,
  String as StringMsg,
  TFMessage,
} from "../../src/msgs/types.generated.js";
import { makeCameraRig, CAMERA_FRAME_ID, type CameraRigOptions } from "./camera-rig.js";
import { GROUND_TRUTH_FILE, GROUND_TRUTH_TOPIC } from "../../src/report/ground-truth.js";
import { buildGroundTruth } from "./ground-truth-builder.js";
import { Renderer } from "./render/renderer.js";
import { writeScenarioMap } from "./scenario-map.js";
import { buildScenario, SCENARIO_ORIGIN } from "./scenarios.js";
import { pedestrianAt, vehicleAt } from "./world/actors.js";

/** Topic names, as on the real camera_drive bag. */
export const TOPICS = {
  image: "/camera/front/image_raw",
  compressed: "/camera/front/image_raw/compressed",
  cameraInfo: "/camera/front/camera_info",
  tfStatic: "/tf_static",
  tf: "/tf",
  pose: "/localization/pose",
  groundTruth: GROUND_TRUTH_TOPIC,
} as const;

/** Header stamp of the first message: fixed, so bags are reproducible. */
export const START_TIME_NS = 1_700_000_000n * 1_000_000_000n;
export const CAMERA_RATE_HZ = 30;
export const POSE_RATE_HZ = 50;
/** Files the generator writes into the bag folder besides the bag itself. */
export const SIDECAR_FILES = [GROUND_TRUTH_FILE, "scenario.json", "map.geojson"] as const;

export interface GenerateDriveOptions {
  /** Scenario name (see SCENARIO_NAMES). */
  scenario: string;
  /** PRNG seed (integer). */
  seed: number;
  /** Camera frames to generate (> 0). */
  frames: number;
  /** Bag folder to write. */
  out: string;
  /** Where to write the HD map (GeoJSON); default `<out>/map.geojson`. */
  mapPath?: string;
  /** The map's name inside the file; default `<scenario>_seed<seed>`. */
  mapName?: string;
  /** Publish JPEG `CompressedImage` on `/camera/front/image_raw/compressed` instead of rgb8 `Image`. */
  compressed?: boolean;
  /** JPEG quality 1..100 (default 80). */
  jpegQuality?: number;
  /** Camera intrinsics and mount (defaults: 1280x720, 65 degrees, 1.5 m up, 1.7 m ahead, 3 degrees down). */
  camera?: CameraRigOptions;
  /** Cruise speed override, m/s. */
  speed?: number;
  /** Replace an existing bag folder; default false. */
  overwrite?: boolean;
  /** MCAP chunk compression; default "none" ("zstd" shrinks the ground-truth JSON and raw images, not JPEG). */
  compression?: "none" | "zstd";
  /** Called after each frame is written. */
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateDriveResult {
  bagPath: string;
  mapPath: string;
  groundTruthPath: string;
  frames: number;
  /** Wall-clock seconds spent (not written anywhere: outputs stay deterministic). */
  seconds: number;
  framesPerSecond: number;
  messageCount: number;
  /** Milliseconds per frame by stage (averages; for benchmarks). */
  stageMs: {
    setup: number;
    render: Record<string, number>;
    groundTruth: number;
    waitForEncoding: number;
    write: number;
  };
}

export async function generateDrive(o: GenerateDriveOptions): Promise<GenerateDriveResult> {
  const started = performance.now();
  if (!Number.isInteger(o.frames) || o.frames <= 0)
    throw new PerceptionError("scenario", `frames must be a positive integer, got ${o.frames}`, {
      frames: o.frames,
    });
  if (o.frames > 100_000)
    throw new PerceptionError("scenario", `frames must be at most 100000, got ${o.frames}`, {
      frames: o.frames,
    });
  if (!Number.isSafeInteger(o.seed))
    throw new PerceptionError("scenario", `seed must be an integer, got ${o.seed}`, {
      seed: o.seed,
    });
  const quality = o.jpegQuality ?? 80;
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100))
    throw new PerceptionError(
      "scenario",
      `JPEG quality must be an integer within 1..100, got ${quality}`,
    );
  const compressed = o.compressed ?? false;
  const duration = (o.frames - 1) / CAMERA_RATE_HZ + 0.5;
  const scenario = buildScenario(o.scenario, {
    seed: o.seed,
    duration,
    ...(o.speed !== undefined ? { speed: o.speed } : {}),
  });
  const rig = makeCameraRig(o.camera);
  const renderer = new Renderer({
    world: scenario.world,
    rig,
    environment: scenario.environment,
    seed: o.seed,
  });
  const setupMs = performance.now() - started;
  let gtMs = 0;
  let waitMs = 0;
  let writeMs = 0;

  const bagPath = resolve(o.out);
  const mapPath = resolve(o.mapPath ?? join(bagPath, "map.geojson"));
  prepareOwnFiles(bagPath, o.overwrite ?? false);
  // No wall-clock flush: a slow frame (rendering on a loaded machine) must not move chunk
  // boundaries, so the same seed gives the same bytes (chunks still close by size and log time).
  const bag = await BagWriter.create({
    path: bagPath,
    overwrite: o.overwrite ?? false,
    compression: o.compression ?? "none",
    wallClockFlush: false,
  });
  const imageTopic = compressed ? TOPICS.compressed : TOPICS.image;
  bag.addTopic({ name: TOPICS.tfStatic, type: "tf2_msgs/msg/TFMessage", qos: "transient_local" });
  bag.addTopic({ name: TOPICS.pose, type: "geometry_msgs/msg/PoseStamped", qos: "reliable" });
  bag.addTopic({ name: TOPICS.tf, type: "tf2_msgs/msg/TFMessage", qos: "reliable" });
  bag.addTopic({
    name: imageTopic,
    type: compressed ? "sensor_msgs/msg/CompressedImage" : "sensor_msgs/msg/Image",
    qos: "sensor_data",
  });
  bag.addTopic({ name: TOPICS.cameraInfo, type: "sensor_msgs/msg/CameraInfo", qos: "sensor_data" });
  bag.addTopic({ name: TOPICS.groundTruth, type: "std_msgs/msg/String", qos: "reliable" });

  const tfCodec = codecFor<TFMessage>("tf2_msgs/msg/TFMessage");
  const poseCodec = codecFor<PoseStamped>("geometry_msgs/msg/PoseStamped");
  const infoCodec = codecFor<CameraInfo>("sensor_msgs/msg/CameraInfo");
  const stringCodec = codecFor<StringMsg>("std_msgs/msg/String");
  const compressedCodec = codecFor<CompressedImage>("sensor_msgs/msg/CompressedImage");
  const imageCodec = codecFor<Image>("sensor_msgs/msg/Image");

  await bag.write(
    TOPICS.tfStatic,
    START_TIME_NS,
    tfCodec.encode({
      transforms: [
        {
          header: { stamp: nsToTime(START_TIME_NS), frame_id: "base_link" },
          child_frame_id: CAMERA_FRAME_ID,
          transform: rig.baseFromOptical,
        },
      ],
    }),
  );

  // Every message in log-time order: poses at 50 Hz, camera frames at 30 Hz.
  type Event =
    | { kind: "pose"; index: number; stamp: bigint; log: bigint }
    | { kind: "camera"; index: number; stamp: bigint; log: bigint };
  const events: Event[] = [];
  const cameraStamp = (i: number): bigint =>
    START_TIME_NS + (BigInt(i) * 1_000_000_000n) / BigInt(CAMERA_RATE_HZ);
  const lastCamera = cameraStamp(o.frames - 1);
  for (let j = 0; ; j++) {
    const stamp = START_TIME_NS + BigInt(j) * (1_000_000_000n / BigInt(POSE_RATE_HZ));
    if (stamp > lastCamera + 20_000_000n) break;
    events.push({ kind: "pose", index: j, stamp, log: stamp + 400_000n });
  }
  for (let i = 0; i < o.frames; i++) {
    const stamp = cameraStamp(i);
    // Transport latency of a camera driver: 6-9 ms, varying frame to frame (deterministic).
    const latency = 6_000_000n + BigInt(((i * 2654435761) >>> 0) % 3_000_000);
    events.push({ kind: "camera", index: i, stamp, log: stamp + latency });
  }
  events.sort((a, b) =>
    a.log < b.log
      ? -1
      : a.log > b.log
        ? 1
        : a.kind === b.kind
          ? a.index - b.index
          : a.kind === "pose"
            ? -1
            : 1,
  );

  const secondsOf = (stamp: bigint): number => Number(stamp - START_TIME_NS) / 1e9;
  type Produced = { data: Promise<Uint8Array>; gt: string };
  const produced = new Map<number, Produced>();
  // The sidecar is streamed (long drives do not hold their ground truth in memory).
  const groundTruthPath = join(bagPath, GROUND_TRUTH_FILE);
  const gtFile = openSync(groundTruthPath, "w");
  const produce = (i: number): Produced => {
    const stamp = cameraStamp(i);
    const t = secondsOf(stamp);
    const ego = scenario.ego.poseAt(t);
    const pedestrians = scenario.world.pedestrians.map((p) => pedestrianAt(p, t));
    const vehicles = scenario.world.vehicles.map((v) => vehicleAt(v, t));
    const frame = renderer.render({ index: i, ego, pedestrians, vehicles });
    const g0 = performance.now();
    const gt = buildGroundTruth({
      scenario: scenario.name,
      world: scenario.world,
      mapEdits: scenario.mapEdits,
      rig,
      imageTopic,
      frame: i,
      stamp: nsToTime(stamp),
      ego,
      egoSpeed: scenario.ego.speedAt(t),
      pedestrians,
      vehicles,
      pixels: frame.pedestrians,
    });
    gtMs += performance.now() - g0;
    const rgb = Buffer.from(frame.rgb);
    const data = compressed
      ? sharp(rgb, { raw: { width: rig.model.width, height: rig.model.height, channels: 3 } })
          .jpeg({ quality, chromaSubsampling: "4:2:0" })
          .toBuffer()
          .then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
      : Promise.resolve(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength));
    return { data, gt: JSON.stringify(gt) };
  };

  let summary: Awaited<ReturnType<BagWriter["close"]>>;
  try {
    for (const e of events) {
      const header = { stamp: nsToTime(e.stamp), frame_id: "" };
      if (e.kind === "pose") {
        const pose = scenario.ego.poseAt(secondsOf(e.stamp));
        const q = quatFromEuler(0, 0, pose.heading);
        const position = { x: pose.x, y: pose.y, z: 0 };
        await bag.write(
          TOPICS.pose,
          e.log,
          poseCodec.encode({
            header: { ...header, frame_id: "map" },
            pose: { position, orientation: q },
          }),
        );
        await bag.write(
          TOPICS.tf,
          e.log,
          tfCodec.encode({
            transforms: [
              {
                header: { ...header, frame_id: "map" },
                child_frame_id: "base_link",
                transform: { translation: position, rotation: q },
              },
            ],
          }),
        );
        continue;
      }
      const i = e.index;
      let current = produced.get(i);
      if (!current) produced.set(i, (current = produce(i)));
      // Render the next frame while this one's JPEG is encoded off the main thread.
      if (i + 1 < o.frames && !produced.has(i + 1)) produced.set(i + 1, produce(i + 1));
      const w0 = performance.now();
      const data = await current.data;
      waitMs += performance.now() - w0;
      produced.delete(i);
      const b0 = performance.now();
      const camHeader = { ...header, frame_id: CAMERA_FRAME_ID };
      const imageCdr = compressed
        ? compressedCodec.encode({ header: camHeader, format: "jpeg", data })
        : imageCodec.encode({
            header: camHeader,
            height: rig.model.height,
            width: rig.model.width,
            encoding: "rgb8",
            is_bigendian: 0,
            step: rig.model.width * 3,
            data,
          });
      await bag.write(imageTopic, e.log, imageCdr);
      await bag.write(
        TOPICS.cameraInfo,
        e.log,
        infoCodec.encode(rig.model.toCameraInfo(camHeader)),
      );
      await bag.write(TOPICS.groundTruth, e.log, stringCodec.encode({ data: current.gt }));
      writeSync(gtFile, current.gt + "\n");
      writeMs += performance.now() - b0;
      o.onProgress?.(i + 1, o.frames);
    }
    summary = await bag.close();
  } finally {
    closeSync(gtFile);
  }
  const mapName = o.mapName ?? `${scenario.name}_seed${o.seed}`;
  writeScenarioMap(mapPath, mapName, scenario);
  const m = rig.model;
  const info = {
    generator: "edge-perception scenario generator",
    scenario: scenario.name,
    description: scenario.description,
    seed: o.seed,
    frames: o.frames,
    camera_rate_hz: CAMERA_RATE_HZ,
    pose_rate_hz: POSE_RATE_HZ,
    start_time_ns: START_TIME_NS.toString(),
    image_topic: imageTopic,
    image_encoding: compressed ? `jpeg (quality ${quality})` : "rgb8",
    camera: {
      width: m.width,
      height: m.height,
      fx: m.fx,
      fy: m.fy,
      cx: m.cx,
      cy: m.cy,
      distortion_model: "plumb_bob",
      d: Array.from(rig.model.toCameraInfo({ stamp: { sec: 0, nanosec: 0 }, frame_id: "" }).d),
      frame_id: CAMERA_FRAME_ID,
      base_from_optical: rig.baseFromOptical,
    },
    map: {
      name: mapName,
      origin: SCENARIO_ORIGIN,
      file: mapPath.startsWith(bagPath + sep)
        ? relative(bagPath, mapPath).split(sep).join("/")
        : undefined,
    },
    map_edits: scenario.mapEdits.map((e) =>
      e.kind === "crosswalk_only_in_map" ? { kind: e.kind, crosswalkId: e.crosswalkId } : e,
    ),
    environment: scenario.environment,
  };
  writeFileSync(join(bagPath, "scenario.json"), JSON.stringify(info, null, 2) + "\n");
  const seconds = (performance.now() - started) / 1000;
  const n = o.frames;
  const render = Object.fromEntries(
    Object.entries(renderer.timings)
      .filter(([k]) => k !== "frames")
      .map(([k, v]) => [k, v / n]),
  );
  return {
    bagPath,
    mapPath,
    groundTruthPath,
    frames: n,
    seconds,
    framesPerSecond: n / seconds,
    messageCount: summary.messageCount,
    stageMs: {
      setup: setupMs,
      render,
      groundTruth: gtMs / n,
      waitForEncoding: waitMs / n,
      write: writeMs / n,
    },
  };
}

/** Removes the generator's own sidecar files so the bag writer may replace the folder. */
function prepareOwnFiles(bagPath: string, overwrite: boolean): void {
  if (!existsSync(bagPath)) {
    mkdirSync(resolve(bagPath, ".."), { recursive: true });
    return;
  }
  if (!overwrite)
    throw new PerceptionError(
      "scenario",
      `the output ${bagPath} exists (pass --overwrite to replace it)`,
      { out: bagPath },
    );
  if (!statSync(bagPath).isDirectory())
    throw new PerceptionError("scenario", `the output ${bagPath} exists and is not a folder`, {
      out: bagPath,
    });
  for (const f of SIDECAR_FILES) rmSync(join(bagPath, f), { force: true });
}
