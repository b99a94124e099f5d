/**
 * A vehicle as a few shaded boxes in its own frame (x forward, y left, z up, origin at the centre
 * of the footprint): lower body, cabin with glass, wheels, tail and head lights. Ray tests are
 * slab tests in that frame.
 */
import type { VehicleSpec } from "../world/types.js";

/** What a box is made of (shading differs). */
export const VEHICLE_MATERIAL = {
  paint: 0,
  glass: 1,
  tyre: 2,
  tailLight: 3,
  headLight: 4,
} as const;

/** Floats per box: minX minY minZ maxX maxY maxZ material. */
export const BOX_STRIDE = 7;

export interface VehicleShape {
  boxes: Float64Array;
  count: number;
  /** Half extents of the whole shape (for culling and shadows). */
  halfLength: number;
  halfWidth: number;
  height: number;
}

export function vehicleShape(spec: VehicleSpec): VehicleShape {
  const L = spec.length;
  const W = spec.width;
  const H = spec.height;
  const hl = L / 2;
  const hw = W / 2;
  const boxes: number[][] = [];
  const M = VEHICLE_MATERIAL;
  const tall = H > 1.9;
  const beltZ = tall ? H * 0.55 : H * 0.6;
  const clearance = 0.18;
  boxes.push([-hl, -hw, clearance, hl, hw, beltZ, M.paint]);
  if (tall) {
    // Van or truck: a box body with a windscreen band at the front.
    boxes.push([-hl, -hw, beltZ, hl - 0.9, hw, H, M.paint]);
    boxes.push([hl - 0.9, -hw + 0.05, beltZ, hl - 0.15, hw - 0.05, H - 0.12, M.glass]);
  } else {
    boxes.push([-hl + 0.18 * L, -hw + 0.1, beltZ, hl - 0.3 * L, hw - 0.1, H - 0.05, M.glass]);
    boxes.push([-hl + 0.2 * L, -hw + 0.14, H - 0.05, hl - 0.32 * L, hw - 0.14, H, M.paint]);
  }
  const wheelR = 0.33;
  for (const wx of [hl - 0.75, -hl + 0.8]) {
    for (const side of [1, -1]) {
      const y0 = side > 0 ? hw - 0.24 : -hw - 0.01;
      boxes.push([wx - wheelR, y0, 0, wx + wheelR, y0 + 0.25, 2 * wheelR, M.tyre]);
    }
  }
  for (const side of [1, -1]) {
    const y0 = side > 0 ? hw - 0.32 : -hw + 0.05;
    boxes.push([-hl - 0.03, y0, beltZ - 0.22, -hl + 0.02, y0 + 0.27, beltZ - 0.06, M.tailLight]);
    boxes.push([hl - 0.02, y0, beltZ - 0.25, hl + 0.03, y0 + 0.27, beltZ - 0.12, M.headLight]);
  }
  const flat = new Float64Array(boxes.length * BOX_STRIDE);
  boxes.forEach((b, i) => flat.set(b, i * BOX_STRIDE));
  return {
    boxes: flat,
    count: boxes.length,
    halfLength: hl + 0.03,
    halfWidth: hw + 0.01,
    height: H,
  };
}

/**
 * Nearest hit of a ray (in the vehicle frame) with the shape: distance or -1. Writes the box index
 * to out[0] and the hit face's axis (0 x, 1 y, 2 z) times its sign (+-1..3) to out[1].
 */
export function intersectVehicle(
  shape: VehicleShape,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  out: Int32Array,
): number {
  const b = shape.boxes;
  const ix = 1 / dx;
  const iy = 1 / dy;
  const iz = 1 / dz;
  // Whole-shape bounds first: most rays of the image box miss or hit only a few parts.
  {
    const t1x = (-shape.halfLength - ox) * ix;
    const t2x = (shape.halfLength - ox) * ix;
    const t1y = (-shape.halfWidth - oy) * iy;
    const t2y = (shape.halfWidth - oy) * iy;
    const t1z = -oz * iz;
    const t2z = (shape.height - oz) * iz;
    const lo = Math.max(Math.min(t1x, t2x), Math.min(t1y, t2y), Math.min(t1z, t2z));
    const hi = Math.min(Math.max(t1x, t2x), Math.max(t1y, t2y), Math.max(t1z, t2z));
    if (hi < lo || hi <= 0) {
      out[0] = -1;
      return -1;
    }
  }
  let best = Infinity;
  let bestIndex = -1;
  let bestFace = 0;
  for (let i = 0; i < shape.count; i++) {
    const o = i * BOX_STRIDE;
    let t1 = (b[o]! - ox) * ix;
    let t2 = (b[o + 3]! - ox) * ix;
    let tmin = Math.min(t1, t2);
    let tmax = Math.max(t1, t2);
    let face = t1 < t2 ? -1 : 1;
    t1 = (b[o + 1]! - oy) * iy;
    t2 = (b[o + 4]! - oy) * iy;
    let lo = Math.min(t1, t2);
    if (lo > tmin) {
      tmin = lo;
      face = t1 < t2 ? -2 : 2;
    }
    tmax = Math.min(tmax, Math.max(t1, t2));
    t1 = (b[o + 2]! - oz) * iz;
    t2 = (b[o + 5]! - oz) * iz;
    lo = Math.min(t1, t2);
    if (lo > tmin) {
      tmin = lo;
      face = t1 < t2 ? -3 : 3;
    }
    tmax = Math.min(tmax, Math.max(t1, t2));
    if (tmax >= tmin && tmin > 0 && tmin < best) {
      best = tmin;
      bestIndex = i;
      bestFace = face;
    }
  }
  out[0] = bestIndex;
  out[1] = bestFace;
  return bestIndex < 0 ? -1 : best;
}
