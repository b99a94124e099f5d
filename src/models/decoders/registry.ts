/**
 * The detector decoder families a contract's `decoder.type` can name. A family is one file under
 * src/models/decoders/ exporting a `DecoderFamily` (contract parameters, output binding, decoding);
 * adding one is that file plus its line here. Segmentation models have their own decoder
 * (`segmentation.ts`), not a detector family.
 */
import type { DecoderFamily } from "./family.js";
import { nanodetFamily, type NanodetDecoder } from "./nanodet.js";
import { ssdFamily, type SsdDecoder } from "./ssd.js";
import { yolov5Family, type Yolov5Decoder } from "./yolov5.js";
import { yolov8Family, type Yolov8Decoder } from "./yolov8.js";
import { yoloxFamily, type YoloxDecoder } from "./yolox.js";

/** Every detector decoder's contract parameters. */
export type DetectorDecoder =
  | YoloxDecoder
  | NanodetDecoder
  | Yolov5Decoder
  | Yolov8Decoder
  | SsdDecoder;

/** A family with its parameter and binding types erased (the registry's view). */
// biome-ignore lint/suspicious/noExplicitAny: the registry erases each family's parameter type
export type AnyDecoderFamily = DecoderFamily<DetectorDecoder, any>;

const FAMILIES: readonly AnyDecoderFamily[] = [
  yoloxFamily,
  nanodetFamily,
  yolov5Family,
  yolov8Family,
  ssdFamily,
] as unknown as AnyDecoderFamily[];

const BY_TYPE = new Map(FAMILIES.map((f) => [f.type, f]));

/** The `decoder.type` names of the detector families, in registry order. */
export function detectorDecoderTypes(): string[] {
  return FAMILIES.map((f) => f.type);
}

/** The family for a `decoder.type`, undefined when none. */
export function detectorFamily(type: string): AnyDecoderFamily | undefined {
  return BY_TYPE.get(type as DetectorDecoder["type"]);
}

/** Every family (docs, `edge-perception info`). */
export function detectorFamilies(): readonly AnyDecoderFamily[] {
  return FAMILIES;
}
