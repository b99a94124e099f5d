/**
 * Model contracts: what an ONNX model takes (input name, size, colour order, normalisation, resize)
 * and gives (outputs, decoder), read from YAML (`config/models.yaml`). ModelSession checks the real
 * model against its contract at start-up.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { PerceptionError, errorMessage } from "../core/errors.js";
import { projectPath } from "../core/paths.js";
import type { ChannelOrder, Normalization, ResizeMode } from "../image/preprocess.js";
import type { ClassMap } from "./class-map.js";
import { ContractReader, isRecord } from "./contract-reader.js";
import type { DeclaredOutput } from "./decoders/family.js";
import { detectorDecoderTypes, detectorFamily, type DetectorDecoder } from "./decoders/registry.js";

export interface InputContract {
  /** The model's input tensor name. */
  name: string;
  /** Tensor width, pixels. */
  width: number;
  /** Tensor height, pixels. */
  height: number;
  /** Colour plane order. */
  channelOrder: ChannelOrder;
  /** Value normalisation. */
  normalization: Normalization;
  /** How frames are fitted into the tensor. */
  resize: ResizeMode;
  /**
   * Run each frame at the frame's own aspect (letterbox only; `input.fit_aspect`): the tensor
   * shrinks along the padded side to the letterboxed image rounded up to `multiple` pixels, never
   * beyond `width` x `height`, so a 16:9 frame into a 416x416 YOLOX-Nano runs at 416x256, at the
   * same scale as the square letterbox, without the padding (fit-aspect.ts). The model is loaded
   * with a free input height and width; only fully convolutional models whose output size follows
   * the input (the grid decoders) can take it. Undefined: always width x height.
   */
  fitAspect?: { multiple: number };
}

/** An output the model must have; `role` tells the decoder what it is (see the decoder families). */
export type OutputContract = DeclaredOutput;

/** How raw outputs become results: a detector family from the registry, or segmentation. */
export type DecoderContract = DetectorDecoder | { type: "segmentation" };

/** Detection post-processing thresholds. */
export interface DetectionThresholds {
  /** Minimum score kept. */
  score: number;
  /** Greedy NMS IoU threshold. */
  nmsIou: number;
  /** Most boxes returned per frame. */
  maxDetections: number;
}

export interface ModelContract {
  /** The contract's key in the YAML file (e.g. "yolox_nano"). */
  name: string;
  /** Model file name, relative to the model directory. */
  file: string;
  input: InputContract;
  /** Outputs checked at start-up (empty: only the decoder's own checks). */
  outputs: readonly OutputContract[];
  decoder: DecoderContract;
  /** Class ids kept by detectors; all when undefined (with a class map and no filter: its people). */
  classFilter?: readonly number[];
  /** Which classes are pedestrians and riders (detectors); undefined: no people categories. */
  classes?: ClassMap;
  /** Detection thresholds (defaults for segmentation models, unused there). */
  thresholds: DetectionThresholds;
}

/** The project's contracts file. */
export function defaultContractsPath(): string {
  return projectPath("config", "models.yaml");
}

/** Reads and validates every contract of a YAML file, keyed by name. */
export function loadModelContracts(
  yamlPath: string = defaultContractsPath(),
): Map<string, ModelContract> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(yamlPath, "utf8"));
  } catch (err) {
    throw new PerceptionError(
      "model",
      `cannot read model contracts: ${errorMessage(err)}`,
      { path: yamlPath },
      { cause: err },
    );
  }
  return parseModelContracts(doc, yamlPath);
}

/** One contract by name from the file (default: config/models.yaml); throws naming the known ones. */
export function loadModelContract(
  name: string,
  yamlPath: string = defaultContractsPath(),
): ModelContract {
  const all = loadModelContracts(yamlPath);
  const c = all.get(name);
  if (!c) {
    throw new PerceptionError(
      "model",
      `no model contract '${name}' (known: ${[...all.keys()].join(", ")})`,
      { path: yamlPath },
    );
  }
  return c;
}

/** Validates an already-parsed YAML document `{ models: { name: {...} } }`. */
export function parseModelContracts(doc: unknown, source = "<inline>"): Map<string, ModelContract> {
  const models = isRecord(doc) ? doc.models : undefined;
  if (!isRecord(models))
    throw new PerceptionError("model", "model contracts need a top-level 'models' mapping", {
      path: source,
    });
  const out = new Map<string, ModelContract>();
  for (const [name, raw] of Object.entries(models)) out.set(name, parseContract(name, raw, source));
  return out;
}

