/**
 * `edge-perception generate --scenario <name> --seed <n> --frames <n> --out <dir> [--compressed]
 * [--width <px> --height <px>] ...`: writes a synthetic drive (rosbag2 bag, ground truth, HD map).
 */
import { parseArgs } from "node:util";
import { PerceptionError, errorMessage } from "../../core/errors.js";
import { generateDrive } from "../../../tools/scenario/generate-drive.js";
import { SCENARIO_NAMES, SCENARIOS, isScenarioName } from "../../../tools/scenario/scenarios.js";

export const summary =
  "generate a synthetic drive (bag + ground truth + HD map) from a named scenario";

const USAGE = `usage: edge-perception generate --scenario <name> --out <dir> [options]

  --scenario <name>     ${SCENARIO_NAMES.join(", ")}
  --out <dir>           bag folder to write (also gets ground_truth.jsonl, scenario.json, map.geojson)
  --seed <n>            PRNG seed (default 1); same scenario + seed => byte-identical output
  --frames <n>          camera frames at 30 Hz (default: the scenario's, 240-300)
  --compressed          JPEG CompressedImage on /camera/front/image_raw/compressed (default rgb8 Image)
  --quality <1-100>     JPEG quality (default 80)
  --width <px>          image width (default 1280)
  --height <px>         image height (default 720)
  --fov <deg>           horizontal field of view (default 65)
  --pitch <deg>         camera pitch, positive looks down (default 3)
  --distortion <k1,k2,p1,p2,k3>  plumb_bob coefficients (default none)
  --speed <m/s>         cruise speed override
  --map <file>          where to write the HD map GeoJSON (default <out>/map.geojson)
  --map-name <name>     the map's name (default <scenario>_seed<seed>)
  --zstd                zstd-compress the bag's chunks (shrinks ground truth and raw images)
  --overwrite           replace an existing output folder
  --list                list the scenarios and exit`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v))
    throw new PerceptionError("scenario", `--${name} must be a number, got '${text}'`);
  return v;
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        scenario: { type: "string" },
        seed: { type: "string" },
        frames: { type: "string" },
        out: { type: "string" },
        compressed: { type: "boolean" },
        quality: { type: "string" },
        width: { type: "string" },
        height: { type: "string" },
        fov: { type: "string" },
        pitch: { type: "string" },
        distortion: { type: "string" },
        speed: { type: "string" },
        map: { type: "string" },
        "map-name": { type: "string" },
        overwrite: { type: "boolean" },
        zstd: { type: "boolean" },
        list: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`edge-perception generate: ${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.list) {
    for (const name of SCENARIO_NAMES)
      console.log(
        `${name.padEnd(20)} ${SCENARIOS[name].description} (default ${SCENARIOS[name].defaultFrames} frames)`,
      );
    return 0;
  }
  try {
    if (!args.scenario) throw new PerceptionError("scenario", "--scenario is required");
    if (!isScenarioName(args.scenario))
      throw new PerceptionError(
        "scenario",
        `unknown scenario '${args.scenario}'; known: ${SCENARIO_NAMES.join(", ")}`,
      );
    if (!args.out) throw new PerceptionError("scenario", "--out <dir> is required");
    const seed = number("seed", args.seed) ?? 1;
    if (!Number.isSafeInteger(seed))
      throw new PerceptionError("scenario", `--seed must be an integer, got ${args.seed}`);
    const frames = number("frames", args.frames) ?? SCENARIOS[args.scenario].defaultFrames;
    if (!Number.isInteger(frames) || frames <= 0)
      throw new PerceptionError(
        "scenario",
        `--frames must be a positive integer, got ${args.frames}`,
      );
    const speed = number("speed", args.speed);
    if (speed !== undefined && !(speed > 0))
      throw new PerceptionError("scenario", `--speed must be positive (m/s), got ${args.speed}`);
    const width = number("width", args.width);
    const height = number("height", args.height);
    if ((width === undefined) !== (height === undefined))
      throw new PerceptionError("scenario", "--width and --height go together");
    const distortion = args.distortion?.split(",").map((s, i) => {
      const v = Number(s);
      if (s.trim() === "" || !Number.isFinite(v))
        throw new PerceptionError(
          "scenario",
          `--distortion value ${i + 1} is not a number: '${s}'`,
        );
      return v;
    });
    if (distortion && distortion.length > 5)
      throw new PerceptionError(
        "scenario",
        `--distortion takes up to 5 plumb_bob coefficients, got ${distortion.length}`,
      );
    const fov = number("fov", args.fov);
    const pitch = number("pitch", args.pitch);
    const quality = number("quality", args.quality);
    let lastReport = -1;
    const result = await generateDrive({
      scenario: args.scenario,
      seed,
      frames,
      out: args.out,
      ...(args.map ? { mapPath: args.map } : {}),
      ...(args["map-name"] ? { mapName: args["map-name"] } : {}),
      compressed: args.compressed ?? false,
      ...(quality !== undefined ? { jpegQuality: quality } : {}),
      camera: {
        ...(width !== undefined ? { width, height } : {}),
        ...(fov !== undefined ? { horizontalFovDeg: fov } : {}),
        ...(pitch !== undefined ? { pitchDeg: pitch } : {}),
        ...(distortion ? { distortion } : {}),
      },
      ...(speed !== undefined ? { speed } : {}),
      overwrite: args.overwrite ?? false,
      compression: args.zstd ? "zstd" : "none",
      onProgress: (done, total) => {
        const pct = Math.floor((100 * done) / total);
        if (pct >= lastReport + 10 || done === total) {
          lastReport = pct;
          process.stderr.write(`generate: ${done}/${total} frames\n`);
        }
      },
    });
    console.log(`bag:          ${result.bagPath} (${result.messageCount} messages)`);
    console.log(`ground truth: ${result.groundTruthPath}`);
    console.log(`map:          ${result.mapPath}`);
    console.log(
      `frames:       ${result.frames} in ${result.seconds.toFixed(1)} s (${result.framesPerSecond.toFixed(1)} frames/s)`,
    );
    return 0;
  } catch (err) {
    console.error(`edge-perception generate: ${errorMessage(err)}`);
    return err instanceof PerceptionError ? 2 : 1;
  }
}
