/**
 * A pedestrian as an articulated 3D body: head (with hair), neck, torso, pelvis, upper arms,
 * forearms, hands, thighs, shins and feet as capsules, posed by a walking phase (legs and arms
 * swing in opposition, knees bend, the body bobs). Proportions scale with height.
 */
import type { PedestrianState } from "../world/actors.js";

/** Colour slot of a body part. */
export const PART_COLOR = { skin: 0, hair: 1, top: 2, bottom: 3, shoes: 4 } as const;

/** Floats per capsule in a BodyCapsules array: ax ay az bx by bz radius colourSlot. */
export const CAPSULE_STRIDE = 8;

/** Capsules of a posed body in the map frame, plus its axis-aligned bounds. */
export interface PosedBody {
  capsules: Float64Array;
  count: number;
  min: [number, number, number];
  max: [number, number, number];
}

type V3 = [number, number, number];

/** The body of a pedestrian at an instant, in the map frame (feet on z = 0). */
export function posePedestrian(state: PedestrianState): PosedBody {
  const k = state.spec.look.height / 1.75;
  const walking = state.speed > 0.05;
  const phi = state.phase;
  const swing = walking ? 0.42 : 0;
  const list: Array<[V3, V3, number, number]> = [];
  const hipZ = 0.92 * k;
  const thigh = 0.45 * k;
  const shin = 0.44 * k;
  const legs: Array<{ y: number; theta: number; knee: number }> = [
    {
      y: 0.09 * k,
      theta: swing * Math.sin(phi),
      knee: walking ? 0.08 + 0.55 * Math.max(0, Math.sin(phi + 1.9)) : 0.04,
    },
    {
      y: -0.09 * k,
      theta: -swing * Math.sin(phi),
      knee: walking ? 0.08 + 0.55 * Math.max(0, Math.sin(phi + 1.9 + Math.PI)) : 0.04,
    },
  ];
  const ankles: V3[] = [];
  const knees: V3[] = [];
  for (const leg of legs) {
    const knee: V3 = [thigh * Math.sin(leg.theta), leg.y, hipZ - thigh * Math.cos(leg.theta)];
    const a = leg.theta - leg.knee;
    const ankle: V3 = [knee[0] + shin * Math.sin(a), leg.y, knee[2] - shin * Math.cos(a)];
    knees.push(knee);
    ankles.push(ankle);
  }
  // Bob the body so the lower ankle stays just above the ground.
  const lift = 0.075 * k - Math.min(ankles[0]![2], ankles[1]![2]);
  const up = (p: V3): V3 => [p[0], p[1], p[2] + lift];
  legs.forEach((leg, i) => {
    const hip: V3 = [0, leg.y, hipZ];
    list.push([up(hip), up(knees[i]!), 0.078 * k, PART_COLOR.bottom]);
    list.push([up(knees[i]!), up(ankles[i]!), 0.058 * k, PART_COLOR.bottom]);
    const ankle = up(ankles[i]!);
    list.push([
      ankle,
      [ankle[0] + 0.17 * k, ankle[1], Math.max(0.035 * k, ankle[2] - 0.04 * k)],
      0.045 * k,
      PART_COLOR.shoes,
    ]);
  });
  const z = (v: number): number => v * k + lift;
  list.push([[0, 0.09 * k, z(0.95)], [0, -0.09 * k, z(0.95)], 0.115 * k, PART_COLOR.bottom]);
  list.push([[0, 0.075 * k, z(1.02)], [0, 0.095 * k, z(1.36)], 0.125 * k, PART_COLOR.top]);
  list.push([[0, -0.075 * k, z(1.02)], [0, -0.095 * k, z(1.36)], 0.125 * k, PART_COLOR.top]);
  list.push([[0, 0, z(1.42)], [0, 0, z(1.53)], 0.05 * k, PART_COLOR.skin]);
  list.push([[0.01 * k, 0, z(1.625)], [0.01 * k, 0, z(1.625)], 0.1 * k, PART_COLOR.skin]);
  list.push([[-0.018 * k, 0, z(1.648)], [-0.018 * k, 0, z(1.648)], 0.1 * k, PART_COLOR.hair]);
  const arm = walking ? 0.38 : 0.04;
  for (const [side, sign] of [
    [1, 1],
    [-1, -1],
  ] as const) {
    const alpha = -sign * arm * Math.sin(phi);
    const sh: V3 = [0, side * 0.2 * k, z(1.39)];
    const upper = 0.3 * k;
    const fore = 0.27 * k;
    const elbow: V3 = [
      sh[0] + upper * Math.sin(alpha),
      sh[1] + side * 0.02 * k,
      sh[2] - upper * Math.cos(alpha),
    ];
    const b = alpha + (walking ? 0.3 : 0.12);
    const wrist: V3 = [elbow[0] + fore * Math.sin(b), elbow[1], elbow[2] - fore * Math.cos(b)];
    list.push([sh, elbow, 0.052 * k, PART_COLOR.top]);
    list.push([elbow, wrist, 0.042 * k, PART_COLOR.skin]);
    const hand: V3 = [
      wrist[0] + 0.05 * k * Math.sin(b),
      wrist[1],
      wrist[2] - 0.05 * k * Math.cos(b),
    ];
    list.push([hand, hand, 0.045 * k, PART_COLOR.skin]);
  }
  // To the map frame.
  const c = Math.cos(state.heading);
  const s = Math.sin(state.heading);
  const caps = new Float64Array(list.length * CAPSULE_STRIDE);
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  list.forEach(([a, b, r, color], i) => {
    const o = i * CAPSULE_STRIDE;
    for (const [p, off] of [
      [a, 0],
      [b, 3],
    ] as const) {
      const x = state.x + c * p[0] - s * p[1];
      const y = state.y + s * p[0] + c * p[1];
      caps[o + off] = x;
      caps[o + off + 1] = y;
      caps[o + off + 2] = p[2];
      min[0] = Math.min(min[0], x - r);
      min[1] = Math.min(min[1], y - r);
      min[2] = Math.min(min[2], p[2] - r);
      max[0] = Math.max(max[0], x + r);
      max[1] = Math.max(max[1], y + r);
      max[2] = Math.max(max[2], p[2] + r);
    }
    caps[o + 6] = r;
    caps[o + 7] = color;
  });
  min[2] = Math.max(0, min[2]);
  return { capsules: caps, count: list.length, min, max };
}

