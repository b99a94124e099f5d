import { describe, expect, it } from "vitest";
import {
  angleBetweenQuats,
  eulerFromQuat,
  matrixFromQuat,
  normalizeQuat,
  quatFromMatrix,
  rotateVec3,
} from "../../src/geometry/quaternion.js";
import {
  composeTransforms,
  identityTransform,
  interpolateTransforms,
  invertTransform,
  quatFromEuler,
  slerpQuat,
  transformPoint,
  yawOf,
} from "../../src/geometry/transform.js";
import type { Transform, Vec3 } from "../../src/geometry/types.js";

function expectVec(a: Vec3, b: Vec3, digits = 9): void {
  expect(a.x).toBeCloseTo(b.x, digits);
  expect(a.y).toBeCloseTo(b.y, digits);
  expect(a.z).toBeCloseTo(b.z, digits);
}

const someTransform: Transform = {
  translation: { x: 1, y: -2, z: 0.5 },
  rotation: quatFromEuler(0.1, -0.2, 2.5),
};

describe("quaternions", () => {
  it("rotates by yaw counter-clockwise about z (REP-103)", () => {
    expectVec(rotateVec3(quatFromEuler(0, 0, Math.PI / 2), { x: 1, y: 0, z: 0 }), {
      x: 0,
      y: 1,
      z: 0,
    });
  });
  it("positive pitch points x down, positive roll lifts y", () => {
    expectVec(rotateVec3(quatFromEuler(0, Math.PI / 2, 0), { x: 1, y: 0, z: 0 }), {
      x: 0,
      y: 0,
      z: -1,
    });
    expectVec(rotateVec3(quatFromEuler(Math.PI / 2, 0, 0), { x: 0, y: 1, z: 0 }), {
      x: 0,
      y: 0,
      z: 1,
    });
  });
  it("round-trips Euler angles and matrices", () => {
    const q = quatFromEuler(0.3, -0.4, -2.9);
    const e = eulerFromQuat(q);
    expect(e.roll).toBeCloseTo(0.3, 12);
    expect(e.pitch).toBeCloseTo(-0.4, 12);
    expect(e.yaw).toBeCloseTo(-2.9, 12);
    expect(yawOf(q)).toBeCloseTo(-2.9, 12);
    expect(angleBetweenQuats(quatFromMatrix(matrixFromQuat(q)), q)).toBeLessThan(1e-7);
  });
  it("slerps at constant angular rate along the shorter arc", () => {
    const a = quatFromEuler(0, 0, 0.2);
    const b = quatFromEuler(0, 0, 1.4);
    expect(yawOf(slerpQuat(a, b, 0.25))).toBeCloseTo(0.5, 12);
    // The same rotation with a negated quaternion must still interpolate the short way.
    const bNeg = { x: -b.x, y: -b.y, z: -b.z, w: -b.w };
    expect(yawOf(slerpQuat(a, bNeg, 0.5))).toBeCloseTo(0.8, 12);
    // Across +-pi.
    expect(
      Math.abs(yawOf(slerpQuat(quatFromEuler(0, 0, 3.0), quatFromEuler(0, 0, -3.0), 0.5))),
    ).toBeCloseTo(Math.PI, 9);
  });
  it("refuses to normalise a zero quaternion", () => {
    expect(() => normalizeQuat({ x: 0, y: 0, z: 0, w: 0 })).toThrow(RangeError);
  });
});

describe("transforms", () => {
  it("maps child points into the parent frame: p_parent = R p + t", () => {
    const t: Transform = {
      translation: { x: 10, y: 0, z: 0 },
      rotation: quatFromEuler(0, 0, Math.PI / 2),
    };
    expectVec(transformPoint(t, { x: 1, y: 0, z: 0 }), { x: 10, y: 1, z: 0 });
  });
  it("composes as a * b (apply b first)", () => {
    const aFromB: Transform = {
      translation: { x: 1, y: 0, z: 0 },
      rotation: quatFromEuler(0, 0, Math.PI / 2),
    };
    const bFromC: Transform = {
      translation: { x: 0, y: 2, z: 0 },
      rotation: quatFromEuler(0, 0, 0),
    };
    const p = { x: 0.5, y: -1, z: 3 };
    expectVec(
      transformPoint(composeTransforms(aFromB, bFromC), p),
      transformPoint(aFromB, transformPoint(bFromC, p)),
    );
    // Hand-computed: bFromC moves (0,0,0) to (0,2,0), aFromB rotates it to (-2,0,0) then adds (1,0,0).
    expectVec(transformPoint(composeTransforms(aFromB, bFromC), { x: 0, y: 0, z: 0 }), {
      x: -1,
      y: 0,
      z: 0,
    });
  });
  it("inverts exactly", () => {
    const p = { x: 3, y: 4, z: -5 };
    expectVec(transformPoint(invertTransform(someTransform), transformPoint(someTransform, p)), p);
    const id = composeTransforms(someTransform, invertTransform(someTransform));
    expectVec(id.translation, identityTransform().translation);
    expect(angleBetweenQuats(id.rotation, identityTransform().rotation)).toBeLessThan(1e-7);
  });
  it("interpolates translation linearly and rotation by slerp", () => {
    const a: Transform = { translation: { x: 0, y: 0, z: 0 }, rotation: quatFromEuler(0, 0, 0) };
    const b: Transform = { translation: { x: 2, y: 4, z: 0 }, rotation: quatFromEuler(0, 0, 1) };
    const m = interpolateTransforms(a, b, 0.75);
    expectVec(m.translation, { x: 1.5, y: 3, z: 0 });
    expect(yawOf(m.rotation)).toBeCloseTo(0.75, 12);
  });
});
