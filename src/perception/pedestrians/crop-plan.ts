/**
 * Where to look again, at a larger scale, for people the whole-frame pass is too coarse to find.
 *
 * A 1280x720 frame letterboxed into YOLOX-Nano's 416x416 input shrinks a 40 px person to 13 px,
 * below what the model resolves. Running the model on every native-scale tile of every frame costs
 * 6-8 passes; instead, crops go only where a small person can be:
 *
 *  - **the horizon band** (from the camera geometry): a person standing on flat ground far enough
 *    to look small has their head just above the horizon and their feet just below it (the feet
 *    are `mountHeight / personHeight` of the person's pixel height below it), so a strip of square
 *    crops along the horizon holds every small person on the ground;
 *  - **map regions** (crosswalks ahead, from the HD map and the pose): a crop around the region,
 *    as small as the expected person height at its range asks for (the model then upsamples it).
 *
 * Crops are in source pixels; the model letterboxes each into its input (a crop of side 416 runs
 * at native scale, a smaller one is upsampled).
 */
import { PerceptionError } from "../../core/errors.js";
import type { CameraModel } from "../../geometry/camera-model.js";
import type { Pixel, Vec3 } from "../../geometry/types.js";
import type { PixelRect } from "../../image/crop.js";

/** The part of CameraGeometry the planner needs. */
export interface HorizonGeometry {
  /** Image row of the horizon at column u (NaN when undefined). */
  horizonRow(u?: number): number;
  /** Pixel of a base_link point; undefined behind the camera. */
  groundToPixel(pBase: Vec3): Pixel | undefined;
  /** The camera's intrinsics, when known (the focal length sets the band crops' side in pixels). */
  readonly model?: Pick<CameraModel, "fx">;
}

export interface BandCropOptions {
  /** Side of each square crop in source pixels (416 = YOLOX-Nano at native scale). */
  side: number;
  /** Least overlap between neighbouring crops as a fraction of the side (0..0.9); a person cut by one crop's edge lies whole in the next. */
  overlap: number;
  /** Fraction of the side above the horizon row (0..1); the rest is below, where the feet of nearer people are. */
  aboveHorizon: number;
  /**
   * Least zoom of a crop over the whole-frame pass (crop scale / whole-frame scale, for a model
   * input of `inputSide`); a smaller frame, where the crops would zoom less, gets none: they would
   * cost a full pass each and find little the whole frame does not.
   */
  minZoom: number;
  /** The model's input side, pixels (416 for YOLOX-Nano). */
  inputSide: number;
}

/** A crop to run the model on, and why. */
export interface PlannedCrop {
  /** The rectangle, in source pixels, inside the image. */
  rect: PixelRect;
  /** "band": along the horizon; "map": around a map region (crosswalk) ahead. */
  source: "band" | "map";
  /** For map crops: the map feature's id. */
  featureId?: string;
}

/**
 * How big a band crop is: an angle at the camera rather than pixels, so that a camera of another
 * resolution or lens puts a person at a given range into the model input at the same size (a
 * 416 px crop of a 1920x1080 frame covers two thirds of the angle it covers at 1280x720, and
 * people there come out 1.5 times as large as the model was sized for).
 */
export interface BandCropSizing {
  /** Angle one side of a band crop subtends at the camera centre, degrees (21.25: 416 px at 1280 wide with a 60 degree horizontal field of view). */
  sideDeg: number;
  /** Least side, source pixels (the model's input side: a smaller crop would only be upsampled). */
  minSidePx: number;
  /** Horizontal field of view assumed for frames without calibration, degrees. */
  fallbackHorizontalFovDeg: number;
}

/**
 * The side in source pixels of a band crop of `sizing.sideDeg`, for a camera of focal length
 * `focalLengthPx` (undefined: no calibration, the fallback field of view over `imageWidth`), never
 * below `sizing.minSidePx`.
 */
export function bandCropSidePx(
  imageWidth: number,
  focalLengthPx: number | undefined,
  sizing: BandCropSizing,
): number {
  const { sideDeg, minSidePx, fallbackHorizontalFovDeg: fov } = sizing;
  if (!(sideDeg > 0 && sideDeg < 170))
    throw new PerceptionError(
      "parameter",
      `band crop side must be in (0, 170) degrees, got ${sideDeg}`,
    );
  if (!(minSidePx >= 32))
    throw new PerceptionError(
      "parameter",
      `band crop least side must be >= 32 px, got ${minSidePx}`,
    );
  if (!(fov > 0 && fov < 180))
    throw new PerceptionError(
      "parameter",
      `fallback horizontal field of view must be in (0, 180) degrees, got ${fov}`,
    );
  if (!(imageWidth > 0))
    throw new PerceptionError("parameter", `image width must be positive, got ${imageWidth}`);
  if (focalLengthPx !== undefined && !(focalLengthPx > 0))
    throw new PerceptionError("calibration", `focal length must be positive, got ${focalLengthPx}`);
  const fx = focalLengthPx ?? imageWidth / 2 / Math.tan((fov * Math.PI) / 360);
  return Math.max(minSidePx, 2 * fx * Math.tan((sideDeg * Math.PI) / 360));
}

