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
}

/** An output the model must have. */
export interface OutputContract {
  /** Output tensor name. */
  name: string;
  /** Expected shape (dynamic dimensions of the model match anything). */
  shape: readonly number[];
}

/** How raw outputs become results. */
export type DecoderContract =
  | {
      type: "yolox";
      /** Strides of the grid levels in output order. */
      strides: readonly number[];
      /** Number of classes. */
      numClasses: number;
    }
  | {
      type: "nanodet";
      /** Strides of the levels; each level's two outputs are found by shape. */
      strides: readonly number[];
      /** Number of classes. */
      numClasses: number;
      /** Highest distribution bin (7 = 8 bins). */
      regMax: number;
      /** Centre prior offset in cells (0.5 = cell centre). */
      centerOffset: number;
    }
  | {
      type: "yolov8";
      /** Number of classes. */
      numClasses: number;
    }
  | { type: "segmentation" };

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
  /** Class ids kept by detectors; all when undefined. */
  classFilter?: readonly number[];
  /** Detection thresholds (defaults for segmentation models, unused there). */
  thresholds: DetectionThresholds;
}

/** The project's contracts file. */
export function defaultContractsPath(): string {
  return projectPath("config", "models.yaml");
}

/** Reads and validates every contract of a YAML file, keyed by name. */
export function loadModelContracts(yamlPath: string = defaultContractsPath()): Map<string, ModelContract> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(yamlPath, "utf8"));
  } catch (err) {
    throw new PerceptionError("model", `cannot read model contracts: ${errorMessage(err)}`, { path: yamlPath }, { cause: err });
  }
  return parseModelContracts(doc, yamlPath);
}

/** One contract by name from the file (default: config/models.yaml); throws naming the known ones. */
export function loadModelContract(name: string, yamlPath: string = defaultContractsPath()): ModelContract {
  const all = loadModelContracts(yamlPath);
  const c = all.get(name);
  if (!c) {
    throw new PerceptionError("model", `no model contract '${name}' (known: ${[...all.keys()].join(", ")})`, { path: yamlPath });
  }
  return c;
}

/** Validates an already-parsed YAML document `{ models: { name: {...} } }`. */
export function parseModelContracts(doc: unknown, source = "<inline>"): Map<string, ModelContract> {
  const models = isRecord(doc) ? doc.models : undefined;
  if (!isRecord(models)) throw new PerceptionError("model", "model contracts need a top-level 'models' mapping", { path: source });
  const out = new Map<string, ModelContract>();
  for (const [name, raw] of Object.entries(models)) out.set(name, parseContract(name, raw, source));
  return out;
}

