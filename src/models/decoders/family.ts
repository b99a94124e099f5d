/**
 * What a detector decoder family provides to the registry (`registry.ts`): how its contract
 * parameters are read, which model outputs it reads (matched by the names the contract declares
 * for its roles, else by shape), and how those outputs become boxes. A family lives in one file
 * under src/models/decoders/ and is listed once in the registry.
 */
import { PerceptionError } from "../../core/errors.js";
import type { ContractReader } from "../contract-reader.js";
import type { Detection } from "../detection.js";
import { candidateOrientation, withoutBatch } from "./candidates.js";

/** A model output as onnxruntime describes it (dims -1 where dynamic; undefined without metadata). */
export interface OutputMeta {
  name: string;
  dims: readonly number[] | undefined;
}

/** An output the contract lists. */
export interface DeclaredOutput {
  /** Output tensor name. */
  name: string;
  /** Expected shape (dynamic model dimensions match anything). */
  shape: readonly number[];
  /** What the decoder reads it as (a family's role name, e.g. "boxes", "scores_8"); undefined: checked only. */
  role?: string;
}

/** What `bind` gets: the contract's view of the model and the model's real outputs. */
export interface BindContext {
  /** The contract and model file as messages name them, e.g. `'yolox_nano' (yolox_nano.onnx)`. */
  contract: string;
  /** Model input width, pixels. */
  inputWidth: number;
  /** Model input height, pixels. */
  inputHeight: number;
  /** The contract's declared outputs. */
  declared: readonly DeclaredOutput[];
  /** The model's outputs. */
  outputs: readonly OutputMeta[];
}

/** One output's data at decode time. */
export interface OutputData {
  data: Float32Array;
  dims: readonly number[];
}

/** Per-run decode settings from the contract. */
export interface DecodeSettings {
  /** Model input width, pixels. */
  inputWidth: number;
  /** Model input height, pixels. */
  inputHeight: number;
  /** Candidates scoring below this are dropped. */
  scoreThreshold: number;
  /** Only candidates whose best class is one of these are kept; all when undefined. */
  classFilter?: readonly number[];
}

export interface DecoderFamily<D extends { type: string }, B> {
  /** The contract's `decoder.type`. */
  type: D["type"];
  /** One line for docs and error messages: the output layout the family reads. */
  layout: string;
  /** Reads the family's parameters from the contract's `decoder` mapping. */
  parse(raw: Record<string, unknown>, r: ContractReader): D;
  /** Picks and checks the outputs it reads; throws (via `bindError`) naming the mismatch. */
  bind(d: D, ctx: BindContext): B;
  /** Output names the binding reads. */
  outputNames(b: B): readonly string[];
  /** Boxes in tensor pixels before NMS. `get` returns an output by name. */
  decode(d: D, b: B, get: (name: string) => OutputData, s: DecodeSettings): Detection[];
}

/** A `model` error: the model does not fit the contract's decoder, with both sides described. */
export function bindError(ctx: BindContext, what: string): never {
  const outs = ctx.outputs.map((o) => `${o.name} [${o.dims?.join(",") ?? "?"}]`).join("; ");
  throw new PerceptionError(
    "model",
    `model ${ctx.contract} does not match its contract: ${what}; the model's outputs are ${outs}`,
  );
}

/** Shape text for messages: `[1,a,b]` (a rank-2 `[a,b]` export is accepted too). */
export function shapeText(a: number | string, b: number | string): string {
  return `[1,${a},${b}]`;
}

/** The output the contract declares for `role`, checked to exist in the model. */
export function declaredFor(ctx: BindContext, role: string): OutputMeta | undefined {
  const d = ctx.declared.find((o) => o.role === role);
  if (!d) return undefined;
  return (
    ctx.outputs.find((o) => o.name === d.name) ??
    bindError(
      ctx,
      `the contract declares output '${d.name}' as ${role}, the model has no output of that name`,
    )
  );
}

/**
 * The output for `role`: the one the contract declares for it, else the single output whose dims
 * satisfy `fits` among those not `taken`. Throws naming `expected` when none (or several) fit.
 */
export function pickOutput(
  ctx: BindContext,
  role: string,
  expected: string,
  fits: (dims: readonly number[]) => boolean,
  taken: ReadonlySet<string> = new Set(),
): string {
  // A single-output family also takes the contract's only declared output when it names no role.
  const sole =
    ctx.declared.length === 1 && ctx.declared[0]!.role === undefined && role === "output"
      ? ctx.outputs.find((o) => o.name === ctx.declared[0]!.name)
      : undefined;
  const declared = declaredFor(ctx, role) ?? sole;
  const what = role === "output" ? "an output" : `a ${role} output`;
  if (declared) {
    if (declared.dims && !fits(declared.dims))
      bindError(
        ctx,
        `expected ${what} '${declared.name}' of shape ${expected}, found [${declared.dims.join(",")}]`,
      );
    return declared.name;
  }
  const candidates = ctx.outputs.filter(
    (o) => !taken.has(o.name) && (o.dims === undefined || fits(o.dims)),
  );
  if (candidates.length === 0) bindError(ctx, `expected ${what} of shape ${expected}, found none`);
  const exact = candidates.filter((o) => o.dims !== undefined);
  if (exact.length > 1) {
    bindError(
      ctx,
      `several outputs fit ${what} ${expected} (${exact.map((o) => o.name).join(", ")}); name one in the contract's outputs with role: ${role}`,
    );
  }
  return (exact[0] ?? candidates[0]!).name;
}

/** dims fit a candidate table of `features` per candidate and, when given, `count` candidates. */
export function fitsTable(
  features: number,
  allow: "rows" | "columns" | "either",
  count?: number,
): (dims: readonly number[]) => boolean {
  return (dims) => {
    const o = candidateOrientation(dims, features, allow === "columns" ? "columns" : "rows");
    if (!o || (allow !== "either" && o !== allow)) return false;
    if (count === undefined) return true;
    const d = withoutBatch(dims);
    const n = o === "rows" ? d[0]! : d[1]!;
    return n < 0 || n === count;
  };
}

/** Sigmoid. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
