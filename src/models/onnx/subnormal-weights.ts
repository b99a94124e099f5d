/**
 * Subnormal float32 weights set to zero before a model is loaded. Some exported models carry
 * weights below float32's smallest normal value (TwinLiteNet: 49,785 of its 440,851 weights, YOLOX-
 * Nano none); every multiply by one gives a subnormal result, which x86 AVX-512 kernels handle by a
 * microcode assist per value. On this project's Intel Xeon VM that made TwinLiteNet 320x320 about
 * 3-10x slower (docs/models.md, "Subnormal weights"). onnxruntime's own flush-to-zero option
 * (`session.set_denormal_as_zero`) applies once per process, to the first session's thread, so it
 * cannot serve one session per worker thread. Zeroing the weights changes each product by less
 * than 1e-38, far below anything a mask threshold or a box score resolves.
 */
import { DataType, decodeModel, encodeModel } from "./onnx-proto.js";

/** A float32's exponent and mantissa bits: subnormal when the exponent is 0 and the mantissa not. */
const EXPONENT_BITS = 0x7f800000;
const MANTISSA_BITS = 0x007fffff;

/** The smallest normal float32. */
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/** A model's bytes after `flushSubnormalWeights`. */
export interface FlushedWeights {
  /** The model to load: the input bytes themselves when no weight was subnormal. */
  bytes: Uint8Array;
  /** How many float32 weights were subnormal and are now zero. */
  flushed: number;
}

/** Sets every subnormal float32 initializer value of an ONNX model to zero. */
export function flushSubnormalWeights(bytes: Uint8Array): FlushedWeights {
  const model = decodeModel(bytes);
  let flushed = 0;
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== DataType.FLOAT) continue;
    if (t.rawData && t.rawData.length > 0) {
      // A copy: raw_data need not be 4-byte aligned inside the file's buffer.
      const copy = t.rawData.slice();
      // Tested on the bits: a thread that reads subnormals as zero (ort-launcher-thread.ts) would
      // see none by value.
      const bits = new Uint32Array(copy.buffer, 0, copy.length / 4);
      let here = 0;
      for (let i = 0; i < bits.length; i++) {
        const b = bits[i]!;
        if ((b & EXPONENT_BITS) === 0 && (b & MANTISSA_BITS) !== 0) {
          bits[i] = 0;
          here++;
        }
      }
      if (here > 0) t.rawData = copy;
      flushed += here;
    } else {
      for (let i = 0; i < t.floatData.length; i++) {
        const v = t.floatData[i]!;
        if (v !== 0 && Math.abs(v) < FLOAT32_MIN_NORMAL) {
          t.floatData[i] = 0;
          flushed++;
        }
      }
    }
  }
  return { bytes: flushed > 0 ? encodeModel(model) : bytes, flushed };
}
