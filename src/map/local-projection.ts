import type { Vec3 } from "../geometry/types.js";

/**
 * WGS84 <-> local ENU (the `map` frame of REP-105: x east, y north, z up, metres) around a declared
 * origin, through ECEF. Exact both ways (sub-millimetre round trip anywhere within hundreds of
 * kilometres of the origin), so a map written by the generator and read by the loader agree to
 * millimetres.
 */

/** A geodetic position: degrees, metres above the WGS84 ellipsoid. */
export interface GeoPoint {
  latitude: number;
  longitude: number;
  altitude: number;
}

const A = 6378137.0; // WGS84 semi-major axis
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const B = A * (1 - F);
const EP2 = (A * A - B * B) / (B * B);
const DEG = Math.PI / 180;

function geodeticToEcef(p: GeoPoint): Vec3 {
  const lat = p.latitude * DEG;
  const lon = p.longitude * DEG;
  const sinLat = Math.sin(lat);
  const n = A / Math.sqrt(1 - E2 * sinLat * sinLat);
  const h = p.altitude;
  return {
    x: (n + h) * Math.cos(lat) * Math.cos(lon),
    y: (n + h) * Math.cos(lat) * Math.sin(lon),
    z: (n * (1 - E2) + h) * sinLat,
  };
}

function ecefToGeodetic(e: Vec3): GeoPoint {
  const lon = Math.atan2(e.y, e.x);
  const p = Math.hypot(e.x, e.y);
  // Bowring's closed form as the start, then fixed-point iteration to machine precision.
  const theta = Math.atan2(e.z * A, p * B);
  let lat = Math.atan2(e.z + EP2 * B * Math.sin(theta) ** 3, p - E2 * A * Math.cos(theta) ** 3);
  let h = 0;
  for (let i = 0; i < 10; i++) {
    const sinLat = Math.sin(lat);
    const n = A / Math.sqrt(1 - E2 * sinLat * sinLat);
    h = Math.abs(Math.cos(lat)) > 1e-12 ? p / Math.cos(lat) - n : Math.abs(e.z) - B;
    const next = Math.atan2(e.z, p * (1 - (E2 * n) / (n + h)));
    if (Math.abs(next - lat) < 1e-15) {
      lat = next;
      break;
    }
    lat = next;
  }
  const sinLat = Math.sin(lat);
  const n = A / Math.sqrt(1 - E2 * sinLat * sinLat);
  h = Math.abs(Math.cos(lat)) > 1e-12 ? p / Math.cos(lat) - n : Math.abs(e.z) - B;
  return { latitude: lat / DEG, longitude: lon / DEG, altitude: h };
}

/** Converts between WGS84 and the local ENU frame of one origin. */
export class LocalProjection {
  readonly origin: Readonly<GeoPoint>;
  readonly #o: Vec3;
  readonly #sLat: number;
  readonly #cLat: number;
  readonly #sLon: number;
  readonly #cLon: number;

  constructor(origin: GeoPoint) {
    if (!Number.isFinite(origin.latitude) || Math.abs(origin.latitude) > 90)
      throw new RangeError(`origin latitude must be within [-90, 90], got ${origin.latitude}`);
    if (!Number.isFinite(origin.longitude) || Math.abs(origin.longitude) > 180)
      throw new RangeError(`origin longitude must be within [-180, 180], got ${origin.longitude}`);
    this.origin = Object.freeze({ ...origin, altitude: origin.altitude ?? 0 });
    this.#o = geodeticToEcef(this.origin);
    this.#sLat = Math.sin(origin.latitude * DEG);
    this.#cLat = Math.cos(origin.latitude * DEG);
    this.#sLon = Math.sin(origin.longitude * DEG);
    this.#cLon = Math.cos(origin.longitude * DEG);
  }

  /** WGS84 -> local ENU metres. */
  toLocal(p: GeoPoint): Vec3 {
    const e = geodeticToEcef(p);
    const dx = e.x - this.#o.x;
    const dy = e.y - this.#o.y;
    const dz = e.z - this.#o.z;
    return {
      x: -this.#sLon * dx + this.#cLon * dy,
      y: -this.#sLat * this.#cLon * dx - this.#sLat * this.#sLon * dy + this.#cLat * dz,
      z: this.#cLat * this.#cLon * dx + this.#cLat * this.#sLon * dy + this.#sLat * dz,
    };
  }

  /** Local ENU metres -> WGS84. */
  toGeo(v: Vec3): GeoPoint {
    const dx = -this.#sLon * v.x - this.#sLat * this.#cLon * v.y + this.#cLat * this.#cLon * v.z;
    const dy = this.#cLon * v.x - this.#sLat * this.#sLon * v.y + this.#cLat * this.#sLon * v.z;
    const dz = this.#cLat * v.y + this.#sLat * v.z;
    return ecefToGeodetic({ x: this.#o.x + dx, y: this.#o.y + dy, z: this.#o.z + dz });
  }
}
