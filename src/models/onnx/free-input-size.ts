/**
 * A model whose image input takes any height and width: the last two dims of its one input
 * become symbolic (`height`, `width`), for contracts with `input.fit_aspect` (fit-aspect.ts).
 * onnxruntime checks inputs against the declared dims and refuses others; a fully convolutional
 * model computes at the size it is given, and its outputs follow (their declared dims stay, and
 * onnxruntime only warns when a run's differ). Nothing else in the graph changes.
 */
import { PerceptionError } from "../../core/errors.js";
import { decodeModel, encodeModel } from "./onnx-proto.js";

/** A model with a free input size, and what its file declared. */
export interface FreedInput {
  /** The model to load. */
  bytes: Uint8Array;
  /** The input's name. */
  name: string;
  /** The input's dims as the file declared them (symbolic ones as their names): what the contract is checked against. */
  declaredShape: (number | string)[];
}

/** The model's bytes with its one 4-D input's height and width made symbolic. */
export function freeInputSize(bytes: Uint8Array): FreedInput {
  const model = decodeModel(bytes);
  const inputs = model.graph?.input ?? [];
  // Initializers may be listed as inputs in older exports: the image input is the one that is not.
  const initialized = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const images = inputs.filter((i) => !initialized.has(i.name));
  const dims = images.length === 1 ? images[0]!.type?.tensorType?.shape?.dim : undefined;
  if (!dims || dims.length !== 4)
    throw new PerceptionError(
      "model",
      `input.fit_aspect needs a model with one 4-D image input, found ${images.length} input(s)${images.length === 1 ? ` of rank ${dims?.length ?? "unknown"}` : ""}`,
    );
  const declaredShape = dims.map((d) =>
    d.dimValue !== undefined ? Number(d.dimValue) : (d.dimParam ?? "?"),
  );
  dims[2] = { dimParam: "height" };
  dims[3] = { dimParam: "width" };
  return { bytes: encodeModel(model), name: images[0]!.name ?? "", declaredShape };
}