function parseContract(name: string, raw: unknown, source: string): ModelContract {
  const r = new ContractReader(name, source);
  const m = r.record(raw, "");
  const input = r.record(m.input, "input");
  const norm = r.record(
    input.normalization ?? { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
    "input.normalization",
  );
  const resizeRaw = r.record(input.resize ?? { mode: "stretch" }, "input.resize");
  const mode = r.oneOf(resizeRaw.mode, "input.resize.mode", ["stretch", "letterbox"] as const);
  const resize: ResizeMode =
    mode === "stretch"
      ? { mode: "stretch" }
      : {
          mode: "letterbox",
          anchor: r.oneOf(resizeRaw.anchor ?? "top-left", "input.resize.anchor", [
            "top-left",
            "center",
          ] as const),
          padValue: r.number(resizeRaw.pad_value ?? 114, "input.resize.pad_value", 0, 255),
        };
  const fitRaw =
    input.fit_aspect === undefined ? undefined : r.record(input.fit_aspect, "input.fit_aspect");
  if (fitRaw && resize.mode !== "letterbox")
    r.fail(
      "input.fit_aspect",
      "no fit_aspect unless input.resize.mode is letterbox",
      "fit_aspect with stretch",
    );
  const fitAspect = fitRaw
    ? { multiple: r.int(fitRaw.multiple ?? 32, "input.fit_aspect.multiple", 1) }
    : undefined;
  const dec = r.record(m.decoder, "decoder");
  const type = r.oneOf(dec.type, "decoder.type", [...detectorDecoderTypes(), "segmentation"]);
  const decoder: DecoderContract =
    type === "segmentation" ? { type } : detectorFamily(type)!.parse(dec, r);
  const th = r.record(m.thresholds ?? {}, "thresholds");
  const outputs = (m.outputs === undefined ? [] : r.array(m.outputs, "outputs")).map((o, i) => {
    const or = r.record(o, `outputs[${i}]`);
    const out: OutputContract = {
      name: r.string(or.name, `outputs[${i}].name`),
      shape: r.numbers(or.shape, `outputs[${i}].shape`),
    };
    return or.role === undefined ? out : { ...out, role: r.string(or.role, `outputs[${i}].role`) };
  });
  if (type === "segmentation" && outputs.length === 0) {
    throw new PerceptionError(
      "model",
      `model contract '${name}': a segmentation contract must list its outputs`,
      { path: source },
    );
  }
  let classes: ClassMap | undefined;
  if (m.classes !== undefined) {
    if (type === "segmentation") r.fail("classes", "absent for a segmentation model", m.classes);
    const cm = r.record(m.classes, "classes");
    classes = {
      pedestrian: r.ints(cm.pedestrian ?? [], "classes.pedestrian"),
      rider: r.ints(cm.rider ?? [], "classes.rider"),
      ridden: r.ints(cm.ridden ?? [], "classes.ridden"),
    };
    if (classes.pedestrian.length + classes.rider.length === 0)
      r.fail("classes", "a map with at least one pedestrian or rider class", m.classes);
  }
  const classFilter =
    m.class_filter !== undefined
      ? r.ints(m.class_filter, "class_filter")
      : classes
        ? [...new Set([...classes.pedestrian, ...classes.rider])]
        : undefined;
  return {
    name,
    file: r.string(m.file, "file"),
    input: {
      name: r.string(input.name, "input.name"),
      width: r.int(input.width, "input.width", 1),
      height: r.int(input.height, "input.height", 1),
      channelOrder: r.oneOf(
        input.colour_order ?? input.color_order ?? "rgb",
        "input.colour_order",
        ["rgb", "bgr"] as const,
      ),
      normalization: {
        scale: r.number(norm.scale ?? 1, "input.normalization.scale"),
        mean: r.triple(norm.mean ?? [0, 0, 0], "input.normalization.mean"),
        std: r.triple(norm.std ?? [1, 1, 1], "input.normalization.std"),
      },
      resize,
      ...(fitAspect ? { fitAspect } : {}),
    },
    outputs,
    decoder,
    classFilter,
    ...(classes ? { classes } : {}),
    thresholds: {
      score: r.number(th.score ?? 0.3, "thresholds.score", 0, 1),
      nmsIou: r.number(th.nms_iou ?? 0.45, "thresholds.nms_iou", 0, 1),
      maxDetections: r.int(th.max_detections ?? 100, "thresholds.max_detections", 1),
    },
  };
}
