/**
 * The exact mapping between a model's input tensor and the source image. Coordinates here are
 * continuous with the origin at the top-left corner of the top-left pixel (a pixel i covers
 * [i, i+1)); `Pixel` values of the geometry layer put pixel centres at integers, so use
 * `tensorPixelToImage` for those and `tensorPointToImage` for box edges.
 *
 *   image_x = (tensor_x - offsetX) / scaleX        image_y = (tensor_y - offsetY) / scaleY
 */
import type { Pixel } from "../geometry/types.js";

export interface TensorToImage {
  /** Tensor columns (model input width). */
  tensorWidth: number;
  /** Tensor rows (model input height). */
  tensorHeight: number;
  /** Source image columns. */
  imageWidth: number;
  /** Source image rows. */
  imageHeight: number;
  /** Tensor pixels per image pixel along x (resized width / image width). */
  scaleX: number;
  /** Tensor pixels per image pixel along y. */
  scaleY: number;
  /** Tensor column where the image's left edge lands (letterbox padding on the left). */
  offsetX: number;
  /** Tensor row where the image's top edge lands (letterbox padding on the top). */
  offsetY: number;
  /** Columns of the tensor covered by the image: [offsetX, offsetX + contentWidth). */
  contentWidth: number;
  /** Rows of the tensor covered by the image: [offsetY, offsetY + contentHeight). */
  contentHeight: number;
}

/** A continuous tensor point (corner convention) in image coordinates (corner convention). */
export function tensorPointToImage(
  map: TensorToImage,
  x: number,
  y: number,
): { x: number; y: number } {
  return { x: (x - map.offsetX) / map.scaleX, y: (y - map.offsetY) / map.scaleY };
}

/** A continuous image point (corner convention) in tensor coordinates. */
export function imagePointToTensor(
  map: TensorToImage,
  x: number,
  y: number,
): { x: number; y: number } {
  return { x: x * map.scaleX + map.offsetX, y: y * map.scaleY + map.offsetY };
}

/** The image pixel (centres at integers) sampled for a tensor pixel (centres at integers). */
export function tensorPixelToImage(map: TensorToImage, px: Pixel): Pixel {
  return {
    u: (px.u + 0.5 - map.offsetX) / map.scaleX - 0.5,
    v: (px.v + 0.5 - map.offsetY) / map.scaleY - 0.5,
  };
}

/** The tensor pixel (centres at integers) where an image pixel (centres at integers) lands. */
export function imagePixelToTensor(map: TensorToImage, px: Pixel): Pixel {
  return {
    u: (px.u + 0.5) * map.scaleX + map.offsetX - 0.5,
    v: (px.v + 0.5) * map.scaleY + map.offsetY - 0.5,
  };
}