/**
 * Distance along the ray (origin o, unit direction d) to the nearest capsule, or -1; writes the
 * hit capsule's index to out[0]. With `rects` (u0 v0 u1 v1 per capsule: where each capsule can
 * appear in the image), capsules whose rectangle does not hold pixel (u, v) are skipped.
 */
export function intersectBody(
  body: PosedBody,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  out: Int32Array,
  rects?: Int32Array,
  u = 0,
  v = 0,
): number {
  const c = body.capsules;
  let best = Infinity;
  let bestIndex = -1;
  for (let i = 0; i < body.count; i++) {
    if (rects) {
      const r = i * 4;
      if (u < rects[r]! || v < rects[r + 1]! || u > rects[r + 2]! || v > rects[r + 3]!) continue;
    }
    const o = i * CAPSULE_STRIDE;
    const ax = c[o]!;
    const ay = c[o + 1]!;
    const az = c[o + 2]!;
    const r = c[o + 6]!;
    const bax = c[o + 3]! - ax;
    const bay = c[o + 4]! - ay;
    const baz = c[o + 5]! - az;
    const oax = ox - ax;
    const oay = oy - ay;
    const oaz = oz - az;
    const baba = bax * bax + bay * bay + baz * baz;
    let t = -1;
    if (baba < 1e-12) {
      const b = dx * oax + dy * oay + dz * oaz;
      const cc = oax * oax + oay * oay + oaz * oaz - r * r;
      const h = b * b - cc;
      if (h > 0) t = -b - Math.sqrt(h);
    } else {
      const bard = bax * dx + bay * dy + baz * dz;
      const baoa = bax * oax + bay * oay + baz * oaz;
      const rdoa = dx * oax + dy * oay + dz * oaz;
      const oaoa = oax * oax + oay * oay + oaz * oaz;
      const a = baba - bard * bard;
      const b = baba * rdoa - baoa * bard;
      const cc = baba * oaoa - baoa * baoa - r * r * baba;
      let h = b * b - a * cc;
      if (h >= 0) {
        const tt = (-b - Math.sqrt(h)) / a;
        const y = baoa + tt * bard;
        if (y > 0 && y < baba) t = tt;
        else {
          const ex = y <= 0 ? oax : ox - c[o + 3]!;
          const ey = y <= 0 ? oay : oy - c[o + 4]!;
          const ez = y <= 0 ? oaz : oz - c[o + 5]!;
          const b2 = dx * ex + dy * ey + dz * ez;
          const c2 = ex * ex + ey * ey + ez * ez - r * r;
          h = b2 * b2 - c2;
          if (h > 0) t = -b2 - Math.sqrt(h);
        }
      }
    }
    if (t > 0 && t < best) {
      best = t;
      bestIndex = i;
    }
  }
  out[0] = bestIndex;
  return bestIndex < 0 ? -1 : best;
}

/** The outward unit normal of capsule `i` at point p. */
export function capsuleNormal(
  body: PosedBody,
  i: number,
  px: number,
  py: number,
  pz: number,
): [number, number, number] {
  const c = body.capsules;
  const o = i * CAPSULE_STRIDE;
  const bax = c[o + 3]! - c[o]!;
  const bay = c[o + 4]! - c[o + 1]!;
  const baz = c[o + 5]! - c[o + 2]!;
  const pax = px - c[o]!;
  const pay = py - c[o + 1]!;
  const paz = pz - c[o + 2]!;
  const baba = bax * bax + bay * bay + baz * baz;
  const h = baba > 1e-12 ? Math.min(1, Math.max(0, (pax * bax + pay * bay + paz * baz) / baba)) : 0;
  const nx = pax - bax * h;
  const ny = pay - bay * h;
  const nz = paz - baz * h;
  const n = Math.hypot(nx, ny, nz) || 1;
  return [nx / n, ny / n, nz / n];
}