function checkBand(o: BandCropOptions): void {
  if (!(o.side >= 32))
    throw new PerceptionError("parameter", `band crop side must be >= 32 px, got ${o.side}`);
  if (!(o.overlap >= 0 && o.overlap <= 0.9))
    throw new PerceptionError(
      "parameter",
      `band crop overlap must be in [0, 0.9], got ${o.overlap}`,
    );
  if (!(o.aboveHorizon >= 0 && o.aboveHorizon <= 1))
    throw new PerceptionError(
      "parameter",
      `band crop aboveHorizon must be in [0, 1], got ${o.aboveHorizon}`,
    );
  if (!(o.minZoom >= 0 && o.inputSide > 0))
    throw new PerceptionError(
      "parameter",
      `band crop minZoom must be >= 0 and inputSide > 0, got ${o.minZoom}, ${o.inputSide}`,
    );
}

/** Keeps x and width even for the 4:2:2 pixel formats. */
function evenRect(r: PixelRect, imageWidth: number, even: boolean): PixelRect {
  if (!even) return r;
  let { x, width } = r;
  if (x % 2) x -= 1;
  if (width % 2) width -= 1;
  if (x + width > imageWidth) width -= 2;
  return { ...r, x, width };
}

/**
 * Square crops of `side` along the horizon band, left to right, covering the full width with at
 * least the given overlap. `horizonRow` is the band's horizon (the geometry's at the image centre,
 * or a guess for frames without calibration). A horizon far outside the image (camera pitched
 * steeply) still gives a band clamped into it. Empty when the crops would zoom less than
 * `minZoom` over the whole frame (small frames).
 */
export function horizonBandCrops(
  imageWidth: number,
  imageHeight: number,
  horizonRow: number,
  o: BandCropOptions,
  evenX = false,
): PlannedCrop[] {
  checkBand(o);
  if (!Number.isFinite(horizonRow))
    throw new PerceptionError("parameter", `horizon row must be finite, got ${horizonRow}`);
  const side = Math.min(Math.round(o.side), imageWidth, imageHeight);
  const wholeScale = o.inputSide / Math.max(imageWidth, imageHeight);
  const cropScale = o.inputSide / side;
  if (cropScale / wholeScale < o.minZoom) return [];
  const top = Math.min(
    Math.max(0, Math.round(horizonRow - o.aboveHorizon * side)),
    imageHeight - side,
  );
  const step = side * (1 - o.overlap);
  const count = imageWidth <= side ? 1 : Math.ceil((imageWidth - side) / step) + 1;
  const crops: PlannedCrop[] = [];
  for (let i = 0; i < count; i++) {
    const x = count === 1 ? 0 : Math.round(((imageWidth - side) * i) / (count - 1));
    crops.push({
      rect: evenRect({ x, y: top, width: side, height: side }, imageWidth, evenX),
      source: "band",
    });
  }
  return crops;
}

/** The horizon row a band is centred on: the geometry's at the image centre, else the fallback fraction of the height. */
export function bandHorizonRow(
  geometry: Pick<HorizonGeometry, "horizonRow"> | undefined,
  imageWidth: number,
  imageHeight: number,
  fallbackFraction: number,
): number {
  const row = geometry?.horizonRow(imageWidth / 2);
  return row !== undefined && Number.isFinite(row) ? row : imageHeight * fallbackFraction;
}

export interface RegionCropOptions {
  /** Height of a person, metres (sets the expected pixel height at a range). */
  personHeightM: number;
  /** Wanted person height in the model input, pixels: the crop shrinks (upsamples) until a person at the region's far edge reaches it. */
  targetPersonPx: number;
  /** Model input side, pixels (416 for YOLOX-Nano). */
  inputSide: number;
  /** Smallest crop side, source pixels (caps the upsampling at inputSide / minSide). */
  minSide: number;
  /** Regions whose far-edge person already reaches targetPersonPx in the whole-frame pass need no crop. */
  fullFrameScale: number;
  /** Metres added around a region (people wait at the kerb beside a crossing). */
  marginM: number;
  /** Least zoom of a crop over the whole-frame pass; a region whose crop would zoom less gets none. */
  minZoom: number;
}

/**
 * Crops around map regions ahead: each region (a polygon in base_link, metres) widened by
 * `marginM` is projected with its ground points and points `personHeightM` above them; the crop
 * is a square centred on that box, of the side at which a person at the region's farthest point
 * is `targetPersonPx` tall in the model input (never smaller than `minSide`, never larger than the
 * image, and at least as large as the projected region when possible). Regions behind the camera,
 * out of the image, near enough that the whole-frame pass already sees people large enough, or
 * whose crop would zoom less than `minZoom` over the whole frame give no crop.
 */
