/**
 * The zero-download fallback person detector: OpenCV's HOG descriptor with its default people SVM
 * (Dalal-Triggs, trained on INRIA upright pedestrians), through opencv-wasm. Far weaker and slower
 * than the ONNX detectors: it finds upright people at least about 128 px tall at the processing
 * scale. Used only when no model file is available, and reported as such.
 */
import { PerceptionError } from "../core/errors.js";
import type { ImageView } from "../image/image-view.js";
import { cvError, loadCv, matFromView, withMats, type Cv } from "../image/mats.js";
import { clipDetection, type Detection } from "./detection.js";
import { nonMaxSuppression } from "./nms.js";

export interface HogPeopleDetectorOptions {
  /**
   * Frames are resized to this width before detection (cost grows with the area: about 0.3 s at
   * 640, 0.7-1.2 s at 960 on the 2-core target). Wider than the frame upscales, finding smaller
   * people. Default 960.
   */
  processingWidth?: number;
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

/** Fraction of the HOG window around the person: [left/right, top/bottom]. */
const WINDOW_MARGIN = { x: 14 / 64, y: 16 / 128 } as const;

export class HogPeopleDetector {
  private constructor(
    private readonly cv: Cv,
    private readonly hog: { detectMultiScale(...args: unknown[]): void; delete(): void },
    private readonly options: Required<HogPeopleDetectorOptions>,
  ) {}

  /** Loads opencv-wasm and the default people SVM. */
  static async create(options: HogPeopleDetectorOptions = {}): Promise<HogPeopleDetector> {
    const cv = await loadCv();
    const o: Required<HogPeopleDetectorOptions> = {
      processingWidth: options.processingWidth ?? 960,
      winStride: options.winStride ?? 8,
      padding: options.padding ?? 8,
      pyramidScale: options.pyramidScale ?? 1.05,
      hitThreshold: options.hitThreshold ?? 0,
      groupThreshold: options.groupThreshold ?? 2,
      scoreThreshold: options.scoreThreshold ?? 0.2,
      tightenToPerson: options.tightenToPerson ?? true,
    };
    if (!(o.processingWidth >= 64)) throw new PerceptionError("parameter", `HOG processingWidth must be >= 64, got ${o.processingWidth}`);
    if (!(o.pyramidScale > 1)) throw new PerceptionError("parameter", `HOG pyramidScale must be > 1, got ${o.pyramidScale}`);
    let hog: { setSVMDetector(m: unknown): void; detectMultiScale(...args: unknown[]): void; delete(): void } | undefined;
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

  /** People in the frame: boxes in image pixels, classId 0, best first. */
  detect(view: ImageView): Detection[] {
    const cv = this.cv;
    const o = this.options;
    try {
      return withMats((track) => {
        const src = matFromView(cv, track, view);
        let grey = src;
        if (view.format !== "mono8") {
          grey = track(new cv.Mat());
          cv.cvtColor(src, grey, cv.COLOR_RGB2GRAY);
        }
        const s = o.processingWidth / view.width;
        let work = grey;
        if (Math.abs(s - 1) > 1e-6) {
          work = track(new cv.Mat());
          const size = new cv.Size(o.processingWidth, Math.max(1, Math.round(view.height * s)));
          cv.resize(grey, work, size, 0, 0, s < 1 ? cv.INTER_AREA : cv.INTER_LINEAR);
        }
        const sy = work.rows / view.height;
        const rects = track(new cv.RectVector());
        const weights = track(new cv.DoubleVector());
        this.hog.detectMultiScale(
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
        const found: Detection[] = [];
        for (let i = 0; i < rects.size(); i++) {
          const r = rects.get(i) as { x: number; y: number; width: number; height: number };
          const margin = weights.get(i) as number;
          const score = 1 - Math.exp(-Math.max(0, margin));
          if (score < o.scoreThreshold) continue;
          const mx = o.tightenToPerson ? r.width * WINDOW_MARGIN.x : 0;
          const my = o.tightenToPerson ? r.height * WINDOW_MARGIN.y : 0;
          found.push(
            clipDetection(
              { x1: (r.x + mx) / s, y1: (r.y + my) / sy, x2: (r.x + r.width - mx) / s, y2: (r.y + r.height - my) / sy, score, classId: 0 },
              view.width,
              view.height,
            ),
          );
        }
        return nonMaxSuppression(found, { iouThreshold: 0.5 });
      });
    } catch (err) {
      throw cvError(err, "model", "HOG people detection failed");
    }
  }

  /** Frees the descriptor (WASM memory). */
  release(): void {
    this.hog.delete();
  }
}
