/**
 * CULane's lane metric: each lane drawn as a 30 px wide line (at CULane's 1640 px width; scaled
 * to the image), a prediction is right when its mask's IoU with a labelled lane's is >= 0.5
 * (one-to-one, best IoU first). Masks are drawn at a quarter of the resolution.
 */
import type { Counts } from "./partial.js";

const SCALE = 0.25;

function rasterize(
  points: readonly (readonly [number, number])[],
  width: number,
  height: number,
  lineWidth: number,
): Set<number> {
  const w = Math.max(1, Math.round(width * SCALE));
  const h = Math.max(1, Math.round(height * SCALE));
  const r = (lineWidth * SCALE) / 2;
  const cells = new Set<number>();
  for (let k = 1; k < points.length; k++) {
    const ax = points[k - 1]![0] * SCALE;
    const ay = points[k - 1]![1] * SCALE;
    const bx = points[k]![0] * SCALE;
    const by = points[k]![1] * SCALE;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r));
    const x1 = Math.min(w - 1, Math.ceil(Math.max(ax, bx) + r));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r));
    const y1 = Math.min(h - 1, Math.ceil(Math.max(ay, by) + r));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0;
        if (Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= r) cells.add(y * w + x);
      }
    }
  }
  return cells;
}

function iou(a: Set<number>, b: Set<number>): number {
  let inter = 0;
  for (const c of a) if (b.has(c)) inter++;
  const union = a.size + b.size - inter;
  return union > 0 ? inter / union : 0;
}

/** TP/FP/FN of one image's lanes (pixel polylines) with CULane's rule. */
export function cuLaneCounts(
  pred: readonly (readonly [number, number])[][],
  gt: readonly (readonly [number, number])[][],
  width: number,
  height: number,
  iouThreshold = 0.5,
): Counts {
  const lineWidth = (30 * width) / 1640;
  const pm = pred.map((p) => rasterize(p, width, height, lineWidth));
  const gm = gt.map((g) => rasterize(g, width, height, lineWidth));
  const pairs: { p: number; g: number; iou: number }[] = [];
  pm.forEach((a, p) => gm.forEach((b, g) => pairs.push({ p, g, iou: iou(a, b) })));
  pairs.sort((a, b) => b.iou - a.iou);
  const usedP = new Set<number>();
  const usedG = new Set<number>();
  for (const m of pairs) {
    if (m.iou < iouThreshold || usedP.has(m.p) || usedG.has(m.g)) continue;
    usedP.add(m.p);
    usedG.add(m.g);
  }
  return { tp: usedP.size, fp: pred.length - usedP.size, fn: gt.length - usedG.size };
}
