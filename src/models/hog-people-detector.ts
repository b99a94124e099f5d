/**
 * The zero-download fallback person detector: OpenCV's HOG descriptor with its default people SVM
 * (Dalal-Triggs, trained on INRIA upright pedestrians), through opencv-wasm. Far weaker and slower
 * than the ONNX detectors: it finds upright people about 100 px tall or more at the processing
 * scale (the person fills about 96 of the window's 128 rows). Used only when no model file is
 * available, and reported as such.
 *
 * Two passes when a band is given: the band of rows where people on the ground stand (from the
 * horizon down) at native resolution, so a 100 px person is seen as 100 px; and the whole frame
 * shrunk to `processingWidth`, for people so near that they stick out of the band. A single pass
 * over a downscaled frame (the old way) shrank a 165 px person on a 1242 px wide frame below what
 * the window resolves.
 */
import { PerceptionError } from "../core/errors.js";
import type { ImageView } from "../image/image-view.js";
import {
  cvError,
  loadCv,
  matFromView,
  withMats,
  type Cv,
  type Deletable,
  type TrackMat,
} from "../image/mats.js";
import { clipDetection, type Detection } from "./detection.js";
import { nonMaxSuppression } from "./nms.js";

export interface HogPeopleDetectorOptions {
  /**
   * Frames are resized to this width before the whole-frame pass (cost grows with the area: about
   * 0.3 s at 640, 0.7-1.2 s at 960 on the 2-core target). Wider than the frame upscales, finding
   * smaller people. Default 960 (640 when a band is given: the band finds the smaller people).
   */
  processingWidth?: number;
  /** Scale of the band pass relative to the source (1 = native resolution). Default 1. */
  bandScale?: number;
  /** Detection window step, pixels at the processing scale. Default 8. */
  winStride?: number;
  /** Padding around the image, pixels. Default 8. */
  padding?: number;
  /** Scale step of the image pyramid (> 1). Default 1.05. */
  pyramidScale?: number;
  /** Minimum SVM margin of a window (OpenCV's hitThreshold). Default 0. */
  hitThreshold?: number;
  /** OpenCV's grouping threshold (windows needed to confirm a detection). Default 2. */
  groupThreshold?: number;
  /** Detections with a confidence (1 - exp(-margin)) below this are dropped. Default 0.2. */
  scoreThreshold?: number;
  /**
   * Shrink the 64x128 window to the person inside it (the INRIA windows leave about 16 px above
   * the head and below the feet, and 14 px at each side), so the box bottom is at the feet. Default true.
   */
  tightenToPerson?: boolean;
}

/** Rows of the window the person fills (INRIA: 96 of 128): the smallest person a pass finds, at its scale. */
const PERSON_ROWS = 96;

/**
 * The band of rows where people on the ground stand, for `detect`. People taller than the
 * smallest one the whole-frame pass finds (PERSON_ROWS * width / wholeWidth rows) are left to that
 * pass; the band holds every shorter one with its detection window: heads are at most a third of
 * the person's height above the horizon (a camera lower than the person's head), with the window's
 * margin above them, and feet at most the person's height below it (a camera as high as the
 * person), plus a twentieth of the image each way for pitch.
 */
export function standingBand(
  width: number,
  height: number,
  horizonRow: number,
  wholeWidth = 640,
): { top: number; bottom: number } {
  const tallest = (PERSON_ROWS * width) / wholeWidth;
  return {
    top: horizonRow - 0.35 * tallest - 0.05 * height,
    bottom: horizonRow + tallest + 0.05 * height,
  };
}

/** Fraction of the HOG window around the person: [left/right, top/bottom]. */
const WINDOW_MARGIN = { x: 14 / 64, y: 16 / 128 } as const;

export class HogPeopleDetector {
  readonly #cv: Cv;
  readonly #hog: { detectMultiScale(...args: unknown[]): void; delete(): void };
  readonly #options: Required<HogPeopleDetectorOptions>;

  private constructor(
    cv: Cv,
    hog: { detectMultiScale(...args: unknown[]): void; delete(): void },
    options: Required<HogPeopleDetectorOptions>,
  ) {
    this.#cv = cv;
    this.#hog = hog;
    this.#options = options;
  }