export function regionCrops(
  regions: readonly { id: string; polygon: readonly { x: number; y: number }[] }[],
  geometry: HorizonGeometry,
  imageWidth: number,
  imageHeight: number,
  o: RegionCropOptions,
  evenX = false,
): PlannedCrop[] {
  if (
    !(
      o.minSide >= 16 &&
      o.inputSide > 0 &&
      o.targetPersonPx > 0 &&
      o.personHeightM > 0 &&
      o.fullFrameScale > 0 &&
      o.marginM >= 0
    )
  ) {
    throw new PerceptionError(
      "parameter",
      `region crop options out of range: ${JSON.stringify(o)}`,
    );
  }
  const out: PlannedCrop[] = [];
  for (const region of regions) {
    if (region.polygon.length < 3) continue;
    const cx = region.polygon.reduce((s, p) => s + p.x, 0) / region.polygon.length;
    const cy = region.polygon.reduce((s, p) => s + p.y, 0) / region.polygon.length;
    let u0 = Infinity;
    let v0 = Infinity;
    let u1 = -Infinity;
    let v1 = -Infinity;
    let farRange = 0;
    let personPx = Infinity;
    let seen = 0;
    for (const p of region.polygon) {
      // Push each vertex outwards from the centroid by the margin.
      const d = Math.hypot(p.x - cx, p.y - cy) || 1;
      const q = { x: p.x + ((p.x - cx) / d) * o.marginM, y: p.y + ((p.y - cy) / d) * o.marginM };
      if (q.x <= 0.5) continue; // behind or beside the camera
      const foot = geometry.groundToPixel({ x: q.x, y: q.y, z: 0 });
      const head = geometry.groundToPixel({ x: q.x, y: q.y, z: o.personHeightM });
      if (!foot || !head) continue;
      seen++;
      u0 = Math.min(u0, foot.u, head.u);
      u1 = Math.max(u1, foot.u, head.u);
      v0 = Math.min(v0, head.v);
      v1 = Math.max(v1, foot.v);
      farRange = Math.max(farRange, Math.hypot(q.x, q.y));
      personPx = Math.min(personPx, Math.abs(foot.v - head.v));
    }
    if (seen === 0 || !Number.isFinite(personPx)) continue;
    // Outside the image altogether.
    if (u1 < 0 || u0 >= imageWidth || v1 < 0 || v0 >= imageHeight) continue;
    // Near enough: the whole-frame pass sees them at targetPersonPx already.
    if (personPx * o.fullFrameScale >= o.targetPersonPx) continue;
    const wanted = (personPx * o.inputSide) / o.targetPersonPx;
    const extent = Math.max(
      Math.min(u1, imageWidth) - Math.max(u0, 0),
      Math.min(v1, imageHeight) - Math.max(v0, 0),
    );
    let side = Math.max(
      o.minSide,
      Math.min(Math.max(wanted, Math.min(extent, o.inputSide)), imageWidth, imageHeight),
    );
    side = Math.round(Math.min(side, imageWidth, imageHeight));
    if (o.inputSide / side / o.fullFrameScale < o.minZoom) continue;
    const mu = (Math.max(u0, 0) + Math.min(u1, imageWidth)) / 2;
    const mv = (Math.max(v0, 0) + Math.min(v1, imageHeight)) / 2;
    const x = Math.min(Math.max(0, Math.round(mu - side / 2)), imageWidth - side);
    const y = Math.min(Math.max(0, Math.round(mv - side / 2)), imageHeight - side);
    out.push({
      rect: evenRect({ x, y, width: side, height: side }, imageWidth, evenX),
      source: "map",
      featureId: region.id,
    });
  }
  return out;
}

/**
 * Which crops of a list run on which frame: `count` of them on each call, in turn (round robin),
 * so every crop is looked at every ceil(length / count) frames and the tracker keeps people
 * between visits. A count >= the list's length runs them all.
 */
export class CropSchedule {
  #next = 0;

  /** The next `count` crops (advances the turn). */
  take<T>(crops: readonly T[], count: number): T[] {
    if (!(Number.isInteger(count) && count >= 0))
      throw new PerceptionError(
        "parameter",
        `crops per frame must be a whole number >= 0, got ${count}`,
      );
    if (crops.length === 0 || count === 0) return [];
    if (count >= crops.length) return [...crops];
    const out: T[] = [];
    const start = this.#next % crops.length;
    for (let i = 0; i < count; i++) out.push(crops[(start + i) % crops.length]!);
    this.#next = (start + count) % crops.length;
    return out;
  }

  /** Starts again from the first crop (a new time line). */
  reset(): void {
    this.#next = 0;
  }
}
