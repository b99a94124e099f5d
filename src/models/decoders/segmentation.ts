/**
 * Segmentation decoder: an output [1, C, H, W] of per-class scores becomes the argmax class per
 * tensor pixel (ties go to the lower class).
 */
import { PerceptionError } from "../../core/errors.js";

/** One output's argmax classes. */
export interface SegmentationMask {
  /** The model output's name (e.g. "ll" for TwinLiteNet lane lines). */
  name: string;
  /** Mask columns = tensor width. */
  width: number;
  /** Mask rows = tensor height. */
  height: number;
  /** Number of classes C of the output. */
  classCount: number;
  /** Argmax class per tensor pixel, row-major, width * height values. */
  classes: Uint8Array;
}

/** Argmax over the class axis of a [1, C, H, W] tensor. `into` is reused when the right size. */
export function decodeSegmentation(
  name: string,
  data: Float32Array,
  dims: readonly number[],
  into?: Uint8Array,
): SegmentationMask {
  if (dims.length !== 4 || dims[0] !== 1 || dims[1]! < 1 || dims[1]! > 255) {
    throw new PerceptionError(
      "model",
      `segmentation output '${name}' has shape [${dims.join(",")}], expected [1, C<=255, H, W]`,
    );
  }
  const [, c, h, w] = dims as readonly [number, number, number, number];
  const plane = h * w;
  if (data.length !== c * plane) {
    throw new PerceptionError(
      "model",
      `segmentation output '${name}' has ${data.length} values, expected ${c * plane}`,
    );
  }
  const reuse = into !== undefined && into.length === plane;
  let classes: Uint8Array;
  if (c === 2) {
    classes = reuse ? into.fill(0) : new Uint8Array(plane);
    argmaxOfTwo(data, plane, classes);
  } else {
    classes = reuse ? into : new Uint8Array(plane);
    argmax(data, c, plane, classes);
  }
  return { name, width: w, height: h, classCount: c, classes };
}

/** Two classes into zeroed `classes`: 1 where class 1 scores higher (few pixels: mostly background, so few stores). */
function argmaxOfTwo(data: Float32Array, plane: number, classes: Uint8Array): void {
  for (let i = 0; i < plane; i++) if (data[plane + i]! > data[i]!) classes[i] = 1;
}

/** C classes: per pixel the first class with the highest score. */
function argmax(data: Float32Array, c: number, plane: number, classes: Uint8Array): void {
  for (let i = 0; i < plane; i++) {
    let best = 0;
    let bestV = data[i]!;
    for (let k = 1; k < c; k++) {
      const v = data[k * plane + i]!;
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    classes[i] = best;
  }
}
