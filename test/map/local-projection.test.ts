import { describe, expect, it } from "vitest";
import { LocalProjection } from "../../src/map/local-projection.js";

// Munich-ish origin.
const origin = { latitude: 48.137154, longitude: 11.576124, altitude: 519 };
const projection = new LocalProjection(origin);

describe("LocalProjection", () => {
  it("puts the origin at (0, 0, 0)", () => {
    const p = projection.toLocal(origin);
    expect(Math.hypot(p.x, p.y, p.z)).toBeLessThan(1e-6);
  });

  it("is ENU: x east, y north, z up, with the right scale", () => {
    // One arc-second of latitude at 48 deg is ~30.9 m north; of longitude ~20.7 m east.
    const north = projection.toLocal({ ...origin, latitude: origin.latitude + 1 / 3600 });
    expect(north.y).toBeCloseTo(30.88, 1);
    expect(Math.abs(north.x)).toBeLessThan(1e-6);
    const east = projection.toLocal({ ...origin, longitude: origin.longitude + 1 / 3600 });
    expect(east.x).toBeCloseTo(20.67, 1);
    expect(Math.abs(east.y)).toBeLessThan(1e-3);
    const up = projection.toLocal({ ...origin, altitude: origin.altitude + 10 });
    expect(up.z).toBeCloseTo(10, 9);
  });

  it("round-trips to sub-millimetre 100 km away and in the southern/western hemispheres", () => {
    for (const o of [
      origin,
      { latitude: -33.8688, longitude: -70.6693, altitude: 0 },
      { latitude: 0, longitude: 179.99, altitude: 0 },
    ]) {
      const p = new LocalProjection(o);
      for (const v of [
        { x: 100_000, y: -50_000, z: 3 },
        { x: -12.345, y: 678.9, z: -1 },
      ]) {
        const back = p.toLocal(p.toGeo(v));
        expect(Math.hypot(back.x - v.x, back.y - v.y, back.z - v.z)).toBeLessThan(1e-3);
      }
    }
  });

  it("rejects origins outside WGS84 ranges", () => {
    expect(() => new LocalProjection({ latitude: 91, longitude: 0, altitude: 0 })).toThrow(
      /latitude/,
    );
    expect(() => new LocalProjection({ latitude: 0, longitude: NaN, altitude: 0 })).toThrow(
      /longitude/,
    );
  });
});
