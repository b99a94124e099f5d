/** What kind of person a box is (from the contract's class map): on foot, or riding a two-wheeler. */
export type PersonCategory = "pedestrian" | "rider";

/**
 * A detector's box before any vehicle-frame geometry: source image pixels, corner convention
 * (x1, y1 = top-left corner; x2, y2 = bottom-right corner, exclusive edge), score 0..1, model class id.
 */
export interface Detection {
  /** Left edge, image pixels. */
  x1: number;
  /** Top edge, image pixels. */
  y1: number;
  /** Right edge, image pixels. */
  x2: number;
  /** Bottom edge, image pixels. */
  y2: number;
  /** Confidence 0..1. */
  score: number;
  /** Class index of the model's label set (COCO: 0 = person). */
  classId: number;
  /** Person boxes of a contract with a class map: pedestrian or rider; absent otherwise. */
  category?: PersonCategory;
}

/** Area of a box (0 for degenerate boxes). */
function boxArea(b: Pick<Detection, "x1" | "y1" | "x2" | "y2">): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Fraction of `b`'s area inside `a` (0 when they do not overlap or `b` is empty). */
export function containedFraction(
  a: Pick<Detection, "x1" | "y1" | "x2" | "y2">,
  b: Pick<Detection, "x1" | "y1" | "x2" | "y2">,
): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const area = boxArea(b);
  return area > 0 ? (iw * ih) / area : 0;
}

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(
  a: Pick<Detection, "x1" | "y1" | "x2" | "y2">,
  b: Pick<Detection, "x1" | "y1" | "x2" | "y2">,
): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Clips a box to the image [0, width] x [0, height]. */
export function clipDetection<D extends Detection>(d: D, width: number, height: number): D {
  return {
    ...d,
    x1: Math.min(Math.max(d.x1, 0), width),
    y1: Math.min(Math.max(d.y1, 0), height),
    x2: Math.min(Math.max(d.x2, 0), width),
    y2: Math.min(Math.max(d.y2, 0), height),
  };
}