  /** Loads opencv-wasm and the default people SVM. */
  static async create(options: HogPeopleDetectorOptions = {}): Promise<HogPeopleDetector> {
    const cv = await loadCv();
    const o: Required<HogPeopleDetectorOptions> = {
      processingWidth: options.processingWidth ?? 0,
      bandScale: options.bandScale ?? 1,
      winStride: options.winStride ?? 8,
      padding: options.padding ?? 8,
      pyramidScale: options.pyramidScale ?? 1.05,
      hitThreshold: options.hitThreshold ?? 0,
      groupThreshold: options.groupThreshold ?? 2,
      scoreThreshold: options.scoreThreshold ?? 0.2,
      tightenToPerson: options.tightenToPerson ?? true,
    };
    if (!(o.bandScale > 0))
      throw new PerceptionError("parameter", `HOG bandScale must be > 0, got ${o.bandScale}`);
    if (!(o.processingWidth === 0 || o.processingWidth >= 64))
      throw new PerceptionError(
        "parameter",
        `HOG processingWidth must be >= 64, got ${o.processingWidth}`,
      );
    if (!(o.pyramidScale > 1))
      throw new PerceptionError("parameter", `HOG pyramidScale must be > 1, got ${o.pyramidScale}`);
    let hog:
      | {
          setSVMDetector(m: unknown): void;
          detectMultiScale(...args: unknown[]): void;
          delete(): void;
        }
      | undefined;
    try {
      hog = new cv.HOGDescriptor();
      withMats((track) => {
        // getDefaultPeopleDetector gives a FloatVector; setSVMDetector wants a Mat.
        const coefficients = track(cv.HOGDescriptor.getDefaultPeopleDetector());
        const values = new Float32Array(coefficients.size());
        for (let i = 0; i < values.length; i++) values[i] = coefficients.get(i);
        const svm = track(cv.matFromArray(values.length, 1, cv.CV_32F, Array.from(values)));
        hog!.setSVMDetector(svm);
      });
    } catch (err) {
      hog?.delete();
      throw cvError(err, "model", "cannot set up the HOG people detector");
    }
    return new HogPeopleDetector(cv, hog!, o);
  }

  /**
   * People in the frame: boxes in image pixels, classId 0, best first. With `band` (image rows
   * [top, bottom), where people on the ground stand: from a little above the horizon down), that
   * band is searched at `bandScale` and the whole frame at `processingWidth` (default 640);
   * without, the whole frame at `processingWidth` (default 960).
   */
  detect(view: ImageView, band?: { top: number; bottom: number }): Detection[] {
    const cv = this.#cv;
    const o = this.#options;
    try {
      return withMats((track) => {
        const src = matFromView(cv, track, view);
        let grey = src;
        if (view.format !== "mono8") {
          grey = track(new cv.Mat());
          cv.cvtColor(src, grey, cv.COLOR_RGB2GRAY);
        }
        const found: Detection[] = [];
        const top = band ? Math.max(0, Math.min(view.height - 1, Math.floor(band.top))) : 0;
        const bottom = band ? Math.max(top + 1, Math.min(view.height, Math.ceil(band.bottom))) : 0;
        const useBand = band !== undefined && bottom - top >= 64;
        const wholeWidth = o.processingWidth || (useBand ? 640 : 960);
        this.#pass(
          track,
          grey,
          { x: 0, y: 0, width: view.width, height: view.height },
          wholeWidth / view.width,
          view,
          found,
        );
        if (useBand) {
          const rows = track(grey.roi(new cv.Rect(0, top, view.width, bottom - top)));
          this.#pass(
            track,
            rows,
            { x: 0, y: top, width: view.width, height: bottom - top },
            o.bandScale,
            view,
            found,
          );
        }
        return nonMaxSuppression(found, { iouThreshold: 0.5 });
      });
    } catch (err) {
      throw cvError(err, "model", "HOG people detection failed");
    }
  }

  /** One detectMultiScale over `rect` of the frame (given as `img`), scaled by `s`; boxes in frame pixels pushed to `found`. */
  #pass(
    track: TrackMat,
    img: { cols: number; rows: number } & Deletable,
    rect: { x: number; y: number; width: number; height: number },
    s: number,
    view: ImageView,
    found: Detection[],
  ): void {
    const cv = this.#cv;
    const o = this.#options;
    let work = img;
    if (Math.abs(s - 1) > 1e-6) {
      work = track(new cv.Mat());
      const size = new cv.Size(
        Math.max(1, Math.round(rect.width * s)),
        Math.max(1, Math.round(rect.height * s)),
      );
      cv.resize(img, work, size, 0, 0, s < 1 ? cv.INTER_AREA : cv.INTER_LINEAR);
    }
    if (work.cols < 64 || work.rows < 128) return;
    const sx = work.cols / rect.width;
    const sy = work.rows / rect.height;
    const rects = track(new cv.RectVector());
    const weights = track(new cv.DoubleVector());
    this.#hog.detectMultiScale(
      work,
      rects,
      weights,
      o.hitThreshold,
      new cv.Size(o.winStride, o.winStride),
      new cv.Size(o.padding, o.padding),
      o.pyramidScale,
      o.groupThreshold,
      false,
    );
    for (let i = 0; i < rects.size(); i++) {
      const r = rects.get(i) as { x: number; y: number; width: number; height: number };
      const margin = weights.get(i) as number;
      const score = 1 - Math.exp(-Math.max(0, margin));
      if (score < o.scoreThreshold) continue;
      const mx = o.tightenToPerson ? r.width * WINDOW_MARGIN.x : 0;
      const my = o.tightenToPerson ? r.height * WINDOW_MARGIN.y : 0;
      found.push(
        clipDetection(
          {
            x1: rect.x + (r.x + mx) / sx,
            y1: rect.y + (r.y + my) / sy,
            x2: rect.x + (r.x + r.width - mx) / sx,
            y2: rect.y + (r.y + r.height - my) / sy,
            score,
            classId: 0,
          },
          view.width,
          view.height,
        ),
      );
    }
  }

  /** Frees the descriptor (WASM memory). */
  release(): void {
    this.#hog.delete();
  }
}