function parseContract(name: string, raw: unknown, source: string): ModelContract {
  const r = new Reader(name, source);
  const m = r.record(raw, "");
  const input = r.record(m.input, "input");
  const norm = r.record(input.normalization ?? { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] }, "input.normalization");
  const resizeRaw = r.record(input.resize ?? { mode: "stretch" }, "input.resize");
  const mode = r.oneOf(resizeRaw.mode, "input.resize.mode", ["stretch", "letterbox"] as const);
  const resize: ResizeMode =
    mode === "stretch"
      ? { mode: "stretch" }
      : {
          mode: "letterbox",
          anchor: r.oneOf(resizeRaw.anchor ?? "top-left", "input.resize.anchor", ["top-left", "center"] as const),
          padValue: r.number(resizeRaw.pad_value ?? 114, "input.resize.pad_value", 0, 255),
        };
  const dec = r.record(m.decoder, "decoder");
  const type = r.oneOf(dec.type, "decoder.type", ["yolox", "nanodet", "yolov8", "segmentation"] as const);
  let decoder: DecoderContract;
  switch (type) {
    case "yolox":
      decoder = { type, strides: r.numbers(dec.strides ?? [8, 16, 32], "decoder.strides"), numClasses: r.int(dec.num_classes ?? 80, "decoder.num_classes", 1) };
      break;
    case "nanodet":
      decoder = {
        type,
        strides: r.numbers(dec.strides ?? [8, 16, 32], "decoder.strides"),
        numClasses: r.int(dec.num_classes ?? 80, "decoder.num_classes", 1),
        regMax: r.int(dec.reg_max ?? 7, "decoder.reg_max", 1),
        centerOffset: r.number(dec.center_offset ?? 0.5, "decoder.center_offset", 0, 1),
      };
      break;
    case "yolov8":
      decoder = { type, numClasses: r.int(dec.num_classes ?? 80, "decoder.num_classes", 1) };
      break;
    case "segmentation":
      decoder = { type };
      break;
  }
  const th = r.record(m.thresholds ?? {}, "thresholds");
  const outputs = (m.outputs === undefined ? [] : r.array(m.outputs, "outputs")).map((o, i) => {
    const or = r.record(o, `outputs[${i}]`);
    return { name: r.string(or.name, `outputs[${i}].name`), shape: r.numbers(or.shape, `outputs[${i}].shape`) };
  });
  if (type === "segmentation" && outputs.length === 0) {
    throw new PerceptionError("model", `model contract '${name}': a segmentation contract must list its outputs`, { path: source });
  }
  const classFilter = m.class_filter === undefined ? undefined : r.numbers(m.class_filter, "class_filter");
  return {
    name,
    file: r.string(m.file, "file"),
    input: {
      name: r.string(input.name, "input.name"),
      width: r.int(input.width, "input.width", 1),
      height: r.int(input.height, "input.height", 1),
      channelOrder: r.oneOf(input.colour_order ?? input.color_order ?? "rgb", "input.colour_order", ["rgb", "bgr"] as const),
      normalization: {
        scale: r.number(norm.scale ?? 1, "input.normalization.scale"),
        mean: r.triple(norm.mean ?? [0, 0, 0], "input.normalization.mean"),
        std: r.triple(norm.std ?? [1, 1, 1], "input.normalization.std"),
      },
      resize,
    },
    outputs,
    decoder,
    classFilter,
    thresholds: {
      score: r.number(th.score ?? 0.3, "thresholds.score", 0, 1),
      nmsIou: r.number(th.nms_iou ?? 0.45, "thresholds.nms_iou", 0, 1),
      maxDetections: r.int(th.max_detections ?? 100, "thresholds.max_detections", 1),
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Field readers that throw a `model` PerceptionError naming the contract and field. */
class Reader {
  constructor(
    private readonly name: string,
    private readonly source: string,
  ) {}

  fail(field: string, expected: string, got: unknown): never {
    throw new PerceptionError(
      "model",
      `model contract '${this.name}': ${field || "entry"} must be ${expected}, got ${JSON.stringify(got) ?? "nothing"}`,
      { path: this.source },
    );
  }
  record(v: unknown, field: string): Record<string, unknown> {
    return isRecord(v) ? v : this.fail(field, "a mapping", v);
  }
  array(v: unknown, field: string): unknown[] {
    return Array.isArray(v) ? v : this.fail(field, "a list", v);
  }
  string(v: unknown, field: string): string {
    return typeof v === "string" && v.length > 0 ? v : this.fail(field, "a non-empty string", v);
  }
  number(v: unknown, field: string, min = -Infinity, max = Infinity): number {
    return typeof v === "number" && Number.isFinite(v) && v >= min && v <= max ? v : this.fail(field, `a number in [${min}, ${max}]`, v);
  }
  int(v: unknown, field: string, min = -Infinity): number {
    return Number.isInteger(v) && (v as number) >= min ? (v as number) : this.fail(field, `an integer >= ${min}`, v);
  }
  numbers(v: unknown, field: string): number[] {
    const a = this.array(v, field);
    return a.map((x, i) => this.number(x, `${field}[${i}]`));
  }
  triple(v: unknown, field: string): [number, number, number] {
    const a = this.numbers(v, field);
    return a.length === 3 ? [a[0], a[1], a[2]] : this.fail(field, "three numbers", v);
  }
  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    return allowed.includes(v as T) ? (v as T) : this.fail(field, `one of ${allowed.join(" | ")}`, v);
  }
}
